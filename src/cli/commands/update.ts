import type { Store } from '../../index.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { resolveId } from '../../shared/id-prefix.js';
import { withStore } from '../open-store.js';
import { createOutput } from '../output.js';
import { patchRecord, resolveReferenceIds } from '../patch-record.js';
import { fieldTypesFor, recordWhat } from '../record-types.js';
import { parseAssignment, parseSetValues } from '../set-values.js';
import { printRecord } from './show.js';
import { exactRecord } from '../../shared/exact-records.js';
import { lookIn } from '../collection-arg.js';

export interface UpdateInput {
  id: string;
  /** `field=value` assignments. */
  set: string[];
  /** `--if-updated-at N`: write only if the record's current version has this `updated_at`. */
  ifUpdatedAt?: number;
  /** `--collection`: look for the id in this collection only. */
  collection?: string;
}

export interface UpdateResult {
  collection: string;
  /** The new current version. */
  record: Record<string, unknown>;
  /** False when the record already held every value: the store wrote nothing. */
  changed: boolean;
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
  const setsCreatedAt = refuseStampedFields(input.set);
  const { collection, id } = resolveId(store, input.id, lookIn(input.collection));
  const values = parseSetValues(input.set, fieldTypesFor(collection));
  resolveReferenceIds(store, collection, values, (field) => `--set ${field}`);
  // The version before, read in the same transaction (under the write lock) as the write:
  // a write that changes nothing is skipped by the store, and must not be reported as done.
  return store.transaction(() => {
    const before = store.collection({ name: collection }).get(id)?.updated_at;
    const record = patchRecord(store, collection, id, values, input.ifUpdatedAt, (current) => {
      // Kept from the first version, so a --set would be dropped; a version without one
      // (another program's line) takes the one given, the repair a task spec without it
      // needs before it can be claimed.
      if (setsCreatedAt !== undefined && current?.created_at !== undefined) throw createdAtError(setsCreatedAt);
    });
    return { collection, record: exactRecord(store, collection, record), changed: record.updated_at !== before };
  });
}

/**
 * The store sets `updated_at` on every write and keeps `created_at` from the first
 * version, so a `--set` of either would be dropped while the command reported success.
 * An id never changes: `--set id=…` is refused here as the usage error it is (the
 * library refused a new value with VALIDATION, exit 1, and took the same value silently).
 * A `--set created_at=…` is refused once the current version is read, and only when it
 * has one: returned (the argument) for that check.
 */
function refuseStampedFields(set: readonly string[]): string | undefined {
  let createdAt: string | undefined;
  for (const arg of set) {
    const { field } = parseAssignment(arg);
    if (field === 'id') {
      throw new UsageError(`--set ${JSON.stringify(arg)}: a record's id cannot be changed`, {
        hint: 'drop it: an id never changes (create a new record with the id you want instead)',
      });
    }
    if (field === 'updated_at') {
      throw new UsageError(`--set ${JSON.stringify(arg)}: updated_at cannot be set, the store stamps it on every write`, {
        hint: 'drop it: the write stamps updated_at itself (--if-updated-at N makes the write conditional on it)',
      });
    }
    if (field === 'created_at') createdAt = arg;
  }
  return createdAt;
}

function createdAtError(arg: string): UsageError {
  return new UsageError(`--set ${JSON.stringify(arg)}: created_at cannot be set, the store keeps it from the first version`, {
    hint: 'drop it; to change when a record was created, delete it and import it with that created_at',
  });
}

export async function run(ctx: CliContext, input: UpdateInput): Promise<number> {
  const out = createOutput(ctx);
  const result = await withStore(ctx, (store) => updateRecord(store, input));
  if (out.jsonMode) out.json(result.record);
  else {
    const what = `${recordWhat(result.collection)} ${String(result.record.id)}`;
    out.note(result.changed ? `updated ${what}` : `unchanged: ${what} already holds these values (nothing written)`);
    printRecord(out, result.collection, result.record);
  }
  return 0;
}
