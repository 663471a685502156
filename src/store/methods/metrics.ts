/** `store.metrics()`: sizes and counts per collection, and the latencies this and other processes recorded. */
import { logPath, readFileState } from '../ingest.js';
import type { Engine } from '../engine.js';
import { fileSize } from './file-size.js';

export interface StoreMetrics {
  /** Live records per collection. */
  counts: Record<string, number>;
  /** Log size in bytes per collection. */
  jsonlBytes: Record<string, number>;
  /** Complete lines consumed from each log (every version, tombstones and malformed lines included). */
  lines: Record<string, number>;
  /** Versions per collection that a newer version of the same id superseded, tombstones aside (compaction keeps those): what `compact()` would drop. */
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

export function metrics(engine: Engine): StoreMetrics {
  engine.assertOpen();
  const counts: Record<string, number> = {};
  const jsonlBytes: Record<string, number> = {};
  const lines: Record<string, number> = {};
  const supersededLines: Record<string, number> = {};
  for (const name of engine.knownCollections()) {
    const conflicted = engine.conflicts.has(name);
    counts[name] = conflicted ? 0 : engine.tableFor(name).count();
    jsonlBytes[name] = fileSize(logPath(engine.dir, name));
    lines[name] = readFileState(engine.cache, name)?.lines ?? 0;
    supersededLines[name] = conflicted ? 0 : engine.tableFor(name).supersededCount();
  }
  const { latencies } = engine;
  const writeLatencyMs = latencies.length === 0 ? null : latencies.reduce((a, b) => a + b, 0) / latencies.length;
  return { counts, jsonlBytes, lines, supersededLines, writeLatencyMs, lastSyncMs: engine.lastSyncMs, recorded: recordedMetrics(engine) };
}

/** The figures other processes left in the cache's meta table (see StoreMetrics.recorded). */
function recordedMetrics(engine: Engine): StoreMetrics['recorded'] {
  const read = (key: string): Record<string, unknown> => {
    try {
      const text = engine.cache.readMeta(key);
      const value: unknown = text === undefined ? undefined : JSON.parse(text);
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
