/**
 * history(id) against the log itself, at the Store level: two Store objects (two cache
 * connections, as two processes) share one directory, and random sequences of writes,
 * transactions whose inner savepoint is rolled back, lines appended behind the stores'
 * backs with older, tied, newer and Rust-format stamps, tombstones and re-creations, logs
 * rewritten by another program, compaction (with and without retention), full rebuilds
 * and tail catch-ups run against them. After every step, list() in each store must
 * return what parsing the cache's texts returns (it keeps parsed versions between calls,
 * by row). Afterwards, for every id, history(id) must be
 * exactly the versions of that id in the log, in log order, in both stores, after
 * store.sync(), and in fresh stores rebuilt from a copy of the logs, row by row and in
 * bulk. The cache finds an id's versions through the `prev` chain of its rows (see
 * collection-table.ts): any path that inserts or moves a row without keeping the chain
 * loses or misorders versions here.
 *
 * `task_specs` is written alongside `notes`: its cache table has the task graph's
 * triggers, so its bulk load takes another path.
 */
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Store, TaskStoreError } from '../../src/index.js';
import { parseLine } from '../../src/jsonl/line-codec.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';

/** A few ids, odd characters included: quotes, backslash, non-ASCII, LIKE wildcards, a space, NUL, half a surrogate pair (log lines can hold them; the API refuses the last to new records). */
const IDS = ['a', 'b', 'x"y\\z', 'ü 😀', '%_', 'nul\u0000', 'lone\ud800'] as const;
const COLLECTIONS = ['notes', 'task_specs'] as const;

type Stamp = 'ancient' | 'older' | 'tie' | 'newer';
type Op =
  | { k: 'create' | 'update' | 'patch' | 'delete'; s: number; id: string }
  | { k: 'raw'; coll: (typeof COLLECTIONS)[number]; id: string; stamp: Stamp; deleted: boolean; form: 'plain' | 'rust' | 'rust-repo-path' }
  | { k: 'txn'; s: number; id: string; id2: string; innerDelete: boolean; before: boolean; foreign: Stamp | null }
  | { k: 'refresh' | 'sync' | 'rescue'; s: number }
  | { k: 'compact'; s: number; keepDays: number | undefined }
  | { k: 'rewrite'; coll: (typeof COLLECTIONS)[number]; keep: boolean[] };

const idArb = fc.constantFrom(...IDS);
const storeArb = fc.integer({ min: 0, max: 1 });
const collArb = fc.constantFrom(...COLLECTIONS);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ k: fc.constantFrom('create' as const, 'update' as const, 'patch' as const, 'delete' as const), s: storeArb, id: idArb }) },
  {
    weight: 6,
    arbitrary: fc.record({
      k: fc.constant('raw' as const),
      coll: collArb,
      id: idArb,
      stamp: fc.constantFrom<Stamp>('ancient', 'older', 'tie', 'newer'),
      deleted: fc.boolean(),
      form: fc.constantFrom('plain' as const, 'plain' as const, 'rust' as const, 'rust-repo-path' as const),
    }),
  },
  { weight: 2, arbitrary: fc.record({
      k: fc.constant('txn' as const),
      s: storeArb,
      id: idArb,
      id2: idArb,
      innerDelete: fc.boolean(),
      before: fc.boolean(),
      foreign: fc.constantFrom<Stamp | null>(null, 'older', 'tie', 'newer'),
    }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constantFrom('refresh' as const, 'sync' as const, 'rescue' as const), s: storeArb }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('compact' as const), s: storeArb, keepDays: fc.constantFrom(undefined, 0, 1) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('rewrite' as const), coll: collArb, keep: fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }) }) },
);

function open(dir: string): Store {
  return Store.open(dir, { durability: 'none', logger: quietLogger() });
}

function logOf(dir: string, coll: string): string {
  const path = join(dir, `${coll}.jsonl`);
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

/** Every version of `id` in the log, in log order, as readers see it (Rust-format stamps filled in). */
function versionsInLog(dir: string, coll: string, id: string): unknown[] {
  const out: unknown[] = [];
  for (const line of logOf(dir, coll).split('\n')) {
    const parsed = parseLine(line);
    if (parsed.kind === 'record' && parsed.record.id === id) out.push(parsed.record);
  }
  return out;
}

/** The current `updated_at` of `id` in the log (newest; the later line wins a tie), or undefined. */
function currentStamp(dir: string, coll: string, id: string): number | undefined {
  let at: number | undefined;
  for (const v of versionsInLog(dir, coll, id) as { updated_at: number }[]) if (at === undefined || v.updated_at >= at) at = v.updated_at;
  return at;
}

/** Runs a store call; a refusal (TaskStoreError: no such record, already exists, …) is part of the game. */
function attempt(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof TaskStoreError)) throw err;
  }
}

