/**
 * The write scope: the cross-process write lock, transactions (nested ones as
 * savepoints), and staging the lines a write appends. A scope stages lines and applies
 * them to the cache; at its end the lines are appended and fsynced, then the cache
 * commits — or, on any failure, nothing is appended and the cache rolls back.
 */
import { LockedError, TooLargeError, ioError } from '../errors.js';
import { serializeRecord, type StoredRecord } from '../jsonl/line-codec.js';
import type { LocalLines } from '../feed/feed.js';
import { readFileState } from './ingest.js';
import type { FileStateRow } from '../cache/cache-db.js';
import type { StagedLog } from './log-appender.js';
import { gitDirToWatch, waitForOrphanGit, waitWhileGitBusy } from './git-activity.js';
import { readableTable } from './catch-up.js';
import { assertFunction } from './arguments.js';
import type { Engine } from './engine.js';
import { describeThrown, observeRejection, type Logger } from './options.js';

export interface WriteScope {
  staged: Map<string, StagedLog>;
  /** Collections caught up in this scope (once each). */
  caughtUp: Set<string>;
  savepoints: number;
  /**
   * Collections whose cache table this scope created, in order. A rollback drops such a
   * table again (its CREATE TABLE ran inside the transaction), so the engine must forget
   * its table object, or every later use of the collection fails with "no such table".
   */
  createdTables: string[];
  /**
   * Each log's `files` row as this scope found it, before its catch-up: the end of the
   * log the cache has committed. A single line appended there needs no flushed journal
   * record (see `StagedLog.tornTailKnown`).
   */
  committedEnds: Map<string, FileStateRow | undefined>;
}

/** Caches locked by a store of this process: a second store waiting for its own process's lock would wait forever. */
const locksHeldInProcess = new Set<string>();

/** Runs `fn` holding the write lock, or joins the enclosing scope. */
export function runWrite<R>(engine: Engine, fn: () => R, { readOnly = false }: { readOnly?: boolean } = {}): R {
  engine.assertOpen();
  if (engine.scope !== undefined) return fn();
  const lockKey = engine.lockKey;
  if (locksHeldInProcess.has(lockKey)) {
    throw new LockedError('another Store object in this process is in the middle of a write to the same store', {
      hint: 'open one Store per directory per process and share it, or do not write through a second Store inside a transaction of the first',
    });
  }
  const started = performance.now();
  // Let a git operation in this work tree finish before appending to the logs (see
  // git-activity.ts). A catch-up only reads, and git's own hooks run one: no wait there.
  if (!readOnly) {
    if (engine.gitDir === undefined) engine.gitDir = gitDirToWatch(engine.dir) ?? null;
    if (engine.gitDir !== null && !engine.gitDir.storeBranch) waitWhileGitBusy(engine.gitDir.gitDir);
  }
  engine.cache.beginImmediate();
  // The cache file may have been deleted (before this write, or while this process waited
  // for its lock: the cache is disposable, and a process that found it unreadable
  // recreates it). The lock of a deleted file excludes nobody who opened the new one:
  // take the new file's lock instead. (One stat per write, checked under the lock.)
  while (!engine.cache.isCurrentFile()) {
    engine.cache.rollback();
    engine.reopenCache();
    engine.cache.beginImmediate();
  }
  locksHeldInProcess.add(lockKey);
  const scope: WriteScope = { staged: new Map(), caughtUp: new Set(), savepoints: 0, createdTables: [], committedEnds: new Map() };
  engine.scope = scope;
  let written = 0;
  let committed: LocalLines[] | undefined;
  try {
    // On a store branch, checked holding the lock: a git working there now is the orphan
    // of a killed git-sync, about to replace the logs (see git-activity.ts).
    if (!readOnly && engine.gitDir?.storeBranch === true) waitForOrphanGit(engine.gitDir);
    engine.journal.recover((m) => engine.options.logger.warn(m));
    const result = fn();
    assertNotPromise(result, engine.options.logger);
    written = engine.appender.commit([...scope.staged.values()]);
    if (written > 0) sampleWriteLatency(engine, performance.now() - started);
    try {
      engine.cache.commit();
    } catch (err) {
      engine.appender.undoCommit([...scope.staged.values()]);
      throw err;
    }
    if (engine.feed !== undefined && written > 0) {
      committed = [...scope.staged.values()]
        .filter((log) => log.lines.length > 0)
        .map((log) => ({
          collection: log.collection,
          firstLine: log.startLines + 1,
          lastLine: log.startLines + log.lines.length,
          appended: log.appended === undefined ? undefined : { before: { offset: log.startOffset, fingerprint: log.startFingerprint, prefixCrc: log.startCrc }, after: log.appended, lines: log.lines },
        }));
    }
    return result;
  } catch (err) {
    try {
      engine.cache.rollback();
    } catch {
      // The rollback of a failed cache transaction can itself fail (disk full); SQLite
      // then rolls back on its own, and nothing was appended to any log.
    }
    engine.forgetTables(scope.createdTables);
    throw asStoreError(err, engine.cache.path);
  } finally {
    engine.scope = undefined;
    locksHeldInProcess.delete(lockKey);
    if (written > 0) recordLatency(engine, performance.now() - started);
    // Only now, committed and out of the lock, may watchers learn about the write.
    if (committed !== undefined) notifyFeed(engine, committed);
  }
}

/**
 * Runs `fn` as one transaction: every write inside commits together (one fsync per
 * log), or none does — also across a crash. Nested calls are savepoints.
 */
