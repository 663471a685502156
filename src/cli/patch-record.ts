/**
 * Patching one record by id, shared by the CLI's `update` and the MCP server's
 * `update_record`: reference fields accept id prefixes, and the patch is merged into the
 * current version under the write lock, so no other process's write can fall between the
 * read and the write (a read-merge-replace outside the lock would revert it).
 */
import { NotFoundError, type NewExecution, type NewPrd, type NewTaskSpec, type NewWorkflow, type Store } from '../index.js';
import { assertVersion } from '../store/write-options.js';
import { resolveId } from './id-prefix.js';
import { readRecord, recordWhat, referencesOf, storedSchemaFor } from './record-types.js';

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

/**
 * Merges `patch` into the current version of `id` in one transaction and returns the new
 * current version. Built-in types go through the library's `updateX` (validation and
 * reference checks); other collections through `patch` with their stored schema, if any.
 * A record deleted since its id was resolved is STALE when a version was expected,
 * NOT_FOUND otherwise.
 */
export function patchRecord(store: Store, collection: string, id: string, patch: Record<string, unknown>, ifUpdatedAt: number | undefined): Record<string, unknown> {
  const options = ifUpdatedAt === undefined ? {} : { ifUpdatedAt };
  return store.transaction((): Record<string, unknown> => {
    const current = readRecord(store, collection, id);
    if (current === undefined) {
      assertVersion(collection, id, ifUpdatedAt, null);
      throw new NotFoundError(`${recordWhat(collection)} ${id} was deleted`, { data: { collection, id } });
    }
    const merged = { ...current, ...patch };
    switch (collection) {
      case 'prds':
        return store.updatePrd(id, merged as NewPrd, options);
      case 'task_specs':
        return store.updateTaskSpec(id, merged as NewTaskSpec, options);
      case 'executions':
        return store.updateExecution(id, merged as NewExecution, options);
      case 'workflows':
        return store.updateWorkflow(id, merged as NewWorkflow, options);
      default: {
        const schema = storedSchemaFor(collection);
        return store.collection<Record<string, unknown>>({ name: collection, ...(schema === undefined ? {} : { schema }) }).patch(id, patch, options);
      }
    }
  });
}
