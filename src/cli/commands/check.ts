import { visible } from '../terminal-safe.js';
import type { CliContext } from '../context.js';
import { withStoreForReading } from '../open-store.js';
import { createOutput, plural } from '../output.js';
import { createProgress } from '../progress.js';

/** Exit 1 when there is any problem. */
export async function run(ctx: CliContext): Promise<number> {
  const out = createOutput(ctx);
  const progress = createProgress(ctx.stderr, { label: 'taskstore: check', env: ctx.env });
  let report;
  try {
    report = await withStoreForReading(ctx, (store) => store.check({ onProgress: (done, total) => progress.update(done, total) }));
  } finally {
    progress.clear();
  }
  if (out.jsonMode) out.json(report);
  else if (report.ok) out.line(out.c.green('ok: no problems found'));
  else {
    for (const problem of report.problems) {
      // `collection` comes from a file name (`<name>.jsonl.torn`), which git or anyone may have chosen.
      const where = [problem.collection, problem.line === undefined ? undefined : `line ${problem.line}`].filter((x) => x !== undefined).join(' ');
      out.line(`${out.c.red(problem.kind)}${where === '' ? '' : ` ${out.c.dim(`(${visible(where, true)})`)}`}: ${visible(problem.message)}`);
    }
    out.note(`${plural(report.problems.length, 'problem')} found`);
  }
  return report.ok ? 0 : 1;
}
