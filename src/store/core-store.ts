/**
 * The Store: opens a `.taskstore/` directory, keeps its SQLite cache current with the
 * JSONL logs, and serializes writes across processes.
 *
 * Write path (every write, in every process): take the cross-process write lock
 * (SQLite `BEGIN IMMEDIATE` on the shared cache), finish any interrupted commit (journal),
 * catch up with lines other processes or git added, validate and stamp, apply to the
 * cache, append to the log and fsync, record the new offset, commit. JSONL first, always:
 * the cache only ever holds what the logs hold.
 */
import { accessSync, constants, mkdirSync, readdirSync, realpathSync, statSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CacheDb } from '../cache/cache-db.js';
import { CollectionTable } from '../cache/collection-table.js';
import { ConflictMarkersError, LockedError, NotFoundError, TaskStoreError, TooLargeError, ValidationError, ioError } from '../errors.js';
import { assertCollectionName, COLLECTION_NAME } from '../jsonl/collection-name.js';
import { parseLine, serializeRecord, type StoredRecord } from '../jsonl/line-codec.js';
import { Collection, type CollectionHost, type CollectionOptions } from './collection.js';
import { ingestLog, logPath, logUnchanged, readFileState, type BadLine, type IngestContext } from './ingest.js';
import { Journal } from './journal.js';
import { LogAppender, type StagedLog } from './log-appender.js';
import { resolveOptions, type ResolvedOptions, type StoreOptions } from './options.js';
import { ensureLayout } from './layout.js';
import { compactLog } from './compact.js';
import { backupStore, type BackupReport } from './backup.js';
import { removeStaleCompactionTemps } from './stale-temps.js';
import { gitDirToWatch, waitWhileGitBusy } from './git-activity.js';
import { readRescuedLines, removeRescued, RESCUED_SUFFIX } from './rescue.js';
import { runCheck, type CheckReport, type Checker } from './check.js';
import { ChangeFeed, type LocalLines } from '../feed/feed.js';
import { assertSince, type Change, type ChangesOptions, type WatchOptions } from '../feed/change.js';
import { changeIterator } from '../feed/change-iterator.js';

export const CACHE_FILE = 'taskstore.db';

export interface SyncReport {
  /** Collections rebuilt. */
  collections: number;
  /** Live records after the rebuild. */
  records: number;
  /** Log lines read. */
  lines: number;
  /** Malformed lines skipped (never deleted). */
  skipped: BadLine[];
  ms: number;
}

export interface CompactReport {
  collections: { name: string; linesBefore: number; linesAfter: number; bytesBefore: number; bytesAfter: number }[];
}

export interface CompactOptions extends ProgressOptions {
  /** Also keep every superseded version whose updated_at lies within the last this many days (retention). */
  keepDays?: number;
}

export interface RescueReport {
  /** Per rescued file: lines it held, and how many were appended (the others were in the log already). */
  collections: { name: string; lines: number; applied: number }[];
}

export interface StoreMetrics {
  /** Live records per collection. */
  counts: Record<string, number>;
  /** Log size in bytes per collection. */
  jsonlBytes: Record<string, number>;
  /** Complete lines consumed from each log (every version, tombstones and malformed lines included). */
  lines: Record<string, number>;
  /** Versions per collection that a newer version of the same id superseded: what `compact()` would drop. */
  supersededLines: Record<string, number>;
  /** Moving average of the last 100 durable writes (ms), or null before the first. */
  writeLatencyMs: number | null;
  /** Duration of the last full sync in this process, or null. */
  lastSyncMs: number | null;
  /**
   * The same figures as recorded in the cache by every process that used this store, so
   * a fresh process (the CLI) can show them: a running average over about the last 100
   * durable writes, the duration and time (Unix ms) of the last full sync, and the time
   * of the last catch-up with lines other processes or git added (how many). Null before
   * the first (and after the cache is rebuilt from scratch).
   */
  recorded: {
    writeLatencyMs: number | null;
    lastSyncMs: number | null;
    lastSyncAt: number | null;
    lastCatchUpAt: number | null;
    lastCatchUpLines: number | null;
  };
}

export interface ProgressOptions {
  /** Called while logs are read: bytes done and total across all logs. */
  onProgress?: (done: number, total: number) => void;
}

interface WriteScope {
  staged: Map<string, StagedLog>;
  caughtUp: Set<string>;
  savepoints: number;
}

