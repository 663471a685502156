/**
 * Validation of domain record input, with errors that name the field. Pure: no I/O.
 */
import type { z } from 'zod';
import { ValidationError } from '../errors.js';
import { isPlainObject, type RecordSchema } from '../store/record-input.js';
import { recordType } from './registry.js';
import { formatPath, issueMessage } from './schemas.js';

/**
 * Parses `input` with `schema` (defaults filled in, unknown fields kept), or throws a
 * {@link ValidationError} whose `field` is the offending top-level field and whose
 * message names the full path: `invalid task spec: dependencies[0] must be a non-empty string`.
 */
export function parseRecordInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  if (!isPlainObject(input)) {
    throw new ValidationError(`${what} must be a plain object (got ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input})`);
  }
  const result = schema.safeParse(input, { error: issueMessage });
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const top = issue.path[0];
  const path = formatPath(issue.path);
  throw new ValidationError(path === '' ? `invalid ${what}: ${issue.message}` : `invalid ${what}: ${path} ${issue.message}`, {
    field: top === undefined ? undefined : String(top),
    cause: result.error,
    data: { path, issues: result.error.issues },
  });
}

/** Checks one argument that is not part of a record (a status filter, a name). */
export function parseArgument<S extends z.ZodType>(schema: S, value: unknown, name: string): z.output<S> {
  const result = schema.safeParse(value, { error: issueMessage });
  if (result.success) return result.data;
  throw new ValidationError(`${name} ${result.error.issues[0]!.message}`, { field: name, cause: result.error });
}

/** Wraps a zod schema as the collection-level `schema` (checked on every stored version), with readable messages. */
export function storedSchema<T>(schema: z.ZodType<T>): RecordSchema<T> {
  return { parse: (value) => schema.parse(value, { error: issueMessage }) };
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
  const defaults = recordType(collection)?.readDefaults;
  return defaults === undefined ? record : withDefaults(record, defaults);
}
