/**
 * A createMany of many records into a table no larger than them loads the rows in bulk
 * (indexes dropped, built once at the end). It must give exactly what creating the same
 * records one by one in one transaction gives: the same log bytes, the same answers to
 * every query, history and check, the same indexes — and fail the same way.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Engine as Store } from '../../src/store/engine.js';
import { Store as PublicStore, TaskStoreError } from '../../src/index.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';

/** The fewest records for which createMany loads in bulk (BULK_LOAD_MIN_NEW_ROWS). */
const BULK_MIN = 1_000;

interface Note {
  id?: string;
  v: number;
  status: string;
}

function open(dir = join(tempDir(), '.taskstore')) {
  const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
  return { dir, store, notes: store.collection<Note>({ name: 'notes', indexes: ['status'] }) };
}

type Opened = ReturnType<typeof open>;

function snapshot({ notes, store }: Opened, ids: string[]) {
  return {
    all: notes.list({ orderBy: 'id' }),
    byStatus: ['open', 'done'].map((status) => notes.list({ where: { status }, orderBy: 'id' }).map((r) => r.id)),
    count: notes.count(),
    histories: ids.map((id) => notes.history(id)),
    problems: store.check().problems,
  };
}

function indexes(dir: string): string[] {
  const db = new Database(join(dir, 'taskstore.db'), { readonly: true });
  try {
    return db
      .prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'c_notes' AND sql IS NOT NULL ORDER BY name")
      .pluck()
      .all() as string[];
  } finally {
    db.close();
  }
}

