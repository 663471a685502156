/**
 * Validation of domain record input, with errors that name the field. Pure: no I/O.
 */
import type { z } from 'zod';
import { ValidationError } from '../errors.js';
import { argumentTypeError, assertCollectionArgument, describeValue } from '../store/arguments.js';
import { isPlainObject, plainRecordCopy, type RecordSchema } from '../store/record-input.js';
import { recordType } from './registry.js';

/**
 * Parses `input` with `schema` (defaults filled in, unknown fields kept), or throws a
 * {@link ValidationError} whose `field` is the offending top-level field and whose
 * message names the full path: `invalid task spec: dependencies[0] must be a non-empty string`.
 * `overStored`: an update, whose input is most often a stored version read back and
 * changed (`{ ...spec, title }`): ±Infinity, which a member another program wrote as
 * `1e400` reads as, is let through here; the collection's write keeps such a member as
 * its text when it is unchanged, and refuses it otherwise.
 */
export function parseRecordInput<S extends z.ZodType>(schema: S, input: unknown, what: string, overStored = false): z.output<S> {
  if (!isPlainObject(input)) {
    throw new ValidationError(`${what} must be a plain object (got ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input})`);
  }
  // Checked and copied first, as every generic write is: zod rebuilds arrays and objects,
  // so what it returned had already lost an array's named property or a symbol-keyed
  // field, or had a toJSON method skipped, without a word.
  let copy: Record<string, unknown>;
  try {
    copy = plainRecordCopy(input, what, overStored);
  } catch (err) {
    // For a field the schema knows, its message says what the field must be
    // ("title must be a string (got a function)"): that one, when the schema refuses too.
    const result = schema.safeParse(input, { error: issueMessage });
    if (!result.success) throw schemaError(result.error, what);
    throw err;
  }
  const result = schema.safeParse(copy, { error: issueMessage });
  if (result.success) return keepOwnProto(copy, result.data);
  throw schemaError(result.error, what);
}

function schemaError(error: z.ZodError, what: string): ValidationError {
  const issue = error.issues[0]!;
  const top = issue.path[0];
  const path = formatPath(issue.path);
  return new ValidationError(path === '' ? `invalid ${what}: ${issue.message}` : `invalid ${what}: ${path} ${issue.message}`, {
    field: top === undefined ? undefined : String(top),
    cause: error,
    data: { path, issues: error.issues },
  });
}

/** Checks one argument that is not part of a record (a status filter, a name). */
export function parseArgument<S extends z.ZodType>(schema: S, value: unknown, name: string): z.output<S> {
  const result = schema.safeParse(value, { error: issueMessage });
  if (result.success) return result.data;
  throw new ValidationError(`${name} ${result.error.issues[0]!.message}`, { field: name, cause: result.error });
}

/**
 * Wraps a zod schema as the collection-level `schema` (checked on every stored version), with
 * readable messages. `idField`: the field that must equal the record's `id` (a repository
 * state's `repo_path`), checked too.
 */
export function storedSchema<T>(schema: z.ZodType<T>, idField?: string): RecordSchema<T> {
  return {
    parse: (value) => {
      const record = keepOwnProto(value, schema.parse(value, { error: issueMessage }));
      if (idField !== undefined) assertIdField(record as Record<string, unknown>, idField);
      return record;
    },
  };
}

/**
 * zod copies unknown fields by assignment, and assigning `__proto__` sets a prototype
 * instead (zod skips it): a `__proto__` field (JSON.parse makes one an own member) would
 * vanish from every version written, a field silently dropped. Put it back as the
 * ordinary field it is, as the generic collections keep it, and where it was: right
 * after the field it followed in `input` (first when none did), not after every other.
 */
