import type { CliContext } from '../context.js';
import { storeLocation } from '../open-store.js';
import { createOutput } from '../output.js';
import { printReport } from './install-hooks.js';

/** Removes exactly what install-hooks added. */
export async function run(ctx: CliContext): Promise<number> {
  const out = createOutput(ctx);
  const { uninstallGitIntegration } = await import('../../index.js');
  const report = uninstallGitIntegration({ cwd: ctx.cwd, storeDir: storeLocation(ctx).dir });
  printReport(out, report, 'removed', 'not installed');
  return 0;
}
