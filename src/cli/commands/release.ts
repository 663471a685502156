import type { TaskSpecStatus } from '../../index.js';
import type { CliContext } from '../context.js';
import { warnIfWorktreeCopy, withStore } from '../open-store.js';
import { createOutput } from '../output.js';
import { printClaim, taskSpecId } from './claim.js';

export interface ReleaseInput {
  id: string;
  as: string;
  status?: string;
}

export async function run(ctx: CliContext, input: ReleaseInput): Promise<number> {
  const out = createOutput(ctx);
  warnIfWorktreeCopy(ctx);
  await withStore(ctx, (store) => {
    const options = input.status === undefined ? {} : { status: input.status as TaskSpecStatus };
    const spec = store.releaseTaskSpecClaim(taskSpecId(store, input.id), input.as, options);
    printClaim(out, store, spec);
  });
  return 0;
}
