/**
 * TaskStore: git-native durable state. Everything public leaves through this file;
 * anything not exported here is internal and may change.
 */
export { Store } from './store.js';
export { CoreStore } from './store/core-store.js';
export type { SyncReport, CompactReport, StoreMetrics, ProgressOptions } from './store/core-store.js';
export { Collection } from './store/collection.js';
export type { CollectionOptions, NewRecord, RecordMeta } from './store/collection.js';
export type { StoreOptions, Logger } from './store/options.js';
export type { RecordSchema } from './store/record-input.js';
export type { Query, Condition, Operators, ScalarValue } from './cache/query-builder.js';
export type { BadLine } from './store/ingest.js';
export type { CheckReport, CheckProblem } from './store/check.js';
export type { StoredRecord } from './jsonl/line-codec.js';
export { FORMAT_VERSION } from './store/layout.js';
export * from './errors.js';
export {
  NotFoundError as NotFound,
  AlreadyExistsError as AlreadyExists,
} from './errors.js';
