/**
 * What `completeExecution` changes, as a pure function of the current state. The store
 * reads the state and applies the plan inside one transaction.
 *
 * Rules (docs/records.md): the execution becomes `complete` with `completed_at`; its task spec
 * becomes `complete`; when every task spec of that PRD is then complete, the PRD
 * becomes `complete`. Versions that would not change are not rewritten, so completing
 * twice is harmless and keeps the first `completed_at`.
 */
import type { ExecutionStatus, PrdStatus, TaskSpecStatus } from './registry.js';

interface CompletionState {
  execution: { status: ExecutionStatus; completed_at: number | null | undefined };
  /** The execution's task spec, when it is live (a dangling `ts_id` stops the cascade there). */
  taskSpec?: { status: TaskSpecStatus };
  /** The task spec's PRD, when it is live. */
  prd?: { status: PrdStatus };
  /** Live task specs of that PRD, other than this one, that are not complete. */
  otherOpenTaskSpecs: number;
}

interface CompletionPlan {
  /** Write a version of the execution with status `complete` (and `completed_at` if it has none). */
  execution: boolean;
  /** Write a version of the task spec with status `complete`. */
  taskSpec: boolean;
  /** Write a version of the PRD with status `complete`. */
  prd: boolean;
}

/**
 * @example
 * planCompletion({ execution: { status: 'running', completed_at: null }, taskSpec: { status: 'running' },
 *   prd: { status: 'active' }, otherOpenTaskSpecs: 0 })
 * // → { execution: true, taskSpec: true, prd: true }
 */
export function planCompletion(state: CompletionState): CompletionPlan {
  const execution = state.execution.status !== 'complete' || typeof state.execution.completed_at !== 'number';
  const taskSpec = state.taskSpec !== undefined && state.taskSpec.status !== 'complete';
  const prd = state.taskSpec !== undefined && state.prd !== undefined && state.prd.status !== 'complete' && state.otherOpenTaskSpecs === 0;
  return { execution, taskSpec, prd };
}
