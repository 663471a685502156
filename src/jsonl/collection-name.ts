import { InvalidNameError } from '../errors.js';

/** Collection names become file names and SQL identifiers, so they are restricted to this. */
export const COLLECTION_NAME = /^[a-z][a-z0-9_]{0,63}$/;

/** A collection's log is `<name>.jsonl`. */
export const LOG_SUFFIX = '.jsonl';

/** Throws {@link InvalidNameError} unless `name` is a valid collection name. */
export function assertCollectionName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !COLLECTION_NAME.test(name)) {
    throw new InvalidNameError(
      `invalid collection name ${shown(name)}: use 1-64 characters of a-z, 0-9 and _, starting with a letter`,
      { data: { name } },
    );
  }
}

/** The name as the message shows it: JSON.stringify throws for a bigint (and a cyclic object) and gives undefined for a symbol or a function. */
function shown(name: unknown): string {
  if (typeof name === 'string') return JSON.stringify(name);
  if (typeof name === 'bigint') return `${name}n`;
  if (typeof name === 'function') return 'a function';
  if (typeof name !== 'object' || name === null) return String(name);
  try {
    return JSON.stringify(name);
  } catch {
    return Array.isArray(name) ? 'an array' : 'an object';
  }
}

/**
 * The collection whose log `file` is, or undefined for any other file. The one rule for
 * "which files are logs": `<name>.jsonl` with a valid collection name. Folders in front
 * are ignored (`/`-separated, as git and `path.join` on POSIX write them), so a path in
 * the work tree works as well as a directory entry.
 * @example collectionOfLogFile('prds.jsonl') // 'prds'
 * collectionOfLogFile('.taskstore/task_specs.jsonl') // 'task_specs'
 * collectionOfLogFile('prds.jsonl.torn') // undefined
 * collectionOfLogFile('Notes.jsonl') // undefined
 */
export function collectionOfLogFile(file: string): string | undefined {
  const base = file.slice(file.lastIndexOf('/') + 1);
  if (!base.endsWith(LOG_SUFFIX)) return undefined;
  const name = base.slice(0, -LOG_SUFFIX.length);
  return COLLECTION_NAME.test(name) ? name : undefined;
}
