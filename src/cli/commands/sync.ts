import type { SyncReport } from '../../index.js';
import type { CliContext } from '../context.js';
import { createCliLogger, withStore } from '../open-store.js';
import { createOutput, plural } from '../output.js';
import { createProgress } from '../progress.js';

/**
 * Rebuilds the cache from the JSONL files. Malformed lines are skipped (never deleted)
 * with a warning on stderr, and the exit code stays 0: `check` is the command that
 * fails on them.
 */
export async function run(ctx: CliContext): Promise<number> {
  const out = createOutput(ctx);
  const logger = createCliLogger(ctx);
  const progress = createProgress(ctx.stderr, { label: 'taskstore: sync', env: ctx.env });
  logger.beforeWrite = () => progress.clear();
  let report: SyncReport;
  try {
    report = await withStore(ctx, (store) => store.sync({ onProgress: (done, total) => progress.update(done, total) }), { logger });
  } finally {
    progress.clear();
  }
  if (report.skipped.length > 0) {
    out.warn(
      `skipped ${plural(report.skipped.length, 'malformed line')} (left in the files): ${report.skipped
        .slice(0, 3)
        .map((b) => `${b.collection}.jsonl line ${b.line}`)
        .join(', ')}${report.skipped.length > 3 ? ', …' : ''}; run \`taskstore check\` for details`,
    );
  }
  if (out.jsonMode) out.json(report);
  else {
    out.line(
      `synced ${plural(report.collections, 'collection')}: ${plural(report.records, 'record')} from ${plural(report.lines, 'line')} in ${Math.round(report.ms)} ms`,
    );
  }
  return 0;
}
