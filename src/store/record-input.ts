/**
 * Checks and prepares what a caller hands to a write, before anything touches disk.
 * Pure: no I/O. Everything that would otherwise be silently changed by JSON.stringify
 * (undefined in arrays, NaN, functions, class instances) is rejected instead, naming
 * the field.
 */
import { ValidationError } from '../errors.js';
import { observeRejection } from './options.js';
import { hasControls, spellControls } from '../jsonl/control-chars.js';
import { MAX_JSON_DEPTH } from '../jsonl/json-depth.js';

/** Any object with a `parse` method that returns the value or throws (a zod schema fits). */
export interface RecordSchema<T = unknown> {
  parse(value: unknown): T;
}

/**
 * Two rules for ids, one for each direction:
 *
 * - **Stored ids**: any non-empty string. That is all a log line needs (the reader's
 *   rule, see line-codec.ts), and a log holds lines other tools wrote: the Rust
 *   TaskStore keys repository state by a path of any length, git brings whatever a
 *   branch committed. Every id the store can list must be readable, updatable and
 *   deletable, so `get`, `update`, `patch`, `delete`, `history` and every lookup take any
 *   non-empty string ({@link assertStoredId}).
 * - **New ids**: a record this store creates also keeps its id to at most
 *   {@link MAX_ID_LENGTH} characters without control characters (C0 and C1 controls, DEL,
 *   invisible direction marks and overrides: the set `spellControls` spells out) and
 *   without a lone UTF-16 surrogate, so what the store itself writes can be typed, shown,
 *   compared and cached ({@link assertNewId}).
 */
const MAX_ID_LENGTH = 512;

/** Throws {@link ValidationError} unless `id` is a non-empty string: an id a log line can hold. */
export function assertStoredId(id: unknown, field = 'id'): asserts id is string {
  if (typeof id !== 'string' || id.length === 0) {
    throw new ValidationError(`${field} must be a non-empty string (got ${describe(id)})`, { field });
  }
}

/** A UTF-16 surrogate without its pair: no UTF-8 text holds one (in `u` mode a pair is one code point, not `Cs`). */
const LONE_SURROGATE = /\p{Cs}/u;

/** Throws {@link ValidationError} unless `id` is usable as the id of a new record (see above). */
export function assertNewId(id: unknown, field = 'id'): asserts id is string {
  assertStoredId(id, field);
  if (LONE_SURROGATE.test(id)) {
    // JSON can escape it, but the cache (SQLite, UTF-8) stores U+FFFD instead: `check`
    // would report the record as drift, and two such ids would share one cache key.
    throw new ValidationError(`${field} ${spellControls(JSON.stringify(id.slice(0, 40)))} is malformed: it holds half of a UTF-16 surrogate pair, which is no character`, {
      field,
      hint: 'leave the id out to get a UUIDv7, or build it from whole characters (a string cut in the middle of an emoji?)',
    });
  }
  if (id.length > MAX_ID_LENGTH || hasControls(id)) {
    throw new ValidationError(
      `${field} ${spellControls(JSON.stringify(id.slice(0, 40)))} is malformed: a new id has at most ${MAX_ID_LENGTH} characters and no control characters (C0, DEL, C1, invisible direction marks)`,
      { field, hint: 'leave the id out to get a UUIDv7, or choose a shorter id of printable characters' },
    );
  }
}

/**
 * Checks that `value` is a plain object whose contents survive a JSON round trip unchanged,
 * and returns a copy of it made of plain data, which the write then uses instead of
 * `value`. Each property of the caller's object is read exactly once, here: a getter or
 * a Proxy that answers differently on a second read (as JSON.stringify, the schema and
 * the unchanged-check each read again) cannot slip a value past the check (`NaN` stored
 * as null, a `Date` as a string, a field that vanished). A field whose value is
 * `undefined` is left out of the copy, as JSON.stringify leaves it out.
 * `fromText`: ±Infinity is let through, for a write whose line keeps members as written:
 * `value` was parsed from JSON text (`1e400` reads as Infinity), or is a new version of a
 * stored record read back from a line holding such a member. Whether the line written
 * holds each one as text (unchanged members do; a changed one would be written `null`)
 * is checked on the line itself, by {@link lostNonFinite}; `seen.nonFinite` says whether
 * there is any to check.
 */
