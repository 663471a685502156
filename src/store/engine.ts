/**
 * The engine behind the public `Store`: opens a `.taskstore/` directory, keeps its
 * SQLite cache current with the JSONL logs, and serializes writes across processes.
 * Internal: the library's public surface is `Store` (src/store.ts), which holds an
 * engine and the record layer and delegates to them.
 *
 * Write path (every write, in every process): take the cross-process write lock
 * (SQLite `BEGIN IMMEDIATE` on the shared cache), finish any interrupted commit (journal),
 * catch up with lines other processes or git added, validate and stamp, apply to the
 * cache, append to the log and fsync, record the new offset, commit. JSONL first, always:
 * the cache only ever holds what the logs hold.
 *
 * This class holds the state and is a thin facade; each concern is its own module, in
 * the manner of better-sqlite3's `lib/methods/`: `write-scope.ts` (lock, transaction,
 * staging), `catch-up.ts` (open, refresh, reading tables), and `methods/` (sync,
 * compact, rescue, check, metrics, backup, watch). Layers on top (the orchestrator's records,
 * the git integration) plug in through {@link EngineExtension}; this directory never
 * imports them.
 */
import { accessSync, constants, mkdirSync, readdirSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CacheDb } from '../cache/cache-db.js';
import type { GitWatch } from './git-activity.js';
import type { CollectionTable } from '../cache/collection-table.js';
import { fieldExpression } from '../cache/query-builder.js';
import { IoError, ioError } from '../errors.js';
import { collectionOfLogFile } from '../jsonl/collection-name.js';
import { argumentTypeError, assertCollectionArgument, assertOptionalObject, assertString, collectionDeclaration } from './arguments.js';
import type { StoredRecord } from '../jsonl/line-codec.js';
import type { RecordSchema } from './record-input.js';
import type { ChangeFeed } from '../feed/feed.js';
import type { Change, ChangesOptions, WatchOptions } from '../feed/change.js';
import { createCollection, type Collection, type CollectionHost, type CollectionOptions } from './collection.js';
import type { IngestContext } from './ingest.js';
import { Journal } from './journal.js';
import { LogAppender } from './log-appender.js';
import { resolveOptions, type ResolvedOptions, type StoreOptions } from './options.js';
import { ensureLayout } from './layout.js';
import type { CheckReport } from './check.js';
import type { DomainHost, EngineExtension } from './domain-host.js';
import { runTransaction, runWrite, stageLine, type WriteScope } from './write-scope.js';
import { catchUpAll, catchUpOnOpen, readableTable, refresh } from './catch-up.js';
import { sync, type ProgressOptions, type SyncReport } from './methods/sync.js';
import { compact, type CompactOptions, type CompactReport } from './methods/compact.js';
import { rescue, type RescueReport } from './methods/rescue.js';
import { check } from './methods/check.js';
import { badLines } from './methods/bad-lines.js';
import type { BadLine } from './ingest.js';
import { backup } from './methods/backup.js';
import type { BackupReport } from './backup.js';
import { metrics, type StoreMetrics } from './methods/metrics.js';
import { changes, watch } from './methods/watch.js';

const CACHE_FILE = 'taskstore.db';

export class Engine implements DomainHost {
  readonly dir: string;
  readonly options: ResolvedOptions;
  cache: CacheDb;
  appender: LogAppender;
  readonly journal: Journal;
  readonly tables = new Map<string, CollectionTable>();
  readonly declaredIndexes = new Map<string, Set<string>>();
  /** First conflict-marker line of each conflicted log. */
  readonly conflicts = new Map<string, number>();
  readonly extensions: EngineExtension[] = [];
  /** The git dir of the work tree holding the store (null outside git), found on the first write. */
  gitDir: GitWatch | null | undefined;
  /** Compaction leftovers removed when this store opened, reported once by check(). */
  readonly removedTemps: string[] = [];
  scope: WriteScope | undefined;
  /** Latencies of this process's last 100 durable writes (ms). */
  readonly latencies: number[] = [];
  /** Write latencies (ms) not yet folded into the cache's persisted average (see write-scope.ts). */
  readonly unpersistedLatencies: number[] = [];
  /** Whether this process has stored a latency sample yet (its first write always does). */
  latencyPersisted = false;
  lastSyncMs: number | null = null;
  closed = false;
  readonly host: CollectionHost;
  /** The cache's real path (symlinks resolved): two stores reaching one directory by different paths share one lock. */
  readonly lockKey: string;
  /** Created by the first watch(); idle (no handle, no memory) while nobody watches. */
  feed: ChangeFeed | undefined;
  /** This open created the store (wrote its `.version`): see ensureLayout. */
  created = false;

