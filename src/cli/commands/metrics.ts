import type { CliContext } from '../context.js';
import { withStoreForReading } from '../open-store.js';
import { createOutput, formatBytes, formatTime } from '../output.js';

/** Record counts, lines, superseded lines and JSONL sizes per collection, write latency and last sync time (as recorded in the cache by every process). */
export async function run(ctx: CliContext): Promise<number> {
  const out = createOutput(ctx);
  const metrics = await withStoreForReading(ctx, (store) => store.metrics());
  if (out.jsonMode) {
    out.json(metrics);
    return 0;
  }
  const names = Object.keys(metrics.counts).sort();
  const totalRecords = names.reduce((n, name) => n + (metrics.counts[name] ?? 0), 0);
  const totalBytes = names.reduce((n, name) => n + (metrics.jsonlBytes[name] ?? 0), 0);
  const totalLines = names.reduce((n, name) => n + (metrics.lines[name] ?? 0), 0);
  const totalSuperseded = names.reduce((n, name) => n + (metrics.supersededLines[name] ?? 0), 0);
  // SUPERSEDED: versions a newer one replaced, which `compact` would drop (the share says whether it pays).
  const superseded = (n: number, of: number): string => (of === 0 ? '0' : `${n} (${Math.round((n / of) * 100)}%)`);
  out.table(
    ['COLLECTION', 'RECORDS', 'LINES', 'SUPERSEDED', 'JSONL'],
    [
      ...names.map((name) => [
        name,
        String(metrics.counts[name] ?? 0),
        String(metrics.lines[name] ?? 0),
        superseded(metrics.supersededLines[name] ?? 0, metrics.lines[name] ?? 0),
        formatBytes(metrics.jsonlBytes[name] ?? 0),
      ]),
      [out.c.bold('total'), out.c.bold(String(totalRecords)), out.c.bold(String(totalLines)), out.c.bold(superseded(totalSuperseded, totalLines)), out.c.bold(formatBytes(totalBytes))],
    ],
  );
  // A fresh CLI has written nothing and synced nothing itself: show what the store's
  // users recorded in the cache (every write and every full sync records there).
  const { recorded } = metrics;
  const latency = metrics.writeLatencyMs ?? recorded.writeLatencyMs;
  const none = (what: string): string => out.c.dim(`none recorded yet (${what})`);
  out.line('');
  out.pairs([
    ['write latency', latency === null ? none('no write since the cache was built') : `${latency.toFixed(1)} ms ${out.c.dim('(average of about the last 100 durable writes)')}`],
    [
      'last sync',
      recorded.lastSyncAt === null || recorded.lastSyncMs === null
        ? none('run `taskstore sync`')
        : `${formatTime(recorded.lastSyncAt)}, took ${recorded.lastSyncMs.toFixed(1)} ms`,
    ],
    [
      'last catch-up',
      recorded.lastCatchUpAt === null
        ? none('no lines from other processes or git yet')
        : `${formatTime(recorded.lastCatchUpAt)}, ${recorded.lastCatchUpLines ?? 0} line${recorded.lastCatchUpLines === 1 ? '' : 's'} from the logs ${out.c.dim('(git hooks, other processes)')}`,
    ],
  ]);
  return 0;
}
