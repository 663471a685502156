import type { NewTaskSpec, Store } from '../../index.js';
import type { CliContext } from '../context.js';
import { resolveId } from '../../shared/id-prefix.js';
import { withStore } from '../open-store.js';
import { createOutput } from '../output.js';

export interface CreateTaskSpecInput {
  /** Id or unique prefix of the PRD. */
  prdId: string;
  phaseName: string;
  description?: string;
  /** `workflow_name`. */
  workflow?: string;
  /** Ids or unique prefixes of the task specs this one waits for. */
  dependsOn?: string[];
}

/** Creates a task spec under a PRD; returns its id. */
export function createTaskSpec(store: Store, input: CreateTaskSpecInput): string {
  const prdId = resolveId(store, input.prdId, { collections: ['prds'], what: 'PRD', argument: '--prd-id' }).id;
  const dependencies = (input.dependsOn ?? []).map(
    (dep) => resolveId(store, dep, { collections: ['task_specs'], what: 'task spec', argument: '--depends-on' }).id,
  );
  const spec: Record<string, unknown> = { prd_id: prdId, phase_name: input.phaseName, dependencies: [...new Set(dependencies)] };
  if (input.description !== undefined) spec.description = input.description;
  if (input.workflow !== undefined) spec.workflow_name = input.workflow;
  return store.createTaskSpec(spec as NewTaskSpec);
}

export async function run(ctx: CliContext, input: CreateTaskSpecInput): Promise<number> {
  const out = createOutput(ctx);
  const id = await withStore(ctx, (store) => createTaskSpec(store, input));
  if (out.jsonMode) out.json({ id });
  else out.line(id);
  return 0;
}
