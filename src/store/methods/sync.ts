/** `store.sync()`: rebuilds the whole cache from the logs. */
import { ingestLog, logPath, type BadLine } from '../ingest.js';
import { throwIfConflicted } from '../catch-up.js';
import type { Engine } from '../engine.js';
import { parseProgressOptions } from '../arguments.js';
import { progressCallback } from '../options.js';
import { fileSize } from './file-size.js';

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

export interface ProgressOptions {
  /** Called while logs are read: bytes done and total across all logs. */
  onProgress?: (done: number, total: number) => void;
}

export function sync(engine: Engine, options: ProgressOptions = {}): SyncReport {
  engine.assertOpen();
  parseProgressOptions(options);
  // The rebuild reads the logs, which do not hold the transaction's writes until it
  // commits: the cache would lose them while the logs still gain them.
  if (engine.scope !== undefined) throw new TypeError('sync() cannot be called inside a transaction: call it after the transaction');
  const started = performance.now();
  const onProgress = progressCallback(options.onProgress, engine.options.logger, 'sync()');
  const names = engine.knownCollections();
  const sizes = names.map((name) => fileSize(logPath(engine.dir, name)));
  const total = sizes.reduce((a, b) => a + b, 0);
  let before = 0;
  const skipped: BadLine[] = [];
  let lines = 0;
  engine.write(() => {
    for (const [i, name] of names.entries()) {
      const base = before;
      before += sizes[i]!;
      const result = ingestLog(
        engine.ingestContext(onProgress && ((done) => onProgress(base + done, total))),
        engine.tableFor(name),
        true,
      );
      engine.noteConflict(name, result.conflictLine);
      for (const bad of result.skipped) skipped.push(bad); // not push(...): a log may hold 100,000s of bad lines
      lines += result.linesRead;
      engine.scope!.caughtUp.add(name);
    }
  }, { readOnly: true });
  const records = names.reduce((n, name) => n + (engine.conflicts.has(name) ? 0 : engine.tableFor(name).count()), 0);
  engine.lastSyncMs = performance.now() - started;
  // Recorded for other processes (a fresh CLI's `metrics`): one more tiny transaction per sync.
  const lastSync = JSON.stringify({ ms: engine.lastSyncMs, at: Date.now() });
  engine.write(() => engine.recordInCache((cache) => cache.writeMeta('last_sync', lastSync)));
  throwIfConflicted(engine, names);
  return { collections: names.length, records, lines, skipped, ms: engine.lastSyncMs };
}