  private constructor(dir: string, options: ResolvedOptions) {
    this.dir = dir;
    this.options = options;
    this.lockKey = join(realpathSync(dir), CACHE_FILE);
    this.cache = CacheDb.open(join(dir, CACHE_FILE), options.lockTimeoutMs);
    this.journal = new Journal(dir, options.durability);
    this.appender = new LogAppender(dir, this.cache, this.journal, options.durability);
    this.host = {
      table: (name) => readableTable(this, name),
      write: (fn) => this.write(fn),
      transaction: (fn) => this.transaction(fn),
      stage: (name, record, text) => this.stage(name, record, text),
      now: () => Date.now(),
      maxRecordBytes: options.maxRecordBytes,
      referrers: (name, id) => this.extensions.flatMap((e) => e.referrers?.(name, id) ?? []),
    };
  }

  /**
   * Creates the directory when missing, checks it is writable, writes the layout files,
   * and opens the cache — without catching up yet, so that extensions can be registered
   * before any line is applied. Then call {@link catchUpOnOpen}.
   */
  static create(dir: string, options?: StoreOptions): Engine {
    assertString('dir', dir);
    if (dir.trim() === '' || dir.includes('\0')) {
      // '' resolves to the current directory: `Store.open(process.env.DIR ?? '')` would
      // turn a project root into a store (its .gitignore, .version and cache).
      throw argumentTypeError('dir', 'the path of the store directory (non-empty, without NUL)', dir);
    }
    assertOptionalObject('options', options);
    const resolved = resolveOptions(options);
    const absolute = resolve(dir);
    try {
      mkdirSync(absolute, { recursive: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        // mkdir's own words ("EEXIST: file already exists") do not say that a file is in the way.
        throw new IoError(`cannot create the store directory ${absolute}: it exists and is not a directory`, {
          cause: err,
          data: { path: absolute, errno: 'EEXIST' },
          hint: 'name a directory, or a path that does not exist yet',
        });
      }
      throw ioError('create the store directory', absolute, err);
    }
    try {
      accessSync(absolute, constants.W_OK);
    } catch (err) {
      throw ioError('write to the store directory', absolute, err);
    }
    const created = ensureLayout(absolute, resolved.logger, resolved.durability);
    const engine = new Engine(absolute, resolved);
    engine.created = created;
    return engine;
  }

  /** {@link create}, then {@link catchUpOnOpen}: an engine with generic collections only. */
  static open(dir: string, options?: StoreOptions): Engine {
    const engine = Engine.create(dir, options);
    try {
      engine.catchUpOnOpen();
    } catch (err) {
      engine.close();
      throw err;
    }
    return engine;
  }

  extend(extension: EngineExtension): void {
    this.extensions.push(extension);
  }

  catchUpOnOpen(): void {
    catchUpOnOpen(this);
  }

  close(): void {
    if (this.closed) return;
    // Closed mid-transaction, the commit that follows appended the transaction's lines to
    // the logs and then failed on the closed cache: the caller got an error for writes
    // that were kept.
    if (this.scope !== undefined) throw new TypeError('close() cannot be called inside a transaction: call it after the transaction');
    this.feed?.close();
    this.persistPendingLatencies();
    this.closed = true;
    this.appender.close();
    this.journal.close();
    this.cache.close();
  }

  collection<T extends object = Record<string, unknown>>(options: CollectionOptions<T>): Collection<T> {
    this.assertOpen();
    const { name, indexes, schema } = collectionDeclaration(options);
    // Every field checked before anything is made: a bad one after good ones left the
    // table and the good ones' indexes behind a declaration that threw.
    for (const field of indexes) fieldExpression(field);
    const table = this.tableFor(name);
    const declared = this.declaredIndexes.get(name) ?? new Set<string>();
    for (const field of indexes) {
      table.ensureIndex(field);
      declared.add(field);
    }
    this.declaredIndexes.set(name, declared);
    return createCollection<T>(this.host, name, schema as RecordSchema<T> | undefined);
  }

  collectionNames(): string[] {
    this.assertOpen();
    return this.knownCollections();
  }

  liveIds(name: string): string[] {
    this.assertOpen();
    assertCollectionArgument(name);
    return readableTable(this, name).liveIds();
  }

  liveNeighbourIds(name: string, ids: readonly string[]): string[] {
    this.assertOpen();
    assertCollectionArgument(name);
    // Sent to SQLite as one JSON array: a string or a number became the neighbours of one
    // made-up id, and a non-string id was compared as a number, below every id.
    if (!Array.isArray(ids)) throw argumentTypeError('ids', 'an array of ids (strings)', ids);
    for (const id of ids) if (typeof id !== 'string') throw argumentTypeError('ids', 'an array of ids (strings)', id);
    return readableTable(this, name).liveNeighbourIds(ids);
  }

  transaction<R>(fn: () => R): R {
    return runTransaction(this, fn);
  }

  /** Runs `fn` holding the write lock, or joins the enclosing scope. */
  write<R>(fn: () => R, options: { readOnly?: boolean } = {}): R {
    return runWrite(this, fn, options);
  }

  /** Runs `fn` holding the write lock, after catching every log up under it (torn lines set aside). */
  writeCaughtUp<R>(fn: () => R): R {
    return runWrite(this, () => {
      catchUpAll(this);
      return fn();
    });
  }

  stage(name: string, record: StoredRecord, text?: string): void {
    stageLine(this, name, record, text);
  }

  sync(options?: ProgressOptions): SyncReport {
    return sync(this, options);
  }

  refresh(): number {
    return refresh(this);
  }

  compact(collection?: string, options?: CompactOptions): CompactReport {
    return compact(this, collection, options);
  }

  rescue(collection?: string): RescueReport {
    return rescue(this, collection);
  }

  check(options?: ProgressOptions): CheckReport {
    return check(this, options);
  }

  metrics(): StoreMetrics {
    return metrics(this);
  }

  badLines(): BadLine[] {
    return badLines(this);
  }

  backup(dest: string): BackupReport {
    return backup(this, dest);
  }

  watch<T = Record<string, unknown>>(listener: (change: Change<T>) => void, options?: WatchOptions): () => void {
    return watch(this, listener as (change: Change) => void, options);
  }

  changes<T = Record<string, unknown>>(options?: ChangesOptions): AsyncIterableIterator<Change<T>> {
    return changes(this, options) as AsyncIterableIterator<Change<T>>;
  }

  queryCache<R>(collections: readonly string[], sql: (...tables: string[]) => string, params: readonly unknown[] = []): R[] {
    const tables = collections.map((name) => `"${readableTable(this, name).table}"`);
    return this.cache.selectAll<R>(sql(...tables), params);
  }

  cacheTable(collection: string): CollectionTable {
    return readableTable(this, collection);
  }

  // ---- shared by the modules ----

  /** The cache table of `name`, created (and announced to the extensions) on first use. */
  tableFor(name: string): CollectionTable {
    let table = this.tables.get(name);
    if (table === undefined) {
      table = this.cache.collectionTable(name);
      this.tables.set(name, table);
      this.scope?.createdTables.push(name);
      for (const extension of this.extensions) extension.tableCreated?.(table, this.cache);
    }
    return table;
  }

  /**
   * Forgets the table objects of `names` (created in a transaction that was rolled back,
   * which dropped the tables again): the next use creates each table anew.
   */
  forgetTables(names: readonly string[]): void {
    for (const name of names) {
      // Their parsed versions give their weight back to the cache's budget at once.
      this.tables.get(name)?.forgetParsed();
      this.tables.delete(name);
    }
  }

  /** Collections known from logs on disk, the cache, or declarations in this process. */
  knownCollections(): string[] {
    const names = new Set<string>(this.tables.keys());
    for (const entry of readdirSync(this.dir)) {
      const name = collectionOfLogFile(entry);
      if (name !== undefined) names.add(name);
    }
    for (const name of this.cache.files.collections()) names.add(name);
    return [...names].sort();
  }

  noteConflict(name: string, line: number | null): void {
    if (line === null) this.conflicts.delete(name);
    else this.conflicts.set(name, line);
  }

  ingestContext(onProgress?: (done: number, total: number) => void): IngestContext {
    return { cache: this.cache, dir: this.dir, durability: this.options.durability, logger: this.options.logger, onProgress };
  }

  /**
   * The cache file was deleted or replaced under us: start over with a fresh one. The old
   * connection is closed first (two connections of one process to two files sharing one
   * `-shm` by name would confuse SQLite's locks). When the new one cannot be opened, the
   * error is thrown and the cache stays closed: the next call of the store tries again
   * (assertOpen), instead of failing on a closed connection for the rest of the process.
   */
  reopenCache(): void {
    this.appender.close();
    this.cache.close();
    this.tables.clear();
    this.cache = CacheDb.open(join(this.dir, CACHE_FILE), this.options.lockTimeoutMs);
    this.appender = new LogAppender(this.dir, this.cache, this.journal, this.options.durability);
    for (const [name, fields] of this.declaredIndexes) {
      const table = this.tableFor(name);
      for (const field of fields) table.ensureIndex(field);
    }
  }

  /**
   * Stores a metric in the cache's meta table, inside the current write transaction (no
   * extra lock or commit). Metrics never fail a write: errors are ignored.
   */
  recordInCache(record: (cache: CacheDb) => void): void {
    try {
      record(this.cache);
    } catch {
      // a metric is not worth failing a write for
    }
  }

  /**
   * Stores the write latencies this process has not stored yet, if the write lock is free
   * right now: closing never waits for another process, and a metric is not worth
   * failing a close for.
   */
  private persistPendingLatencies(): void {
    const pending = this.unpersistedLatencies;
    if (pending.length === 0 || this.scope !== undefined) return;
    try {
      if (this.cache.isCurrentFile()) this.cache.tryWriteNow(() => this.cache.recordWriteLatency(pending));
    } catch {
      // ignored, as every metric (see recordInCache)
    }
    pending.length = 0;
  }

  /** Using a closed store is a programming error, not an I/O failure: a TypeError, as better-sqlite3 throws for a closed database. */
  assertOpen(): void {
    if (this.closed) throw new TypeError(`the store at ${this.dir} is closed`);
    // A reopen of a deleted cache that failed (see reopenCache): try again; its error says why not.
    if (!this.cache.isOpen) this.reopenCache();
  }
}
