export * from './errors.js';
export type { StoredRecord } from './jsonl/line-codec.js';
