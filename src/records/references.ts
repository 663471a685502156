/**
 * Which fields of the orchestrator's records hold ids of other records: derived from the
 * registry (`registry.ts`, each type's `references`). Used to refuse deleting a record
 * that live records still reference, to check references on write and on import, and by
 * `check()` to report dangling ones. Pure data.
 */
export { REFERENCE_FIELDS, type ReferenceField } from './registry.js';
/** A live record that references another (the engine asks for them before a delete). */
export type { Referrer } from '../store/domain-host.js';
