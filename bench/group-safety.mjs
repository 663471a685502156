/**
 * Data-safety costs on the write path, each against a baseline measured in the same run:
 * s1 — patch() keeps the exact text of untouched members (splits the previous line,
 *      compares each member) and skips no-op versions, against a hand-written patch
 *      (read the current line, JSON.parse, merge, JSON.stringify, append, INSERT);
 * s2 — a write in a git work tree first stats `.git/index.lock` (the pause while git
 *      works), against the same write in a store outside any git work tree.
 * Both with durability 'none', so the row shows CPU cost, not the fsync that dominates.
 */
import { mkdirSync, utimesSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DIST_INDEX, gitRunner, groupMain, log, makeRecords, openWritePair, removeDir, row, summarize, tempDir, upsertStatement } from './lib.mjs';

const { Store } = await import(DIST_INDEX);

await groupMain(async (ctx) => {
  patches(ctx);
  gitWorkTree(ctx);
});

function patches(ctx) {
  const n = ctx.scale(5000);
  const warmup = Math.max(10, Math.round(n / 10));
  log(`safety s1: ${n} patches of one field, durability none`);
  const { items, fd, db, close } = openWritePair(Store, ctx.workRoot, 'none', 's');
  const insert = upsertStatement(db);
  const current = db.prepare('SELECT data FROM items WHERE id = ?');
  const records = makeRecords(200);
  items.createMany(records);
  for (const r of records) {
    const text = JSON.stringify({ ...r, updated_at: 1 });
    writeSync(fd, `${text}\n`);
    insert.run(r.id, 1, text);
  }
  const storeUs = [];
  const rawUs = [];
  try {
    for (let i = 0; i < n + warmup; i++) {
      const id = records[i % records.length].id;
      const title = `title ${i}`;
      let t0 = performance.now();
      items.patch(id, { title });
      const s = performance.now() - t0;

      t0 = performance.now();
      const previous = JSON.parse(current.get(id).data);
      const next = { ...previous, title, updated_at: Math.max(Date.now(), previous.updated_at + 1) };
      const text = JSON.stringify(next);
      writeSync(fd, `${text}\n`);
      insert.run(id, next.updated_at, text);
      const r = performance.now() - t0;
      if (i >= warmup) {
        storeUs.push(s * 1000);
        rawUs.push(r * 1000);
      }
    }
  } finally {
    close();
  }
  const st = summarize(storeUs);
  const bt = summarize(rawUs);
  ctx.details.safety_patch = { n, warmup, store: st, baseline: bt };
  ctx.rows.push(
    row({
      id: 's1',
      what: `patch() of one field, durability none — median of ${n}`,
      unit: 'µs',
      store: st.median,
      baseline: bt.median,
      baselineWhat: 'SELECT current line + JSON.parse + merge + JSON.stringify + writeSync + upsert',
      note: 'diagnostic: includes keeping untouched members byte-exact and the no-op check',
    }),
  );
}

function gitWorkTree(ctx) {
  const n = ctx.scale(5000);
  const warmup = Math.max(10, Math.round(n / 10));
  log(`safety s2: ${n} creates in a git work tree vs outside git, durability none`);
  const repo = tempDir(ctx.workRoot, 's-git');
  mkdirSync(repo, { recursive: true });
  gitRunner()(repo, 'init', '-q');
  // A git dir nobody touched for a while: the steady state of a work tree between git commands.
  const old = new Date(Date.now() - 60_000);
  utimesSync(join(repo, '.git'), old, old);
  const plainDir = tempDir(ctx.workRoot, 's-plain');
  const inGit = Store.open(join(repo, '.taskstore'), { durability: 'none' });
  const plain = Store.open(plainDir, { durability: 'none' });
  const a = inGit.collection({ name: 'items' });
  const b = plain.collection({ name: 'items' });
  const records = makeRecords(n + warmup);
  const gitUs = [];
  const plainUs = [];
  try {
    for (let i = 0; i < n + warmup; i++) {
      let t0 = performance.now();
      a.create(records[i]);
      const g = performance.now() - t0;
      t0 = performance.now();
      b.create(records[i]);
      const p = performance.now() - t0;
      if (i >= warmup) {
        gitUs.push(g * 1000);
        plainUs.push(p * 1000);
      }
    }
  } finally {
    inGit.close();
    plain.close();
    removeDir(repo);
    removeDir(plainDir);
  }
  const gt = summarize(gitUs);
  const pt = summarize(plainUs);
  ctx.details.safety_git_pause_check = { n, warmup, store: gt, baseline: pt };
  ctx.rows.push(
    row({
      id: 's2',
      what: `create() in a git work tree (index.lock check) — median of ${n}`,
      unit: 'µs',
      store: gt.median,
      baseline: pt.median,
      baselineWhat: 'the same create() in a store outside any git work tree',
      note: 'diagnostic: a few stat() calls per write (fewer once the git dir is 10 s idle); small against the fsync of a durable write',
    }),
  );
}