function keepOwnProto<T>(input: unknown, output: T): T {
  if (!(isPlainObject(input) && Object.hasOwn(input, '__proto__') && isPlainObject(output) && !Object.hasOwn(output, '__proto__'))) return output;
  const inputKeys = Object.keys(input);
  let anchor: string | undefined;
  for (let i = inputKeys.indexOf('__proto__') - 1; i >= 0 && anchor === undefined; i--) if (Object.hasOwn(output, inputKeys[i]!)) anchor = inputKeys[i];
  const entries = Object.keys(output).map((key): [string, unknown] => [key, output[key]]);
  entries.splice(anchor === undefined ? 0 : entries.findIndex(([key]) => key === anchor) + 1, 0, ['__proto__', input['__proto__']]);
  const rebuilt: Record<string, unknown> = {};
  for (const [key, value] of entries) Object.defineProperty(rebuilt, key, { value, enumerable: true, writable: true, configurable: true });
  return rebuilt as T;
}

/**
 * A version whose `idField` differs from its `id` would be found under neither: reads look
 * the record up by the field's value (`getRepoState(path)` reads id `path`). Thrown with
 * zod's `issues` shape, so the collection's ValidationError names the field.
 */
function assertIdField(record: Record<string, unknown>, field: string): void {
  if (record[field] === record.id) return;
  const value = describeValue(record[field]);
  const message = `must equal the record's id ${describeValue(record.id)} (got ${value}): records of this type are stored under their ${field}, so one with ${field} ${value} is a record with id ${value} (create it with that id)`;
  throw Object.assign(new Error(message), { issues: [{ path: [field], message }] });
}

/** The entries of each defaults object, listed once (lists of thousands of records read them per record). */
const defaultEntries = new WeakMap<object, [string, unknown][]>();

/** Fills fields a stored version lacks with their defaults (fresh copies), in place; returns the record. */
export function withDefaults<T extends object>(record: T, defaults: Readonly<Record<string, unknown>>): T {
  const target = record as Record<string, unknown>;
  let entries = defaultEntries.get(defaults);
  if (entries === undefined) defaultEntries.set(defaults, (entries = Object.entries(defaults)));
  for (const [key, value] of entries) {
    if (target[key] === undefined) target[key] = typeof value === 'object' && value !== null ? structuredClone(value) : value;
  }
  return record;
}

/**
 * Fills in the fields a stored version of a built-in record type lacks, as `getPrd`,
 * `listTaskSpecs` … do (a record written by an older writer that omitted, say,
 * `dependencies` reads as complete), in place; returns the record. Records of other
 * collections are returned unchanged.
 * @example const spec = withReadDefaults('task_specs', store.collection({ name: 'task_specs' }).get(id)!);
 */
export function withReadDefaults<T extends object>(collection: string, record: T): T {
  // Checked for every collection: a name no collection can have ('taskSpecs') returned the
  // record without its defaults, and a record that is not an object crashed on the first
  // default's field (or, an array, got them).
  assertCollectionArgument(collection);
  if (!isPlainObject(record)) throw argumentTypeError('record', 'a plain object', record);
  const defaults = recordType(collection)?.readDefaults;
  return defaults === undefined ? record : withDefaults(record, defaults);
}

// ---- error messages ----

/**
 * zod error map giving each issue a message that reads after a field name:
 * "is required", "must be one of draft, ready, … (got "bogus")".
 */
function issueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  const got = describeValue(issue.input);
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      if (issue.expected === 'int' && typeof issue.input === 'number') return `must be an integer (got ${got})`;
      return `must be ${article(String(issue.expected))} (got ${got})`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')} (got ${got})`;
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return 'must be a non-empty string';
      return `must be at least ${String(issue.minimum)} (got ${got})`;
    case 'too_big':
      if (issue.origin === 'int' || issue.origin === 'number') return `must be a safe integer (got ${got})`;
      return `must be at most ${String(issue.maximum)} (got ${got})`;
    default:
      return undefined;
  }
}

/** A field path as a reader writes it: `dependencies[0]`, `meta.owner`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

function article(type: string): string {
  const name = type === 'int' ? 'integer' : type;
  return /^[aeiou]/.test(name) ? `an ${name}` : `a ${name}`;
}