export function plainRecordCopy(value: unknown, what = 'record', fromText = false, seen?: { nonFinite: boolean }): Record<string, unknown> {
  if (!isPlainObject(value)) {
    throw new ValidationError(`${what} must be a plain object (got ${describe(value)})`);
  }
  const ancestors: object[] = [value];
  refuseWhatJsonSkips(value, what, false);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = jsonValueCopy(value[key], key, 2, key, fromText, ancestors, seen);
    if (item !== undefined) setField(out, key, item);
  }
  return out;
}

/**
 * The path (`meta.far`, `list[1]`) of the first ±Infinity in `record` that `line` (its
 * JSON text, as written) does not hold as the same number, and that number; undefined
 * when every one is held. JSON has no Infinity: a member kept from the previous line
 * (`1e400`) holds it, one serialized anew is written `null`.
 */
export function lostNonFinite(record: Record<string, unknown>, line: string): { path: string; value: number } | undefined {
  const written: unknown = JSON.parse(line);
  const walk = (value: unknown, back: unknown, path: string): { path: string; value: number } | undefined => {
    if (typeof value === 'number') return Number.isFinite(value) || Object.is(value, back) ? undefined : { path, value };
    if (typeof value !== 'object' || value === null) return undefined;
    const other = typeof back === 'object' && back !== null ? (back as Record<string, unknown>) : {};
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const lost = walk(value[i], Array.isArray(other) ? other[i] : undefined, `${path}[${i}]`);
        if (lost !== undefined) return lost;
      }
      return undefined;
    }
    for (const key of Object.keys(value)) {
      const lost = walk((value as Record<string, unknown>)[key], Object.hasOwn(other, key) ? other[key] : undefined, path === '' ? key : `${path}.${key}`);
      if (lost !== undefined) return lost;
    }
    return undefined;
  };
  return walk(record, written, '');
}

/**
 * `level`: how deep `value` would nest if it is an object or an array (the record is
 * level 1); `top`: its top-level field; `ancestors`: the objects and arrays that hold it,
 * to name a circular reference as one.
 */
function jsonValueCopy(value: unknown, path: string, level: number, top: string, fromText: boolean, ancestors: object[], seen?: { nonFinite: boolean }): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined': // an absent field, as in any JS object literal
      return value;
    case 'number':
      if (!Number.isFinite(value)) {
        if (!fromText || Number.isNaN(value)) throw new ValidationError(`field ${path} is ${value}, which JSON cannot store`, { field: path });
        if (seen !== undefined) seen.nonFinite = true;
      }
      return value;
    case 'object': {
      if (value === null) return null;
      if (ancestors.includes(value)) {
        throw new ValidationError(`field ${path} refers back to an object that holds it (a circular reference), which JSON cannot store`, { field: path });
      }
      if (level > MAX_JSON_DEPTH) {
        // The cache's JSON functions (SQLite) refuse deeper documents; deeper still, this
        // check and JSON.stringify would overflow the stack.
        throw new ValidationError(`field ${top} nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep (counting the record), which the cache cannot query`, {
          field: top,
          hint: `flatten the value, or store it as a JSON string; records may nest at most ${MAX_JSON_DEPTH} levels`,
        });
      }
      if (!Array.isArray(value) && !isPlainObject(value)) {
        throw new ValidationError(`field ${path} is ${describe(value)}; store plain JSON values (timestamps as numbers)`, {
          field: path,
        });
      }
      refuseWhatJsonSkips(value, path, true);
      ancestors.push(value);
      let copy: unknown;
      if (Array.isArray(value)) {
        // Indexes, not forEach: forEach skips the holes of a sparse array (`[1, , 3]`),
        // which JSON.stringify would silently write as null.
        const length = value.length;
        const items: unknown[] = new Array(length);
        for (let i = 0; i < length; i++) {
          if (!(i in value)) throw new ValidationError(`field ${path}[${i}] is a hole in a sparse array, which JSON would store as null`, { field: path });
          const item: unknown = value[i];
          if (item === undefined) throw new ValidationError(`field ${path}[${i}] is undefined, which JSON cannot store`, { field: path });
          items[i] = jsonValueCopy(item, `${path}[${i}]`, level + 1, top, fromText, ancestors, seen);
        }
        // JSON.stringify writes an array's elements only: a named property (`a.note = …`,
        // the `index` and `input` of a RegExp match) would be dropped without a word.
        // (Checked after the elements, which are known to be there: no holes.)
        const keys = Object.keys(value);
        if (keys.length !== length) {
          const named = keys.find((k) => !/^(0|[1-9][0-9]*)$/.test(k) || Number(k) >= length)!;
          throw new ValidationError(`field ${path} is an array with a named property ${spellControls(JSON.stringify(named))}, which JSON cannot store (it stores the elements only)`, {
            field: path,
            hint: 'store the array and the property as separate fields, or copy the elements into a new array ([...value])',
          });
        }
        copy = items;
      } else {
        const fields: Record<string, unknown> = {};
        for (const key of Object.keys(value)) {
          const item = jsonValueCopy(value[key], `${path}.${key}`, level + 1, top, fromText, ancestors, seen);
          if (item !== undefined) setField(fields, key, item);
        }
        copy = fields;
      }
      ancestors.pop();
      return copy;
    }
    default:
      throw new ValidationError(`field ${path} is a ${typeof value}, which JSON cannot store`, { field: path });
  }
}

