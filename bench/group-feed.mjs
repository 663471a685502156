/**
 * Change feed (store.watch): how soon a watcher hears of another process's write, what a
 * watcher costs the writers, and how long a big git checkout takes to reach a watcher.
 *
 * W1/W2: latency from another process's acknowledged write (the store call returned) to
 *        the watcher's callback, p50 / p99 over 1,000 writes paced 10 ms apart. Baseline:
 *        what the real client did without a feed — re-list the collection every 250 ms.
 *        Also measured (in the note): the notification floor — a raw `fs.watch` watcher on a directory where another
 *        process appends + fdatasyncs a line and then writes a commit byte to a second file
 *        (TaskStore's commit is the cache's WAL), reading the line on the commit event.
 * W3:    a writer process's time for 500 durable creates while another process watches,
 *        vs the same writer with nobody watching (paired, alternating repeats).
 * W5:    the same, but the watcher is in the writing process: 2,000 creates with durability
 *        'none' (so the figure is CPU), watched vs not.
 * W4:    `git checkout` of a branch whose ~100,000-line log differs in 100 records (a
 *        rewrite, not an append), until the watcher has all 100 changes. Baseline: the
 *        same checkout followed by the cache rebuild any reader must do (`refresh()`),
 *        without a watcher. No git hooks: the feed notices the rewrite itself.
 */
import { spawn } from 'node:child_process';
import { readFileSync, watch, openSync, readSync, closeSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BENCH_DIR, DIST_INDEX, gitRunner, groupMain, log, percentile, row, tempDir, writeJsonlFile } from './lib.mjs';

const { Store } = await import(DIST_INDEX);
const git = gitRunner();
const now = () => performance.timeOrigin + performance.now();
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

await groupMain(async (ctx) => {
  await latency(ctx);
  await writerCost(ctx);
  await inProcessCost(ctx);
  await checkout(ctx);
});

/** Runs the writer child asynchronously (the watcher lives in this process's event loop). */
function runWriter(mode, path, count, interval) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(BENCH_DIR, 'child-feed-writer.mjs'), mode, path, String(count), String(interval)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`writer exited ${code}: ${err}`))));
  });
}

