import type { Store } from '../../index.js';
import type { CliContext } from '../context.js';
import { resolveId } from '../../shared/id-prefix.js';
import { withStore } from '../open-store.js';
import { createOutput } from '../output.js';

export interface CreateExecutionInput {
  /** Id or unique prefix of the task spec. */
  tsId: string;
  worktree: string;
  branch: string;
}

/** Creates an execution (status running, started now); returns its id. */
export function createExecution(store: Store, input: CreateExecutionInput): string {
  const tsId = resolveId(store, input.tsId, { collections: ['task_specs'], what: 'task spec', argument: '--ts-id' }).id;
  return store.createExecution({ ts_id: tsId, worktree_path: input.worktree, branch_name: input.branch });
}

export async function run(ctx: CliContext, input: CreateExecutionInput): Promise<number> {
  const out = createOutput(ctx);
  const id = await withStore(ctx, (store) => createExecution(store, input));
  if (out.jsonMode) out.json({ id });
  else out.line(id);
  return 0;
}
