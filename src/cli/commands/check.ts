import type { CheckProblem, CheckReport, Store } from '../../index.js';
import { gitIntegrationProblems, gitIntegrationStatus } from '../../git/index.js';
import type { CliContext } from '../context.js';
import { withStore } from '../open-store.js';
import { createOutput, plural } from '../output.js';

const GIT_KINDS = new Set(['git_integration_missing', 'merge_driver_missing', 'merge_driver_broken', 'merge_attribute_missing', 'hooks_missing']);

/**
 * The store's consistency report, plus the git integration's state when the store is in
 * a git work tree (unless the library already reported it).
 */
export function checkStore(store: Store, ctx: CliContext): CheckReport {
  const report = store.check();
  if (report.problems.some((p) => GIT_KINDS.has(p.kind))) return report;
  const gitProblems: CheckProblem[] = gitIntegrationProblems(gitIntegrationStatus({ cwd: ctx.cwd, storeDir: store.dir }));
  const problems = [...report.problems, ...gitProblems];
  return { ok: problems.length === 0, problems };
}

/** Exit 1 when there is any problem. */
export async function run(ctx: CliContext): Promise<number> {
  const out = createOutput(ctx);
  const report = await withStore(ctx, (store) => checkStore(store, ctx));
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
