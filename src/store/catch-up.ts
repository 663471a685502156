/**
 * Catching the cache up with the logs: on open, on `refresh()`, and once per write scope
 * for each table a write or read inside it touches. Lines other processes appended are
 * applied; a log git rewrote is rebuilt (see ingest.ts).
 */
import type { CollectionTable } from '../cache/collection-table.js';
import { ConflictMarkersError } from '../errors.js';
import { ingestLog, logPath, logUnchanged, readFileState } from './ingest.js';
import { removeStaleCompactionTemps, tempTarget } from './stale-temps.js';
import { LOG_SUFFIX } from '../jsonl/collection-name.js';
import type { Engine } from './engine.js';

/**
 * Opening is a read: when the cache already holds every log (one stat per log says so),
 * it takes no lock, so a CLI read never waits behind a busy writer. Otherwise it
 * catches up under the write lock — unless another process holds that lock right now:
 * then the lines it found are, all but surely, that writer's commit in flight (appended
 * and fsynced, the cache not yet committed), which the writer applies to the cache
 * itself; waiting would make every read as slow as the busiest writer (measured: an
 * open behind 50 busy agent loops waited seconds). The next write or refresh() catches
 * up whatever else there is.
 */
export function catchUpOnOpen(engine: Engine): void {
  for (const name of removeStaleCompactionTemps(engine.dir)) {
    engine.removedTemps.push(name);
    const target = tempTarget(name);
    engine.options.logger.warn(
      target === undefined || target.endsWith(LOG_SUFFIX)
        ? `removed ${name}, left behind by an interrupted compaction (the log itself was not touched)`
        : `removed ${name}, left behind by an interrupted write of ${target} (${target} itself was not touched)`,
    );
  }
  if (hasNewData(engine) && !engine.cache.isWriteLockedByOther()) engine.write(() => catchUpAll(engine), { readOnly: true });
}

/**
 * Catches up with lines appended by other processes (or by git) since this process
 * last looked. Takes the write lock only when there is something new.
 * @returns the number of lines applied
 */
export function refresh(engine: Engine): number {
  engine.assertOpen();
  if (!engine.cache.isCurrentFile()) engine.reopenCache();
  if (!hasNewData(engine)) return 0;
  return engine.write(() => catchUpAll(engine), { readOnly: true });
}

/** The table for reads and writes: caught up once per write scope, refused while conflicted. */
export function readableTable(engine: Engine, name: string): CollectionTable {
  engine.assertOpen();
  const table = engine.tableFor(name);
  const scope = engine.scope;
  if (scope !== undefined && !scope.caughtUp.has(name)) {
    const result = ingestLog(engine.ingestContext(), table);
    engine.noteConflict(name, result.conflictLine);
    scope.caughtUp.add(name);
    if (!scope.committedEnds.has(name)) scope.committedEnds.set(name, result.before);
  }
  const conflictLine = engine.conflicts.get(name);
  if (conflictLine !== undefined) throw new ConflictMarkersError(logPath(engine.dir, name), conflictLine);
  return table;
}

/** Catches the table up (once per write scope) without refusing a conflicted log: the caller looks at `conflicts`. */
export function readableTableOrConflict(engine: Engine, name: string): void {
  try {
    readableTable(engine, name);
  } catch (err) {
    if (!(err instanceof ConflictMarkersError)) throw err;
  }
}

/** Throws a ConflictMarkersError naming the first of `names` that is conflicted (`data.conflicted` lists them all). */
export function throwIfConflicted(engine: Engine, names: string[]): void {
  const conflicted = names.filter((n) => engine.conflicts.has(n));
  const first = conflicted[0];
  if (first !== undefined) {
    throw new ConflictMarkersError(logPath(engine.dir, first), engine.conflicts.get(first)!, {
      data: { conflicted: conflicted.map((n) => ({ file: logPath(engine.dir, n), line: engine.conflicts.get(n) })) },
    });
  }
}

/**
 * Catches every log up inside the caller's write scope (call it holding the write lock,
 * whose journal recovery already set aside to `.torn` any torn line a writer that died
 * left): git-sync runs it before it commits and merges, because git refuses to merge a
 * log whose uncommitted tail it would overwrite.
 */
export function catchUpAll(engine: Engine): number {
  let lines = 0;
  for (const name of engine.knownCollections()) {
    // Inside a transaction, a collection it already caught up (under the lock it holds)
    // may hold its pending writes: rebuilding a log rewritten meanwhile would take them
    // for acknowledged versions the rewrite lost, and keep them in .rescued for rescue to
    // bring back after a rollback. Its commit refuses a log changed under it anyway.
    if (engine.scope?.caughtUp.has(name) === true) continue;
    const result = ingestLog(engine.ingestContext(), engine.tableFor(name));
    engine.noteConflict(name, result.conflictLine);
    lines += result.linesRead;
    engine.scope?.caughtUp.add(name);
    if (engine.scope?.committedEnds.has(name) === false) engine.scope.committedEnds.set(name, result.before);
  }
  // When and how much: `metrics` shows it, so one can see that the git hooks kept the cache current.
  if (lines > 0) engine.recordInCache((cache) => cache.writeMeta('last_catch_up', JSON.stringify({ at: Date.now(), lines })));
  return lines;
}

/** Cheap unlocked look: has any log changed since the cache consumed it? */
function hasNewData(engine: Engine): boolean {
  if (!engine.journal.isEmpty()) return true;
  return engine.knownCollections().some((name) => {
    const state = readFileState(engine.cache, name);
    return !logUnchanged(logPath(engine.dir, name), state) || engine.conflicts.has(name) !== (state?.conflict_line != null);
  });
}
