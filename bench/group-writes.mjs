/**
 * Scenarios 1 and 2: durable single writes and bulk createMany, each against a
 * hand-written best case doing the same I/O (append + fdatasync + SQLite insert into an
 * equivalent table) on the same records, in the same process, interleaved.
 */
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DIST_INDEX, INDEXED_FIELDS, gc, groupMain, log, makeRecords, openRawDb, removeDir, row, summarize, tempDir } from './lib.mjs';

const { Store } = await import(DIST_INDEX);

await groupMain(async (ctx) => {
  singleWrites(ctx, 'fsync');
  singleWrites(ctx, 'none');
  bulkWrites(ctx);
});

/** A fresh store and a fresh hand-written baseline side by side. */
function openPair(ctx, durability) {
  const storeDir = tempDir(ctx.workRoot, 'w-store');
  const rawDir = tempDir(ctx.workRoot, 'w-raw');
  const store = Store.open(storeDir, { durability });
  const items = store.collection({ name: 'items', indexes: INDEXED_FIELDS });
  const fd = openSync(join(rawDir, 'items.jsonl'), 'a');
  const db = openRawDb(join(rawDir, 'raw.db'));
  const insert = db.prepare('INSERT INTO items (id, updated_at, data) VALUES (?, ?, ?)');
  const close = () => {
    store.close();
    closeSync(fd);
    db.close();
    removeDir(storeDir);
    removeDir(rawDir);
  };
  return { store, items, fd, db, insert, close };
}

/**
 * Scenario 1: `create` one record at a time. Baseline per write: stamp + JSON.stringify,
 * one writeSync of the line to a file opened 'a', fdatasync (when durable), one prepared
 * INSERT (autocommit, WAL). Store and baseline alternate write by write so that noise
 * from the shared machine falls on both alike.
 */
function singleWrites(ctx, durability) {
  const durable = durability === 'fsync';
  const n = ctx.scale(durable ? 500 : 5000);
  const warmup = Math.max(10, Math.round(n / 10));
  log(`scenario 1: ${n} single writes, durability ${durability}`);
  const p = openPair(ctx, durability);
  const records = makeRecords(n + warmup);
  const storeUs = [];
  const rawUs = [];
  try {
    for (let i = 0; i < n + warmup; i++) {
      const rec = records[i];
      let t0 = performance.now();
      p.items.create(rec);
      const s = performance.now() - t0;

      t0 = performance.now();
      const stamped = { ...rec, updated_at: Date.now() };
      const text = JSON.stringify(stamped);
      writeSync(p.fd, `${text}\n`);
      if (durable) fdatasyncSync(p.fd);
      p.insert.run(stamped.id, stamped.updated_at, text);
      const r = performance.now() - t0;
      if (i >= warmup) {
        storeUs.push(s * 1000);
        rawUs.push(r * 1000);
      }
    }
  } finally {
    p.close();
  }
  const st = summarize(storeUs);
  const bt = summarize(rawUs);
  ctx.details[`single_write_${durability}`] = { n, warmup, store: st, baseline: bt };
  if (durable) {
    const baselineWhat = 'writeSync(line) to an O_APPEND fd + fdatasync + prepared INSERT (WAL)';
    ctx.rows.push(
      row({ id: '1a', what: `create(), fsync — median of ${n}`, unit: 'µs', store: st.median, baseline: bt.median, baselineWhat, goalRatio: 1.25 }),
      row({ id: '1b', what: `create(), fsync — p95 of ${n}`, unit: 'µs', store: st.p95, baseline: bt.p95, baselineWhat, goalRatio: 1.25 }),
    );
  } else {
    ctx.rows.push(
      row({
        id: '1c',
        what: `create(), durability none — median of ${n} (CPU cost of a write)`,
        unit: 'µs',
        store: st.median,
        baseline: bt.median,
        baselineWhat: 'writeSync(line) + prepared INSERT, no fsync on either side',
        note: 'diagnostic: the per-write CPU overhead without the fsync that dominates 1a',
      }),
    );
  }
}

/**
 * Scenario 2: createMany of N records (durable) into an empty store, against one append
 * of all lines + one fdatasync + one SQLite transaction of prepared INSERTs. Fresh
 * directories for every repetition; store and baseline alternate; median of the repeats.
 */
function bulkWrites(ctx) {
  const n = ctx.scale(100_000);
  const reps = 3;
  log(`scenario 2: createMany of ${n} records, ${reps} repeats (+1 warm-up) each side`);
  const records = makeRecords(n);
  const storeRates = [];
  const rawRates = [];
  for (let rep = 0; rep <= reps; rep++) {
    const batch = rep === 0 ? records.slice(0, Math.round(n / 10)) : records;
    const p = openPair(ctx, 'fsync');
    try {
      gc();
      let t0 = performance.now();
      const ids = p.items.createMany(batch);
      const storeMs = performance.now() - t0;
      if (ids.length !== batch.length) throw new Error('createMany returned the wrong number of ids');

      gc();
      t0 = performance.now();
      const stamp = Date.now();
      const texts = new Array(batch.length);
      for (let i = 0; i < batch.length; i++) texts[i] = JSON.stringify({ ...batch[i], updated_at: stamp });
      writeSync(p.fd, `${texts.join('\n')}\n`);
      fdatasyncSync(p.fd);
      p.db.transaction(() => {
        for (let i = 0; i < batch.length; i++) p.insert.run(batch[i].id, stamp, texts[i]);
      })();
      const rawMs = performance.now() - t0;
      if (rep > 0) {
        storeRates.push(n / (storeMs / 1000));
        rawRates.push(n / (rawMs / 1000));
        log(`  rep ${rep}: store ${storeMs.toFixed(0)} ms, baseline ${rawMs.toFixed(0)} ms`);
      }
    } finally {
      p.close();
    }
  }
  ctx.details.create_many = { n, reps, storeRecordsPerSec: storeRates, baselineRecordsPerSec: rawRates };
  ctx.rows.push(
    row({
      id: '2',
      what: `createMany(${n.toLocaleString('en-US')}), fsync`,
      unit: 'records/s',
      kind: 'rate',
      pairs: { store: storeRates, baseline: rawRates },
      baselineWhat: 'one append of all lines + one fdatasync + one transaction of prepared INSERTs',
      goalRatio: 1.7,
      extraGoal: { text: '≥ 100,000/s', test: (v) => v >= 100_000 },
    }),
  );
}
