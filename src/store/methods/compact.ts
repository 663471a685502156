/**
 * `store.compact()`: rewrites logs keeping the current version of each id, every
 * tombstone and every malformed line (the rewrite itself is `../compact.ts`).
 */
import { existsSync } from 'node:fs';
import { ConflictMarkersError, NotFoundError, ValidationError } from '../../errors.js';
import { assertCollectionArgument, describeValue, parseProgressOptions } from '../arguments.js';
import { ingestLog, logPath, readFileState } from '../ingest.js';
import { compactLog } from '../compact.js';
import { readableTable, readableTableOrConflict } from '../catch-up.js';
import type { Engine } from '../engine.js';
import { progressCallback } from '../options.js';
import { fileSize } from './file-size.js';
import type { ProgressOptions } from './sync.js';
import { clockReading } from '../clock.js';

export interface CompactReport {
  collections: { name: string; linesBefore: number; linesAfter: number; bytesBefore: number; bytesAfter: number }[];
}

export interface CompactOptions extends ProgressOptions {
  /** Also keep every superseded version whose updated_at lies within the last this many days (retention). */
  keepDays?: number;
}

/**
 * With `keepDays`, also keeps every superseded version stamped within the last
 * `keepDays` days. A log with nothing to drop is left untouched (same file, so other
 * processes need not rebuild). Without a collection name, a conflicted log is skipped,
 * the others are compacted, and then a ConflictMarkersError is thrown whose
 * `data.compacted` is the report of what was done. `onProgress` gets bytes read.
 */
export function compact(engine: Engine, collection?: string, options: CompactOptions = {}): CompactReport {
  engine.assertOpen();
  // The rewrite keeps the lines the cache calls current, which inside a transaction
  // include lines the logs do not hold yet: it would cut the log under the pending commit.
  if (engine.scope !== undefined) throw new TypeError('compact() cannot be called inside a transaction: call it after the transaction');
  const { dir } = engine;
  if (collection !== undefined) assertCollectionArgument(collection);
  parseProgressOptions(options, ['keepDays', 'onProgress']);
  const since = retentionStart(options.keepDays, engine.host.now());
  const names = collection === undefined ? engine.knownCollections() : [collection];
  if (collection !== undefined && !existsSync(logPath(dir, collection))) {
    // A collection the store knows without a log yet (`workflows` in a new store, one
    // declared in this process) has nothing to drop, as collectionNames() lists it.
    const known = engine.knownCollections();
    if (known.includes(collection)) return { collections: [] };
    throw new NotFoundError(`there is no collection named ${collection} in ${dir}`, {
      data: { collection },
      hint: `collections in this store: ${known.join(', ')}`,
    });
  }
  const onProgress = progressCallback(options.onProgress, engine.options.logger, 'compact()');
  const total = names.reduce((n, name) => n + fileSize(logPath(dir, name)), 0);
  let before = 0;
  const conflicted: string[] = [];
  const report = engine.write(() => {
    const report: CompactReport = { collections: [] };
    for (const name of names) {
      const base = before;
      const size = fileSize(logPath(dir, name));
      before += size;
      if (collection === undefined) {
        readableTableOrConflict(engine, name);
        if (engine.conflicts.has(name)) {
          conflicted.push(name);
          continue;
        }
      }
      const table = readableTable(engine, name);
      if (!existsSync(logPath(dir, name))) continue;
      const keep = new Set([...table.keptLineNumbers(since), ...engine.cache.badLines.list(name).map((bad) => bad.line)]);
      const state = readFileState(engine.cache, name);
      if (state !== undefined && keep.size === state.lines && fileSize(logPath(dir, name)) === state.offset) {
        // Nothing to drop: rewriting would only give the log a new inode.
        report.collections.push({ name, linesBefore: state.lines, linesAfter: state.lines, bytesBefore: state.offset, bytesAfter: state.offset });
        onProgress?.(base + size, total);
        continue;
      }
      const progress = onProgress && ((done: number) => onProgress(base + done, total));
      const result = compactLog(logPath(dir, name), keep, state?.lines ?? 0, engine.options.durability, progress, state?.ino);
      engine.appender.forget(name);
      ingestLog(engine.ingestContext(), table, true);
      report.collections.push({ name, ...result });
    }
    onProgress?.(total, total);
    return report;
  });
  const first = conflicted[0];
  if (first !== undefined) {
    const done = report.collections.map((c) => `${c.name} (${c.linesBefore} → ${c.linesAfter} lines)`).join(', ') || 'none';
    throw new ConflictMarkersError(logPath(dir, first), engine.conflicts.get(first)!, {
      hint: `the other collections were compacted: ${done}. Resolve the merge in ${conflicted.map((n) => `${n}.jsonl`).join(', ')}, then run taskstore sync and compact again`,
      data: { compacted: report, conflicted: conflicted.map((n) => ({ file: logPath(dir, n), line: engine.conflicts.get(n) })) },
    });
  }
  return report;
}

/** The earliest updated_at retention keeps, or undefined without `keepDays`. */
function retentionStart(keepDays: unknown, now: number): number | undefined {
  if (keepDays === undefined) return undefined;
  if (typeof keepDays !== 'number' || !Number.isFinite(keepDays) || keepDays < 0) {
    throw new ValidationError(`keepDays must be a non-negative number of days (got ${describeValue(keepDays)})`, { field: 'keepDays' });
  }
  // The retention start decides which history is dropped: from a clock that is no time, refused.
  return clockReading(now, 'keepDays') - Math.round(keepDays * 86_400_000);
}
