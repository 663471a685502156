/**
 * Patching one record by id, shared by the CLI's `update` and the MCP server's
 * `update_record`: reference fields accept id prefixes, and the patch is merged into the
 * current version under the write lock, so no other process's write can fall between the
 * read and the write (a read-merge-replace outside the lock would revert it).
 */
import { recordType, type Store, type WriteOptions } from '../index.js';
import { resolveId } from '../shared/id-prefix.js';
import { readRecord } from '../shared/read-record.js';
import { referencesOf } from './record-types.js';

/**
 * Replaces id prefixes in the reference fields of a built-in type (`prd_id`, `ts_id`,
 * `dependencies` …) by full ids, in place. `argumentOf(field)` names the argument in errors.
 */
export function resolveReferenceIds(store: Store, collection: string, values: Record<string, unknown>, argumentOf: (field: string) => string): void {
  for (const [field, ref] of Object.entries(referencesOf(collection))) {
    const one = (v: unknown): unknown =>
      typeof v === 'string' && v !== '' ? resolveId(store, v, { collections: [ref.collection], what: ref.what, argument: argumentOf(field) }).id : v;
    const value = values[field];
    if (Array.isArray(value)) values[field] = value.map(one);
    else if (value !== undefined) values[field] = one(value);
  }
}

type UpdateMethod = (id: string, record: Record<string, unknown>, options: WriteOptions) => Record<string, unknown>;

/**
 * Merges `patch` into the current version of `id` in one transaction and returns the new
 * current version. A built-in type with an update method in the registry (`updatePrd` …)
 * goes through it (validation, reference checks, unique names); other collections through
 * `patch` (the store applies a built-in type's stored schema itself). A record deleted
 * since its id was resolved is the library's own error: STALE when a version was
 * expected, NOT_FOUND otherwise. `allowed` (optional) sees the current version inside the
 * transaction and throws to refuse the patch.
 */
export function patchRecord(
  store: Store,
  collection: string,
  id: string,
  patch: Record<string, unknown>,
  ifUpdatedAt: number | undefined,
  allowed?: (current: Record<string, unknown> | undefined) => void,
): Record<string, unknown> {
  const options: WriteOptions = ifUpdatedAt === undefined ? {} : { ifUpdatedAt };
  return store.transaction((): Record<string, unknown> => {
    const generic = store.collection<Record<string, unknown>>({ name: collection });
    const current = readRecord(store, collection, id);
    // Under the write lock: what `allowed` checks is what the patch replaces.
    allowed?.(current);
    const method = recordType(collection)?.updateMethod;
    if (current === undefined || method === undefined) return generic.patch(id, patch, options);
    return (store[method] as unknown as UpdateMethod).call(store, id, { ...current, ...patch }, options);
  });
}
