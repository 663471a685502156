/**
 * The merge driver's public surface, for the CLI (`taskstore merge`) and for
 * `src/index.ts`. Pure merge: {@link mergeJsonl}; file wrapper: {@link runMergeDriver}.
 */
export { mergeJsonl, CONFLICT_START, CONFLICT_SEPARATOR, CONFLICT_END } from './merge-jsonl.js';
export type { MergeResult, ConflictedRecord, BadLine, MergeSide } from './merge-jsonl.js';
export { runMergeDriver } from './driver.js';
export type { MergeDriverOptions, MergeExitCode } from './driver.js';
