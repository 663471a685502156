/**
 * Shared helpers for `npm run bench`: timing and statistics, deterministic test data,
 * the hand-written SQLite baseline, child processes, and formatting.
 *
 * Plain ESM JavaScript (no TS loader needed). Nothing here touches the store's internals:
 * the benchmark uses the public API from dist/ only.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, fdatasyncSync, fstatSync, openSync, readSync, writeSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import os from 'node:os';
import Database from 'better-sqlite3';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_DIR = resolve(BENCH_DIR, '..');
export const DIST_INDEX = join(REPO_DIR, 'dist', 'index.js');
export const CLI_MAIN = join(REPO_DIR, 'dist', 'cli', 'main.js');
export const MERGE_MAIN = join(REPO_DIR, 'dist', 'cli', 'merge-main.js');

// ---------------------------------------------------------------- timing & stats

/** Nearest-rank percentile of an ascending array (p in 0..1). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return NaN;
  return n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

export function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    min: sorted[0],
    median: median(sorted),
    p95: percentile(sorted, 0.95),
    max: sorted[sorted.length - 1],
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
  };
}

/** Frees garbage between measurements when the process runs with --expose-gc. */
export function gc() {
  if (typeof globalThis.gc === 'function') {
    globalThis.gc();
    globalThis.gc();
  }
}

export function log(message) {
  process.stderr.write(`[bench] ${message}\n`);
}

// ---------------------------------------------------------------- deterministic data

/** mulberry32: a small seeded PRNG, so every run (and both sides of a comparison) sees the same data. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hash32(x) {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

const hex8 = (n) => n.toString(16).padStart(8, '0');

/** A uuid-shaped id derived from record number `k` (no table of ids needed for a million records). */
export function idFor(k) {
  const a = hex8(hash32(k * 4 + 1));
  const b = hex8(hash32(k * 4 + 2));
  const c = hex8(hash32(k * 4 + 3));
  const d = hex8(hash32(k * 4 + 4));
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${c.slice(0, 4)}-${c.slice(4)}${d}`;
}

export const STATUSES = ['pending', 'running', 'blocked', 'complete', 'failed'];
export const OWNERS = 200;
const WORDS = ['parser', 'cache', 'merge', 'driver', 'index', 'schema', 'replica', 'budget', 'queue', 'worker', 'ledger', 'report', 'export', 'refactor', 'migrate', 'retry'];
const VERBS = ['Implement', 'Fix', 'Review', 'Document', 'Benchmark', 'Harden', 'Split', 'Port'];
export const BASE_TS = 1_700_000_000_000;

/**
 * A realistic ~250-byte record: uuid-like id, title, status among a few values, owner,
 * a nested object, timestamps. `variant` changes status and estimate for later versions.
 */
export function makeRecord(k, ts, variant = 0) {
  const h = hash32(k * 31 + 7);
  return {
    id: idFor(k),
    title: `${VERBS[h % VERBS.length]} the ${WORDS[(h >>> 3) % WORDS.length]} ${WORDS[(h >>> 7) % WORDS.length]} (#${k})`,
    status: STATUSES[(h + variant) % STATUSES.length],
    owner: `user${(h >>> 11) % OWNERS}`,
    priority: (h >>> 19) % 5,
    meta: {
      repo: `acme/service-${(h >>> 5) % 40}`,
      branch: `feature/ts-${k}`,
      labels: [WORDS[(h >>> 13) % WORDS.length], WORDS[(h >>> 17) % WORDS.length]],
      estimate_h: ((h >>> 21) % 40) / 2 + variant,
    },
    created_at: ts,
    updated_at: ts,
  };
}

/** `n` fresh records numbered from `start`. */
export function makeRecords(n, start = 0) {
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = makeRecord(start + i, BASE_TS + i);
  return out;
}

/**
 * Writes a JSONL log of `nLines` lines straight to `path`: ~85% new records, ~14% new
 * versions of earlier ids, ~1% tombstones; `updated_at` rises with the line number.
 * Returns { lines, records (distinct ids), bytes }.
 */
export function writeJsonlFile(path, nLines, seed = 1) {
  const random = rng(seed);
  const fd = openSync(path, 'w');
  let records = 0;
  let bytes = 0;
  let chunk = [];
  const flush = () => {
    const buf = Buffer.from(chunk.join(''));
    writeSync(fd, buf);
    bytes += buf.length;
    chunk = [];
  };
  for (let j = 0; j < nLines; j++) {
    const ts = BASE_TS + j * 7;
    const r = random();
    let line;
    if (records < 100 || r < 0.85) {
      line = JSON.stringify(makeRecord(records++, ts));
    } else {
      const k = Math.floor(random() * records);
      if (r < 0.99) {
        const rec = makeRecord(k, BASE_TS, 1 + (j % 4));
        rec.updated_at = ts;
        line = JSON.stringify(rec);
      } else {
        line = JSON.stringify({ id: idFor(k), updated_at: ts, deleted: true });
      }
    }
    chunk.push(line, '\n');
    if (chunk.length >= 8192) flush();
  }
  flush();
  closeSync(fd);
  return { lines: nLines, records, bytes };
}

