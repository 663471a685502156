/**
 * Checks and prepares what a caller hands to a write, before anything touches disk.
 * Pure: no I/O. Everything that would otherwise be silently changed by JSON.stringify
 * (undefined in arrays, NaN, functions, class instances) is rejected instead, naming
 * the field.
 */
import { ValidationError } from '../errors.js';
import { MAX_JSON_DEPTH } from '../jsonl/json-depth.js';

/** Any object with a `parse` method that returns the value or throws (a zod schema fits). */
export interface RecordSchema<T = unknown> {
  parse(value: unknown): T;
}

const MAX_ID_LENGTH = 512;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** Throws {@link ValidationError} unless `id` is a usable record id. */
export function assertId(id: unknown, field = 'id'): asserts id is string {
  if (typeof id !== 'string' || id.length === 0) {
    throw new ValidationError(`${field} must be a non-empty string (got ${describe(id)})`, { field });
  }
  if (id.length > MAX_ID_LENGTH || CONTROL_CHARS.test(id)) {
    throw new ValidationError(`${field} ${JSON.stringify(id.slice(0, 40))} is malformed: at most ${MAX_ID_LENGTH} characters, no control characters`, {
      field,
    });
  }
}

/** Throws unless `value` is a plain object whose contents survive a JSON round trip unchanged. */
export function assertPlainRecord(value: unknown, what = 'record'): asserts value is Record<string, unknown> {
  if (!isPlainObject(value)) {
    throw new ValidationError(`${what} must be a plain object (got ${describe(value)})`);
  }
  for (const key of Object.keys(value)) checkJsonValue(value[key], key, 2, key);
}

/** `level`: how deep `value` would nest if it is an object or an array (the record is level 1); `top`: its top-level field. */
function checkJsonValue(value: unknown, path: string, level: number, top: string): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined': // an absent field, as in any JS object literal
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new ValidationError(`field ${path} is ${value}, which JSON cannot store`, { field: path });
      return;
    case 'object':
      if (value === null) return;
      if (level > MAX_JSON_DEPTH) {
        // The cache's JSON functions (SQLite) refuse deeper documents; deeper still, this
        // check and JSON.stringify would overflow the stack.
        throw new ValidationError(`field ${top} nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep (counting the record), which the cache cannot query`, {
          field: top,
          hint: `flatten the value, or store it as a JSON string; records may nest at most ${MAX_JSON_DEPTH} levels`,
        });
      }
      if (Array.isArray(value)) {
        // Indexes, not forEach: forEach skips the holes of a sparse array (`[1, , 3]`),
        // which JSON.stringify would silently write as null.
        for (let i = 0; i < value.length; i++) {
          if (!(i in value)) throw new ValidationError(`field ${path}[${i}] is a hole in a sparse array, which JSON would store as null`, { field: path });
          const item: unknown = value[i];
          if (item === undefined) throw new ValidationError(`field ${path}[${i}] is undefined, which JSON cannot store`, { field: path });
          checkJsonValue(item, `${path}[${i}]`, level + 1, top);
        }
        return;
      }
      if (!isPlainObject(value)) {
        throw new ValidationError(`field ${path} is ${describe(value)}; store plain JSON values (timestamps as numbers)`, {
          field: path,
        });
      }
      for (const key of Object.keys(value)) checkJsonValue(value[key], `${path}.${key}`, level + 1, top);
      return;
    default:
      throw new ValidationError(`field ${path} is a ${typeof value}, which JSON cannot store`, { field: path });
  }
}

/** The `updated_at` for a new version: now, but always after the previous version, whatever the clocks say. */
export function nextUpdatedAt(now: number, previous: number | undefined): number {
  return previous === undefined ? now : Math.max(now, previous + 1);
}

/**
 * Runs the collection's schema (if any) over a complete version and names the failing
 * field. Works with zod (its `issues[].path`) and with any validator that throws.
 */
export function applySchema(schema: RecordSchema | undefined, candidate: Record<string, unknown>): Record<string, unknown> {
  if (schema === undefined) return candidate;
  let parsed: unknown;
  try {
    parsed = schema.parse(candidate);
  } catch (err) {
    throw validationFromSchemaError(err);
  }
  if (!isPlainObject(parsed)) throw new ValidationError('the schema did not return an object');
  return parsed;
}

export function validationFromSchemaError(err: unknown): ValidationError {
  const issues = (err as { issues?: { path?: PropertyKey[]; message?: string }[] }).issues;
  const first = Array.isArray(issues) ? issues[0] : undefined;
  if (first !== undefined) {
    const field = (first.path ?? []).map(String).join('.') || undefined;
    const message = field === undefined ? `invalid record: ${first.message}` : `invalid field ${field}: ${first.message}`;
    return new ValidationError(message, { field, cause: err, data: { issues } });
  }
  return new ValidationError(`invalid record: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a Date';
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as object | null;
    // An object literal whose prototype was replaced (`o.__proto__ = {…}` assigns the
    // prototype instead of creating a field): its constructor is still Object.
    if (proto !== null && Object.getPrototypeOf(proto) === Object.prototype && !Object.hasOwn(proto, 'constructor')) {
      return 'an object whose prototype was replaced, as assigning a __proto__ key does; define the field with Object.defineProperty or JSON.parse instead';
    }
    return `an instance of ${value.constructor?.name ?? 'a class'}`;
  }
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
  return String(value);
}

/** Copies own fields without invoking setters (a `__proto__` key stays an ordinary field). */
export function copyFields(...sources: Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const source of sources) {
    for (const key of Object.keys(source)) {
      const value = source[key];
      if (value === undefined) continue;
      // `__proto__` is the only setter a plain object inherits; every other key is a plain
      // assignment, which keeps `out` a fast-mode object (defining each property made it a
      // dictionary, ~2× slower to build and to JSON.stringify on the write path).
      if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      else out[key] = value;
    }
  }
  return out;
}
