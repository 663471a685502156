import type { CliContext } from '../context.js';
import { warnIfWorktreeCopy, withStore } from '../open-store.js';
import { createOutput } from '../output.js';
import { printClaim, taskSpecId } from './claim.js';

export interface RenewInput {
  id: string;
  as: string;
  leaseMs?: number;
}

export async function run(ctx: CliContext, input: RenewInput): Promise<number> {
  const out = createOutput(ctx);
  warnIfWorktreeCopy(ctx);
  await withStore(ctx, (store) => {
    const spec = store.renewTaskSpecClaim(taskSpecId(store, input.id), input.as, input.leaseMs === undefined ? {} : { leaseMs: input.leaseMs });
    printClaim(out, store, spec);
  });
  return 0;
}