/** Caches locked by a Store of this process: a second Store waiting for its own process's lock would wait forever. */
const locksHeldInProcess = new Set<string>();

export class CoreStore {
  readonly dir: string;
  private cache: CacheDb;
  private appender: LogAppender;
  private readonly journal: Journal;
  private readonly options: ResolvedOptions;
  private readonly tables = new Map<string, CollectionTable>();
  private readonly collections = new Map<string, Collection<any>>();
  private readonly declaredIndexes = new Map<string, Set<string>>();
  private readonly conflicts = new Map<string, number>();
  private readonly checkers: Checker[] = [];
  /** The git dir of the work tree holding the store (null outside git), found on the first write. */
  private gitDir: string | null | undefined;
  /** Compaction leftovers removed when this Store opened, reported once by check(). */
  private readonly removedTemps: string[] = [];
  private scope: WriteScope | undefined;
  private latencies: number[] = [];
  private lastSyncMs: number | null = null;
  private closed = false;
  private readonly host: CollectionHost;
  /** The cache's real path (symlinks resolved): two Stores reaching one directory by different paths share one lock. */
  private readonly lockKey: string;
  /** Created by the first watch(); idle (no handle, no memory) while nobody watches. */
  private feed: ChangeFeed | undefined;

  /** Use `Store.open()`. */
  protected constructor(dir: string, options: ResolvedOptions) {
    this.dir = dir;
    this.options = options;
    this.lockKey = join(realpathSync(dir), CACHE_FILE);
    this.cache = CacheDb.open(join(dir, CACHE_FILE), options.lockTimeoutMs);
    this.journal = new Journal(dir, options.durability);
    this.appender = new LogAppender(dir, this.cache, this.journal, options.durability);
    this.host = {
      table: (name) => this.readableTable(name),
      write: (fn) => this.write(fn),
      stage: (name, record, text) => this.stage(name, record, text),
      now: () => Date.now(),
      referrers: (name, id) => this.referrersOf(name, id),
    };
  }

  /**
   * Opens the store in `dir` (created if missing), rebuilding or catching up the cache
   * from the logs.
   * @example const store = Store.open('.taskstore');
   */
  static open<S extends CoreStore>(this: { prototype: S }, dir: string, options?: StoreOptions): S {
    const resolved = resolveOptions(options);
    const absolute = resolve(dir);
    try {
      mkdirSync(absolute, { recursive: true });
    } catch (err) {
      throw ioError('create the store directory', absolute, err);
    }
    try {
      accessSync(absolute, constants.W_OK);
    } catch (err) {
      throw ioError('write to the store directory', absolute, err);
    }
    ensureLayout(absolute, resolved.logger, resolved.durability);
    // `this` is the class open() was called on (Store, a subclass ...); its constructor is protected.
    const store = new (this as unknown as new (dir: string, options: ResolvedOptions) => S)(absolute, resolved);
    try {
      store.catchUpOnOpen();
    } catch (err) {
      store.close();
      throw err;
    }
    return store;
  }

  /**
   * Opening is a read: when the cache already holds every log (one stat per log says so),
   * it takes no lock, so a CLI read never waits behind a busy writer. Otherwise it
   * catches up under the write lock — unless another process holds that lock right now:
   * then the lines it found are, all but surely, that writer's commit in flight (appended
   * and fsynced, the cache not yet committed), which the writer applies to the cache
   * itself; waiting would make every read as slow as the busiest writer (measured: an
   * open behind 50 busy agent loops waited seconds). The next write or refresh() catches
   * up whatever else there is. @internal
   */
  catchUpOnOpen(): void {
    for (const name of removeStaleCompactionTemps(this.dir)) {
      this.removedTemps.push(name);
      this.options.logger.warn(`removed ${name}, left behind by an interrupted compaction (the log itself was not touched)`);
    }
    if (this.hasNewData() && !this.cache.isWriteLockedByOther()) this.write(() => this.catchUpAll(), { readOnly: true });
  }

  /** Closes the cache and file handles. The store cannot be used afterwards. */
  close(): void {
    if (this.closed) return;
    this.feed?.close();
    this.closed = true;
    this.appender.close();
    this.journal.close();
    this.cache.close();
  }

