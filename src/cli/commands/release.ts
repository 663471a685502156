import { TaskSpecStatusSchema, type TaskSpecStatus } from '../../index.js';
import type { CliContext } from '../context.js';
import { warnIfWorktreeCopy, withStore } from '../open-store.js';
import { createOutput } from '../output.js';
import { statusOption } from '../status-option.js';
import { printClaim, taskSpecId } from './claim.js';

export interface ReleaseInput {
  id: string;
  as: string;
  status?: string;
}

/**
 * A typo in `--status` is the script's mistake, as for the list commands' filter: a usage
 * error (exit 2) naming the option, checked before the store is opened. It was the
 * library's VALIDATION (exit 1), worded without the option's name.
 */
function releaseStatus(status: string): TaskSpecStatus {
  const statuses = TaskSpecStatusSchema.options.filter((s) => s !== 'running');
  return statusOption(statuses, status, 'release');
}

export async function run(ctx: CliContext, input: ReleaseInput): Promise<number> {
  const status = input.status === undefined ? undefined : releaseStatus(input.status);
  const out = createOutput(ctx);
  warnIfWorktreeCopy(ctx);
  await withStore(ctx, (store) => {
    const options = status === undefined ? {} : { status };
    const spec = store.releaseTaskSpecClaim(taskSpecId(store, input.id), input.as, options);
    printClaim(out, store, spec);
  });
  return 0;
}
