/**
 * Argument checks at the public entry points, so every method follows one rule:
 *
 * - an argument of the wrong JavaScript type (a number where an id goes, options that
 *   are not an object, an unknown option, a listener that is not a function) is a bug in
 *   the calling code: a `TypeError`, as better-sqlite3 throws for its arguments;
 * - an argument of the right type whose value cannot be used (an empty id, a negative
 *   limit, an unknown status) and every record that does not fit its schema are bad
 *   input: a `ValidationError`.
 *
 * The `TypeError`s thrown here also carry `code: 'VALIDATION'` and `field` (the
 * argument's name), the properties a `ValidationError` has, so code that branches on
 * `err.code` handles both, while `instanceof TypeError` tells a bug from bad data.
 * Pure: no I/O.
 */
import { assertCollectionName } from '../jsonl/collection-name.js';
import { spellControls } from '../jsonl/control-chars.js';
import { assertStoredId, isPlainObject } from './record-input.js';

/** A `TypeError` about one argument: `field` names it; `code` is `VALIDATION` (see above). */
interface ArgumentTypeError extends TypeError {
  readonly code: 'VALIDATION';
  readonly field: string;
}

/** `name must be <expected> (got <what value is>)`, as a TypeError carrying `code` and `field`. */
export function argumentTypeError(name: string, expected: string, value: unknown): ArgumentTypeError {
  return Object.assign(new TypeError(`${name} must be ${expected} (got ${describeValue(value)})`), { code: 'VALIDATION' as const, field: name });
}

/** A short description of a value for messages: `"abc"`, `42`, `null`, `an array`, `an object`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return spellControls(JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value));
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'bigint') return `${value}n`;
  return String(value);
}

export function assertString(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') throw argumentTypeError(name, 'a string', value);
}

/**
 * A path given as an argument: a string (else TypeError), not empty or blank (which
 * `resolve()` turns into the current directory: another repository acted on) and without
 * NUL (which the file system cannot name: node throws a raw TypeError, or the path
 * silently names nothing) — those two are TypeErrors too, as for `Store.open`'s `dir`.
 */
export function assertPathArgument(name: string, value: unknown, expected = 'the path of a directory'): asserts value is string {
  if (typeof value !== 'string' || value.trim() === '' || value.includes('\0')) throw argumentTypeError(name, `${expected} (non-empty, without NUL)`, value);
}

export function assertFunction(name: string, value: unknown, expected = 'a function'): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') throw argumentTypeError(name, expected, value);
}

/**
 * A record id given as an argument to look a record up (read, update, delete, history):
 * a string (else TypeError), non-empty (else ValidationError). Any id a log line can hold
 * is accepted, however long and whatever characters it has: a record the store lists is
 * always reachable. (A new record's id has a stricter rule: `assertNewId`.)
 */
export function assertIdArgument(value: unknown, name = 'id'): asserts value is string {
  assertString(name, value);
  assertStoredId(value, name);
}

/** A collection name given as an argument: a string (else TypeError) that is a valid name (else InvalidNameError). */
export function assertCollectionArgument(value: unknown, name = 'collection'): asserts value is string {
  assertString(name, value);
  assertCollectionName(value);
}

/** An options argument whose keys are checked elsewhere: undefined or a plain object. */
export function assertOptionalObject(name: string, value: unknown): asserts value is Record<string, unknown> | undefined {
  if (value !== undefined && !isPlainObject(value)) throw argumentTypeError(name, 'an object', value);
}

/**
 * An options argument: undefined, or a plain object holding only `allowed` keys (a
 * misspelt option would otherwise be ignored without a word). Returns it as a record.
 */
export function parseOptionsArgument(value: unknown, allowed: readonly string[], name = 'options'): Record<string, unknown> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) throw argumentTypeError(name, `an object${allowed.length > 0 ? ` such as { ${allowed[0]}: … }` : ''}`, value);
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key) && value[key] !== undefined) {
      throw Object.assign(new TypeError(`unknown option ${key} (expected ${allowed.join(', ')})`), { code: 'VALIDATION' as const, field: key });
    }
  }
  return value;
}

/**
 * The options of `sync`, `compact` and `check`: `parseOptionsArgument` over `allowed`,
 * with `onProgress` a function when given (a misspelt `keepDays` would otherwise compact
 * away the history it was meant to keep).
 */
export function parseProgressOptions(value: unknown, allowed: readonly string[] = ['onProgress']): Record<string, unknown> {
  const options = parseOptionsArgument(value, allowed);
  if (options.onProgress !== undefined) assertFunction('onProgress', options.onProgress, 'a function (done, total) => void');
  return options;
}

/** A collection declaration as checked: each option of the caller's object read once. */
export interface CollectionDeclaration {
  name: string;
  indexes: string[];
  schema: { parse(value: unknown): unknown } | undefined;
}

/**
 * `store.collection(options)`: an object whose `name` is a collection name, `indexes` an
 * array of strings, `schema` has `parse`. Returns what it checked, each option read once:
 * the name becomes part of SQL (the table `c_<name>`), so a getter that answered a valid
 * name to the check and another to the code that made the table reached SQLite with
 * whatever it said the second time.
 */
export function collectionDeclaration(options: unknown): CollectionDeclaration {
  const o = parseOptionsArgument(options, ['name', 'indexes', 'schema']);
  if (options === undefined) throw argumentTypeError('options', 'an object such as { name: … }', options);
  const { name, indexes, schema } = o;
  assertCollectionArgument(name, 'name');
  let fields: string[] = [];
  if (indexes !== undefined) {
    if (!Array.isArray(indexes)) throw argumentTypeError('indexes', 'an array of field names', indexes);
    fields = [...(indexes as unknown[])].map((field) => {
      assertString('indexes', field);
      return field;
    });
  }
  if (schema !== undefined && typeof (schema as { parse?: unknown } | null)?.parse !== 'function') {
    throw argumentTypeError('schema', 'an object with a parse(value) method (a zod schema fits)', schema);
  }
  return { name, indexes: fields, schema: schema as CollectionDeclaration['schema'] };
}
