/**
 * The SQLite query cache: a disposable, rebuildable materialized view of the JSONL logs.
 * It is never migrated: when its layout version differs, or the file is corrupt or gone,
 * it is thrown away and rebuilt from the logs.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { existsSync, lstatSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { StatementCache } from './statement-cache.js';
import { BadLines, FileStates } from './log-state-tables.js';
import { ParsedBudget } from './parsed-budget.js';
import { PARSED_BUDGET_WEIGHT } from './parsed-reads.js';
import { CollectionTable, collectionTableName, dropCollectionTable, isOtherLayout } from './collection-table.js';
import { TaskGraphTables } from './task-graph-sql.js';
import { TABLE_EPOCHS_DDL } from './table-epochs.js';
import type { SqliteDatabase } from './sqlite.js';
import { LockedError, TaskStoreError, ioError } from '../errors.js';
import { directoryError, symbolicLinkError } from '../fs/open-log-file.js';
import { STATE_SUPERSEDED, everyCurrentRowFrom } from './row-state.js';
import { sleepSync } from '../fs/sleep.js';
import { withCreateLock } from './create-lock.js';
import { registerLikeFunction } from './like-function.js';

// better-sqlite3 is CommonJS: `require` loads it as such, where an ESM `import` of it also
// runs Node's CommonJS-to-ESM translation (a lexer pass over its source) on every start.
const requireCjs = createRequire(import.meta.url);
const Database = requireCjs('better-sqlite3') as typeof BetterSqlite3;

/** Bump when the cache's tables change; an older cache is then discarded and rebuilt. */
const CACHE_LAYOUT_VERSION = '6';

/**
 * WAL size (pages) at which SQLite checkpoints by itself, inside the commit that crosses
 * it. SQLite's default (1,000) put a checkpoint, two fsyncs, into one write in ~160: the
 * tail latency of durable writes. Here it is only a safety net that bounds the WAL
 * (~40 MiB) in a long synchronous burst of writes; checkpoints normally run between
 * writes (see `CHECKPOINT_AFTER_COMMITS`).
 */
const WAL_AUTOCHECKPOINT_PAGES = 10_000;

/**
 * The size (bytes) SQLite cuts the WAL file back to when it starts the WAL over after a
 * checkpoint. Without it the file keeps the size of the largest transaction ever
 * committed while any process has the cache open: after a full rebuild of a million
 * lines (every row and index page in one commit), a long-running process kept a WAL as
 * large as the database itself next to it. Above the ~40 MiB the safety net above lets
 * the WAL reach, so that regular writes never cut and grow it again.
 */
