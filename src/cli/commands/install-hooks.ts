import type { GitIntegrationReport } from '../../index.js';
import type { CliContext } from '../context.js';
import { existingStoreDir } from '../open-store.js';
import { createOutput, type Output } from '../output.js';
import { visible } from '../terminal-safe.js';

/** Installs the merge driver, the .gitattributes line and the hooks (idempotent). */
export async function run(ctx: CliContext, input: { force: boolean }): Promise<number> {
  const out = createOutput(ctx);
  const { installGitIntegration } = await import('../../index.js');
  // Only for an existing store, as every command but init and import: `--store .` in a
  // project root would send every *.jsonl file of the project to the record merge driver.
  const report = installGitIntegration({ cwd: ctx.cwd, storeDir: existingStoreDir(ctx), ...(input.force ? { force: true } : {}) });
  printReport(out, report, 'installed', 'already installed');
  return 0;
}

/** Shared by install-hooks and uninstall-hooks. */
export function printReport(out: Output, report: GitIntegrationReport, did: string, nothing: string): void {
  for (const warning of report.warnings) out.warn(warning);
  if (out.jsonMode) {
    out.json(report);
    return;
  }
  // The work tree's path (and the items, which name files in it) may hold control characters.
  const workTree = visible(report.workTree, true);
  if (report.changed.length === 0) {
    out.line(`git integration ${nothing} in ${workTree} (nothing changed)`);
    return;
  }
  out.line(`git integration ${did} in ${workTree}:`);
  for (const item of report.changed) out.line(`  ${visible(item, true)}`);
}