/** Appends a version of `id` behind the stores' backs, stamped relative to its current version in the log. */
function appendRaw(dir: string, op: Pick<Extract<Op, { k: 'raw' }>, 'coll' | 'id' | 'stamp' | 'deleted' | 'form'>, n: number): void {
  const now = currentStamp(dir, op.coll, op.id) ?? Date.now();
  const at = { ancient: 1, older: now - 1, tie: now, newer: now + 1 }[op.stamp];
  const body: Record<string, unknown> =
    op.form === 'plain' ? { id: op.id, updated_at: at } : op.form === 'rust' ? { id: op.id, created_at: at } : { repo_path: op.id, created_at: at };
  if (op.deleted) body.deleted = true;
  else Object.assign(body, { v: n, status: 'pending', dependencies: [IDS[n % IDS.length]] });
  appendFileSync(join(dir, `${op.coll}.jsonl`), `${JSON.stringify(body)}\n`);
}

function applyOp(dir: string, stores: Store[], op: Op, n: number): void {
  switch (op.k) {
    case 'create':
    case 'update':
    case 'patch':
    case 'delete': {
      const notes = stores[op.s]!.collection({ name: 'notes' });
      if (op.k === 'create') attempt(() => notes.create({ id: op.id, v: n }));
      else if (op.k === 'update') attempt(() => notes.update(op.id, { v: n }));
      else if (op.k === 'patch') attempt(() => notes.patch(op.id, { w: n }));
      else attempt(() => notes.delete(op.id));
      return;
    }
    case 'raw': {
      appendRaw(dir, op, n);
      return;
    }
    case 'txn': {
      const store = stores[op.s]!;
      const notes = store.collection({ name: 'notes' });
      attempt(() =>
        store.transaction(() => {
          // Without `before`, the savepoint is the first to read notes in this scope: its
          // catch-up (a line another program appended, maybe an older version, which is
          // relinked) is rolled back with it and must be done again after.
          if (op.before) attempt(() => notes.patch(op.id, { t: n }));
          try {
            store.transaction(() => {
              if (op.foreign !== null && !op.before) appendRaw(dir, { coll: 'notes', id: op.id, stamp: op.foreign, deleted: false, form: 'plain' }, n);
              attempt(() => notes.update(op.id2, { inner: n }));
              attempt(() => (op.innerDelete ? notes.delete(op.id) : notes.create({ id: op.id2, inner: n })));
              expect(notes.list()).toStrictEqual(notes.listTexts().map((t) => JSON.parse(t)));
              throw new Error('roll the savepoint back');
            });
          } catch (err) {
            if ((err as Error).message !== 'roll the savepoint back') throw err;
          }
          // After the rollback: the chain as it was before the savepoint must take this.
          attempt(() => notes.patch(op.id2, { after: n }));
          attempt(() => notes.create({ id: op.id, again: n }));
        }),
      );
      return;
    }
    case 'refresh':
      stores[op.s]!.refresh();
      return;
    case 'sync':
      stores[op.s]!.sync();
      return;
    case 'rescue':
      stores[op.s]!.rescue();
      return;
    case 'compact':
      stores[op.s]!.compact(undefined, op.keepDays === undefined ? {} : { keepDays: op.keepDays });
      return;
    case 'rewrite': {
      // Another program (git) replaces the log with some of its lines: a new file.
      const path = join(dir, `${op.coll}.jsonl`);
      if (!existsSync(path)) return;
      const lines = logOf(dir, op.coll).split('\n').filter((l) => l !== '');
      const kept = lines.filter((_, i) => op.keep[i % op.keep.length]);
      writeFileSync(`${path}.tmp`, kept.map((l) => `${l}\n`).join(''));
      renameSync(`${path}.tmp`, path);
      return;
    }
  }
}

/**
 * Asserts list() (which keeps parsed versions between calls, see parsed-versions.ts)
 * returns what parsing the cache's texts returns, in every store and collection.
 */
function expectListsMatchTexts(stores: Store[], label: string): void {
  for (const [i, store] of stores.entries()) {
    for (const coll of COLLECTIONS) {
      const c = store.collection({ name: coll });
      for (const query of [undefined, { orderBy: '-v', limit: 3 }]) {
        expect(c.list(query), `${label}: store ${i} ${coll} ${JSON.stringify(query)}`).toStrictEqual(c.listTexts(query).map((t) => JSON.parse(t)));
      }
    }
  }
}

/** Asserts history(id) equals the log's versions of id, for every id and collection. */
function expectHistoriesMatchLog(store: Store, logDir: string, label: string): void {
  for (const coll of COLLECTIONS) {
    const c = store.collection({ name: coll });
    for (const id of IDS) expect(c.history(id), `${label}: ${coll} ${JSON.stringify(id)}`).toEqual(versionsInLog(logDir, coll, id));
  }
}

