/**
 * TaskStore: git-native durable state. Everything public leaves through this file;
 * anything not exported here is internal and may change.
 */
export { Store } from './store.js';
export type { SyncReport, ProgressOptions } from './store/methods/sync.js';
export type { CompactReport, CompactOptions } from './store/methods/compact.js';
export type { RescueReport } from './store/methods/rescue.js';
export type { StoreMetrics } from './store/methods/metrics.js';
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
export { changeLineText } from './feed/change.js';
export { FORMAT_VERSION } from './store/layout.js';
export * from './errors.js';
export {
  NotFoundError as NotFound,
  AlreadyExistsError as AlreadyExists,
} from './errors.js';
export { RECORD_COLLECTIONS } from './records/record-collections.js';
export type { CompleteExecutionOptions, CompleteExecutionResult } from './records/record-collections.js';
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
} from './records/registry.js';
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
} from './records/registry.js';
export { findCycles } from './records/cycles.js';
export { DEFAULT_LEASE_MS, LEASE_CLOCK_SKEW_MS, MAX_CLAIMANT_LENGTH, MAX_LEASE_MS } from './records/claims.js';
export type { ClaimOptions, ClaimNextOptions, ReleaseOptions } from './records/claims.js';
export type { GitSyncOptions, GitSyncReport, GitSyncProgress, CollectionChange } from './git/sync/git-sync.js';
export { syncStatus, type SyncStatus } from './git/sync/sync-status.js';
export type { GitIntegrationReport } from './git/report.js';
export type { GitIntegrationStatus } from './git/status.js';

// ---- for tools built on the store: the CLI, its MCP server and its dashboard use only these ----
export { RECORD_TYPES, REFERENCE_FIELDS, recordType } from './records/registry.js';
export type { RecordTypeName, RecordTypeDefinition, ReferenceDefinition, ReferenceField } from './records/registry.js';
export { withReadDefaults } from './records/record-validation.js';
export { COLLECTION_NAME, assertCollectionName } from './jsonl/collection-name.js';
export { jsonEqual } from './merge/json-equal.js';
export { installGitIntegration, checkGitIntegrationInstallable, checkGitHooksEditable, uninstallGitIntegration, gitIntegrationStatus, setUpStoreBranch, commitStoreBranchSetup } from './git/index.js';
export type { InstallGitIntegrationOptions, GitIntegrationOptions, GitIntegrationStatusOptions, StoreBranchSetup } from './git/index.js';
export { findStoreBranchDir, remoteStoreBranches } from './git/store-branch-discovery.js';
