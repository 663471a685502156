/**
 * check() compares the cache's current versions with its own fold of the log: each way
 * a damaged cache can differ is reported as `cache_drift`, and `sync()` mends it.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { everyCurrentRowFrom } from '../../src/cache/row-state.js';
import { quietLogger } from '../helpers/logger.js';
import { tempDir } from '../helpers/temp.js';

describe('check() and a cache that differs from the log', () => {
  it('names a record missing from the cache, one whose text differs, one only the cache has, and one with two current rows', () => {
    const dir = join(tempDir(), '.taskstore');
    const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
    const notes = store.collection<{ n: number }>({ name: 'notes' });
    for (const id of ['missing', 'differs', 'twice', 'fine']) notes.create({ id, n: 1 });
    notes.patch('twice', { n: 2 });
    expect(store.check().problems).toEqual([]);
    const db = new Database(join(dir, 'taskstore.db'));
    try {
      db.exec(`UPDATE c_notes SET state = 0 WHERE id = 'missing'`); // no current row left
      db.exec(`UPDATE c_notes SET data = replace(data, '"n":1', '"n":9') WHERE id = 'differs'`);
      db.exec(`INSERT INTO c_notes (id, updated_at, state, line_no, prev, data) SELECT 'extra', updated_at, state, line_no, 0, replace(data, '"fine"', '"extra"') FROM c_notes WHERE id = 'fine'`);
      // The superseded first version of 'twice' made current again, beside the real one.
      db.exec(`UPDATE c_notes SET state = (SELECT state FROM c_notes WHERE id = 'twice' AND state > 0) WHERE id = 'twice' AND state = 0`);
    } finally {
      db.close();
    }
    const drift = store.check().problems.filter((p) => p.kind === 'cache_drift' && p.id !== undefined);
    expect(drift.map((p) => [p.id, p.message])).toEqual([
      ['missing', 'notes/missing is in the log but missing from the cache: run taskstore sync'],
      ['differs', 'notes/differs differs between the cache and the log: run taskstore sync'],
      ['twice', 'notes/twice has more than one current version in the cache: run taskstore sync'],
      ['extra', 'notes/extra is in the cache but not in the log: run taskstore sync'],
    ]);
    store.sync();
    expect(store.check().problems).toEqual([]);
    store.close();
  });

  it('reads the current rows through the id index when they are few, in table order when they are many: the same problems either way', () => {
    for (const updates of [0, 6]) {
      const dir = join(tempDir(), '.taskstore');
      const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
      const notes = store.collection<{ n: number }>({ name: 'notes' });
      for (let i = 0; i < 10; i++) notes.create({ id: `r${i}`, n: 0 });
      for (let u = 1; u <= updates; u++) for (let i = 0; i < 10; i++) notes.patch(`r${i}`, { n: u });
      const db = new Database(join(dir, 'taskstore.db'));
      try {
        // 10 current rows of 10 (a table scan) or of 70 (the index).
        expect(everyCurrentRowFrom(db, 'c_notes')).toBe(updates === 0 ? '"c_notes" NOT INDEXED' : '"c_notes"');
        db.exec(`UPDATE c_notes SET data = replace(data, '"n":${updates}', '"n":99') WHERE id = 'r3' AND state > 0`);
      } finally {
        db.close();
      }
      expect(store.check().problems.map((p) => p.id)).toEqual(['r3']);
      store.close();
    }
  });
});

