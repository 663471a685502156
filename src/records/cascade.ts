/**
 * What `completeExecution` changes, as a pure function of the current state. The store
 * reads the state and applies the plan inside one transaction.
 *
 * Rules (docs/records.md): the execution becomes `complete` with `completed_at`; its task spec
 * becomes `complete`; when every task spec of that PRD is then complete, the PRD
 * becomes `complete`. Versions that would not change are not rewritten.
 *
 * An execution that is already completed (`complete` with a `completed_at`: what a
 * completion leaves) is not completed again, and nothing after it is touched either: the
 * call is a retry (a loop whose first call succeeded but whose answer was lost), and its
 * task spec may have been reopened since, for a new attempt. Completing it again would
 * silently undo that reopen. So completing twice writes nothing and keeps the first
 * `completed_at`.
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

export interface CompletionPlan {
  /** The execution was already completed: nothing is written (see above). */
  alreadyComplete: boolean;
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
 * // → { alreadyComplete: false, execution: true, taskSpec: true, prd: true }
 */
export function planCompletion(state: CompletionState): CompletionPlan {
  if (isCompleted(state.execution)) return { alreadyComplete: true, execution: false, taskSpec: false, prd: false };
  const taskSpec = state.taskSpec !== undefined && state.taskSpec.status !== 'complete';
  const prd = state.taskSpec !== undefined && state.prd !== undefined && state.prd.status !== 'complete' && state.otherOpenTaskSpecs === 0;
  return { alreadyComplete: false, execution: true, taskSpec, prd };
}

/**
 * True when the execution is completed as a completion leaves it. One that is `complete`
 * without a `completed_at` (an update set its status, or another program wrote it) has
 * not been through a completion: completing it cascades, and gives it its `completed_at`.
 */
export function isCompleted(execution: CompletionState['execution']): boolean {
  return execution.status === 'complete' && typeof execution.completed_at === 'number';
}