/**
 * Lines another writer might append after a file of `fileLines` lines holding
 * `fileRecords` records: half new versions of existing ids, half new records.
 */
export function appendLines(count, fileLines, fileRecords, batch) {
  const out = [];
  for (let i = 0; i < count; i++) {
    const j = fileLines + batch * count + i;
    const ts = BASE_TS + j * 7;
    if (i % 2 === 0) {
      const rec = makeRecord(hash32(j) % fileRecords, BASE_TS, 1 + (j % 4));
      rec.updated_at = ts;
      out.push(JSON.stringify(rec));
    } else {
      out.push(JSON.stringify(makeRecord(10_000_000 + j, ts)));
    }
  }
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------- the hand-written baseline

/** The declared indexes used on both sides of every comparison. */
export const INDEXED_FIELDS = ['status', 'owner'];

/**
 * A hand-written SQLite table equivalent to the store's cache: same pragmas as the store
 * (WAL, synchronous=NORMAL, temp_store=DEFAULT, 64 MiB page cache), `id` primary key, an
 * (updated_at, id) index for the default order, and expression indexes on the declared fields.
 */
export function openRawDb(file) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('temp_store = DEFAULT');
  db.pragma('cache_size = -65536');
  db.exec(`
    CREATE TABLE IF NOT EXISTS items (id TEXT PRIMARY KEY, updated_at INTEGER NOT NULL, data TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS items_order ON items (updated_at, id);
  `);
  for (const f of INDEXED_FIELDS) {
    db.exec(`CREATE INDEX IF NOT EXISTS items_f_${f} ON items (json_extract(data, '$.${f}'))`);
  }
  return db;
}

/** Insert-or-keep-the-newer: what a by-hand loader of a versioned log has to do. */
export function upsertStatement(db) {
  return db.prepare(
    `INSERT INTO items (id, updated_at, data) VALUES (?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at, data = excluded.data
     WHERE excluded.updated_at >= items.updated_at`,
  );
}

/**
 * A fresh store (collection `items` with INDEXED_FIELDS) and a fresh hand-written baseline
 * side by side (`items.jsonl` opened 'a', openRawDb, a prepared plain INSERT), for the
 * write comparisons. `Store` is passed in because this file never loads dist/.
 * `close()` closes both and removes their directories.
 */
export function openWritePair(Store, root, durability, prefix) {
  const storeDir = tempDir(root, `${prefix}-store`);
  const rawDir = tempDir(root, `${prefix}-raw`);
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
 * The hand-written floor's write of one record (the caller times it):
 * stamp + JSON.stringify, one writeSync of the line, fdatasync when durable, then
 * `statement` (a prepared INSERT or INSERT OR REPLACE) with id, updated_at and the line.
 */
export function floorWrite(fd, statement, durable, rec) {
  const stamped = { ...rec, updated_at: Date.now() };
  const text = JSON.stringify(stamped);
  writeSync(fd, `${text}\n`);
  if (durable) fdatasyncSync(fd);
  statement.run(stamped.id, stamped.updated_at, text);
}

/** Calls `onLine(text)` for each complete line of `fd` from `offset`; returns the offset after the last line. */
export function forEachLine(fd, offset, onLine) {
  const CHUNK = 1 << 20;
  const buf = Buffer.allocUnsafe(CHUNK);
  let carry = null;
  let position = offset;
  let consumed = offset;
  for (;;) {
    const n = readSync(fd, buf, 0, CHUNK, position);
    if (n === 0) break;
    position += n;
    let data = buf.subarray(0, n);
    if (carry !== null) {
      data = Buffer.concat([carry, data]);
      carry = null;
    }
    let start = 0;
    for (;;) {
      const nl = data.indexOf(10, start);
      if (nl === -1) break;
      onLine(data.toString('utf8', start, nl));
      consumed += nl + 1 - start;
      start = nl + 1;
    }
    if (start < data.length) carry = Buffer.from(data.subarray(start));
  }
  return consumed;
}

/** By-hand load of a JSONL log into `db` (one transaction): stream, JSON.parse, upsert. Returns lines read. */
export function loadByHand(db, path, { clear = false } = {}) {
  const upsert = upsertStatement(db);
  let lines = 0;
  let endOffset = 0;
  db.transaction(() => {
    if (clear) db.exec('DELETE FROM items');
    const fd = openSync(path, 'r');
    try {
      endOffset = forEachLine(fd, 0, (text) => {
        const r = JSON.parse(text);
        upsert.run(r.id, r.updated_at, text);
        lines++;
      });
    } finally {
      closeSync(fd);
    }
  })();
  return { lines, endOffset };
}

// ---------------------------------------------------------------- processes

/**
 * Runs `node <args>` to completion and returns { ms, status, stdout, stderr }: wall-clock
 * time of the whole process, start-up included.
 */
export function runNode(args, options = {}) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  const ms = performance.now() - t0;
  if (r.error) throw r.error;
  return { ms, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a bench child script that prints one JSON object as its last stdout line. */
export function runChildJson(script, args, options = {}) {
  const r = runNode(['--expose-gc', join(BENCH_DIR, script), ...args], options);
  if (r.status !== 0) throw new Error(`${script} ${args.join(' ')} exited ${r.status}: ${r.stderr.trim().slice(-2000)}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

/** Peak resident set size of this process so far, in MiB. */
export function peakRssMiB() {
  return process.resourceUsage().maxRSS / 1024;
}

// ---------------------------------------------------------------- git

/** A fixed identity and no user or system config, so every machine runs the same git. */
export const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
};

/**
 * A `git(cwd, ...args)` running git with GIT_IDENTITY (and `extraEnv`): returns stdout,
 * throws with git's stderr when it fails.
 */
export function gitRunner(extraEnv = {}) {
  const env = { ...process.env, ...GIT_IDENTITY, ...extraEnv };
  return (cwd, ...args) => {
    const r = spawnSync('git', args, { cwd, encoding: 'utf8', env, maxBuffer: 256 << 20 });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')} in ${cwd} exited ${r.status}: ${r.stderr}`);
    return r.stdout;
  };
}

// ---------------------------------------------------------------- temp dirs

export function tempDir(root, name) {
  return mkdtempSync(join(root ?? os.tmpdir(), `${name}-`));
}

export function removeDir(path) {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    // best effort
  }
}

