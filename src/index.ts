/**
 * TaskStore: git-native durable state. Everything public leaves through this file;
 * anything not exported here is internal and may change.
 */
export { Store } from './store.js';
export { CoreStore } from './store/core-store.js';
export type { SyncReport, CompactReport, CompactOptions, RescueReport, StoreMetrics, ProgressOptions } from './store/core-store.js';
export { Collection } from './store/collection.js';
export type { CollectionOptions, DeleteOptions, NewRecord, RecordMeta } from './store/collection.js';
export type { WriteOptions } from './store/write-options.js';
export type { StoreOptions, Logger } from './store/options.js';
export type { BackupReport } from './store/backup.js';
export type { RecordSchema } from './store/record-input.js';
export type { Query, Condition, Operators, ScalarValue } from './cache/query-builder.js';
export type { BadLine } from './store/ingest.js';
export type { CheckReport, CheckProblem } from './store/check.js';
export type { StoredRecord } from './jsonl/line-codec.js';
export type { Change, ChangeOp, ChangeSource, WatchOptions, ChangesOptions } from './feed/change.js';
export { FORMAT_VERSION } from './store/layout.js';
export * from './errors.js';
export {
  NotFoundError as NotFound,
  AlreadyExistsError as AlreadyExists,
} from './errors.js';
export { OrchestratorStore, RECORD_COLLECTIONS } from './records/orchestrator-store.js';
export type { CompleteExecutionResult } from './records/orchestrator-store.js';
export {
  PrdSchema,
  PrdStatusSchema,
  NewPrdSchema,
  TaskSpecSchema,
  TaskSpecStatusSchema,
  NewTaskSpecSchema,
  ExecutionSchema,
  ExecutionStatusSchema,
  NewExecutionSchema,
  DependencySchema,
  DependencyTypeSchema,
  NewDependencySchema,
  WorkflowSchema,
  NewWorkflowSchema,
  RepoStateSchema,
} from './records/schemas.js';
export type {
  Prd,
  PrdStatus,
  NewPrd,
  TaskSpec,
  TaskSpecStatus,
  NewTaskSpec,
  Execution,
  ExecutionStatus,
  NewExecution,
  Dependency,
  DependencyType,
  NewDependency,
  Workflow,
  NewWorkflow,
  RepoState,
} from './records/schemas.js';
export { findCycles } from './records/cycles.js';
export { DEFAULT_LEASE_MS } from './records/claims.js';
export type { ClaimOptions, ClaimNextOptions, ReleaseOptions } from './records/claims.js';
export type { GitSyncOptions, GitSyncReport, GitSyncProgress, CollectionChange } from './git/sync/git-sync.js';
export type { SyncStatus } from './git/sync/sync-status.js';
export type { GitIntegrationReport } from './git/report.js';
export type { GitIntegrationStatus } from './git/status.js';
