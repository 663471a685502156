/**
 * The cache's named methods over its own tables (`files`, `bad_lines`, the collection
 * tables' current versions), on a real SQLite file; a second connection stands in for
 * another process.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CacheDb, type FileStateRow } from '../../src/cache/cache-db.js';
import { STATE_LIVE, STATE_SUPERSEDED, STATE_TOMBSTONE } from '../../src/cache/row-state.js';
import { CollectionTable } from '../../src/cache/collection-table.js';
import { ParsedBudget } from '../../src/cache/parsed-budget.js';
import { PARSED_BUDGET_WEIGHT } from '../../src/cache/parsed-reads.js';
import { TABLE_EPOCHS_DDL } from '../../src/cache/table-epochs.js';
import { tempDir } from '../helpers/temp.js';

const open: CacheDb[] = [];
afterEach(() => {
  for (const cache of open.splice(0)) cache.close();
});

function openCache(path = join(tempDir(), 'taskstore.db')): CacheDb {
  const cache = CacheDb.open(path, 2000);
  open.push(cache);
  return cache;
}

function row(collection: string, offset: number, extra: Partial<FileStateRow> = {}): FileStateRow {
  return { collection, ino: '12345678901234567890', offset, lines: offset / 10, fingerprint: `fp${offset}`, mtime_ns: '1700000000123456789', conflict_line: null, prefix_crc: null, ...extra };
}

/** Applies one record version to `collection`'s table, as the log's line `lineNo`. */
function apply(cache: CacheDb, collection: string, id: string, updatedAt: number, lineNo: number, deleted = false): void {
  cache.collectionTable(collection).apply({ id, updated_at: updatedAt, ...(deleted ? { deleted: true } : { v: updatedAt }) }, lineNo, JSON.stringify({ id, updated_at: updatedAt, deleted }));
}

describe('cache.files', () => {
  it('puts, gets, replaces, lists and removes what was consumed of each log', () => {
    const cache = openCache();
    expect(cache.files.get('notes')).toBeUndefined();
    expect(cache.files.all()).toEqual([]);
    cache.files.put(row('notes', 40));
    cache.files.put(row('tasks', 70, { conflict_line: 3, prefix_crc: 4_294_967_295 }));
    expect(cache.files.get('notes')).toEqual(row('notes', 40));
    // Large values survive as written: inode and mtime are strings (beyond 2^53), the CRC an unsigned 32-bit number.
    expect(cache.files.get('tasks')).toEqual(row('tasks', 70, { conflict_line: 3, prefix_crc: 4_294_967_295 }));
    cache.files.put(row('notes', 90));
    expect(cache.files.get('notes')!.offset).toBe(90);
    expect(cache.files.collections().sort()).toEqual(['notes', 'tasks']);
    expect(cache.files.all().map((r) => r.collection).sort()).toEqual(['notes', 'tasks']);
    cache.files.remove('notes');
    expect(cache.files.get('notes')).toBeUndefined();
    expect(cache.files.collections()).toEqual(['tasks']);
  });

  it('is shared with other connections to the same file', () => {
    const path = join(tempDir(), 'taskstore.db');
    const a = openCache(path);
    const b = openCache(path);
    a.files.put(row('notes', 10));
    expect(b.files.get('notes')).toEqual(row('notes', 10));
  });
});

describe('cache.badLines', () => {
  it('keeps skipped lines per collection, by line number, one reason per line', () => {
    const cache = openCache();
    cache.badLines.add('notes', 7, 'not JSON');
    cache.badLines.add('notes', 2, 'no id');
    cache.badLines.add('tasks', 1, 'not valid UTF-8');
    cache.badLines.add('notes', 7, 'not an object');
    expect(cache.badLines.list('notes')).toEqual([
      { line: 2, reason: 'no id' },
      { line: 7, reason: 'not an object' },
    ]);
    cache.badLines.clear('notes');
    expect(cache.badLines.list('notes')).toEqual([]);
    expect(cache.badLines.list('tasks')).toEqual([{ line: 1, reason: 'not valid UTF-8' }]);
  });
});

