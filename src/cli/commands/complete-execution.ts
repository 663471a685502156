import { visible } from '../terminal-safe.js';
import type { CompleteExecutionResult, Store } from '../../index.js';
import type { CliContext } from '../context.js';
import { resolveId } from '../../shared/id-prefix.js';
import { withStore } from '../open-store.js';
import { createOutput } from '../output.js';
import { exactRecord } from '../../shared/exact-records.js';

export interface CompleteExecutionInput {
  id: string;
  /** The claimant that must hold the execution's task spec (`--as`). */
  as?: string;
}

/** Completes an execution; its task spec, and the PRD when all its task specs are complete, follow. */
export function completeExecution(store: Store, input: CompleteExecutionInput): CompleteExecutionResult {
  const { id } = resolveId(store, input.id, { collections: ['executions'], what: 'execution' });
  const result = store.completeExecution(id, input.as === undefined ? undefined : { claimant: input.as });
  return {
    execution: exactRecord(store, 'executions', result.execution),
    taskSpec: result.taskSpec === undefined ? undefined : exactRecord(store, 'task_specs', result.taskSpec),
    prd: result.prd === undefined ? undefined : exactRecord(store, 'prds', result.prd),
    alreadyComplete: result.alreadyComplete,
  };
}

export async function run(ctx: CliContext, input: CompleteExecutionInput): Promise<number> {
  const out = createOutput(ctx);
  const result = await withStore(ctx, (store) => completeExecution(store, input));
  if (out.jsonMode) {
    out.json(result);
    return 0;
  }
  const { c } = out;
  // Ids come from the logs (a hand edit or a merge can put anything there): spelled out safely.
  // A retry changes nothing: said, so a spec shown as reopened is not read as this call's doing.
  const already = result.alreadyComplete ? ' (already complete: nothing changed)' : '';
  out.line(`execution ${visible(result.execution.id, true)} ${c.green(result.execution.status)}${already}`);
  if (result.taskSpec !== undefined) out.line(`task spec ${visible(result.taskSpec.id, true)} ${statusText(out, result.taskSpec.status)}`);
  if (result.prd !== undefined) out.line(`PRD       ${visible(result.prd.id, true)} ${statusText(out, result.prd.status)}`);
  return 0;
}

function statusText(out: ReturnType<typeof createOutput>, status: string): string {
  return status === 'complete' ? out.c.green(status) : status;
}
