import { COLLECTION_NAME } from '../index.js';
import { UsageError } from './errors.js';
import { visible } from './terminal-safe.js';

/**
 * A collection named on the command line (`list <collection>`, `compact`, `rescue`,
 * `watch --collection`) that no collection could have: a usage error (exit 2), as every
 * other malformed argument is, refused before the store is opened. The library's
 * INVALID_NAME was exit 1, the code of a failure of the store.
 * @example collectionArgument('Notes') // throws UsageError: "Notes" is not a valid collection name
 */
export function collectionArgument(name: string, option?: string): string {
  if (COLLECTION_NAME.test(name)) return name;
  throw new UsageError(`${option === undefined ? '' : `${option} `}${visible(JSON.stringify(name), true)} is not a valid collection name`, {
    hint: 'collection names are 1-64 characters of a-z, 0-9 and _, starting with a letter (`taskstore metrics` lists the collections)',
  });
}

/**
 * The lookup of `show`, `describe`, `history`, `update` and `delete`: every collection,
 * or only the one `--collection` names. An id two collections both have (ids are unique
 * per collection) is ambiguous across the store; named with its collection it is not.
 * @example lookIn('notes') // { collections: ['notes'] }
 */
export function lookIn(collection: string | undefined): { collections?: string[] } {
  return collection === undefined ? {} : { collections: [collectionArgument(collection, '--collection')] };
}
