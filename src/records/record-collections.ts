/** Public names of the record layer: the collections behind the record types, and what `completeExecution` returns. */
import type { Execution, Prd, TaskSpec } from './registry.js';
import type { WriteOptions } from '../store/write-options.js';

/** The collections behind the record types, as named on disk (`<name>.jsonl`). */
export const RECORD_COLLECTIONS = {
  prds: 'prds',
  taskSpecs: 'task_specs',
  executions: 'executions',
  dependencies: 'dependencies',
  workflows: 'workflows',
  repoState: 'repo_state',
} as const;

/** What `completeExecution` returns: the current versions after the cascade. */
export interface CompleteExecutionResult {
  execution: Execution;
  /** The execution's task spec, or undefined when `ts_id` names no live task spec (the cascade stopped there). */
  taskSpec: TaskSpec | undefined;
  /** That task spec's PRD (check `prd.status === 'complete'`), or undefined when it is not live. */
  prd: Prd | undefined;
  /**
   * True when the execution was already completed (`complete` with a `completed_at`)
   * before this call: nothing was written, and `taskSpec` and `prd` are as they are now,
   * which may be reopened since (not `complete`). False when this call completed it.
   */
  alreadyComplete: boolean;
}

/** Options of `completeExecution`. */
export interface CompleteExecutionOptions extends WriteOptions {
  /**
   * Complete only if this claimant holds the execution's task spec (running and assigned
   * to it, its lease expired or not), or already completed it; else `ClaimedError` and
   * nothing is written. Not checked when the execution is already completed (nothing is
   * written then). A loop passes its own name so that work whose spec another loop
   * took over after the lease ran out does not complete that spec.
   */
  claimant?: string;
}
