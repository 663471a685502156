/**
 * A createMany that loads in bulk while the collection's schema reads or writes the
 * store from its parse (a schema that keeps a summary record up to date, that declares the
 * collection, that creates more records): the same result as creating the records one
 * by one in one transaction, and the table's indexes all back at the end.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Engine as Store } from '../../src/store/engine.js';
import type { Collection } from '../../src/store/collection.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';

/** The fewest records for which createMany loads in bulk (BULK_LOAD_MIN_NEW_ROWS). */
const BULK_MIN = 1_000;

interface Note {
  v: number;
  status?: string;
  seen?: number[];
}

type Notes = Collection<Note>;

function openStore() {
  const dir = join(tempDir(), '.taskstore');
  return { dir, store: Store.open(dir, { durability: 'none', logger: quietLogger() }) };
}

function indexes(dir: string): string[] {
  const db = new Database(join(dir, 'taskstore.db'), { readonly: true });
  try {
    return db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'c_notes' ORDER BY name").pluck().all() as string[];
  } finally {
    db.close();
  }
}

/** What a store holds after `load` ran on a fresh one: log, answers, indexes. */
function outcome(load: (store: Store, notes: () => Notes) => void, schemaOf: (notes: () => Notes, store: Store) => { parse(value: unknown): Note }) {
  const { dir, store } = openStore();
  let notes: Notes | undefined;
  const handle = () => notes!;
  notes = store.collection<Note>({ name: 'notes', indexes: ['status'], schema: schemaOf(handle, store) });
  load(store, handle);
  const result = {
    log: readFileSync(join(dir, 'notes.jsonl'), 'utf8'),
    all: notes.list({ orderBy: 'id' }),
    open: notes.list({ where: { status: 'open' }, orderBy: 'id' }).map((r) => r.id),
    count: notes.count(),
    histories: ['sum', 'n0', 'n1', 'n2'].map((id) => notes!.history(id)),
    problems: store.check().problems,
    indexes: indexes(dir),
  };
  store.close();
  return result;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('createMany in bulk while parse writes to the store', () => {
  it('a parse that patches and deletes records created earlier in the batch reads their latest versions', () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_800_000_000_000);
    // Every 100th record is added to the summary record `sum` (created first in the
    // batch), read back and patched each time; every 250th deletes the record before it.
    const schemaOf = (notes: () => Notes) => ({
      parse(value: unknown): Note {
        const note = value as Note & { id: string };
        if (note.id !== 'sum' && note.v % 100 === 50) {
          const sum = notes().get('sum')!;
          notes().patch('sum', { seen: [...(sum.seen ?? []), note.v] });
        }
        if (note.v % 250 === 1) notes().delete(`n${note.v - 1}`);
        return note;
      },
    });
    const records = [{ id: 'sum', v: -1, status: 'open' }, ...Array.from({ length: BULK_MIN + 100 }, (_, i) => ({ id: `n${i}`, v: i, status: i % 2 === 0 ? 'open' : 'done' }))];
    const bulk = outcome((_store, notes) => notes().createMany(records), schemaOf);
    const oneByOne = outcome((store, notes) => store.transaction(() => records.forEach((r) => notes().create(r))), schemaOf);
    expect(bulk.all.find((r) => r.id === 'sum')!.seen).toHaveLength(11);
    expect(bulk).toEqual(oneByOne);
    expect(bulk.problems).toEqual([]);
  });

  it('a parse that creates a large batch of the same collection (itself loading in bulk) loses no row and no index', () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_800_000_000_000);
    // Record n3 of the batch, once, has parse create 1,000 more: a createMany inside a bulk load of its table.
    const schemaOf = (notes: () => Notes) => {
      let nested = false;
      return {
        parse(value: unknown): Note {
          const note = value as Note & { id: string };
          if (!nested && note.id === 'n3') {
            nested = true;
            notes().createMany(Array.from({ length: BULK_MIN }, (_, i) => ({ id: `x${i}`, v: -i, status: 'open' })));
          }
          return note;
        },
      };
    };
    const records = Array.from({ length: 3 * BULK_MIN }, (_, i) => ({ id: `n${i}`, v: i, status: i % 2 === 0 ? 'open' : 'done' }));
    const bulk = outcome((_store, notes) => notes().createMany(records), schemaOf);
    const oneByOne = outcome((store, notes) => store.transaction(() => records.forEach((r) => notes().create(r))), schemaOf);
    expect(bulk.count).toBe(4 * BULK_MIN);
    expect(bulk.indexes).toEqual(['c_notes__f_status', 'c_notes__id', 'c_notes__order']);
    expect(bulk).toEqual(oneByOne);
  });

  it('a parse that declares the collection, with its indexes and a new one, leaves every index built', () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_800_000_000_000);
    const schemaOf = (_notes: () => Notes, store: Store) => ({
      parse(value: unknown): Note {
        store.collection<Note>({ name: 'notes', indexes: ['status', 'v'] });
        return value as Note;
      },
    });
    const records = Array.from({ length: BULK_MIN + 10 }, (_, i) => ({ id: `n${i}`, v: i, status: i % 2 === 0 ? 'open' : 'done' }));
    const bulk = outcome((_store, notes) => notes().createMany(records), schemaOf);
    const oneByOne = outcome((store, notes) => store.transaction(() => records.forEach((r) => notes().create(r))), schemaOf);
    expect(bulk.count).toBe(records.length);
    expect(bulk.indexes).toEqual(['c_notes__f_status', 'c_notes__f_v', 'c_notes__id', 'c_notes__order']);
    expect(bulk).toEqual(oneByOne);
  });

  it('a parse whose own transaction fails and is caught leaves nothing of it in the load', () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_800_000_000_000);
    // Records n5 and n600 have parse create a record in a transaction that then fails;
    // n7 a createMany that fails on its second record. The batch then creates the ids
    // those rolled-back writes had used.
    const schemaOf = (notes: () => Notes, store: Store) => ({
      parse(value: unknown): Note {
        const note = value as Note & { id: string };
        const attempt = (fn: () => void) => {
          try {
            fn();
          } catch {
            // the record is valid all the same
          }
        };
        if (note.id === 'n5' || note.id === 'n600') {
          attempt(() =>
            store.transaction(() => {
              notes().create({ id: `tmp-${note.id}`, v: -1 });
              throw new Error('changed my mind');
            }),
          );
        }
        if (note.id === 'n7') attempt(() => notes().createMany([{ id: 'dup', v: -2 }, { id: 'n0', v: -3 }]));
        return note;
      },
    });
    const records = [
      ...Array.from({ length: BULK_MIN + 100 }, (_, i) => ({ id: `n${i}`, v: i, status: 'open' })),
      { id: 'dup', v: 1, status: 'done' },
      { id: 'tmp-n5', v: 2, status: 'done' },
    ];
    const bulk = outcome((_store, notes) => notes().createMany(records), schemaOf);
    const oneByOne = outcome((store, notes) => store.transaction(() => records.forEach((r) => notes().create(r))), schemaOf);
    expect(bulk.count).toBe(records.length);
    expect(bulk.all.some((r) => r.id === 'tmp-n600')).toBe(false);
    expect(bulk).toEqual(oneByOne);
    expect(bulk.problems).toEqual([]);
  });

  it('a parse that reads the collection is answered through its indexes: the load ends at the first read', () => {
    const { store } = openStore();
    const indexNames = () => store.queryCache<{ name: string }>([], () => "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'c_notes' ORDER BY name").map((r) => r.name);
    const seen: string[][] = [];
    let notes: Notes | undefined;
    notes = store.collection<Note>({
      name: 'notes',
      indexes: ['status'],
      schema: {
        parse(value: unknown): Note {
          const note = value as Note & { id: string; parent?: string };
          // Each record names its parent, created earlier in the batch (a tree).
          if (note.parent !== undefined && notes!.get(note.parent) === undefined) throw new Error(`no parent ${note.parent}`);
          if (note.v % 500 === 7) seen.push(indexNames());
          return note;
        },
      },
    });
    const records = Array.from({ length: 2 * BULK_MIN }, (_, i) => ({ id: `n${i}`, v: i, status: 'open', parent: i === 0 ? undefined : `n${Math.floor(i / 2)}` }));
    notes.createMany(records);
    // Without the indexes each read scans the table: a load with a read per record took quadratic time.
    expect(seen).toEqual(Array(4).fill(['c_notes__f_status', 'c_notes__id', 'c_notes__order']));
    expect(notes.count()).toBe(records.length);
    expect(store.check().problems).toEqual([]);
    store.close();
  });
});