  /**
   * A generic collection; its indexes are created in the cache if missing.
   * @example const notes = store.collection<Note>({ name: 'notes', indexes: ['status'] });
   */
  collection<T extends object = Record<string, unknown>>(options: CollectionOptions<T>): Collection<T> {
    this.assertOpen();
    assertCollectionName(options?.name);
    const table = this.tableFor(options.name);
    const declared = this.declaredIndexes.get(options.name) ?? new Set<string>();
    for (const field of options.indexes ?? []) {
      table.ensureIndex(field);
      declared.add(field);
    }
    this.declaredIndexes.set(options.name, declared);
    const collection = new Collection<T>(this.host, options.name, options.schema);
    this.collections.set(options.name, collection);
    return collection;
  }

  /** Names of the collections that have a log or records in the cache. */
  collectionNames(): string[] {
    this.assertOpen();
    return this.knownCollections();
  }

  /**
   * Runs `fn` as one transaction: every write inside commits together (one fsync per
   * log), or none does — also across a crash. Nested calls are savepoints.
   * @example store.transaction(() => { a.create(x); b.update(id, y); });
   */
  transaction<R>(fn: () => R): R {
    this.assertOpen();
    if (typeof fn !== 'function') throw new TypeError('transaction() expects a function');
    const scope = this.scope;
    if (scope === undefined) return this.write(fn);
    const name = `ts_sp${++scope.savepoints}`;
    const marks = new Map([...scope.staged].map(([k, v]) => [k, v.lines.length]));
    const caughtUp = new Set(scope.caughtUp);
    this.cache.rawDb().exec(`SAVEPOINT ${name}`);
    try {
      const result = fn();
      assertNotPromise(result);
      this.cache.rawDb().exec(`RELEASE ${name}`);
      return result;
    } catch (err) {
      this.cache.rawDb().exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
      for (const [key, log] of scope.staged) {
        const mark = marks.get(key);
        if (mark === undefined) scope.staged.delete(key);
        else log.lines.length = mark;
      }
      scope.caughtUp = caughtUp;
      throw err;
    }
  }

  /** Rebuilds the whole cache from the logs. */
  sync(options: ProgressOptions = {}): SyncReport {
    this.assertOpen();
    const started = performance.now();
    const names = this.knownCollections();
    const total = names.reduce((n, name) => n + fileSize(logPath(this.dir, name)), 0);
    let before = 0;
    const skipped: BadLine[] = [];
    let lines = 0;
    this.write(() => {
      for (const name of names) {
        const base = before;
        const result = ingestLog(
          this.ingestContext(options.onProgress && ((done) => options.onProgress!(base + done, total))),
          this.tableFor(name),
          true,
        );
        before += fileSize(logPath(this.dir, name));
        this.noteConflict(name, result.conflictLine);
        skipped.push(...result.skipped);
        lines += result.linesRead;
        this.scope!.caughtUp.add(name);
      }
    }, { readOnly: true });
    const records = names.reduce((n, name) => n + (this.conflicts.has(name) ? 0 : this.tableFor(name).count()), 0);
    this.lastSyncMs = performance.now() - started;
    // Recorded for other processes (a fresh CLI's `metrics`): one more tiny transaction per sync.
    const lastSync = JSON.stringify({ ms: this.lastSyncMs, at: Date.now() });
    this.write(() => this.recordInCache('last_sync', lastSync));
    this.throwIfConflicted(names);
    return { collections: names.length, records, lines, skipped, ms: this.lastSyncMs };
  }

  /**
   * Catches up with lines appended by other processes (or by git) since this process
   * last looked. Takes the write lock only when there is something new.
   * @returns the number of lines applied
   */
  refresh(): number {
    this.assertOpen();
    if (!this.cache.isCurrentFile()) this.reopenCache();
    if (!this.hasNewData()) return 0;
    return this.write(() => this.catchUpAll(), { readOnly: true });
  }

