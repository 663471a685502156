/**
 * Records the SQL text of every statement better-sqlite3 prepares while a test file runs,
 * for tests that ask SQLite for the plan of what the store really prepares (rather than
 * a hand-kept copy of its queries, which would go on passing after the store changed).
 *
 * The store loads better-sqlite3 with require(); it is the same module object as this
 * import, so patching its prototype sees every statement the cache prepares.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll } from 'vitest';

/** The set the file's statements are added to, from its `beforeAll` until its `afterAll`. */
export function recordPreparedSql(): Set<string> {
  const prepared = new Set<string>();
  const originalPrepare = Database.prototype.prepare;
  beforeAll(() => {
    Database.prototype.prepare = function (this: Database.Database, sql: string) {
      prepared.add(sql);
      return originalPrepare.call(this, sql);
    } as typeof originalPrepare;
  });
  afterAll(() => {
    Database.prototype.prepare = originalPrepare;
  });
  return prepared;
}
