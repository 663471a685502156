/**
 * What the CLI knows about the built-in record types, read from the library's
 * record-type registry (`RECORD_TYPES`): names for messages, the schemas that give
 * `--set` values their types, which fields refer to other records (so they accept id
 * prefixes), and the library's read defaults (`withReadDefaults`; reading one record
 * with them is `readRecord` in `src/shared/`). No per-collection switch: a
 * new type or field in the registry reaches the CLI as it is.
 */
import { recordType, withReadDefaults, type RecordTypeName } from '../index.js';
import { fieldTypesOf, type FieldTypes } from './set-values.js';

export { withReadDefaults };

type BuiltInCollection = RecordTypeName;

interface Reference {
  collection: BuiltInCollection;
  what: string;
}

/** `PRD`, `task spec` …, or `<collection> record` for generic collections. */
export function recordWhat(collection: string): string {
  return recordType(collection)?.label ?? `${collection} record`;
}

/** Field types of a built-in record type (undefined for generic collections: JSON-or-string). */
export function fieldTypesFor(collection: string): FieldTypes | undefined {
  const type = recordType(collection);
  return type === undefined ? undefined : fieldTypesOf(type.stored);
}

/** Reference fields of a built-in record type (an array field holds a list of ids). */
export function referencesOf(collection: string): Record<string, Reference> {
  const out: Record<string, Reference> = {};
  for (const ref of recordType(collection)?.references ?? []) out[ref.field] = { collection: ref.to, what: recordType(ref.to)!.label };
  return out;
}
