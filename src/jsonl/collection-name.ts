import { InvalidNameError } from '../errors.js';

/** Collection names become file names and SQL identifiers, so they are restricted to this. */
export const COLLECTION_NAME = /^[a-z][a-z0-9_]{0,63}$/;

/** Throws {@link InvalidNameError} unless `name` is a valid collection name. */
export function assertCollectionName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !COLLECTION_NAME.test(name)) {
    throw new InvalidNameError(
      `invalid collection name ${JSON.stringify(name)}: use 1-64 characters of a-z, 0-9 and _, starting with a letter`,
      { data: { name } },
    );
  }
}
