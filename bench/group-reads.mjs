/**
 * Scenario 3: reads. `get` by id and indexed `list` queries on a store of N records,
 * against prepared better-sqlite3 statements + JSON.parse on an equivalent table holding
 * the same records (same indexes, same ORDER BY as the store's default order); 3e: the
 * Rust TaskStore's list() of the same records, when RUST_TASKSTORE_LIST is set.
 */
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DIST_INDEX, INDEXED_FIELDS, OWNERS, STATUSES, gc, groupMain, log, makeRecords, median, openRawDb, removeDir, rng, row, runChildJson, tempDir, unavailableRow } from './lib.mjs';

const { Store } = await import(DIST_INDEX);

await groupMain(async (ctx) => {
  const n = ctx.scale(100_000);
  const gets = ctx.scale(100_000);
  // A status matches ~20% of the records: SQLite sorts all of them for ORDER BY, so these
  // queries cost milliseconds each; fewer of them keep the run short.
  const statusLists = ctx.scale(100);
  const ownerLists = ctx.scale(2_000);
  const reps = 3;
  log(`scenario 3: ${n} records; ${gets} gets, ${statusLists} + ${ownerLists} list queries per repeat, ${reps} repeats`);

  const storeDir = tempDir(ctx.workRoot, 'r-store');
  const rawDir = tempDir(ctx.workRoot, 'r-raw');
  const records = makeRecords(n);
  const store = Store.open(storeDir, { durability: 'none' });
  const items = store.collection({ name: 'items', indexes: INDEXED_FIELDS });
  items.createMany(records);
  // Load the baseline with exactly the lines the store wrote (same ids, same stamps).
  const db = openRawDb(join(rawDir, 'raw.db'));
  const insert = db.prepare('INSERT INTO items (id, updated_at, data) VALUES (?, ?, ?)');
  const stored = items.list();
  db.transaction(() => {
    for (const r of stored) insert.run(r.id, r.updated_at, JSON.stringify(r));
  })();
  const byId = db.prepare('SELECT data FROM items WHERE id = ?');
  const byField = Object.fromEntries(
    INDEXED_FIELDS.map((f) => [
      f,
      db.prepare(`SELECT data FROM items WHERE json_extract(data, '$.${f}') = ? ORDER BY updated_at ASC, id ASC LIMIT 50`),
    ]),
  );

  const random = rng(42);
  const ids = Array.from({ length: gets }, () => stored[Math.floor(random() * stored.length)].id);
  const statusValues = Array.from({ length: statusLists }, (_, i) => STATUSES[i % STATUSES.length]);
  const ownerValues = Array.from({ length: ownerLists }, (_, i) => `user${(i * 37) % OWNERS}`);

  // Same answers on both sides, or the comparison means nothing.
  for (const [field, value] of [['status', statusValues[0]], ['owner', ownerValues[0]]]) {
    const a = items.list({ where: { [field]: value }, limit: 50 }).map((r) => r.id);
    const b = byField[field].all(value).map((r) => JSON.parse(r.data).id);
    if (a.length !== b.length || a.some((id, i) => id !== b[i])) throw new Error(`list by ${field}: store and baseline disagree`);
  }
  if (JSON.stringify(items.get(ids[0])) !== JSON.stringify(JSON.parse(byId.get(ids[0]).data))) throw new Error('get: store and baseline disagree');

  const bench = (label, storeFn, rawFn, count) => {
    const s = [];
    const b = [];
    // Warm-up pass on both sides, then alternate.
    storeFn(Math.min(count, Math.max(1, Math.round(count / 10))));
    rawFn(Math.min(count, Math.max(1, Math.round(count / 10))));
    for (let rep = 0; rep < reps; rep++) {
      gc();
      let t0 = performance.now();
      storeFn(count);
      s.push(((performance.now() - t0) * 1000) / count);
      gc();
      t0 = performance.now();
      rawFn(count);
      b.push(((performance.now() - t0) * 1000) / count);
    }
    log(`  ${label}: store ${s.map((x) => x.toFixed(2)).join('/')} µs/op, baseline ${b.map((x) => x.toFixed(2)).join('/')} µs/op`);
    ctx.details[label] = { count, reps, storeUsPerOp: s, baselineUsPerOp: b };
    return { store: s, baseline: b };
  };

  let sink = 0;
  const get = bench(
    'get',
    (count) => {
      for (let i = 0; i < count; i++) sink += items.get(ids[i]).priority;
    },
    (count) => {
      for (let i = 0; i < count; i++) sink += JSON.parse(byId.get(ids[i]).data).priority;
    },
    gets,
  );
  const listFor = (field, values) =>
    bench(
      `list_${field}`,
      (count) => {
        for (let i = 0; i < count; i++) sink += items.list({ where: { [field]: values[i] }, limit: 50 }).length;
      },
      (count) => {
        for (let i = 0; i < count; i++) sink += byField[field].all(values[i]).map((r) => JSON.parse(r.data)).length;
      },
      values.length,
    );
  const byStatus = listFor('status', statusValues);
  const byOwner = listFor('owner', ownerValues);
  if (sink === 0) log('(sink)');

  // list() of a whole 10,000-record collection, no filter: what a dashboard or TUI does.
  const small = 10_000;
  const smallDir = tempDir(ctx.workRoot, 'r-small');
  const smallStore = Store.open(smallDir, { durability: 'none' });
  const smallItems = smallStore.collection({ name: 'items', indexes: INDEXED_FIELDS });
  smallItems.createMany(makeRecords(small));
  const smallDb = openRawDb(join(rawDir, 'small.db'));
  const smallInsert = smallDb.prepare('INSERT INTO items (id, updated_at, data) VALUES (?, ?, ?)');
  smallDb.transaction(() => {
    for (const r of smallItems.list()) smallInsert.run(r.id, r.updated_at, JSON.stringify(r));
  })();
  const allRows = smallDb.prepare('SELECT data FROM items ORDER BY updated_at ASC, id ASC');
  if (smallItems.list().length !== small || allRows.all().length !== small) throw new Error('list all: store and baseline disagree');
  const listAll = bench(
    'list_all',
    (count) => {
      for (let i = 0; i < count; i++) sink += smallItems.list().length;
    },
    (count) => {
      for (let i = 0; i < count; i++) sink += allRows.all().map((r) => JSON.parse(r.data)).length;
    },
    ctx.quick ? 5 : 30,
  );
  const rustList = rustListSideBySide(ctx, smallItems, smallDir, rawDir);
  smallStore.close();
  smallDb.close();

  store.close();
  db.close();
  removeDir(storeDir);
  removeDir(rawDir);
  removeDir(smallDir);

  const nf = n.toLocaleString('en-US');
  ctx.rows.push(
    row({
      id: '3a',
      what: `get(id), random ids, ${nf} records`,
      unit: 'µs/op',
      pairs: get,
      baselineWhat: 'prepared SELECT data WHERE id = ? + JSON.parse',
      goalRatio: 1.5,
    }),
    row({
      id: '3b',
      what: `list({ where: { status }, limit: 50 }) (5 values, ~20% match)`,
      unit: 'µs/op',
      pairs: byStatus,
      baselineWhat: "prepared SELECT … WHERE json_extract(data,'$.status') = ? ORDER BY updated_at, id LIMIT 50 + JSON.parse, same indexes",
      goalRatio: 1.5,
    }),
    row({
      id: '3c',
      what: `list({ where: { owner }, limit: 50 }) (200 values, ~0.5% match)`,
      unit: 'µs/op',
      pairs: byOwner,
      baselineWhat: 'the same prepared query on owner',
      goalRatio: 1.5,
    }),
    row({
      id: '3d',
      what: 'list() of a whole 10,000-record collection, no filter',
      unit: 'µs/op',
      pairs: listAll,
      baselineWhat: 'prepared SELECT data … ORDER BY updated_at, id over the same 10,000 rows + JSON.parse of each',
      goalRatio: 1.25,
    }),
    ...rustList,
  );
});