async function waitUntil(condition, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('bench: timed out waiting for the watcher');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function latencies(acks, received) {
  return acks.map((t, i) => received[i] - t).sort((a, b) => a - b);
}

async function latency(ctx) {
  const n = ctx.scale(1000);
  const interval = 10;
  // TaskStore: a watcher in this process, a writer process.
  const dir = tempDir(ctx.workRoot, 'feed-latency');
  const store = Store.open(dir, { logger: quiet });
  store.collection({ name: 'items' });
  const received = new Array(n);
  let got = 0;
  const stop = store.watch((change) => {
    received[change.record.i] = now();
    got++;
  }, { collections: ['items'] });
  log(`feed latency: ${n} writes from another process, ${interval} ms apart`);
  const result = await runWriter('store', dir, n, interval);
  await waitUntil(() => got >= n);
  stop();
  store.close();
  const storeLat = latencies(result.acks, received);

  // Baseline: raw fs.watch on an fdatasync'ed append, read as soon as the event arrives.
  const rawDir = tempDir(ctx.workRoot, 'feed-raw');
  const file = join(rawDir, 'items.jsonl');
  writeFileSync(file, '');
  const rawReceived = new Array(n);
  let rawGot = 0;
  let offset = 0;
  let carry = '';
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(1 << 20);
  const watcher = watch(rawDir, (_event, filename) => {
    if (filename !== 'items.jsonl.commit') return; // durable only once committed, as in the store
    for (;;) {
      const k = readSync(fd, buf, 0, buf.length, offset);
      if (k === 0) break;
      offset += k;
      const text = carry + buf.toString('utf8', 0, k);
      const lines = text.split('\n');
      carry = lines.pop();
      const t = now();
      for (const line of lines) {
        rawReceived[JSON.parse(line).i] = t;
        rawGot++;
      }
    }
  });
  const raw = await runWriter('raw', file, n, interval);
  await waitUntil(() => rawGot >= n);
  watcher.close();
  closeSync(fd);
  const rawLat = latencies(raw.acks, rawReceived);

  // What the real client did instead of a feed: re-list every 250 ms.
  const pollDir = tempDir(ctx.workRoot, 'feed-poll');
  const pollStore = Store.open(pollDir, { logger: quiet });
  const pollItems = pollStore.collection({ name: 'items' });
  const pollReceived = new Array(n);
  let pollGot = 0;
  const poller = setInterval(() => {
    const t = now();
    for (const record of pollItems.list()) {
      if (pollReceived[record.i] === undefined) {
        pollReceived[record.i] = t;
        pollGot++;
      }
    }
  }, 250);
  const polled = await runWriter('store', pollDir, n, interval);
  await waitUntil(() => pollGot >= n);
  clearInterval(poller);
  pollStore.close();
  const pollLat = latencies(polled.acks, pollReceived);

  const p = (sorted, q) => percentile(sorted, q);
  ctx.details.latency = {
    writes: n,
    intervalMs: interval,
    store: { p50: p(storeLat, 0.5), p99: p(storeLat, 0.99), max: storeLat.at(-1) },
    rawFsWatch: { p50: p(rawLat, 0.5), p99: p(rawLat, 0.99), max: rawLat.at(-1) },
    relist250ms: { p50: p(pollLat, 0.5), p99: p(pollLat, 0.99), max: pollLat.at(-1) },
  };
  log(
    `  store p50 ${p(storeLat, 0.5).toFixed(2)} ms p99 ${p(storeLat, 0.99).toFixed(2)} ms; raw fs.watch floor p50 ${p(rawLat, 0.5).toFixed(2)} ms p99 ${p(rawLat, 0.99).toFixed(2)} ms; re-list every 250 ms p50 ${p(pollLat, 0.5).toFixed(0)} ms p99 ${p(pollLat, 0.99).toFixed(0)} ms`,
  );
  const floor = (q) => `${p(rawLat, q).toFixed(2)} ms`;
  const baselineWhat = (q) =>
    `re-listing the collection every 250 ms (what the real client did), same writes; the notification floor (raw fs.watch, a line appended + fdatasync'ed then a commit byte written to a second file, read on the commit event) was ${floor(q)}`;
  ctx.rows.push(
    row({ id: 'W1', what: `watch latency, another process's acknowledged write → callback, p50 (${n} writes)`, unit: 'ms', store: p(storeLat, 0.5), baseline: p(pollLat, 0.5), baselineWhat: baselineWhat(0.5) }),
    row({
      id: 'W2',
      what: `watch latency, p99 (${n} writes)`,
      unit: 'ms',
      store: p(storeLat, 0.99),
      baseline: p(pollLat, 0.99),
      baselineWhat: baselineWhat(0.99),
      extraGoal: { text: 'p99 ≤ 100 ms', test: (v) => v <= 100 },
    }),
  );
}

async function writerCost(ctx) {
  const n = ctx.scale(500);
  const reps = ctx.quick ? 3 : 5;
  const pairs = { store: [], baseline: [] };
  log(`feed writer cost: ${n} durable creates by a writer process, with and without a watcher, ${reps} pairs`);
  for (let r = 0; r < reps; r++) {
    for (const watched of r % 2 === 0 ? [false, true] : [true, false]) {
      const dir = tempDir(ctx.workRoot, 'feed-cost');
      const store = Store.open(dir, { logger: quiet });
      store.collection({ name: 'items' });
      let got = 0;
      const stop = watched ? store.watch(() => got++) : undefined;
      const result = await runWriter('store', dir, n, 0);
      if (watched) await waitUntil(() => got >= n);
      stop?.();
      store.close();
      (watched ? pairs.store : pairs.baseline).push(result.ms);
    }
  }
  ctx.details.writerCost = pairs;
  ctx.rows.push(
    row({
      id: 'W3',
      what: `a writer process's ${n} durable creates while another process watches`,
      unit: 'ms',
      pairs,
      baselineWhat: 'the same writer with nobody watching',
      goalRatio: 1.25,
    }),
  );
}

/** W5: the same process writes and watches (a dashboard that also writes): CPU cost per write. */
async function inProcessCost(ctx) {
  const n = ctx.scale(2000);
  const reps = ctx.quick ? 3 : 7;
  const pairs = { store: [], baseline: [] };
  log(`feed in-process cost: ${n} creates (durability none: CPU only) with and without a watcher in the same process, ${reps} pairs`);
  for (let r = 0; r < reps; r++) {
    for (const watched of r % 2 === 0 ? [false, true] : [true, false]) {
      const store = Store.open(tempDir(ctx.workRoot, 'feed-inproc'), { logger: quiet, durability: 'none' });
      const items = store.collection({ name: 'items' });
      let got = 0;
      const stop = watched ? store.watch(() => got++) : undefined;
      const t0 = performance.now();
      for (let i = 0; i < n; i++) items.create({ i, title: `item ${i}`, status: 'open' });
      const ms = performance.now() - t0;
      if (watched) await waitUntil(() => got >= n);
      stop?.();
      store.close();
      (watched ? pairs.store : pairs.baseline).push(ms);
    }
  }
  ctx.details.inProcessCost = pairs;
  ctx.rows.push(
    row({
      id: 'W5',
      what: `${n} creates (durability none) by a process that also watches`,
      unit: 'ms',
      pairs,
      baselineWhat: 'the same creates with nobody watching (the watcher reads each committed line back and compares it)',
    }),
  );
}

async function checkout(ctx) {
  const nLines = ctx.scale(100_000);
  const differ = 100;
  const repo = tempDir(ctx.workRoot, 'feed-git');
  git(repo, 'init', '-q', '-b', 'main');
  const dir = join(repo, '.taskstore');
  mkdirSync(dir);
  Store.open(dir, { logger: quiet }).close(); // lays out .version and .gitignore
  const log100k = join(dir, 'items.jsonl');
  writeJsonlFile(log100k, nLines, 7);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'main');
  // The branch: 100 records' current versions changed in place (a rewrite, not an append).
  const lines = readFileSync(log100k, 'utf8').split('\n');
  const lastLineOf = new Map();
  lines.forEach((line, i) => {
    if (line !== '') lastLineOf.set(JSON.parse(line).id, i);
  });
  const picked = [...lastLineOf.values()].filter((i) => !lines[i].includes('"deleted"')).filter((_, k) => k % 37 === 0).slice(0, differ);
  for (const i of picked) {
    const record = JSON.parse(lines[i]);
    record.status = `changed-${record.status}`;
    lines[i] = JSON.stringify(record);
  }
  git(repo, 'checkout', '-q', '-b', 'other');
  writeFileSync(log100k, lines.join('\n'));
  git(repo, 'commit', '-q', '-am', 'other');
  git(repo, 'checkout', '-q', 'main');

  const reps = ctx.quick ? 2 : 3;
  const pairs = { store: [], baseline: [] };
  log(`feed checkout: ${nLines.toLocaleString('en-US')}-line log, ${picked.length} records differ, ${reps} pairs`);
  for (let r = 0; r < reps; r++) {
    // Baseline: checkout + the rebuild every reader must do anyway.
    {
      const store = Store.open(dir, { logger: quiet });
      const t0 = performance.now();
      git(repo, 'checkout', '-q', 'other');
      store.refresh();
      pairs.baseline.push(performance.now() - t0);
      git(repo, 'checkout', '-q', 'main');
      store.refresh();
      store.close();
    }
    // The feed: checkout until the watcher has every changed record.
    {
      const store = Store.open(dir, { logger: quiet });
      let got = 0;
      let done = 0;
      const stop = store.watch(() => got++, { collections: ['items'] });
      const t0 = performance.now();
      git(repo, 'checkout', '-q', 'other');
      await waitUntil(() => got >= picked.length);
      pairs.store.push(performance.now() - t0);
      done = got;
      git(repo, 'checkout', '-q', 'main');
      await waitUntil(() => got >= done + picked.length);
      stop();
      if (got !== 2 * picked.length) throw new Error(`bench: the watcher got ${got} changes for 2 × ${picked.length}`);
      store.close();
    }
  }
  ctx.details.checkout = { lines: nLines, differ: picked.length, pairs };
  ctx.rows.push(
    row({
      id: 'W4',
      what: `git checkout rewriting a ${nLines.toLocaleString('en-US')}-line log (${picked.length} records differ) → all changes at a watcher`,
      unit: 'ms',
      pairs,
      baselineWhat: 'the same checkout + the cache rebuild (refresh) without a watcher; the feed waits 150 ms for the file to settle when no git hook rebuilds it, then rebuilds it itself',
    }),
  );
}
