/**
 * A process of an older TaskStore that had the cache open when a newer one replaced its
 * tables (the cache is never migrated: a cache of another layout is dropped and rebuilt)
 * keeps its connection and its statements. When it then meets a collection the cache has
 * no table for yet, it creates that table in its own layout, inside a cache whose `meta`
 * says the new layout. Stand-in for that process: a second connection running the
 * previous layout's (3) exact DDL, the shape such a process leaves behind.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';

/** The collection table as cache layout 3 created it (no `prev`, an id index of every version). */
const layout3Table = (t: string): string => `
  CREATE TABLE IF NOT EXISTS "${t}" (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    state INTEGER NOT NULL,
    line INTEGER NOT NULL,
    data TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS "${t}__id" ON "${t}" (id, state);
  CREATE INDEX IF NOT EXISTS "${t}__order" ON "${t}" (updated_at, id) WHERE state = 1;`;

/** Replaces collection table `t` by one of layout 3 holding the same rows (its `files` row stays: consumed as before). */
function toLayout3(dir: string, t: string): void {
  const raw = new Database(join(dir, 'taskstore.db'));
  try {
    raw.exec(`
      CREATE TEMP TABLE saved AS SELECT seq, id, updated_at, state, line_no AS line, data FROM "${t}";
      DROP TABLE "${t}";
      ${layout3Table(t)}
      INSERT INTO "${t}" (seq, id, updated_at, state, line, data) SELECT * FROM saved;`);
  } finally {
    raw.close();
  }
}

function open(dir: string): Store {
  return Store.open(dir, { durability: 'none', logger: quietLogger() });
}

describe('a collection table left by a process of an older cache layout', () => {
  it('is told apart from a table of this layout, which is kept as it is across opens', () => {
    const dir = join(tempDir(), '.taskstore');
    const first = open(dir);
    first.collection({ name: 'kept' }).create({ id: 'k' });
    first.close();
    // A row no log holds: it survives only if the table is not rebuilt.
    const raw = new Database(join(dir, 'taskstore.db'));
    raw.prepare(`INSERT INTO "c_kept" (id, updated_at, state, line_no, prev, data) VALUES ('sentinel', 1, 1, 99, 0, '{"id":"sentinel","updated_at":1}')`).run();
    raw.close();
    const again = open(dir);
    try {
      expect(again.collection({ name: 'kept' }).get('sentinel')).toBeDefined();
    } finally {
      again.close();
    }
  });

  it('met by a process that was open before it appeared: rebuilt by the next refresh', () => {
    const dir = join(tempDir(), '.taskstore');
    const reader = open(dir);
    const writer = open(dir);
    try {
      const late = writer.collection<{ v: number }>({ name: 'late' });
      late.create({ id: 'l', v: 1 });
      late.update('l', { v: 2 });
      const expected = late.history('l');
      writer.close();
      toLayout3(dir, 'c_late');
      const table = reader.collection<{ v: number }>({ name: 'late' });
      reader.refresh();
      expect(table.history('l')).toEqual(expected);
      table.update('l', { v: 3 });
      expect(table.history('l').map((r) => r.v)).toEqual([1, 2, 3]);
    } finally {
      reader.close();
      writer.close();
    }
  });

  it('is rebuilt from its log, instead of failing every statement that names prev in every process for good', () => {
    const dir = join(tempDir(), '.taskstore');
    const store = open(dir);
    const other = store.collection<{ v: number }>({ name: 'other' });
    other.create({ id: 'o', v: 1 });
    other.update('o', { v: 2 });
    other.create({ id: 'p', v: 1 });
    const expected = { o: other.history('o'), p: other.history('p'), list: other.list({ orderBy: 'id' }) };
    store.close();

    toLayout3(dir, 'c_other');

    // Found at open: the catch-up on open rebuilds it.
    const again = open(dir);
    try {
      const table = again.collection<{ v: number }>({ name: 'other' });
      expect({ o: table.history('o'), p: table.history('p'), list: table.list({ orderBy: 'id' }) }).toEqual(expected);
      table.update('p', { v: 2 });
      expect(table.history('p').map((r) => r.v)).toEqual([1, 2]);
      expect(again.check().problems).toEqual([]);
    } finally {
      again.close();
    }
  });
});