export function runTransaction<R>(engine: Engine, fn: () => R): R {
  engine.assertOpen();
  assertFunction('fn', fn);
  const scope = engine.scope;
  if (scope === undefined) return runWrite(engine, fn);
  const name = `ts_sp${++scope.savepoints}`;
  const marks = new Map([...scope.staged].map(([k, v]) => [k, v.lines.length]));
  const caughtUp = new Set(scope.caughtUp);
  const tablesBefore = scope.createdTables.length;
  // A table loading in bulk (a transaction from a schema's parse, inside a createMany): see settleBeforeSavepoint.
  for (const table of engine.tables.values()) table.settleBeforeSavepoint();
  engine.cache.savepoint(name);
  try {
    const result = fn();
    assertNotPromise(result, engine.options.logger);
    engine.cache.releaseSavepoint(name);
    return result;
  } catch (err) {
    engine.cache.rollbackToSavepoint(name);
    engine.forgetTables(scope.createdTables.splice(tablesBefore));
    for (const [key, log] of scope.staged) {
      const mark = marks.get(key);
      if (mark === undefined) scope.staged.delete(key);
      else log.lines.length = mark;
    }
    scope.caughtUp = caughtUp;
    throw err;
  }
}

/** Stages one version: checks its size, applies it to the cache, queues its line (`text` when given, else the record serialized). */
export function stageLine(engine: Engine, name: string, record: StoredRecord, text = serializeRecord(record)): void {
  const scope = engine.scope;
  if (scope === undefined) throw new Error('internal: stage() outside a write scope');
  const bytes = Buffer.byteLength(text);
  const limit = engine.options.maxRecordBytes;
  if (bytes > limit) {
    throw new TooLargeError(`record ${record.id} is ${bytes} bytes, over the ${limit}-byte limit`, {
      data: { collection: name, id: record.id, bytes, limit },
      hint: 'store large content elsewhere, or raise the maxRecordBytes option',
    });
  }
  // Caught up first: the log's starting offset below must be the one after this scope's catch-up.
  const table = readableTable(engine, name);
  let log = scope.staged.get(name);
  if (log === undefined) {
    const state = readFileState(engine.cache, name);
    const committed = scope.committedEnds.get(name);
    log = {
      collection: name,
      startOffset: state?.offset ?? 0,
      startLines: state?.lines ?? 0,
      startCrc: state === undefined ? 0 : state.prefix_crc,
      startFingerprint: state?.fingerprint ?? null,
      tornTailKnown:
        state !== undefined && committed !== undefined && committed.ino === state.ino && committed.offset === state.offset && committed.fingerprint === state.fingerprint,
      lines: [],
    };
    scope.staged.set(name, log);
  }
  const lineNo = log.startLines + log.lines.length + 1;
  table.apply(record, lineNo, text);
  log.lines.push(`${text}\n`);
}

function notifyFeed(engine: Engine, local: LocalLines[]): void {
  try {
    engine.feed?.afterCommit(local);
  } catch (err) {
    // The write is durable and acknowledged; the feed's next look will deliver it.
    engine.options.logger.warn(`change feed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Writes folded into the persisted `write_latency` average at once: every write of a
 * process adds its sample, but only the first write and then every Nth one store them
 * (in its own transaction, so no extra lock or commit), and close() stores what is left.
 * Storing on every write put one more page into every commit: ~11 µs of a ~330 µs
 * durable create, for a figure that only `metrics` reads.
 */
const LATENCY_PERSIST_EVERY = 16;

function sampleWriteLatency(engine: Engine, ms: number): void {
  const pending = engine.unpersistedLatencies;
  pending.push(ms);
  if (engine.latencyPersisted && pending.length < LATENCY_PERSIST_EVERY) return;
  engine.recordInCache((cache) => cache.recordWriteLatency(pending));
  engine.latencyPersisted = true;
  pending.length = 0;
}

function recordLatency(engine: Engine, ms: number): void {
  engine.latencies.push(ms);
  if (engine.latencies.length > 100) engine.latencies.shift();
}

/** SQLite's own disk-full and I/O failures become IoError, like the logs' (code IO). */
function asStoreError(err: unknown, cachePath: string): unknown {
  // What the caller's function threw may be anything, `undefined` and `null` included
  // (reading their code replaced the caller's value with a TypeError of this file's own).
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  if (typeof code === 'string' && (code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR') || code === 'SQLITE_READONLY' || code === 'SQLITE_CANTOPEN')) {
    const errno = code === 'SQLITE_FULL' ? 'ENOSPC' : code === 'SQLITE_READONLY' ? 'EROFS' : 'EIO';
    return ioError('update the cache', cachePath, Object.assign(new Error((err as Error).message), { code: errno, cause: err }));
  }
  return err;
}

function assertNotPromise(value: unknown, logger: Logger): void {
  // A generator function returns its generator without running a line of its body: the
  // transaction would commit nothing, without a word.
  const tag = Object.prototype.toString.call(value);
  if (tag === '[object Generator]' || tag === '[object AsyncGenerator]') {
    throw new TypeError('Transaction function cannot be a generator function: calling it runs none of its body, so nothing would be written');
  }
  if (typeof (value as { then?: unknown } | null)?.then === 'function') {
    // What the async function goes on to reject with would otherwise be an unhandled
    // rejection, ending the process the caller was about to tell of the TypeError.
    observeRejection(value, (err) => logger.error(`a transaction function returned a promise (the transaction was rolled back), and that promise rejected: ${describeThrown(err)}`));
    throw new TypeError('Transaction function cannot return a promise: TaskStore transactions are synchronous');
  }
}
