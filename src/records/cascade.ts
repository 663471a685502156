/**
 * What `completeExecution` changes, as a pure function of the current state. The store
 * reads the state and applies the plan inside one transaction.
 *
 * Rules (docs/records.md): the execution becomes `complete` with `completed_at`; its task spec
 * becomes `complete`; when every task spec of that PRD is then complete, the PRD
 * becomes `complete`, unless it is `cancelled` (an operator's decision, which a loop's
 * completion does not overrule). Versions that would not change are not rewritten.
 *
 * An execution that is `failed` or `stopped` is not completed at all (see
 * `assertCompletable`): someone decided it ended without success, and completing it
 * would also complete its task spec, which another loop may be working on by now.
 *
 * An execution that is already completed (`complete` with a `completed_at`: what a
 * completion leaves) is not completed again, and nothing after it is touched either: the
 * call is a retry (a loop whose first call succeeded but whose answer was lost), and its
 * task spec may have been reopened since, for a new attempt. Completing it again would
 * silently undo that reopen. So completing twice writes nothing and keeps the first
 * `completed_at`.
 */
import { StaleError } from '../errors.js';
import type { ExecutionStatus, PrdStatus, TaskSpecStatus } from './registry.js';

/** Execution statuses someone chose as its end: the loop reported failure, or an operator stopped it. */
const ENDED_WITHOUT_SUCCESS: ReadonlySet<unknown> = new Set<ExecutionStatus>(['failed', 'stopped']);

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
  const prd =
    state.taskSpec !== undefined &&
    state.prd !== undefined &&
    state.prd.status !== 'complete' &&
    state.prd.status !== 'cancelled' &&
    state.otherOpenTaskSpecs === 0;
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

/**
 * Refuses to complete a `failed` or `stopped` execution: `StaleError` (its status is not
 * one a completion follows), before anything is written. A stalled loop whose execution
 * was marked failed, finishing late, would otherwise complete the spec another loop now
 * runs. Whoever knows it really finished sets its status back first; otherwise the work
 * is a new execution's. An already completed execution never gets here (a retry).
 */
export function assertCompletable(id: string, execution: { status: unknown; updated_at: number }): void {
  if (!ENDED_WITHOUT_SUCCESS.has(execution.status)) return;
  const status = String(execution.status);
  throw new StaleError(
    `cannot complete execution ${id}: its status is ${status} (its loop or an operator ended it so), and completing it would also complete its task spec; ` +
      'if it really finished, set its status back with updateExecution first, otherwise create a new execution; nothing was written',
    {
      data: { id, expected: null, actual: execution.updated_at, status },
      hint: `if it really finished: \`taskstore update ${id} --set status=running\`, then complete it; otherwise create a new execution for its task spec (\`taskstore create-execution\`)`,
    },
  );
}