  /**
   * Rewrites logs keeping the current version of each id, every tombstone and every
   * malformed line; with `keepDays`, also every superseded version stamped within the
   * last `keepDays` days. A log with nothing to drop is left untouched (same file, so
   * other processes need not rebuild). Without a collection name, a conflicted log is
   * skipped, the others are compacted, and then a ConflictMarkersError is thrown whose
   * `data.compacted` is the report of what was done. `onProgress` gets bytes read.
   */
  compact(collection?: string, options: CompactOptions = {}): CompactReport {
    this.assertOpen();
    if (collection !== undefined) assertCollectionName(collection);
    const since = retentionStart(options.keepDays, this.host.now());
    const names = collection === undefined ? this.knownCollections() : [collection];
    if (collection !== undefined && !existsSync(logPath(this.dir, collection))) {
      throw new NotFoundError(`no collection named ${collection} in ${this.dir}`, { data: { collection } });
    }
    const total = names.reduce((n, name) => n + fileSize(logPath(this.dir, name)), 0);
    let before = 0;
    const conflicted: string[] = [];
    const report = this.write(() => {
      const report: CompactReport = { collections: [] };
      for (const name of names) {
        const base = before;
        const size = fileSize(logPath(this.dir, name));
        before += size;
        if (collection === undefined) {
          this.readableTableOrConflict(name);
          if (this.conflicts.has(name)) {
            conflicted.push(name);
            continue;
          }
        }
        const table = this.readableTable(name);
        if (!existsSync(logPath(this.dir, name))) continue;
        const badLines = this.cache.rawDb().prepare('SELECT line FROM bad_lines WHERE collection = ?').all(name) as { line: number }[];
        const keep = new Set([...table.keptLineNumbers(since), ...badLines.map((b) => b.line)]);
        const state = readFileState(this.cache, name);
        if (state !== undefined && keep.size === state.lines && fileSize(logPath(this.dir, name)) === state.offset) {
          // Nothing to drop: rewriting would only give the log a new inode.
          report.collections.push({ name, linesBefore: state.lines, linesAfter: state.lines, bytesBefore: state.offset, bytesAfter: state.offset });
          options.onProgress?.(base + size, total);
          continue;
        }
        const result = compactLog(logPath(this.dir, name), keep, this.options.durability, options.onProgress && ((done) => options.onProgress!(base + done, total)));
        this.appender.forget(name);
        ingestLog(this.ingestContext(), table, true);
        report.collections.push({ name, ...result });
      }
      options.onProgress?.(total, total);
      return report;
    });
    const first = conflicted[0];
    if (first !== undefined) {
      const done = report.collections.map((c) => `${c.name} (${c.linesBefore} → ${c.linesAfter} lines)`).join(', ') || 'none';
      throw new ConflictMarkersError(logPath(this.dir, first), this.conflicts.get(first)!, {
        hint: `the other collections were compacted: ${done}. Resolve the merge in ${conflicted.map((n) => `${n}.jsonl`).join(', ')}, then run taskstore sync and compact again`,
        data: { compacted: report, conflicted: conflicted.map((n) => ({ file: logPath(this.dir, n), line: this.conflicts.get(n) })) },
      });
    }
    return report;
  }

  /**
   * Re-applies the versions kept in `<collection>.jsonl.rescued` (acknowledged writes a
   * rewrite of the log by git or another tool lost, see check()): each line the log does
   * not hold is appended as it was, with its original updated_at, so a version that is
   * still the newest becomes current again and one superseded since stays history. The
   * rescued file is removed once its lines are durable in the log.
   */
  rescue(collection?: string): RescueReport {
    this.assertOpen();
    if (collection !== undefined) assertCollectionName(collection);
    const names = collection === undefined ? rescuedCollections(this.dir) : [collection];
    const report: RescueReport = { collections: [] };
    this.write(() => {
      for (const name of names) {
        const lines = readRescuedLines(`${logPath(this.dir, name)}${RESCUED_SUFFIX}`);
        if (lines.length === 0) continue;
        const table = this.readableTable(name);
        let applied = 0;
        for (const text of lines) {
          const parsed = parseLine(text);
          if (parsed.kind !== 'record' || table.hasVersionText(parsed.record.id, text)) continue;
          this.stage(name, parsed.record, text);
          applied++;
        }
        report.collections.push({ name, lines: lines.length, applied });
      }
    });
    for (const { name } of report.collections) removeRescued(`${logPath(this.dir, name)}${RESCUED_SUFFIX}`);
    return report;
  }

  /** Consistency report: malformed lines, conflict markers, torn lines, cache drift, and registered checks. */
  check(options: ProgressOptions = {}): CheckReport {
    this.assertOpen();
    this.refresh();
    return runCheck({
      onProgress: options.onProgress,
      dir: this.dir,
      cache: this.cache,
      collections: this.knownCollections(),
      table: (name) => this.tableFor(name),
      conflicts: this.conflicts,
      checkers: this.checkers,
      store: this,
      removedTemps: this.removedTemps.splice(0),
    });
  }