describe('cache.forEachCurrentVersion', () => {
  it('visits nothing for a collection without a table', () => {
    const cache = openCache();
    const seen: string[] = [];
    cache.forEachCurrentVersion('never', (id) => seen.push(id));
    expect(seen).toEqual([]);
  });

  it('visits the current version of each id, live or deleted, never a superseded one', () => {
    const cache = openCache();
    apply(cache, 'notes', 'a', 1, 1);
    apply(cache, 'notes', 'b', 2, 2);
    apply(cache, 'notes', 'a', 3, 3);
    apply(cache, 'notes', 'b', 4, 4, true);
    const seen: [string, number, number][] = [];
    cache.forEachCurrentVersion('notes', (id, updatedAt, line) => seen.push([id, updatedAt, line]));
    expect(seen.sort()).toEqual([
      ['a', 3, 3],
      ['b', 4, 4],
    ]);
  });
});

describe('cache.readTransaction', () => {
  it('sees the cache as of one commit while another connection writes', () => {
    const path = join(tempDir(), 'taskstore.db');
    const reader = openCache(path);
    const writer = openCache(path);
    writer.files.put(row('notes', 10));
    const inside: (FileStateRow | undefined)[] = [];
    reader.readTransaction(() => {
      inside.push(reader.files.get('notes'));
      writer.files.put(row('notes', 20));
      inside.push(reader.files.get('notes'));
    });
    expect(inside.map((r) => r?.offset)).toEqual([10, 10]);
    expect(reader.files.get('notes')!.offset).toBe(20);
  });

  it('ends the transaction when `fn` throws', () => {
    const cache = openCache();
    expect(() =>
      cache.readTransaction(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    // A transaction left open would make this BEGIN IMMEDIATE fail.
    cache.beginImmediate();
    cache.rollback();
  });
});

describe('row states', () => {
  it('the constants are the numbers the collection tables store', () => {
    const path = join(tempDir(), 'taskstore.db');
    const cache = openCache(path);
    apply(cache, 'notes', 'a', 1, 1);
    apply(cache, 'notes', 'a', 2, 2);
    apply(cache, 'notes', 'b', 3, 3, true);
    const db = new Database(path, { readonly: true });
    try {
      const states = db.prepare('SELECT line_no AS line, state FROM "c_notes" ORDER BY line_no').all() as { line: number; state: number }[];
      expect(states).toEqual([
        { line: 1, state: STATE_SUPERSEDED },
        { line: 2, state: STATE_LIVE },
        { line: 3, state: STATE_TOMBSTONE },
      ]);
    } finally {
      db.close();
    }
  });
});

describe('collection table bulk load', () => {
  it('leaves bulk mode when ending the load fails, so later versions reach the table', () => {
    const db = new Database(join(tempDir(), 'taskstore.db'));
    try {
      db.exec(TABLE_EPOCHS_DDL);
      const table = new CollectionTable(db, 'notes', new ParsedBudget(PARSED_BUDGET_WEIGHT));
      const version = (id: string, at: number) => ({ id, updated_at: at, v: at });
      db.exec('BEGIN');
      table.clear();
      table.beginBulkLoad();
      for (let line = 1; line <= 10; line++) table.apply(version(`r${line}`, line), line, JSON.stringify(version(`r${line}`, line)));
      // The queued rows are inserted when the load ends: make that insert fail, as a full disk would.
      db.exec(`CREATE TEMP TRIGGER fail_line_10 BEFORE INSERT ON main."c_notes" WHEN NEW.line_no = 10 BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
      expect(() => table.endBulkLoad()).toThrow(/disk full/);
      db.exec('ROLLBACK');
      expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'index' AND tbl_name = 'c_notes'").get()).toEqual({ n: 2 });
      // A later write applies row by row, at once.
      table.apply(version('r1', 1), 1, JSON.stringify(version('r1', 1)));
      expect(table.liveText('r1')).toBe(JSON.stringify(version('r1', 1)));
      expect(table.liveIds()).toEqual(['r1']);
    } finally {
      db.close();
    }
  });
  // The indexes are built with a small sort memory and helper threads (buildIndexes in
  // collection-table.ts): the connection's own settings must come back afterwards, also
  // when a build fails, or every later statement of the process runs with a 2 MiB cache.
  const settings = (db: Database.Database) => ({ cache: db.pragma('cache_size', { simple: true }), threads: db.pragma('threads', { simple: true }) });

  it('builds the indexes at the end of the load and restores the page cache and thread settings', () => {
    const db = new Database(join(tempDir(), 'taskstore.db'));
    try {
      db.exec(TABLE_EPOCHS_DDL);
      db.pragma('cache_size = -65536');
      const table = new CollectionTable(db, 'notes', new ParsedBudget(PARSED_BUDGET_WEIGHT));
      table.ensureIndex('v');
      db.exec('BEGIN');
      table.beginBulkLoad();
      expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'index' AND tbl_name = 'c_notes'").get()).toEqual({ n: 0 });
      for (let line = 1; line <= 3000; line++) table.apply({ id: `r${line % 2000}`, updated_at: line, v: line % 7 }, line, JSON.stringify({ id: `r${line % 2000}`, updated_at: line, v: line % 7 }));
      table.endBulkLoad();
      db.exec('COMMIT');
      expect(settings(db)).toEqual({ cache: -65536, threads: 0 });
      expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'index' AND tbl_name = 'c_notes'").get()).toEqual({ n: 3 });
      // The field index answers as a row-by-row load's would: the live rows with v = 3.
      const viaIndex = db.prepare("SELECT id FROM c_notes INDEXED BY c_notes__f_v WHERE json_extract(data, '$.v') = 3 AND state = 1 ORDER BY id").pluck().all();
      const scanned = db.prepare("SELECT id FROM c_notes NOT INDEXED WHERE json_extract(data, '$.v') = 3 AND state = 1 ORDER BY id").pluck().all();
      expect(viaIndex.length).toBeGreaterThan(0);
      expect(viaIndex).toEqual(scanned);
    } finally {
      db.close();
    }
  });

  it('restores the page cache and thread settings when an index build fails', () => {
    const db = new Database(join(tempDir(), 'taskstore.db'));
    try {
      db.exec(TABLE_EPOCHS_DDL);
      db.pragma('cache_size = -4000');
      const table = new CollectionTable(db, 'notes', new ParsedBudget(PARSED_BUDGET_WEIGHT));
      table.ensureIndex('v');
      db.exec('BEGIN');
      table.beginBulkLoad();
      for (let line = 1; line <= 10; line++) table.apply({ id: `r${line}`, updated_at: line, v: line }, line, JSON.stringify({ id: `r${line}`, updated_at: line, v: line }));
      // A live row whose text is not JSON (a damaged cache): building the field index fails on it.
      db.exec(`INSERT INTO c_notes (seq, id, updated_at, state, line_no, prev, data) VALUES (1000, 'bad', 1, 1, 11, 0, '{not json')`);
      expect(() => table.endBulkLoad()).toThrow(/malformed JSON/);
      expect(settings(db)).toEqual({ cache: -4000, threads: 0 });
      db.exec('ROLLBACK');
    } finally {
      db.close();
    }
  });
});

describe('the versions of an id (the prev chain)', () => {
  // Only current rows are in the id index; history and hasVersionText reach every
  // version through `prev`. The ground truth is a scan of the table for the id.
  const versionArb = fc.array(
    fc.record({
      id: fc.constantFrom('a', 'b', 'c', 'd'),
      // Few stamps: ties (the later line wins) and older versions arriving late are common.
      at: fc.integer({ min: 1, max: 6 }),
      deleted: fc.boolean(),
    }),
    { minLength: 1, maxLength: 40 },
  );

  function loaded(versions: { id: string; at: number; deleted: boolean }[], bulk: boolean): { db: Database.Database; table: CollectionTable } {
    const db = new Database(join(tempDir(), 'taskstore.db'));
    db.exec(TABLE_EPOCHS_DDL);
    const table = new CollectionTable(db, 'notes', new ParsedBudget(PARSED_BUDGET_WEIGHT));
    db.exec('BEGIN');
    if (bulk) table.beginBulkLoad();
    versions.forEach((v, i) => {
      const record = { id: v.id, updated_at: v.at, ...(v.deleted ? { deleted: true } : { line: i + 1 }) };
      table.apply(record, i + 1, JSON.stringify(record));
    });
    if (bulk) table.endBulkLoad();
    db.exec('COMMIT');
    return { db, table };
  }

  it('property: history and hasVersionText see every version of the id, in log order, loaded row by row or in bulk', () => {
    fc.assert(
      fc.property(versionArb, fc.boolean(), (versions, bulk) => {
        const { db, table } = loaded(versions, bulk);
        try {
          for (const id of ['a', 'b', 'c', 'd', 'none']) {
            const scanned = (db.prepare('SELECT data FROM c_notes WHERE id = ? ORDER BY seq').all(id) as { data: string }[]).map((r) => r.data);
            expect(table.historyTexts(id)).toEqual(scanned);
            for (const text of scanned) expect(table.hasVersionText(id, text)).toBe(true);
            expect(table.hasVersionText(id, '{"not":"a version"}')).toBe(false);
          }
          // The id index holds current rows only: one per id that has a version.
          const indexed = db.prepare('SELECT count(*) AS n FROM c_notes INDEXED BY c_notes__id WHERE state > 0').get() as { n: number };
          expect(indexed.n).toBe(new Set(versions.map((v) => v.id)).size);
        } finally {
          db.close();
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a damaged chain that loops still ends', () => {
    const { db, table } = loaded(
      [
        { id: 'a', at: 1, deleted: false },
        { id: 'a', at: 2, deleted: false },
      ],
      false,
    );
    try {
      db.exec('UPDATE c_notes SET prev = 2 WHERE seq = 1');
      expect(table.historyTexts('a')).toHaveLength(2);
    } finally {
      db.close();
    }
  });
});

describe('a process of a previous cache layout sharing the cache', () => {
  // A process started before an upgrade keeps its connection, and its statements, after a
  // newer process has replaced the cache's tables (SQLite prepares them again against the
  // new tables). Layout 3's INSERTs do not name `prev`: a row it added would start a chain
  // of its own, and history() in every newer process would silently lose the versions
  // before it. Layout 5's do not know table epochs: its rebuild of a table would leave
  // newer processes' parsed versions in place for rows that then hold other records. The
  // previous layouts' INSERTs, as they wrote them, must be refused instead.
  const oldInserts = [
    ['layout 3, a write or a tail', 'INSERT INTO "c_notes" (id, updated_at, state, line, data) VALUES (?, ?, ?, ?, ?)', ['a', 3, STATE_LIVE, 3, '{"id":"a","updated_at":3}']],
    ['layout 3, a bulk load', 'INSERT INTO "c_notes" (seq, id, updated_at, state, line, data) VALUES (?, ?, ?, ?, ?, ?)', [100, 'a', 3, STATE_LIVE, 3, '{"id":"a","updated_at":3}']],
    ['layout 5, a write or a tail', 'INSERT INTO "c_notes" (id, updated_at, state, line, prev, data) VALUES (?, ?, ?, ?, ?, ?)', ['a', 3, STATE_LIVE, 3, 2, '{"id":"a","updated_at":3}']],
    ['layout 5, a bulk load', 'INSERT INTO "c_notes" (seq, id, updated_at, state, line, prev, data) VALUES (?, ?, ?, ?, ?, ?, ?)', [100, 'a', 3, STATE_LIVE, 3, 2, '{"id":"a","updated_at":3}']],
  ] as const;

  for (const [what, sql, params] of oldInserts) {
    it(`cannot add a row (${what}), so it fails loudly instead of cutting history or leaving parsed versions stale`, () => {
      const path = join(tempDir(), 'taskstore.db');
      const cache = openCache(path);
      apply(cache, 'notes', 'a', 1, 1);
      apply(cache, 'notes', 'a', 2, 2);
      const other = new Database(path);
      try {
        expect(() => other.prepare(sql).run(...params)).toThrow(/has no column named line\b/);
        expect(cache.collectionTable('notes').historyTexts('a')).toHaveLength(2);
      } finally {
        other.close();
      }
    });
  }
});