export const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * After this many commits, a PASSIVE checkpoint is scheduled for the next turn of the
 * event loop: after the write has returned, while the process is between writes. It
 * never waits for readers or writers (PASSIVE), and nothing depends on it running: a
 * process that exits first leaves the WAL to the next checkpoint (any connection's).
 */
const CHECKPOINT_AFTER_COMMITS = 128;

/** Opens tried again after the cache's files changed under the open (see {@link CacheDb.open}). */
const OPEN_ATTEMPTS = 5;
const FILES_REMOVED_MEANWHILE = new Set(['ENOENT', 'SQLITE_IOERR_DELETE_NOENT', 'SQLITE_IOERR_FSTAT', 'SQLITE_CANTOPEN']);

export type { FileStateRow } from './log-state-tables.js';

export class CacheDb {
  /** The connection, private: the rest of TaskStore reaches the cache's tables through named methods. */
  readonly #db: SqliteDatabase;
  /** Prepared statements for ad-hoc read queries over the collection tables ({@link selectAll}). */
  readonly #reads: StatementCache;
  /** The cache's own statements (kept apart, so ad-hoc queries never evict the lock's or the bookkeeping's). */
  readonly #own: StatementCache;
  /** What the cache has consumed of each log (the `files` table). */
  readonly files: FileStates;
  /** Lines of the logs the cache skipped, with the reason (the `bad_lines` table). */
  readonly badLines: BadLines;
  private readonly ino: bigint;
  private commitsSinceCheckpoint = 0;
  /** Collections whose table was seen with this layout: an older process creates a missing table, it cannot replace one. */
  readonly #currentLayoutTables = new Set<string>();
  private pendingCheckpoint: NodeJS.Immediate | undefined;
  /**
   * The one bound on the parsed versions all collection tables of this connection keep
   * (parsed-budget.ts): the total stays bounded however many collections a process
   * reads. Read-only outside the cache layer, for tests.
   */
  readonly parsedBudget = new ParsedBudget(PARSED_BUDGET_WEIGHT);

  private constructor(
    readonly path: string,
    db: SqliteDatabase,
    private readonly busyTimeoutMs: number,
  ) {
    this.#db = db;
    this.#reads = new StatementCache(db);
    this.#own = new StatementCache(db);
    this.files = new FileStates(this.#own);
    this.badLines = new BadLines(this.#own);
    this.ino = statSync(path, { bigint: true }).ino;
    // At open, so that the catch-up on open sees the logs of such tables as unread.
    const tables = this.#own.get("SELECT substr(name, 3) AS collection, sql FROM sqlite_master WHERE type = 'table' AND name GLOB 'c_*'").all() as { collection: string; sql: string }[];
    for (const { collection, sql } of tables) {
      if (isOtherLayout(collection, sql)) this.dropIfOtherLayout(collection);
      else this.#currentLayoutTables.add(collection);
    }
  }

  /**
   * Opens (or creates) the cache at `path`. A file that is not a SQLite database, or
   * one of another layout version, is deleted and recreated empty: the caller then
   * rebuilds it from the logs.
   */
  static open(path: string, busyTimeoutMs: number): CacheDb {
    refuseLink(path);
    for (let attempt = 1; ; attempt++) {
      // `taskstore.db` deleted alone: its -wal and -shm are the deleted database's, which
      // other processes may still have open. SQLite finds them by name and would read that
      // database's WAL index with the new file: SQLITE_IOERR_SHORT_READ (its frames are not
      // in the new WAL), or the old database's pages. Set them aside first; those processes
      // keep their own open copies and move to the new file on their next look. One
      // process at a time does that and creates the new file (create-lock.ts); an existing
      // file is opened only if it still exists, so a file deleted meanwhile is not
      // created outside that order.
      try {
        return existsSync(path)
          ? CacheDb.tryOpenWhileBusy(path, busyTimeoutMs, true)
          : withCreateLock(path, busyTimeoutMs, () => {
              removeStaleSideFiles(path);
              return CacheDb.tryOpenWhileBusy(path, busyTimeoutMs, false);
            });
      } catch (err) {
        if (err instanceof TaskStoreError) throw err;
        const code = (err as { code?: unknown }).code;
        // Not a database, or a WAL index that does not match the WAL (the same stale files,
        // found after another process had created the new database file): start over.
        if ((isCorruption(err) || code === 'SQLITE_IOERR_SHORT_READ') && attempt <= OPEN_ATTEMPTS) {
          removeDatabaseFiles(path);
          continue;
        }
        // Another process removed the stale files, or a new file of its own, while this
        // one was opening them: open again.
        if (typeof code === 'string' && FILES_REMOVED_MEANWHILE.has(code) && attempt <= OPEN_ATTEMPTS) {
          sleepSync(5 * attempt);
          continue;
        }
        throw ioError('open the cache', path, err);
      }
    }
  }

  /**
   * Opening can meet SQLITE_BUSY without SQLite's busy handler ever waiting: switching a
   * new database to WAL, recovering a WAL another connection left, or upgrading a read to
   * a write when several processes create the same store at once. Those are transient:
   * retry with a short sleep until the busy timeout, then report the lock as LOCKED.
   */
  private static tryOpenWhileBusy(path: string, busyTimeoutMs: number, mustExist: boolean): CacheDb {
    // Waits are timed on the monotonic clock: a wall clock set back would stretch this wait
    // until it caught up (an hour back: an hour's hang), one set forward would end it at once.
    const deadline = performance.now() + busyTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return CacheDb.tryOpen(path, busyTimeoutMs, mustExist);
      } catch (err) {
        if (!isBusy(err)) throw err;
        if (performance.now() >= deadline) {
          throw new LockedError('timed out opening the store cache: another process holds its lock', {
            cause: err,
            hint: 'another process is opening or writing the store; retry, or raise the lockTimeoutMs option',
          });
        }
        sleepSync(Math.min(5 * 2 ** Math.min(attempt, 5), 100));
      }
    }
  }

  private static tryOpen(path: string, busyTimeoutMs: number, mustExist: boolean): CacheDb {
    const db = new Database(path, { timeout: busyTimeoutMs, nativeBinding: nativeBindingPath(), fileMustExist: mustExist });
    try {
      db.pragma('journal_mode = WAL');
      registerLikeFunction(db);
      // The cache is rebuildable from the logs, and its consumed offsets commit in the
      // same transactions as its rows, so losing the last commits on power loss only
      // means re-applying a tail: WAL + NORMAL never corrupts, and skips an fsync per write.
      db.pragma('synchronous = NORMAL');
      // Temporary B-trees (the sort that builds an index after a rebuild's bulk load, the
      // snapshot of current versions kept while a rewritten log is rebuilt) spill to a
      // temporary file once they outgrow the page cache, instead of living in memory:
      // with temp_store = MEMORY a rebuild of 1,159,300 lines peaked at 423 MiB, with the
      // default (FILE) at 349 MiB, and was no slower. Small sorts stay in memory either way.
      db.pragma('temp_store = DEFAULT');
      db.pragma('cache_size = -65536');
      db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
      db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
      const layout = CacheDb.readLayoutVersion(db);
      if (layout !== CACHE_LAYOUT_VERSION) CacheDb.createLayout(db);
      return new CacheDb(path, db, busyTimeoutMs);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  private static readLayoutVersion(db: SqliteDatabase): string | undefined {
    const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
    if (hasMeta === undefined) return undefined;
    // Another program's table of that name (no key/value columns) names no layout either.
    const columns = db.prepare("SELECT name FROM pragma_table_info('meta')").pluck().all() as string[];
    if (!columns.includes('key') || !columns.includes('value')) return undefined;
    const row = db.prepare("SELECT value FROM meta WHERE key = 'layout'").get() as { value: string } | undefined;
    return row?.value;
  }

  private static createLayout(db: SqliteDatabase): void {
    // IMMEDIATE: take the write lock first, so that processes creating the same store at
    // once queue up (busy handler) instead of failing to upgrade a read; the layout is
    // read again under the lock, since another process may have just created it.
    db.transaction(() => {
      if (CacheDb.readLayoutVersion(db) === CACHE_LAYOUT_VERSION) return;
      // Everything goes, also from a database that names no layout at all: a new file has
      // nothing to drop, and any other is not this layout's. The Rust TaskStore keeps its
      // own cache at this same path; a `files` or `meta` table of another program's,
      // kept by CREATE TABLE IF NOT EXISTS, made every open fail ("no such column").
      // Its foreign keys (ON DELETE CASCADE) are checked at commit, when both sides are gone.
      db.pragma('defer_foreign_keys = ON');
      const objects = db.prepare("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'").all() as {
        type: 'table' | 'view';
        name: string;
      }[];
      for (const { type, name } of objects) db.exec(`DROP ${type === 'view' ? 'VIEW' : 'TABLE'} IF EXISTS "${name.replace(/"/g, '""')}"`);
      db.exec(`
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS files (
          collection TEXT PRIMARY KEY,
          ino TEXT NOT NULL,
          offset INTEGER NOT NULL,
          lines INTEGER NOT NULL,
          fingerprint TEXT NOT NULL,
          mtime_ns TEXT NOT NULL,
          conflict_line INTEGER,
          prefix_crc INTEGER
        );
        CREATE TABLE IF NOT EXISTS bad_lines (
          collection TEXT NOT NULL,
          line INTEGER NOT NULL,
          reason TEXT NOT NULL,
          PRIMARY KEY (collection, line)
        );
        ${TABLE_EPOCHS_DDL};
      `);
      db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('layout', ?)").run(CACHE_LAYOUT_VERSION);
    }).immediate();
  }

  /** False once closed (by the store, or before a reopen that failed). */
  get isOpen(): boolean {
    return this.#db.open;
  }

  /** True when the database file on disk is still the one this connection has open (someone may have deleted it). */
  isCurrentFile(): boolean {
    try {
      return statSync(this.path, { bigint: true, throwIfNoEntry: false })?.ino === this.ino;
    } catch {
      return false;
    }
  }

  /**
   * Takes SQLite's write lock (`BEGIN IMMEDIATE`), which is also TaskStore's
   * cross-process write lock: every writer of every process appends to the logs only
   * while holding it. Waits up to the busy timeout.
   *
   * The waiting is done here, trying again every millisecond, rather than by SQLite's
   * busy handler, which sleeps ever longer (up to 100 ms) between tries: against a
   * process that writes almost back to back (an orchestrator daemon with 50 loops) such
   * a waiter finds the lock free only by luck and waited seconds; trying often catches
   * the short gaps between that process's writes.
   */
  beginImmediate(): void {
    const begin = this.#own.get('BEGIN IMMEDIATE');
    const deadline = performance.now() + this.busyTimeoutMs; // monotonic, as in tryOpenWhileBusy
    this.setBusyTimeout(0);
    try {
      for (;;) {
        try {
          begin.run();
          this.files.holdWriteLock(true);
          return;
        } catch (err) {
          if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
          if (performance.now() >= deadline) {
            throw new LockedError('timed out waiting for the store write lock held by another process', {
              cause: err,
              hint: 'another process is writing to the store; retry, or raise the lockTimeoutMs option',
            });
          }
          sleepSync(1);
        }
      }
    } finally {
      this.setBusyTimeout(this.busyTimeoutMs);
    }
  }

  /** SQLite's own waiting for locks (other statements keep it: readers in WAL mode rarely need it). */
  private setBusyTimeout(ms: number): void {
    this.#own.get(`PRAGMA busy_timeout = ${ms}`).run();
  }

  /**
   * True when another connection holds the write lock right now (checked by taking it
   * without waiting, and giving it back at once). A snapshot: it may change the next
   * instant.
   */
  isWriteLockedByOther(): boolean {
    if (this.#db.inTransaction) return false;
    this.setBusyTimeout(0);
    try {
      this.#own.get('BEGIN IMMEDIATE').run();
      this.#own.get('ROLLBACK').run();
      return false;
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_BUSY') return true;
      throw err;
    } finally {
      this.setBusyTimeout(this.busyTimeoutMs);
    }
  }

  commit(): void {
    this.files.holdWriteLock(false);
    this.#own.get('COMMIT').run();
    if (++this.commitsSinceCheckpoint >= CHECKPOINT_AFTER_COMMITS) this.scheduleCheckpoint();
  }

  /** Runs a PASSIVE checkpoint on the next turn of the event loop (once, however many commits ask). */
  private scheduleCheckpoint(): void {
    if (this.pendingCheckpoint !== undefined) return;
    this.pendingCheckpoint = setImmediate(() => {
      this.pendingCheckpoint = undefined;
      this.checkpointNow();
    });
    // A pending checkpoint must not keep a process alive that has nothing else to do.
    this.pendingCheckpoint.unref();
  }

  /**
   * Copies the WAL's committed pages into the database file, without waiting for any
   * lock (PASSIVE: pages a reader still needs stay for a later checkpoint). An
   * optimization only: a failure (busy, closed, disk trouble) leaves the WAL to the next
   * checkpoint and is not reported; a real disk problem shows on the next write.
   */
  checkpointNow(): void {
    if (!this.#db.open || this.#db.inTransaction) return;
    try {
      this.#own.get('PRAGMA wal_checkpoint(PASSIVE)').get();
      this.commitsSinceCheckpoint = 0;
    } catch (err) {
      // SQLite's own failures wait for the next checkpoint (see above); anything else is a bug.
      if (!String((err as { code?: unknown }).code).startsWith('SQLITE_')) throw err;
    }
  }

  rollback(): void {
    this.files.holdWriteLock(false);
    if (this.#db.inTransaction) this.#own.get('ROLLBACK').run();
  }

  /**
   * Runs a read-only SELECT (the record layer's named queries, `queryCache`) with its
   * statement prepared once; anything that could write is a TypeError, before it runs.
   */
  selectAll<R>(sql: string, params: readonly unknown[] = []): R[] {
    const statement = this.#reads.get(sql);
    if (!statement.reader || !statement.readonly) throw new TypeError('queryCache() runs read-only SELECT statements only');
    return statement.all(...params) as R[];
  }

  /**
   * Runs `fn` in one read transaction (BEGIN DEFERRED … COMMIT): every query in it sees
   * the cache as of one commit, whatever other processes commit meanwhile.
   */
  readTransaction(fn: () => void): void {
    this.#own.get('BEGIN DEFERRED').run();
    try {
      fn();
    } finally {
      // Nothing was written: ending the read transaction cannot fail in a way worth keeping.
      this.#own.get('COMMIT').run();
    }
  }

  /**
   * Calls `onRow(id, updatedAt, line, text)` for every current version (live and
   * tombstone) of `collection`; nothing when its table does not exist yet. Rows come as
   * arrays, one table scan (this is the whole cost of comparing a rewritten log).
   */
  forEachCurrentVersion(collection: string, onRow: (id: string, updatedAt: number, line: number, text: string) => void): void {
    const table = collectionTableName(collection);
    if (this.#own.get("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) === undefined) return;
    const rows = this.#own
      .get(`SELECT id, updated_at, line_no, data FROM ${everyCurrentRowFrom(this.#db, table)} WHERE state > ${STATE_SUPERSEDED}`)
      .raw(true)
      .iterate() as IterableIterator<[string, number, number, string]>;
    for (const [id, updatedAt, line, text] of rows) onRow(id, updatedAt, line, text);
  }

  /**
   * The cache table of collection `name` (created if missing): a new object, one per
   * caller. A table of another layout (see isOtherLayout) is dropped first, together
   * with what the cache had consumed of the log, so the catch-up builds it again from
   * the log: left in place, every statement naming a column it lacks would fail, in
   * every process, until someone deleted the cache.
   */
  collectionTable(name: string): CollectionTable {
    if (!this.#currentLayoutTables.has(name)) this.dropIfOtherLayout(name);
    const table = new CollectionTable(this.#db, name, this.parsedBudget);
    this.#currentLayoutTables.add(name);
    return table;
  }

  /**
   * Drops collection `name`'s table when it has another layout (see isOtherLayout),
   * and forgets what the cache had consumed of its log: the next catch-up (at open,
   * refresh() or a write) builds it again from the log. Takes the write lock only then.
   */
  private dropIfOtherLayout(name: string): void {
    if (!this.hasOtherLayout(name)) return;
    const drop = (): void => {
      if (!this.hasOtherLayout(name)) return; // another process did it while this one waited for the lock
      dropCollectionTable(this.#db, name);
      this.files.remove(name);
      this.badLines.clear(name);
    };
    if (this.#db.inTransaction) drop();
    else this.#db.transaction(drop).immediate();
  }

  /** True when collection `name`'s table exists with another layout than this code's. */
  private hasOtherLayout(name: string): boolean {
    const sql = this.#own.get("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").get(collectionTableName(name)) as { sql: string } | undefined;
    return sql !== undefined && isOtherLayout(name, sql.sql);
  }

  /** The readiness graph's tables and queries, derived from the task specs' cache `table` (installed if missing). */
  taskGraph(table: CollectionTable): TaskGraphTables {
    return new TaskGraphTables(this.#db, table);
  }

  close(): void {
    if (this.pendingCheckpoint !== undefined) clearImmediate(this.pendingCheckpoint);
    this.pendingCheckpoint = undefined;
    if (this.#db.open) this.#db.close();
  }

  // ---- the store's own bookkeeping: savepoints, metrics in `meta` ----

  /** Opens savepoint `name` inside the current write transaction (a nested `transaction()`). */
  savepoint(name: string): void {
    this.#db.exec(`SAVEPOINT ${name}`);
  }

  releaseSavepoint(name: string): void {
    this.#db.exec(`RELEASE ${name}`);
  }

  /** Undoes everything since savepoint `name`, and ends it. */
  rollbackToSavepoint(name: string): void {
    // Rows read or written since the savepoint may be undone: read them again.
    this.files.holdWriteLock(false);
    this.#db.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
    this.files.holdWriteLock(true);
  }

  /** The value stored under `key` in `meta`, or undefined. */
  readMeta(key: string): string | undefined {
    return (this.#own.get('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  /** Stores `value` under `key` in `meta`, inside the current transaction. */
  writeMeta(key: string, value: string): void {
    this.#own.get('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, value);
  }

  /**
   * Folds write latencies, oldest first, into the running average in `meta`:
   * avg += (ms - avg) / n with n capped at 100, so recent writes dominate.
   */
  recordWriteLatency(samples: readonly number[]): void {
    if (samples.length === 0) return;
    let avg: number | undefined;
    let n = 0;
    try {
      const stored = JSON.parse(this.readMeta('write_latency') ?? 'null') as { ms?: unknown; n?: unknown } | null;
      if (typeof stored?.ms === 'number' && typeof stored.n === 'number' && Number.isFinite(stored.ms) && stored.n >= 1) {
        avg = stored.ms;
        n = stored.n;
      }
    } catch {
      // an unreadable value starts the average afresh
    }
    for (const ms of samples) {
      if (avg === undefined) {
        avg = ms;
        n = 1;
      } else {
        n = Math.min(n + 1, 100);
        avg += (ms - avg) / n;
      }
    }
    this.writeMeta('write_latency', JSON.stringify({ ms: avg, n }));
  }

  /**
   * Runs `fn` in a write transaction if the write lock is free right now (no waiting);
   * returns false, having done nothing, when another connection holds it.
   */
  tryWriteNow(fn: () => void): boolean {
    if (this.#db.inTransaction) return false;
    this.setBusyTimeout(0);
    try {
      this.#own.get('BEGIN IMMEDIATE').run();
      this.files.holdWriteLock(true);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_BUSY') return false;
      throw err;
    } finally {
      this.setBusyTimeout(this.busyTimeoutMs);
    }
    try {
      fn();
      this.commit();
      return true;
    } catch (err) {
      this.rollback();
      throw err;
    }
  }
}

let nativeBinding: { path: string | undefined } | undefined;

/**
 * Where better-sqlite3's compiled addon is, found directly. Left to itself, better-sqlite3
 * finds it with the `bindings` package, which tries a dozen candidate paths, each through
 * a full `require` resolution: ~6 ms of every CLI start (git hooks run the CLI often).
 * Undefined (better-sqlite3 then searches as usual) when the addon is not at its usual
 * place, e.g. a custom build.
 */
function nativeBindingPath(): string | undefined {
  if (nativeBinding === undefined) {
    let path: string | undefined;
    try {
      const candidate = join(dirname(requireCjs.resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');
      if (existsSync(candidate)) path = candidate;
    } catch {
      // not resolvable this way (bundled, unusual layout): let better-sqlite3 search
    }
    nativeBinding = { path };
  }
  return nativeBinding.path;
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

function isCorruption(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || (typeof code === 'string' && code.startsWith('SQLITE_CORRUPT'));
}

/**
 * SQLite follows symbolic links, and git checks them out (a branch can commit
 * `taskstore.db -> ~/.mozilla/…/places.sqlite`): opening would switch the database the link
 * names to WAL and write the cache into it. Refused like a linked log (an IoError naming it).
 */
function refuseLink(path: string): void {
  for (const suffix of ['', '-wal', '-shm']) {
    const st = lstatSync(path + suffix, { throwIfNoEntry: false });
    if (st?.isSymbolicLink() === true) {
      throw symbolicLinkError(path + suffix, 'its cache', { hint: 'remove the link (the cache is rebuilt from the logs), then retry; nothing was written' });
    }
    // SQLite's own words ("unable to open database file") sent the user to the store's permissions.
    if (st?.isDirectory() === true) throw directoryError(path + suffix, 'its cache', undefined);
  }
}

/**
 * Removes the `-wal` and `-shm` of a database file that is gone. Called holding the
 * creation lock (create-lock.ts), so no TaskStore process creates the database
 * meanwhile. A process that does not take it (an older TaskStore) still may: then the
 * new file goes too, so that it notices (its next write finds the file replaced) and
 * opens again, rather than go on with side files no other process shares (two write locks).
 */
function removeStaleSideFiles(path: string): void {
  if (existsSync(path)) return;
  try {
    for (const suffix of ['-wal', '-shm']) rmSync(path + suffix, { force: true });
    if (existsSync(path)) removeDatabaseFiles(path);
  } catch {
    // Not removable (a read-only directory): SQLite's open says what is wrong, if anything.
  }
}

/** Removes a cache database and its WAL/SHM side files. */
function removeDatabaseFiles(path: string): void {
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(path + suffix)) rmSync(path + suffix, { force: true });
  }
}