/** A fresh store on a copy of the logs (no cache): a full rebuild; with `filler`, big enough to load in bulk. */
function rebuiltCopy(dir: string, filler: boolean): { store: Store; dir: string } {
  const copy = join(tempDir(), '.taskstore');
  mkdirSync(copy, { recursive: true });
  for (const name of readdirSync(dir)) if (name.endsWith('.jsonl')) copyFileSync(join(dir, name), join(copy, name));
  if (filler) {
    // Past the 256 KiB a rebuild needs to load in bulk; an id of its own.
    for (const coll of COLLECTIONS) appendFileSync(join(copy, `${coll}.jsonl`), `${JSON.stringify({ id: '~filler', updated_at: 5, pad: 'x'.repeat(300_000) })}\n`);
  }
  return { store: open(copy), dir: copy };
}

describe('history follows the log through every path that changes the cache', () => {
  it('property: history(id) is the log’s versions of id, in log order, in live stores, after sync and after rebuilds', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 30 }), (ops) => {
        const dir = join(tempDir(), '.taskstore');
        const stores = [open(dir), open(dir)];
        try {
          // Both collections exist from the start (task_specs through the records layer, with its triggers).
          stores[0]!.collection({ name: 'notes' });
          ops.forEach((op, n) => {
            applyOp(dir, stores, op, n);
            expectListsMatchTexts(stores, `after op ${n} (${op.k})`);
          });
          for (const [i, store] of stores.entries()) {
            store.refresh();
            expectHistoriesMatchLog(store, dir, `store ${i}`);
          }
          stores[1]!.sync();
          expectHistoriesMatchLog(stores[1]!, dir, 'after sync');
          for (const filler of [false, true]) {
            const fresh = rebuiltCopy(dir, filler);
            try {
              expectHistoriesMatchLog(fresh.store, fresh.dir, filler ? 'bulk rebuild' : 'rebuild');
            } finally {
              fresh.store.close();
            }
          }
        } finally {
          for (const store of stores) store.close();
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe('check() and the history chain', () => {
  it('reports versions history cannot reach (a damaged link), and sync mends them', () => {
    const dir = join(tempDir(), '.taskstore');
    const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
    const notes = store.collection<{ n: number }>({ name: 'notes' });
    notes.create({ id: 'a', n: 1 });
    notes.patch('a', { n: 2 });
    notes.patch('a', { n: 3 });
    notes.create({ id: 'b', n: 1 });
    notes.patch('b', { n: 2 });
    expect(store.check().problems).toEqual([]);
    const db = new Database(join(dir, 'taskstore.db'));
    try {
      // Cut a's chain after its current row, then point b's current row at a's first version.
      db.exec(`UPDATE c_notes SET prev = 0 WHERE id = 'a' AND state > 0`);
      db.exec(`UPDATE c_notes SET prev = (SELECT min(seq) FROM c_notes WHERE id = 'a') WHERE id = 'b' AND state > 0`);
    } finally {
      db.close();
    }
    expect(notes.history('a')).toHaveLength(1);
    const problems = store.check().problems;
    expect(problems).toEqual([expect.objectContaining({ kind: 'cache_drift', collection: 'notes', message: expect.stringMatching(/^notes: 3 stored version\(s\) cannot be reached by history/) })]);
    store.sync();
    expect(store.check().problems).toEqual([]);
    expect(notes.history('a').map((r) => r.n)).toEqual([1, 2, 3]);
    expect(notes.history('b').map((r) => r.n)).toEqual([1, 2]);
    store.close();
  });
});

describe('check() and ids another tool wrote with half a surrogate pair', () => {
  it('is clean for such an id (the cache stores it differently), and still sees real drift on it', () => {
    const dir = join(tempDir(), '.taskstore');
    let store = Store.open(dir, { durability: 'none', logger: quietLogger() });
    store.collection({ name: 'notes' }).create({ id: 'plain', n: 1 });
    store.close();
    appendFileSync(join(dir, 'notes.jsonl'), '{"id":"a\\ud800b","updated_at":5,"n":1}\n{"id":"a\\ud800b","updated_at":6,"n":2}\n');
    store = Store.open(dir, { durability: 'none', logger: quietLogger() });
    const notes = store.collection<{ n: number }>({ name: 'notes' });
    expect(notes.get('a\ud800b')?.n).toBe(2);
    expect(store.check().problems).toEqual([]);
    const db = new Database(join(dir, 'taskstore.db'));
    try {
      db.prepare(`UPDATE c_notes SET data = replace(data, '"n":2', '"n":3') WHERE state > 0 AND id = ?`).run('a\ud800b');
    } finally {
      db.close();
    }
    expect(store.check().problems).toEqual([expect.objectContaining({ kind: 'cache_drift', collection: 'notes', message: expect.stringMatching(/differs between the cache and the log/) })]);
    store.sync();
    expect(store.check().problems).toEqual([]);
    store.close();
  });
});
