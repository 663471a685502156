/**
 * The checks a record write makes on the current version before writing: that the
 * record (or a referenced one) is live, and that it is the version the caller saw.
 */
import type { Collection, RecordMeta } from '../store/collection.js';
import { assertIdArgument } from '../store/arguments.js';
import { assertVersion, type WriteOptions } from '../store/write-options.js';
import { NotFoundError, ValidationError } from '../errors.js';

/** The live record `id` of `collection`, or `NotFoundError` naming the referring field. */
export function requireLive<T extends object>(collection: Collection<T>, id: string, field: string, what: string): T & RecordMeta {
  const record = collection.get(id);
  if (record !== undefined) return record;
  const message = field === 'id' ? `${collection.name} has no record with id ${id}` : `${field} ${id} does not name a live ${what}`;
  throw new NotFoundError(message, {
    data: { collection: collection.name, id, field },
    hint: field === 'id' ? undefined : `create the ${what} first, or fix ${field}`,
  });
}

/**
 * With `ifUpdatedAt`, a stale version is reported before any other check (a reference
 * check failing on a record that moved on would hide the real reason). The collection
 * write checks again, under the same lock.
 */
export function assertCurrent<T extends object>(collection: Collection<T>, id: string, options: WriteOptions): void {
  if (options.ifUpdatedAt === undefined) return;
  assertIdArgument(id);
  const live = collection.get(id);
  // Not live: a tombstone is stale (actual null); an id that never existed is left to the NotFoundError that follows.
  const actual = live !== undefined ? live.updated_at : collection.history(id).length > 0 ? null : undefined;
  if (actual !== undefined) assertVersion(collection.name, id, options.ifUpdatedAt, actual);
}

/**
 * Runs `write`, a patch that sets only `fields` of a stored record (a completion's cascade,
 * resolving a dependency). A ValidationError on any other field is the stored version's
 * fault (another program wrote it), a field the caller never gave: said with the record it
 * is in, which the collection's message does not name. For a completion that may be a
 * task spec or PRD the caller never named at all.
 */
export function patchOfStored<T>(action: string, what: string, id: string, fields: readonly string[], write: () => T): T {
  try {
    return write();
  } catch (err) {
    if (!(err instanceof ValidationError) || err.field === undefined || fields.includes(err.field)) throw err;
    throw new ValidationError(`cannot ${action}: the stored version of ${what} ${id} is not valid, so no write of it can pass (${err.message})`, {
      field: err.field,
      data: { ...err.data, id },
      hint: `fix that record first (\`taskstore show ${id}\` shows it, \`taskstore update ${id} --set ${err.field}=…\` repairs it); nothing was written`,
      cause: err,
    });
  }
}
