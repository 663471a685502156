/**
 * Interoperability and upgrades: stores, caches and lines other programs wrote, read
 * through the real files (and, for the CLI, through real processes of the built dist/).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';

/** A store directory holding one log, `notes.jsonl`, with `text`, and no cache yet. */
function storeWithLog(text: string): string {
  const dir = tempDir();
  writeFileSync(join(dir, '.version'), '1\n');
  writeFileSync(join(dir, 'notes.jsonl'), text);
  return dir;
}

describe('a taskstore.db another program made (no TaskStore layout in it)', () => {
  // The Rust TaskStore keeps its SQLite cache at the same path, `.taskstore/taskstore.db`.
  const rustSchema = `
    CREATE TABLE records (collection TEXT NOT NULL, id TEXT NOT NULL, data_json TEXT NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (collection, id));
    CREATE TABLE record_indexes (collection TEXT NOT NULL, id TEXT NOT NULL, field_name TEXT NOT NULL, field_value_str TEXT,
      PRIMARY KEY (collection, id, field_name), FOREIGN KEY (collection, id) REFERENCES records(collection, id) ON DELETE CASCADE);
    CREATE TABLE sync_metadata (collection TEXT PRIMARY KEY, last_sync_time INTEGER NOT NULL, file_mtime INTEGER NOT NULL);
    INSERT INTO records VALUES ('notes', 'a', '{}', 1);
    INSERT INTO record_indexes VALUES ('notes', 'a', 'status', 'open');`;

  it.each([
    ['the Rust TaskStore cache schema, with rows and a foreign key', rustSchema],
    ['a table named files of another shape', 'CREATE TABLE files (path TEXT); INSERT INTO files VALUES (\'x\');'],
    ['a table named meta of another shape', 'CREATE TABLE meta (k TEXT); INSERT INTO meta VALUES (\'x\');'],
    ['a view named bad_lines', 'CREATE TABLE t (x); CREATE VIEW bad_lines AS SELECT x FROM t;'],
  ])('%s: is rebuilt from the logs, which stay untouched', (_name, schema) => {
    const log = '{"id":"a","updated_at":1,"status":"open"}\n{"id":"b","updated_at":2}\n';
    const dir = storeWithLog(log);
    const raw = new Database(join(dir, 'taskstore.db'));
    raw.exec(schema);
    raw.close();
    const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
    try {
      const notes = store.collection({ name: 'notes' });
      expect(notes.list({ orderBy: 'id' }).map((r) => r.id)).toEqual(['a', 'b']);
      expect(notes.list({ where: { status: 'open' } }).map((r) => r.id)).toEqual(['a']);
      notes.patch('b', { status: 'done' });
      expect(store.check().ok).toBe(true);
    } finally {
      store.close();
    }
    expect(readFileSync(join(dir, 'notes.jsonl'), 'utf8').startsWith(log)).toBe(true);
    const after = new Database(join(dir, 'taskstore.db'), { readonly: true });
    try {
      const names = after.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')").pluck().all() as string[];
      expect(names).not.toContain('records');
      expect(names).not.toContain('t');
    } finally {
      after.close();
    }
  });
});