/**
 * Refuses what JSON.stringify would skip or replace in an object or array: a `toJSON`
 * method (it is called, and its result stored instead: `[1, 2]` became `"x"`), whether own,
 * non-enumerable or inherited, and a field keyed by a symbol (object spread copies it,
 * JSON.stringify drops it). `isField`: false for the record itself, whose `path` is what
 * the caller calls it (`record`, `patch`).
 */
function refuseWhatJsonSkips(value: object, path: string, isField: boolean): void {
  const where = isField ? `field ${path}` : path;
  const field = isField ? path : undefined;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    throw new ValidationError(`${where} has a toJSON method, which JSON.stringify would call to store something else in its place`, {
      field,
      hint: 'store the value toJSON returns, or remove the method',
    });
  }
  for (const symbol of Object.getOwnPropertySymbols(value)) {
    if (Object.prototype.propertyIsEnumerable.call(value, symbol)) {
      throw new ValidationError(`${where} has a field keyed by ${String(symbol)}, which JSON cannot store (it keeps string keys only)`, {
        field,
        hint: 'use a string key, or leave the field out',
      });
    }
  }
}

/** Sets `out[key]` without invoking a setter (a `__proto__` key stays an ordinary field). */
function setField(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
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
  if (!isPlainObject(parsed)) {
    if (typeof (parsed as { then?: unknown } | null | undefined)?.then === 'function') {
      // An async parse: the write is refused here, and its verdict, if a rejection, would
      // otherwise be an unhandled rejection that ends the process.
      observeRejection(parsed, () => {});
      throw new ValidationError("the schema returned a promise: a schema's parse must validate synchronously");
    }
    throw new ValidationError('the schema did not return an object');
  }
  return parsed;
}

/**
 * The schema's error as a ValidationError. A `parse` may throw anything (`undefined`,
 * `null`, an object without `toString`, `issues` of another shape): each still becomes a
 * ValidationError, never a TypeError of this code's own.
 */
function validationFromSchemaError(err: unknown): ValidationError {
  const issues = typeof err === 'object' && err !== null ? (err as { issues?: unknown }).issues : undefined;
  const first = Array.isArray(issues) ? (issues[0] as { path?: unknown; message?: unknown } | undefined) : undefined;
  if (typeof first === 'object' && first !== null) {
    const field = Array.isArray(first.path) ? first.path.map((p) => String(p)).join('.') || undefined : undefined;
    const said = typeof first.message === 'string' ? first.message : 'refused by the schema';
    const message = field === undefined ? `invalid record: ${said}` : `invalid field ${field}: ${said}`;
    return new ValidationError(message, { field, cause: err, data: { issues } });
  }
  const said = err instanceof Error ? err.message : typeof err === 'string' ? err : `the schema threw ${err === null || typeof err !== 'object' ? String(err) : 'an object that is not an Error'}`;
  return new ValidationError(`invalid record: ${said}`, { cause: err });
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
  if (typeof value === 'string') return spellControls(JSON.stringify(value.slice(0, 40)));
  return String(value);
}

/** Copies own fields without invoking setters (a `__proto__` key stays an ordinary field). */
/**
 * `{ id, ...fields, ...stamps }` with `fields`' own `id`, `created_at` and `updated_at`
 * left out (the stamps replace them), and undefined values skipped, as {@link copyFields}
 * does: in one pass, where a rest spread and a copy made two (a bulk write makes one per
 * record).
 */
export function stampedRecord(id: string, fields: Record<string, unknown>, stamps: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { id };
  for (const key of Object.keys(fields)) {
    if (key === 'id' || key === 'created_at' || key === 'updated_at') continue;
    const value = fields[key];
    if (value !== undefined) setField(out, key, value);
  }
  for (const key of Object.keys(stamps)) out[key] = stamps[key];
  return out;
}

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