  /**
   * Runs one read-only SQL statement over the cache tables of `collections`, for
   * subclasses that answer a domain query in a single statement. `sql` receives the
   * quoted table names in the same order; each table has the columns
   * `(seq, id, updated_at, state, line, data)`, `state = 1` marking the current live
   * versions and `data` the record's JSON. Tables are caught up (inside a write scope)
   * and refused while conflicted, exactly as for collection reads.
   * @example this.queryCache(['notes'], (t) => `SELECT data FROM ${t} WHERE state = 1`, [])
   */
  protected queryCache<R>(collections: readonly string[], sql: (...tables: string[]) => string, params: readonly unknown[] = []): R[] {
    const tables = collections.map((name) => `"${this.readableTable(name).table}"`);
    const statement = this.cache.statements.get(sql(...tables));
    if (!statement.reader || !statement.readonly) throw new TypeError('queryCache() runs read-only SELECT statements only');
    return statement.all(...params) as R[];
  }

  /**
   * Sorted ids of the live records of collection `name`, without reading their JSON
   * (the CLI computes the shortest unique id prefixes from them). @internal
   */
  liveIds(name: string): string[] {
    this.assertOpen();
    assertCollectionName(name);
    return this.readableTable(name).liveIds();
  }

  /**
   * Live records that reference `id` in `collection`, asked before a delete (inside its
   * write scope). None here; the orchestrator's records override it.
   */
  protected referrersOf(_collection: string, _id: string): { collection: string; id: string; field: string }[] {
    return [];
  }

  /**
   * Copies every `<collection>.jsonl` and `.version` into `dest`, a new or empty
   * directory (created if missing), holding the write lock so the copy is a consistent
   * snapshot; each file is copied atomically and flushed. The result is a store of its own.
   * @example const report = store.backup('../taskstore-backup-2025-01-31');
   */
  backup(dest: string): BackupReport {
    this.assertOpen();
    return backupStore(this.dir, dest, (copy) => this.write(copy));
  }

  /** Adds a check run by `check()` (used by the domain records and the git integration). */
  addChecker(checker: Checker): void {
    this.checkers.push(checker);
  }

  metrics(): StoreMetrics {
    this.assertOpen();
    const counts: Record<string, number> = {};
    const jsonlBytes: Record<string, number> = {};
    const lines: Record<string, number> = {};
    const supersededLines: Record<string, number> = {};
    for (const name of this.knownCollections()) {
      const conflicted = this.conflicts.has(name);
      counts[name] = conflicted ? 0 : this.tableFor(name).count();
      jsonlBytes[name] = fileSize(logPath(this.dir, name));
      lines[name] = readFileState(this.cache, name)?.lines ?? 0;
      supersededLines[name] = conflicted ? 0 : this.tableFor(name).supersededCount();
    }
    const writeLatencyMs = this.latencies.length === 0 ? null : this.latencies.reduce((a, b) => a + b, 0) / this.latencies.length;
    return { counts, jsonlBytes, lines, supersededLines, writeLatencyMs, lastSyncMs: this.lastSyncMs, recorded: this.recordedMetrics() };
  }

  /** The figures other processes left in the cache's meta table (see StoreMetrics.recorded). */
  private recordedMetrics(): StoreMetrics['recorded'] {
    const read = (key: string): Record<string, unknown> => {
      try {
        const row = this.cache.rawDb().prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
        const value: unknown = row === undefined ? undefined : JSON.parse(row.value);
        return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
      } catch {
        return {};
      }
    };
    const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
    const latency = read('write_latency');
    const sync = read('last_sync');
    const catchUp = read('last_catch_up');
    return {
      writeLatencyMs: num(latency.ms),
      lastSyncMs: num(sync.ms),
      lastSyncAt: num(sync.at),
      lastCatchUpAt: num(catchUp.at),
      lastCatchUpLines: num(catchUp.lines),
    };
  }