export function fileSize(path) {
  const fd = openSync(path, 'r');
  try {
    return fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
}

// ---------------------------------------------------------------- scenario groups

/**
 * Entry point of a scenario group (one child process per group, so groups cannot skew
 * each other through heap size or open handles). argv: <resultFile> <workRoot> [--quick].
 * `fn(ctx)` returns { rows, details }; rows are merged into the final table by run.mjs.
 */
export async function groupMain(fn) {
  const [resultFile, workRoot, ...flags] = process.argv.slice(2);
  const quick = flags.includes('--quick');
  const scale = (n) => (quick ? Math.max(1, Math.round(n / 10)) : n);
  const ctx = { quick, scale, workRoot, rows: [], details: {} };
  const result = (await fn(ctx)) ?? {};
  const rows = result.rows ?? ctx.rows;
  const details = result.details ?? ctx.details;
  writeFileSync(resultFile, JSON.stringify({ rows, details }, null, 2));
}

/**
 * One table row. `kind`: 'time' (lower is better: ratio = store / baseline) or 'rate'
 * (higher is better: ratio = baseline / store). Either way the ratio is "how many times
 * the baseline's cost", so ≤ goal is good.
 *
 * With `pairs` ({ store: [...], baseline: [...] }, one value per repeat, each pair measured
 * back to back) the ratio is the median of the per-repeat ratios, which cancels most of a
 * shared machine's drift; `store` and `baseline` are then each side's median.
 */
export function row({ id, what, unit, kind = 'time', store, baseline, pairs, baselineWhat, goalRatio, extraGoal, note }) {
  if (pairs !== undefined) {
    store = median(pairs.store);
    baseline = median(pairs.baseline);
  }
  const available = typeof store === 'number' && Number.isFinite(store);
  const hasBaseline = typeof baseline === 'number' && Number.isFinite(baseline) && baseline > 0;
  const cost = (s, b) => (kind === 'rate' ? b / s : s / b);
  let ratio = null;
  if (available && hasBaseline) {
    ratio = pairs !== undefined ? median(pairs.store.map((s, i) => cost(s, pairs.baseline[i]))) : cost(store, baseline);
  }
  const goals = [];
  if (goalRatio !== undefined) goals.push({ text: `≤ ${goalRatio}×`, met: ratio !== null && ratio <= goalRatio });
  if (extraGoal !== undefined) goals.push({ text: extraGoal.text, met: available && extraGoal.test(store) });
  return {
    id,
    what,
    unit,
    kind,
    store: available ? store : null,
    baseline: hasBaseline ? baseline : null,
    baselineWhat,
    ratio,
    ratioMethod: pairs !== undefined ? 'median of paired repeats' : 'ratio of the two figures',
    pairs,
    goals,
    met: !available ? null : goals.length === 0 ? null : goals.every((g) => g.met),
    note: available ? note : (note ?? 'not available'),
  };
}

export function unavailableRow(id, what, reason, baselineWhat) {
  return { id, what, unit: '', kind: 'time', store: null, baseline: null, baselineWhat, ratio: null, goals: [], met: null, note: `not available: ${reason}` };
}