/**
 * 3e: the same 10,000 records listed by the Rust TaskStore's `list()` path, when the
 * environment variable RUST_TASKSTORE_LIST names a built `taskstore-list` (a small
 * program over the Rust TaskStore's schema and query: docs/benchmarks.md says how to
 * build it); otherwise the row says "not available". The program loads the store's own
 * log into its `records` table (untimed), then times `list()` calls in its process;
 * `child-list.mjs` does the same for TaskStore in a process of its own (this one holds
 * the other scenarios' data, whose garbage collection would be charged to `list()`).
 * For reference, the same calls in this process are kept in the results as `inProcess`.
 */
function rustListSideBySide(ctx, items, storeDir, scratch) {
  const what = "list() of a whole 10,000-record collection vs the Rust TaskStore's list(), each in its own process";
  const rust = process.env.RUST_TASKSTORE_LIST;
  if (!rust || !existsSync(rust)) {
    return [unavailableRow('3e', what, 'set RUST_TASKSTORE_LIST to a built taskstore-list binary (docs/benchmarks.md)')];
  }
  const calls = ctx.quick ? 5 : 30;
  const runs = ctx.quick ? 2 : 5;
  const ours = [];
  const theirs = [];
  const inProcess = [];
  // list() keeps the versions it parsed from its second call on (parsed-versions.ts): the
  // first call (a one-shot CLI's only one) and the second (which parses and keeps) are
  // reported apart from the median.
  const oursFirst = [];
  const oursSecond = [];
  const theirsFirst = [];
  let records = 0;
  for (let run = 0; run < runs; run++) {
    const dbPath = join(scratch, `rust-list-${run}.db`);
    const r = spawnSync(rust, [join(storeDir, 'items.jsonl'), dbPath, String(calls)], { encoding: 'utf8' });
    if (r.error || r.status !== 0) throw new Error(`taskstore-list exited ${r.status}: ${String(r.error ?? r.stderr).slice(0, 500)}`);
    const out = JSON.parse(r.stdout);
    records = out.records;
    theirs.push(out.medianMs);
    theirsFirst.push(out.times[0]);
    const child = runChildJson('child-list.mjs', [storeDir, String(calls)]);
    if (child.records !== records) throw new Error(`list all: the store has ${child.records} records, the Rust TaskStore ${records}`);
    ours.push(child.medianMs);
    oursFirst.push(child.times[0]);
    oursSecond.push(child.times[1]);
    const times = [];
    for (let i = 0; i < calls; i++) {
      const t0 = performance.now();
      items.list();
      times.push(performance.now() - t0);
    }
    inProcess.push(median(times));
  }
  ctx.details.list_3e = { rust, calls, ours, theirs, inProcess, oursFirst, oursSecond, theirsFirst };
  log(`scenario 3e: list() of ${records} records: TaskStore ${median(ours).toFixed(2)} ms in its own process (${median(inProcess).toFixed(2)} ms in this one), Rust TaskStore ${median(theirs).toFixed(2)} ms`);
  log(`scenario 3e: first call TaskStore ${median(oursFirst).toFixed(2)} ms (second ${median(oursSecond).toFixed(2)} ms), Rust TaskStore ${median(theirsFirst).toFixed(2)} ms`);
  return [
    row({
      id: '3e',
      what,
      unit: 'ms',
      pairs: { store: ours, baseline: theirs },
      baselineWhat: "the Rust TaskStore's list() path on its own schema (SELECT data_json … ORDER BY updated_at DESC, serde_json into a typed struct), in its process",
      extraGoal: ctx.quick ? undefined : { text: "≤ the Rust TaskStore's time", test: (ms) => ms <= median(theirs) },
    }),
    row({
      id: '3f',
      what: "the same, first call in a fresh process (a one-shot CLI's only one) vs the Rust TaskStore's first call",
      unit: 'ms',
      pairs: { store: oursFirst, baseline: theirsFirst },
      baselineWhat: "the Rust TaskStore's first list() in its process",
      note: `TaskStore's second call (parses, and keeps for later calls): ${median(oursSecond).toFixed(1)} ms`,
    }),
  ];
}