function log(dir: string): string {
  return readFileSync(join(dir, 'notes.jsonl'), 'utf8');
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as TaskStoreError).code ?? String(err);
  }
  return undefined;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('createMany in bulk', () => {
  it('equals creating the same records one by one, over a table that already holds live and deleted records', () => {
    // Before: ids r0..r59 created, some deleted. The batch: new ids, and some of r0..r59
    // (a deleted one may be created again; a live one fails the whole batch).
    const beforeArb = fc.array(fc.record({ n: fc.integer({ min: 0, max: 59 }), del: fc.boolean() }), { maxLength: 80 });
    const batchArb = fc.record({
      extra: fc.integer({ min: 0, max: 400 }),
      reused: fc.uniqueArray(fc.integer({ min: 0, max: 59 }), { maxLength: 20 }),
      at: fc.nat({ max: BULK_MIN + 400 }),
    });
    fc.assert(
      fc.property(beforeArb, batchArb, (before, batch) => {
        vi.spyOn(Date, 'now').mockReturnValue(1_800_000_000_000);
        const bulk = open();
        const oneByOne = open();
        try {
          for (const side of [bulk, oneByOne]) {
            for (const { n, del } of before) {
              const id = `r${n}`;
              const current = side.notes.get(id);
              if (current === undefined) side.notes.create({ id, v: n, status: 'open' });
              else if (del) side.notes.delete(id);
              else side.notes.patch(id, { status: 'done' });
            }
          }
          const records: Note[] = Array.from({ length: BULK_MIN + batch.extra }, (_, i) => ({ id: `n${i}`, v: i, status: i % 3 === 0 ? 'done' : 'open' }));
          const at = Math.min(batch.at, records.length);
          records.splice(at, 0, ...batch.reused.map((n) => ({ id: `r${n}`, v: -n, status: 'done' })));
          const ids = records.map((r) => r.id!);

          const bulkError = codeOf(() => bulk.notes.createMany(records));
          const oneError = codeOf(() => oneByOne.store.transaction(() => records.forEach((r) => oneByOne.notes.create(r))));
          expect(bulkError).toBe(oneError);
          expect(log(bulk.dir)).toBe(log(oneByOne.dir));
          expect(indexes(bulk.dir)).toEqual(indexes(oneByOne.dir));
          const probe = [...ids, ...before.map((b) => `r${b.n}`)];
          expect(snapshot(bulk, probe)).toEqual(snapshot(oneByOne, probe));
          expect(snapshot(bulk, probe).problems).toEqual([]);
          // Written or not, the table goes on working row by row.
          bulk.notes.create({ id: 'later', v: 1, status: 'open' });
          expect(bulk.notes.list({ where: { status: 'open' } }).some((r) => r.id === 'later')).toBe(true);
        } finally {
          bulk.store.close();
          oneByOne.store.close();
          vi.restoreAllMocks();
        }
      }),
      { numRuns: 12 },
    );
  });

  it('a bulk createMany that fails inside a transaction leaves the indexes in place once the caller goes on and commits', () => {
    const s = open();
    const expected = indexes(s.dir);
    const records = Array.from({ length: BULK_MIN + 10 }, (_, i) => ({ id: `n${i}`, v: i, status: 'open' }));
    s.store.transaction(() => {
      // A duplicate of an early record, and one of the record just before (not yet inserted: queued).
      expect(codeOf(() => s.notes.createMany([...records, { id: 'n5', v: 0, status: 'open' }]))).toBe('ALREADY_EXISTS');
      expect(codeOf(() => s.notes.createMany([...records, { id: `n${records.length - 1}`, v: 0, status: 'open' }]))).toBe('ALREADY_EXISTS');
      s.notes.create({ id: 'kept', v: 1, status: 'done' });
    });
    expect(indexes(s.dir)).toEqual(expected);
    expect(s.notes.list().map((r) => r.id)).toEqual(['kept']);
    expect(s.store.check().problems).toEqual([]);
    // The status query is answered from its index, which exists again.
    const db = new Database(join(s.dir, 'taskstore.db'), { readonly: true });
    const plan = db.prepare(`EXPLAIN QUERY PLAN SELECT data FROM c_notes WHERE json_extract(data, '$.status') = 'done' AND state = 1`).all() as { detail: string }[];
    db.close();
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING INDEX c_notes__f_status/);
    s.store.close();
  });

  it('reads made while the records are created (a schema that checks references) see every record created before', () => {
    const dir = join(tempDir(), '.taskstore');
    const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
    type Child = { v: number; parent?: string };
    let notes: ReturnType<typeof store.collection<Child>>;
    const schema = {
      parse(value: unknown): Child {
        const parent = (value as { parent?: string }).parent;
        if (parent !== undefined && notes.get(parent) === undefined) throw new Error(`parent ${parent} does not exist`);
        if (parent !== undefined && !notes.list({ where: { v: Number(parent.slice(1)) } }).some((r) => r.id === parent)) throw new Error('list does not see the parent');
        if (parent !== undefined && notes.count() !== Number(parent.slice(1)) + 1) throw new Error('count does not see every record before');
        return value as Child;
      },
    };
    notes = store.collection<Child>({ name: 'notes', indexes: ['v'], schema });
    // Every 100th record names the one just before it, which is not inserted yet (queued).
    const records = Array.from({ length: BULK_MIN + 5 }, (_, i) => ({ id: `c${i}`, v: i, parent: i % 100 === 1 && i > 1 ? `c${i - 1}` : undefined }));
    expect(notes.createMany(records)).toHaveLength(records.length);
    expect(notes.count()).toBe(records.length);
    expect(codeOf(() => notes.createMany(Array.from({ length: BULK_MIN }, (_, i) => ({ id: `x${i}`, v: i + 1, parent: i === 500 ? 'missing' : undefined }))))).toBe('VALIDATION');
    expect(notes.count()).toBe(records.length);
    expect(store.check().problems).toEqual([]);
    store.close();
  });

  it('task specs created in bulk (a table with the readiness graph\'s triggers) give the same ready list and cycles as one by one', () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_800_000_000_000);
    const sides = [0, 1].map(() => {
      const store = PublicStore.open(join(tempDir(), '.taskstore'), { durability: 'none', logger: quietLogger() });
      const prd = store.createPrd({ id: 'prd-1', title: 'p' });
      // A few specs before, some complete and one deleted, so the batch meets rows already in the graph.
      store.createTaskSpec({ id: 'old-0', prd_id: prd, phase_name: 'old 0', status: 'complete' });
      store.createTaskSpec({ id: 'old-1', prd_id: prd, phase_name: 'old 1' });
      store.createTaskSpec({ id: 'old-2', prd_id: prd, phase_name: 'old 2', dependencies: ['old-1'] });
      store.collection({ name: 'task_specs' }).delete('old-2');
      return store;
    });
    const statuses = ['pending', 'complete', 'failed', 'blocked'] as const;
    const specs = Array.from({ length: BULK_MIN + 200 }, (_, i) => ({
      id: i === 7 ? 'old-2' : `t${i}`, // created again over its tombstone
      prd_id: 'prd-1',
      phase_name: `phase ${i}`,
      status: statuses[(i * 7) % 4]!,
      // Earlier specs, later ones (waiting for a spec created later in the batch), a few cycles, and the specs from before.
      dependencies: [...new Set([i > 0 ? `t${i - 1}` : 'old-0', `t${(i * 13) % (BULK_MIN + 200)}`, i % 97 === 0 ? 'old-1' : 'old-0'])].filter((d) => d !== `t${i}`),
    }));
    sides[0]!.collection({ name: 'task_specs' }).createMany(specs);
    sides[1]!.transaction(() => specs.forEach((spec) => sides[1]!.collection({ name: 'task_specs' }).create(spec)));
    const view = (store: PublicStore) => ({
      specs: store.listTaskSpecs('prd-1'),
      ready: store.listReadyTaskSpecs().map((t) => t.id),
      cycles: store.findDependencyCycles().map((c) => [...c].sort()).sort(),
      problems: store.check().problems,
    });
    const bulk = view(sides[0]!);
    expect(bulk).toEqual(view(sides[1]!));
    expect(bulk.ready.length).toBeGreaterThan(0);
    expect(bulk.cycles.length).toBeGreaterThan(0);
    // The data has cycles and specs waiting on `t7` (whose id went to `old-2`): check() reports the same on both.
    expect(bulk.problems.map((p) => p.kind).sort()).toEqual(['dangling_reference', 'dangling_reference', 'dependency_cycle']);
    // And after a full rebuild of both.
    for (const store of sides) store.sync();
    expect(view(sides[0]!)).toEqual(bulk);
    for (const store of sides) store.close();
  });

  it('loads in bulk only batches of at least 1,000 records that are no fewer than the rows the table holds', () => {
    const s = open();
    const table = () => s.store.tableFor('notes');
    expect(table().bulkLoadPays(BULK_MIN - 1)).toBe(false);
    expect(table().bulkLoadPays(BULK_MIN)).toBe(true);
    s.notes.createMany(Array.from({ length: 1_500 }, (_, i) => ({ v: i, status: 'open' })));
    expect(table().bulkLoadPays(BULK_MIN)).toBe(false);
    expect(table().bulkLoadPays(1_500)).toBe(true);
    s.store.close();
  });
});
