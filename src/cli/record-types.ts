/**
 * What the CLI knows about the built-in record types, read from the record-type registry
 * (`records/registry.ts`): names for messages, the schemas that give `--set` values their
 * types, which fields refer to other records (so they accept id prefixes), and how to
 * read a record with its defaults.
 */
import type { Store } from '../index.js';
import { storedSchema, withDefaults } from '../records/record-validation.js';
import { recordType, type RecordTypeName } from '../records/registry.js';
import type { RecordSchema } from '../store/record-input.js';
import { fieldTypesOf, type FieldTypes } from './set-values.js';

export type BuiltInCollection = RecordTypeName;

interface Reference {
  collection: BuiltInCollection;
  what: string;
}

export function isBuiltIn(collection: string): collection is BuiltInCollection {
  return recordType(collection) !== undefined;
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

/** The schema every stored version of a built-in type must satisfy (errors name the field). */
export function storedSchemaFor(collection: string): RecordSchema<Record<string, unknown>> | undefined {
  const type = recordType(collection);
  return type === undefined ? undefined : storedSchema(type.stored);
}

/** The current version, read the way the library's `getX` reads it (defaults filled in for built-in types). */
export function readRecord(store: Store, collection: string, id: string): Record<string, unknown> | undefined {
  const record = store.collection({ name: collection }).get(id);
  return record === undefined ? undefined : withReadDefaults(collection, record);
}

/** Fills in the fields a stored version lacks, as the library's getters and list methods do. */
export function withReadDefaults<T extends object>(collection: string, record: T): T {
  const defaults = recordType(collection)?.readDefaults;
  return defaults === undefined ? record : withDefaults(record, defaults);
}
