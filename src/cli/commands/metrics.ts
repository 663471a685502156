import type { CliContext } from '../context.js';
import { withStoreForReading } from '../open-store.js';
import { createOutput, formatBytes } from '../output.js';

/** Record counts and JSONL sizes per collection, write latency and last sync time (of this process). */
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
  out.table(
    ['COLLECTION', 'RECORDS', 'JSONL'],
    [
      ...names.map((name) => [name, String(metrics.counts[name] ?? 0), formatBytes(metrics.jsonlBytes[name] ?? 0)]),
      [out.c.bold('total'), out.c.bold(String(totalRecords)), out.c.bold(formatBytes(totalBytes))],
    ],
  );
  const ms = (v: number | null): string => (v === null ? out.c.dim('n/a in this process') : `${v.toFixed(1)} ms`);
  out.line('');
  out.pairs([
    ['write latency', ms(metrics.writeLatencyMs)],
    ['last sync', ms(metrics.lastSyncMs)],
  ]);
  return 0;
}
