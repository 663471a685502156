/**
 * list() keeps parsed versions by cache row under a per-table epoch; a process of cache
 * layout 5 or older, started before an upgrade and still running on the cache, knows
 * nothing of epochs. Its INSERTs fail on the renamed `line_no` column, but it has other
 * ways to change a table under a newer process's feet. Each is run here in a real child
 * process, as a stand-in for that old process: a connection running the very statements
 * layout 5 runs (its catch-up of a vanished log, its drop of a table of "another layout"
 * followed by a rebuild in its own, its re-creation of the whole cache in its layout).
 */
import { spawnSync } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store, type Collection } from '../../src/index.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';

function open(dir: string): Store {
  return Store.open(dir, { durability: 'none', logger: quietLogger() });
}

/** Runs `sql` in one write transaction in another process; the error's message, or undefined. */
function inOldProcess(dir: string, sql: string): string | undefined {
  const script = `
    import Database from 'better-sqlite3';
    const [path, sql] = process.argv.slice(-2);
    const db = new Database(path, { timeout: 10000 });
    try {
      db.exec('BEGIN IMMEDIATE');
      db.exec(sql);
      db.exec('COMMIT');
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      process.stdout.write(String(err.message));
    }
    db.close();`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, join(dir, 'taskstore.db'), sql], { cwd: process.cwd(), encoding: 'utf8' });
  expect(child.status, child.stderr).toBe(0);
  return child.stdout === '' ? undefined : child.stdout;
}

function expectListMatchesTexts(notes: Collection<{ v: string }>): void {
  expect(notes.list()).toStrictEqual(notes.listTexts().map((t) => JSON.parse(t)));
  expect(notes.list({ orderBy: '-id', limit: 2 })).toStrictEqual(notes.listTexts({ orderBy: '-id', limit: 2 }).map((t) => JSON.parse(t)));
}

/** Layout 5's collection table, as its CollectionTable creates it. */
function layout5Table(t: string): string {
  return `
    CREATE TABLE IF NOT EXISTS "${t}" (
      seq INTEGER PRIMARY KEY,
      id TEXT NOT NULL,
      updated_at INTEGER NOT NULL,
      state INTEGER NOT NULL,
      line INTEGER NOT NULL,
      prev INTEGER NOT NULL,
      data TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS "${t}__id" ON "${t}" (id, state) WHERE state > 0;
    CREATE INDEX IF NOT EXISTS "${t}__order" ON "${t}" (updated_at, id) WHERE state = 1;`;
}

/** Layout 5's rebuild of `texts` into table `t` (rows 1, 2, … in order, each current). */
function layout5Rows(t: string, texts: string[]): string {
  return texts
    .map((text, i) => {
      const { id, updated_at } = JSON.parse(text) as { id: string; updated_at: number };
      return `INSERT INTO "${t}" (id, updated_at, state, line, prev, data) VALUES ('${id}', ${updated_at}, 1, ${i + 1}, 0, '${text.replace(/'/g, "''")}');`;
    })
    .join('\n');
}

/** Three records, listed twice (the second call keeps them). */
function createdAndKept(notes: Collection<{ v: string }>): void {
  for (const id of ['a', 'b', 'c']) notes.create({ id, v: `old ${id}` });
  notes.list();
  expect(notes.list().map((r) => r.v)).toEqual(['old a', 'old b', 'old c']);
}

/** {@link createdAndKept}, then the log replaced by other contents: the new texts. */
function listedThenReplaced(dir: string, notes: Collection<{ v: string }>): string[] {
  createdAndKept(notes);
  const texts = notes.listTexts().map((t) => JSON.stringify({ ...JSON.parse(t), v: `new ${JSON.parse(t).id}` }));
  writeFileSync(join(dir, 'notes.jsonl'), texts.map((l) => `${l}\n`).join(''));
  return texts;
}

describe('list() beside a process of an older cache layout', () => {
  it('an old process cannot empty a table without a new epoch (its catch-up of a log that is gone)', () => {
    const dir = join(tempDir(), '.taskstore');
    const store = open(dir);
    try {
      const notes = store.collection<{ v: string }>({ name: 'notes' });
      createdAndKept(notes);
      // A checkout of a branch without the log; the old process catches up: layout 5's
      // rebuild of a vanished log empties the table and forgets the log, and inserts nothing.
      renameSync(join(dir, 'notes.jsonl'), join(dir, 'notes.jsonl.away'));
      const error = inOldProcess(
        dir,
        `DELETE FROM "c_notes"; DELETE FROM files WHERE collection = 'notes'; DELETE FROM bad_lines WHERE collection = 'notes';`,
      );
      expect(error).toMatch(/rows of c_notes are removed only by a newer TaskStore than this process: restart it/);
      // This process writes again: its new version must not be read as one of the old rows.
      notes.create({ id: 'z', v: 'new z' });
      expect(notes.listTexts().map((t) => JSON.parse(t).v)).toEqual(['new z']);
      expectListMatchesTexts(notes);
    } finally {
      store.close();
    }
  });

  // What the old process does, in SQL, after this one kept the rows it listed.
  const rebuildsByOldProcess = [
    {
      // It meets the collection for the first time: to it, this layout's table is of
      // "another layout", dropped with its files row (not its epoch, which it does not
      // know); then it rebuilds the table from the log, in its own layout, into rows 1-3.
      what: 'a table the old process dropped and rebuilt in its own layout',
      sql: (texts: string[]) => `DROP TABLE "c_notes"; DELETE FROM files WHERE collection = 'notes'; ${layout5Table('c_notes')} ${layout5Rows('c_notes', texts)}`,
    },
    {
      // Opened after this one, it finds a cache of another layout: it drops every table
      // (table_epochs too), creates its own, and rebuilds the collection.
      what: 'a cache the old process created again in its own layout',
      sql: (texts: string[]) => `DROP TABLE "c_notes"; DROP TABLE table_epochs; DELETE FROM files; UPDATE meta SET value = '5' WHERE key = 'layout';
         ${layout5Table('c_notes')} ${layout5Rows('c_notes', texts)}`,
    },
  ];

  for (const { what, sql } of rebuildsByOldProcess) {
    it(`sees the rows of ${what}`, () => {
      const dir = join(tempDir(), '.taskstore');
      const store = open(dir);
      try {
        const notes = store.collection<{ v: string }>({ name: 'notes' });
        const texts = listedThenReplaced(dir, notes);
        expect(inOldProcess(dir, sql(texts))).toBeUndefined();
        expect(notes.listTexts()).toEqual(texts);
        expectListMatchesTexts(notes);
      } finally {
        store.close();
      }
    });
  }

  it('the table rebuilds of this process still empty it', () => {
    const dir = join(tempDir(), '.taskstore');
    const store = open(dir);
    try {
      const notes = store.collection<{ v: string }>({ name: 'notes' });
      for (const id of ['a', 'b']) notes.create({ id, v: id });
      notes.list();
      notes.list();
      writeFileSync(join(dir, 'notes.jsonl'), `${notes.listTexts()[1]}\n`);
      store.sync();
      expect(notes.list().map((r) => r.id)).toEqual(['b']);
      expectListMatchesTexts(notes);
    } finally {
      store.close();
    }
  });
});
