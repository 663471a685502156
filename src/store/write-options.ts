/**
 * Conditional writes (compare-and-set on a record's version). A record's `updated_at`
 * is its version: the store stamps it strictly increasing per id, so "the version I
 * read" is one integer. A write given `ifUpdatedAt` refuses to write unless the current
 * version still has that `updated_at`. The check runs inside the write scope, under the
 * cross-process write lock, so of many writers racing with the same expected version
 * exactly one succeeds. Pure: no I/O.
 */
import { StaleError, ValidationError } from '../errors.js';
import { argumentTypeError, parseOptionsArgument } from './arguments.js';
import { isPlainObject } from './record-input.js';

/** The options every update, patch, delete and domain update/resolve method accepts (always the last argument). */
export interface WriteOptions {
  /** Write only if the record's current version has exactly this `updated_at`; else `StaleError`, nothing written. */
  ifUpdatedAt?: number;
}

/**
 * Checks a caller's options object; returns it typed (an empty object when absent).
 * Not an object, a key other than `allowed` (a misspelt `ifUpdatedAT` would make a
 * conditional write unconditional), or an `ifUpdatedAt` that is not a number: TypeError;
 * a number that is not an integer timestamp: ValidationError.
 */
export function parseWriteOptions(options: unknown, allowed: readonly string[] = ['ifUpdatedAt']): WriteOptions {
  if (options === undefined) return {};
  if (!isPlainObject(options)) throw argumentTypeError('options', 'an object such as { ifUpdatedAt: 1733000000123 }', options);
  parseOptionsArgument(options, allowed);
  const expected = options.ifUpdatedAt;
  if (expected !== undefined && typeof expected !== 'number') {
    throw argumentTypeError('ifUpdatedAt', 'an integer timestamp in Unix milliseconds (the updated_at you read)', expected);
  }
  if (expected !== undefined && !Number.isSafeInteger(expected)) {
    throw new ValidationError(`ifUpdatedAt must be an integer timestamp in Unix milliseconds (the updated_at you read; got ${String(expected)})`, {
      field: 'ifUpdatedAt',
    });
  }
  return options as WriteOptions;
}

/**
 * Throws {@link StaleError} unless the current version (`actual`: its `updated_at`, or
 * null when the record is deleted) is the expected one. No expectation, no check.
 */
export function assertVersion(collection: string, id: string, expected: number | undefined, actual: number | null): void {
  if (expected === undefined || actual === expected) return;
  const now = actual === null ? 'it has been deleted' : `its current version has updated_at ${actual}`;
  throw new StaleError(`${collection} ${id} changed: expected updated_at ${expected}, but ${now}; nothing was written`, {
    data: { collection, id, expected, actual },
  });
}
