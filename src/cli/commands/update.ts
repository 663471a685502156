import type { NewExecution, NewPrd, NewTaskSpec, NewWorkflow, Store } from '../../index.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { resolveId } from '../id-prefix.js';
import { withStore } from '../open-store.js';
import { createOutput } from '../output.js';
import { fieldTypesFor, readRecord, recordWhat, referencesOf, storedSchemaFor } from '../record-types.js';
import { parseSetValues } from '../set-values.js';
import { printRecord } from './show.js';

export interface UpdateInput {
  id: string;
  /** `field=value` assignments. */
  set: string[];
  /** `--if-updated-at N`: write only if the record's current version has this `updated_at`. */
  ifUpdatedAt?: number;
}

export interface UpdateResult {
  collection: string;
  /** The new current version. */
  record: Record<string, unknown>;
}

/**
 * Patches one record: the fields named by `--set` change, the others stay. Built-in
 * record types go through the library's `updateX` (validation, references); reference
 * fields accept id prefixes.
 *
 * Race-free: the current version is read, merged and written inside one transaction
 * holding the write lock, so a write another process makes meanwhile is never reverted
 * (it either lands before the read, and is kept, or waits for this write).
 */
export function updateRecord(store: Store, input: UpdateInput): UpdateResult {
  if (input.set.length === 0) throw new UsageError('update needs at least one --set field=value', { hint: 'e.g. taskstore update <id> --set status=ready' });
  const { collection, id } = resolveId(store, input.id);
  const values = parseSetValues(input.set, fieldTypesFor(collection));
  resolveReferences(store, collection, values);
  const options = input.ifUpdatedAt === undefined ? {} : { ifUpdatedAt: input.ifUpdatedAt };
  const record = store.transaction((): Record<string, unknown> => {
    const current = readRecord(store, collection, id) ?? {};
    const merged = { ...current, ...values };
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
        return store.collection<Record<string, unknown>>({ name: collection, ...(schema === undefined ? {} : { schema }) }).patch(id, values, options);
      }
    }
  });
  return { collection, record };
}

/** Reference fields of built-in types (`prd_id`, `ts_id`, `dependencies` …) accept id prefixes too. */
function resolveReferences(store: Store, collection: string, values: Record<string, unknown>): void {
  for (const [field, ref] of Object.entries(referencesOf(collection))) {
    const value = values[field];
    const one = (v: unknown): unknown =>
      typeof v === 'string' && v !== '' ? resolveId(store, v, { collections: [ref.collection], what: ref.what, argument: `--set ${field}` }).id : v;
    if (Array.isArray(value)) values[field] = value.map(one);
    else if (value !== undefined) values[field] = one(value);
  }
}

export async function run(ctx: CliContext, input: UpdateInput): Promise<number> {
  const out = createOutput(ctx);
  const result = await withStore(ctx, (store) => updateRecord(store, input));
  if (out.jsonMode) out.json(result.record);
  else {
    out.note(`updated ${recordWhat(result.collection)} ${String(result.record.id)}`);
    printRecord(out, result.collection, result.record);
  }
  return 0;
}
