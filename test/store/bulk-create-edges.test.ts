/**
 * Bulk createMany at the edges: records near maxRecordBytes (the load inserts its queue
 * early once it holds 4 MiB of lines), one over it part-way, and tables created in a
 * transaction or savepoint that is rolled back and then loaded again.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Engine as Store } from '../../src/store/engine.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';

/** The fewest records for which createMany loads in bulk (BULK_LOAD_MIN_NEW_ROWS). */
const BULK_MIN = 1_000;
const MAX_RECORD_BYTES = 300_000;

function open() {
  const dir = join(tempDir(), '.taskstore');
  return { dir, store: Store.open(dir, { durability: 'none', logger: quietLogger(), maxRecordBytes: MAX_RECORD_BYTES }) };
}

function indexes(dir: string, table: string): string[] {
  const db = new Database(join(dir, 'taskstore.db'), { readonly: true });
  try {
    return db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? ORDER BY name").pluck().all(table) as string[];
  } finally {
    db.close();
  }
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
  return undefined;
}

const records = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, x: i % 3 === 0 ? 'a' : 'b' }));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('createMany in bulk at the edges', () => {
  it('records near maxRecordBytes, many in a row, equal one-by-one creates; one over the limit part-way leaves nothing', () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_800_000_000_000);
    // Runs of 20 records of ~299 KB (6 MB: more than one early insert of the queue) among small ones.
    const big = 'y'.repeat(MAX_RECORD_BYTES - 200);
    const batch = Array.from({ length: BULK_MIN + 100 }, (_, i) => ({ id: `b${i}`, x: i % 2 === 0 ? 'a' : 'b', s: i % 500 < 20 ? big : 'z' }));
    const sides = [open(), open()];
    const [bulk, oneByOne] = sides as [ReturnType<typeof open>, ReturnType<typeof open>];
    const notesOf = (s: ReturnType<typeof open>) => s.store.collection<{ x: string; s: string }>({ name: 'big', indexes: ['x'] });
    notesOf(bulk).createMany(batch);
    oneByOne.store.transaction(() => batch.forEach((r) => notesOf(oneByOne).create(r)));
    const view = (s: ReturnType<typeof open>) => ({
      log: readFileSync(join(s.dir, 'big.jsonl'), 'utf8'),
      a: notesOf(s).list({ where: { x: 'a' }, orderBy: 'id' }).map((r) => [r.id, r.s.length]),
      problems: s.store.check().problems,
      indexes: indexes(s.dir, 'c_big'),
    });
    expect(view(bulk)).toEqual(view(oneByOne));
    expect(view(bulk).problems).toEqual([]);

    // Into a new collection (which loads in bulk), one record over the limit after many large ones.
    const over = Array.from({ length: BULK_MIN + 500 }, (_, i) => ({ id: `o${i}`, x: 'a', s: i % 100 < 20 || i === 1_400 ? big + (i === 1_400 ? 'y'.repeat(400) : '') : 'z' }));
    const other = bulk.store.collection<{ x: string; s: string }>({ name: 'other', indexes: ['x'] });
    expect(codeOf(() => other.createMany(over))).toBe('TOO_LARGE');
    expect(other.count()).toBe(0);
    expect(indexes(bulk.dir, 'c_other')).toEqual(['c_other__f_x', 'c_other__id', 'c_other__order']);
    expect(bulk.store.check().problems).toEqual([]);
    other.createMany(over.slice(0, BULK_MIN));
    expect(other.count({ where: { x: 'a' } })).toBe(BULK_MIN);
    for (const s of sides) s.store.close();
  });

  it('a table created in a transaction or savepoint that is rolled back loads in bulk again afterwards', () => {
    const { dir, store } = open();
    expect(
      codeOf(() =>
        store.transaction(() => {
          store.collection({ name: 'fresh', indexes: ['x'] }).createMany(records('f', BULK_MIN + 500));
          throw new Error('rolled back');
        }),
      ),
    ).toBe('Error: rolled back');
    const fresh = store.collection({ name: 'fresh', indexes: ['x'] });
    expect(fresh.count()).toBe(0);
    fresh.createMany(records('f', BULK_MIN + 200));
    expect(fresh.count({ where: { x: 'a' } })).toBe(400);
    store.transaction(() => {
      // A savepoint that creates a table and loads it in bulk, rolled back; the transaction goes on.
      expect(
        codeOf(() =>
          store.transaction(() => {
            store.collection({ name: 'inner', indexes: ['x'] }).createMany(records('i', BULK_MIN + 100));
            throw new Error('inner');
          }),
        ),
      ).toBe('Error: inner');
      store.collection({ name: 'inner', indexes: ['x'] }).createMany(records('j', BULK_MIN));
      fresh.createMany(records('g', BULK_MIN + 300));
    });
    expect(store.collection({ name: 'inner' }).list().map((r) => r.id).filter((id) => id.startsWith('i'))).toEqual([]);
    expect(store.collection({ name: 'inner' }).count()).toBe(BULK_MIN);
    expect(fresh.count()).toBe(2 * BULK_MIN + 500);
    for (const table of ['c_fresh', 'c_inner']) expect(indexes(dir, table)).toEqual([`${table}__f_x`, `${table}__id`, `${table}__order`]);
    expect(store.check().problems).toEqual([]);
    store.close();
    // A rebuild from the logs gives the same.
    const again = Store.open(dir, { durability: 'none', logger: quietLogger() });
    again.sync();
    expect(again.collection({ name: 'fresh' }).count()).toBe(2 * BULK_MIN + 500);
    expect(again.collection({ name: 'inner' }).count()).toBe(BULK_MIN);
    expect(again.check().problems).toEqual([]);
    again.close();
  });
});