  /**
   * Stores a metric in the cache's meta table, inside the current write transaction (no
   * extra lock or commit). Metrics never fail a write: errors are ignored.
   */
  private recordInCache(key: string, value: string): void {
    try {
      this.cache.statements.get('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, value);
    } catch {
      // a metric is not worth failing a write for
    }
  }

  /** Folds one write's latency into the running average kept in the cache (n capped at 100, so recent writes dominate). */
  private recordLatencyInCache(ms: number): void {
    try {
      this.cache.statements
        .get(
          `INSERT INTO meta (key, value) VALUES ('write_latency', json_object('ms', @ms, 'n', 1))
           ON CONFLICT (key) DO UPDATE SET value = json_object(
             'ms', json_extract(value, '$.ms') + (@ms - json_extract(value, '$.ms')) / min(json_extract(value, '$.n') + 1, 100),
             'n', min(json_extract(value, '$.n') + 1, 100))`,
        )
        .run({ ms });
    } catch {
      // a metric is not worth failing a write for
    }
  }

  /**
   * Calls `listener` with every change to the store's records once it is durable: this
   * Store's own writes (`source: 'local'`), other processes' appends (`'external'`), and
   * rewrites by git or a hand edit (`'rewrite'`: one change per record whose current
   * version differs; compaction changes nothing). Per record, changes arrive in version
   * order. Listeners run asynchronously, never inside a write. While any watcher is
   * subscribed the process stays alive; returns the function that unsubscribes.
   * @example const stop = store.watch((c) => console.log(c.op, c.collection, c.id), { collections: ['notes'] });
   */
  watch<T = Record<string, unknown>>(listener: (change: Change<T>) => void, options: WatchOptions = {}): () => void {
    this.assertOpen();
    if (typeof listener !== 'function') throw new TypeError('watch() expects a listener function');
    return this.subscribe(listener as (change: Change) => void, options);
  }

  /**
   * The same changes as {@link watch}, as an async iterator. The loop ends when `signal`
   * aborts or the store closes; `break` unsubscribes.
   * @example for await (const change of store.changes({ since: lastSeen, signal })) lastSeen = change.record.updated_at;
   */
  changes<T = Record<string, unknown>>(options: ChangesOptions = {}): AsyncIterableIterator<Change<T>> {
    this.assertOpen();
    const { signal, ...watchOptions } = options ?? {};
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError('changes(): signal must be an AbortSignal');
    this.checkWatchOptions(watchOptions);
    return changeIterator((listener, onEnd) => this.subscribe(listener, watchOptions, onEnd), signal) as AsyncIterableIterator<Change<T>>;
  }

  // ---- internals ----

  private checkWatchOptions(options: WatchOptions): void {
    if (typeof options !== 'object' || options === null) throw new TypeError('watch options must be an object');
    if (options.collections !== undefined) {
      if (!Array.isArray(options.collections)) throw new TypeError('collections must be an array of collection names');
      for (const name of options.collections) assertCollectionName(name);
    }
    assertSince(options.since);
  }

  private subscribe(listener: (change: Change) => void, options: WatchOptions, onEnd?: () => void): () => void {
    this.checkWatchOptions(options);
    if (this.scope !== undefined) throw new TypeError('watch() and changes() cannot be called inside a transaction');
    this.feed ??= new ChangeFeed({
      dir: this.dir,
      logger: this.options.logger,
      cache: () => {
        const reopened = !this.cache.isCurrentFile();
        if (reopened) this.reopenCache();
        return { cache: this.cache, reopened };
      },
      catchUp: () => void this.refresh(),
    });
    return this.feed.subscribe(listener, options.collections, options.since, onEnd);
  }

  /** Runs `fn` holding the write lock, or joins the enclosing scope. */
  protected write<R>(fn: () => R, { readOnly = false }: { readOnly?: boolean } = {}): R {
    this.assertOpen();
    if (this.scope !== undefined) return fn();
    if (!this.cache.isCurrentFile()) this.reopenCache();
    const lockKey = this.lockKey;
    if (locksHeldInProcess.has(lockKey)) {
      throw new LockedError('another Store object in this process is in the middle of a write to the same store', {
        hint: 'open one Store per directory per process and share it, or do not write through a second Store inside a transaction of the first',
      });
    }
    const started = performance.now();
    // Let a git operation in this work tree finish before appending to the logs (see
    // git-activity.ts). A catch-up only reads, and git's own hooks run one: no wait there.
    if (!readOnly) {
      if (this.gitDir === undefined) this.gitDir = gitDirToWatch(this.dir) ?? null;
      if (this.gitDir !== null) waitWhileGitBusy(this.gitDir);
    }
    this.cache.beginImmediate();
    locksHeldInProcess.add(lockKey);
    const scope: WriteScope = { staged: new Map(), caughtUp: new Set(), savepoints: 0 };
    this.scope = scope;
    let written = 0;
    let committed: LocalLines[] | undefined;
    try {
      this.journal.recover((m) => this.options.logger.warn(m));
      const result = fn();
      assertNotPromise(result);
      written = this.appender.commit([...scope.staged.values()]);
      if (written > 0) this.recordLatencyInCache(performance.now() - started);
      try {
        this.cache.commit();
      } catch (err) {
        this.appender.undoCommit([...scope.staged.values()]);
        throw err;
      }
      if (this.feed !== undefined && written > 0) {
        committed = [...scope.staged.values()]
          .filter((log) => log.lines.length > 0)
          .map((log) => ({ collection: log.collection, firstLine: log.startLines + 1, lastLine: log.startLines + log.lines.length }));
      }
      return result;
    } catch (err) {
      try {
        this.cache.rollback();
      } catch {
        // The rollback of a failed cache transaction can itself fail (disk full); SQLite
        // then rolls back on its own, and nothing was appended to any log.
      }
      throw asStoreError(err, this.cache.path);
    } finally {
      this.scope = undefined;
      locksHeldInProcess.delete(lockKey);
      if (written > 0) this.recordLatency(performance.now() - started);
      // Only now, committed and out of the lock, may watchers learn about the write.
      if (committed !== undefined) this.notifyFeed(committed);
    }
  }

  private stage(name: string, record: StoredRecord, text = serializeRecord(record)): void {
    const scope = this.scope;
    if (scope === undefined) throw new Error('internal: stage() outside a write scope');
    const bytes = Buffer.byteLength(text);
    if (bytes > this.options.maxRecordBytes) {
      throw new TooLargeError(`record ${record.id} is ${bytes} bytes, over the ${this.options.maxRecordBytes}-byte limit`, {
        data: { collection: name, id: record.id, bytes, limit: this.options.maxRecordBytes },
        hint: 'store large content elsewhere, or raise the maxRecordBytes option',
      });
    }
    let log = scope.staged.get(name);
    if (log === undefined) {
      const state = readFileState(this.cache, name);
      log = { collection: name, startOffset: state?.offset ?? 0, startLines: state?.lines ?? 0, startCrc: state === undefined ? 0 : state.prefix_crc, lines: [] };
      scope.staged.set(name, log);
    }
    const lineNo = log.startLines + log.lines.length + 1;
    this.readableTable(name).apply(record, lineNo, text);
    log.lines.push(`${text}\n`);
  }

  /** Catches the table up (once per write scope) without refusing a conflicted log: the caller looks at `conflicts`. */
  private readableTableOrConflict(name: string): void {
    try {
      this.readableTable(name);
    } catch (err) {
      if (!(err instanceof ConflictMarkersError)) throw err;
    }
  }

  /** The table for reads and writes: caught up once per write scope, refused while conflicted. */
  private readableTable(name: string): CollectionTable {
    this.assertOpen();
    const table = this.tableFor(name);
    const scope = this.scope;
    if (scope !== undefined && !scope.caughtUp.has(name)) {
      const result = ingestLog(this.ingestContext(), table);
      this.noteConflict(name, result.conflictLine);
      scope.caughtUp.add(name);
    }
    const conflictLine = this.conflicts.get(name);
    if (conflictLine !== undefined) throw new ConflictMarkersError(logPath(this.dir, name), conflictLine);
    return table;
  }

  private tableFor(name: string): CollectionTable {
    let table = this.tables.get(name);
    if (table === undefined) {
      table = this.cache.collectionTable(name);
      this.tables.set(name, table);
      this.tableCreated(table, this.cache);
    }
    return table;
  }

  /**
   * Called once for each cache table object this store creates (again after the cache
   * file was replaced), before any line is applied to it: subclasses attach what they
   * derive from the table (the records' readiness graph).
   */
  protected tableCreated(_table: CollectionTable, _cache: CacheDb): void {}

  /**
   * The cache table of `collection`, caught up (inside a write scope) and refused while
   * conflicted, exactly as for collection reads: for subclasses that query what they
   * derive from it.
   */
  protected readableCacheTable(collection: string): CollectionTable {
    return this.readableTable(collection);
  }

  private catchUpAll(): number {
    let lines = 0;
    for (const name of this.knownCollections()) {
      const result = ingestLog(this.ingestContext(), this.tableFor(name));
      this.noteConflict(name, result.conflictLine);
      lines += result.linesRead;
      this.scope?.caughtUp.add(name);
    }
    // When and how much: `metrics` shows it, so one can see that the git hooks kept the cache current.
    if (lines > 0) this.recordInCache('last_catch_up', JSON.stringify({ at: Date.now(), lines }));
    return lines;
  }

  /** Cheap unlocked look: has any log changed since the cache consumed it? */
  private hasNewData(): boolean {
    if (!this.journal.isEmpty()) return true;
    return this.knownCollections().some((name) => {
      const state = readFileState(this.cache, name);
      return !logUnchanged(logPath(this.dir, name), state) || this.conflicts.has(name) !== (state?.conflict_line != null);
    });
  }

  /** Collections known from logs on disk, the cache, or declarations in this process. */
  private knownCollections(): string[] {
    const names = new Set<string>(this.tables.keys());
    for (const entry of readdirSync(this.dir)) {
      if (!entry.endsWith('.jsonl')) continue;
      const name = entry.slice(0, -'.jsonl'.length);
      if (COLLECTION_NAME.test(name)) names.add(name);
    }
    for (const row of this.cache.rawDb().prepare('SELECT collection FROM files').all() as { collection: string }[]) {
      names.add(row.collection);
    }
    return [...names].sort();
  }

  private noteConflict(name: string, line: number | null): void {
    if (line === null) this.conflicts.delete(name);
    else this.conflicts.set(name, line);
  }

  private throwIfConflicted(names: string[]): void {
    const conflicted = names.filter((n) => this.conflicts.has(n));
    const first = conflicted[0];
    if (first !== undefined) {
      throw new ConflictMarkersError(logPath(this.dir, first), this.conflicts.get(first)!, {
        data: { conflicted: conflicted.map((n) => ({ file: logPath(this.dir, n), line: this.conflicts.get(n) })) },
      });
    }
  }

  private ingestContext(onProgress?: (done: number, total: number) => void): IngestContext {
    return { cache: this.cache, dir: this.dir, durability: this.options.durability, logger: this.options.logger, onProgress };
  }

  /** The cache file was deleted or replaced under us: start over with a fresh one. */
  private reopenCache(): void {
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

  private notifyFeed(local: LocalLines[]): void {
    try {
      this.feed?.afterCommit(local);
    } catch (err) {
      // The write is durable and acknowledged; the feed's next look will deliver it.
      this.options.logger.warn(`change feed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private recordLatency(ms: number): void {
    this.latencies.push(ms);
    if (this.latencies.length > 100) this.latencies.shift();
  }

  /** Using a closed store is a programming error, not an I/O failure: a TypeError, as better-sqlite3 throws for a closed database. */
  private assertOpen(): void {
    if (this.closed) throw new TypeError(`the store at ${this.dir} is closed`);
  }
}

/** SQLite's own disk-full and I/O failures become IoError, like the logs' (code IO). */
function asStoreError(err: unknown, cachePath: string): unknown {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR') || code === 'SQLITE_READONLY' || code === 'SQLITE_CANTOPEN')) {
    const errno = code === 'SQLITE_FULL' ? 'ENOSPC' : code === 'SQLITE_READONLY' ? 'EROFS' : 'EIO';
    return ioError('update the cache', cachePath, Object.assign(new Error((err as Error).message), { code: errno, cause: err }));
  }
  return err;
}

function assertNotPromise(value: unknown): void {
  if (typeof (value as { then?: unknown } | null)?.then === 'function') {
    throw new TypeError('Transaction function cannot return a promise: TaskStore transactions are synchronous');
  }
}

/** The earliest updated_at retention keeps, or undefined without `keepDays`. */
function retentionStart(keepDays: unknown, now: number): number | undefined {
  if (keepDays === undefined) return undefined;
  if (typeof keepDays !== 'number' || !Number.isFinite(keepDays) || keepDays < 0) {
    throw new ValidationError(`keepDays must be a non-negative number of days (got ${String(keepDays)})`, { field: 'keepDays' });
  }
  return now - Math.round(keepDays * 86_400_000);
}

/** Collections that have a `<name>.jsonl.rescued` file. */
function rescuedCollections(dir: string): string[] {
  const suffix = `.jsonl${RESCUED_SUFFIX}`;
  return readdirSync(dir)
    .filter((e) => e.endsWith(suffix) && COLLECTION_NAME.test(e.slice(0, -suffix.length)))
    .map((e) => e.slice(0, -suffix.length))
    .sort();
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
