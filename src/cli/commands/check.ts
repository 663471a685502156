import type { CliContext } from '../context.js';
import { withStore } from '../open-store.js';
import { createOutput, plural } from '../output.js';

/** Exit 1 when there is any problem. */
export async function run(ctx: CliContext): Promise<number> {
  const out = createOutput(ctx);
  const report = await withStore(ctx, (store) => store.check());
  if (out.jsonMode) out.json(report);
  else if (report.ok) out.line(out.c.green('ok: no problems found'));
  else {
    for (const problem of report.problems) {
      const where = [problem.collection, problem.line === undefined ? undefined : `line ${problem.line}`].filter((x) => x !== undefined).join(' ');
      out.line(`${out.c.red(problem.kind)}${where === '' ? '' : ` ${out.c.dim(`(${where})`)}`}: ${problem.message}`);
    }
    out.note(`${plural(report.problems.length, 'problem')} found`);
  }
  return report.ok ? 0 : 1;
}
