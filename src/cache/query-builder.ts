/**
 * Turns a collection query ({ where, orderBy, limit, offset }) into SQL over a
 * collection table. Pure: no database access, so every rule is tested directly.
 *
 * Record fields live in the `data` JSON column and are read with
 * `json_extract(data, '$.field')` — the exact expression that declared indexes are built
 * on, so SQLite uses them. `id` and `updated_at` are real columns.
 */
import { ValidationError } from '../errors.js';
import { liveRow } from './row-state.js';
import { INEXACT_IN_SQLITE_LIKE, WHOLE_STRING_LIKE } from './like-function.js';

export type ScalarValue = string | number | boolean | null;

export interface Operators {
  eq?: ScalarValue;
  ne?: ScalarValue;
  lt?: string | number;
  lte?: string | number;
  gt?: string | number;
  gte?: string | number;
  /** SQL LIKE pattern: `%` any run of characters, `_` one character. Case-insensitive for ASCII. */
  like?: string;
  in?: readonly ScalarValue[];
}

export type Condition = ScalarValue | Operators;

export interface Query {
  /** Field conditions, all of which must hold. */
  where?: Record<string, Condition>;
  /** A field name, `-field` for descending. Default: `updated_at` ascending, then `id`. */
  orderBy?: string;
  limit?: number;
  offset?: number;
}

interface BuiltQuery {
  sql: string;
  params: (string | number | null)[];
}

const OPERATORS = new Set(['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'like', 'in']);
/** A field name, or a dotted path into nested objects (`meta.owner`). */
const FIELD_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const COLUMN_FIELDS = new Set(['id', 'updated_at']);
/** Conditions (operators) in one `where`: SQLite nests an expression at most 1000 deep. */
const MAX_CONDITIONS = 256;
/** An `in` list longer than this is bound as one JSON array (SQLite takes at most 32,766 parameters a statement). */
const MAX_IN_PARAMETERS = 100;
/** SQLite's SQLITE_MAX_LIKE_PATTERN_LENGTH. */
const MAX_LIKE_PATTERN_BYTES = 50_000;

/** Throws unless `field` is a usable field name; returns it. */
function assertFieldName(field: string, what = 'field'): string {
  if (!FIELD_PATH.test(field) || field.length > 256) {
    throw new ValidationError(
      `invalid ${what} name ${JSON.stringify(field)}: use letters, digits and _ (and dots for nested fields)`,
      { field },
    );
  }
  return field;
}

/** The SQL expression for a record field. Safe to inline: the name is checked against FIELD_PATH. */
export function fieldExpression(field: string): string {
  assertFieldName(field);
  return COLUMN_FIELDS.has(field) ? field : `json_extract(data, '$.${field}')`;
}

/**
 * The field's value as JSON text, escapes kept (`"a\\ud800"`), from the record's JSON: for
 * `id` too, whose column's text reaches JavaScript with U+FFFD in place of half a
 * surrogate pair. Safe to inline when `field` passed {@link fieldExpression}.
 */
function jsonOfField(field: string): string {
  return `(data -> '$.${field}')`;
}

/** Builds `SELECT <columns> FROM <table> WHERE state = 1 AND …`. */
export function buildSelect(table: string, query: Query = {}, columns = 'data'): BuiltQuery {
  const { clause, params } = buildWhere(query.where);
  let sql = `SELECT ${columns} FROM "${table}" WHERE ${liveRow()}${clause}`;
  sql += ` ORDER BY ${buildOrderBy(query.orderBy)}`;
  const limit = checkCount(query.limit, 'limit');
  const offset = checkCount(query.offset, 'offset');
  if (limit !== undefined || offset !== undefined) {
    sql += ' LIMIT ? OFFSET ?';
    params.push(limit ?? -1, offset ?? 0);
  }
  return { sql, params };
}

/** Builds `SELECT count(*) AS n FROM <table> WHERE state = 1 AND …`. */
export function buildCount(table: string, query: Pick<Query, 'where'> = {}): BuiltQuery {
  const { clause, params } = buildWhere(query.where);
  return { sql: `SELECT count(*) AS n FROM "${table}" WHERE ${liveRow()}${clause}`, params };
}

function buildOrderBy(orderBy: string | undefined): string {
  if (orderBy === undefined) return 'updated_at ASC, id ASC';
  if (typeof orderBy !== 'string') throw new ValidationError('orderBy must be a field name, optionally prefixed with -', { field: 'orderBy' });
  const descending = orderBy.startsWith('-');
  const field = descending ? orderBy.slice(1) : orderBy;
  const expr = fieldExpression(field);
  // `id` breaks ties so that paging with limit/offset neither skips nor repeats records.
  return field === 'id' ? `id ${descending ? 'DESC' : 'ASC'}` : `${expr} ${descending ? 'DESC' : 'ASC'}, id ASC`;
}

function buildWhere(where: Query['where']): { clause: string; params: (string | number | null)[] } {
  const params: (string | number | null)[] = [];
  if (where === undefined) return { clause: '', params };
  if (!isPlainObject(where)) {
    // A Map, a class instance: Object.keys finds no conditions in a Map, and the query
    // returned every record.
    throw new ValidationError(`where must be a plain object of field conditions (got ${describe(where)})`, { field: 'where' });
  }
  const parts: string[] = [];
  const fields = Object.keys(where);
  const conditions = fields.reduce((n, f) => n + (isPlainConditionObject(where[f]) ? Object.keys(where[f] as object).length : 1), 0);
  if (conditions > MAX_CONDITIONS) {
    // SQLite refuses an expression nested deeper than 1000 ("Expression tree is too large").
    throw new ValidationError(`where has ${conditions} conditions; a query takes at most ${MAX_CONDITIONS} (use in: [...] for many values of one field)`, {
      field: 'where',
    });
  }
  for (const field of fields) {
    const condition = where[field];
    if (condition === undefined) {
      // Skipped, the condition would match every record: `{ owner: user.id }` with
      // user.id undefined listed (and a loop over the list changed) everyone's records.
      throw new ValidationError(`where.${field} is undefined; leave the field out to match every record, or give null to match records without it`, {
        field,
      });
    }
    const expr = fieldExpression(field);
    if (isOperatorObject(condition)) {
      for (const op of Object.keys(condition) as (keyof Operators)[]) {
        parts.push(operatorSql(expr, field, op, condition[op], params));
      }
    } else {
      parts.push(operatorSql(expr, field, 'eq', condition, params));
    }
  }
  return { clause: parts.map((p) => ` AND ${p}`).join(''), params };
}

/** An object literal (or one without a prototype): not an array, a Map, a Date or another class's instance. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function isPlainConditionObject(condition: unknown): boolean {
  return typeof condition === 'object' && condition !== null && !Array.isArray(condition);
}

function isOperatorObject(condition: unknown): condition is Operators {
  if (typeof condition !== 'object' || condition === null || Array.isArray(condition)) return false;
  const keys = Object.keys(condition);
  const unknown = keys.filter((k) => !OPERATORS.has(k));
  if (keys.length === 0 || unknown.length > 0) {
    throw new ValidationError(
      `unknown query operator ${JSON.stringify(unknown[0] ?? '{}')}: use one of ${[...OPERATORS].join(', ')}`,
      { data: { operator: unknown[0] } },
    );
  }
  return true;
}

/**
 * A number beyond ±2^53, where a JavaScript number and SQLite's integers part ways:
 * json_extract reads an integer member as a 64-bit integer, exactly as written, while
 * JavaScript (and so the caller) sees the nearest double. `2**60` is stored by
 * JSON.stringify as `1152921504606847000`, which SQLite compares as unequal to the double
 * 2^60 the caller passes. Such a value is compared as SQLite REAL, which rounds the stored
 * integer the way JSON.parse does: the answer is the one JavaScript would give.
 */
function isBeyondExactIntegers(value: unknown): value is number {
  return typeof value === 'number' && Math.abs(value) > Number.MAX_SAFE_INTEGER;
}

/** `expr <comparison>` (e.g. `= ?`, `IN (…)`) compared as doubles, true only for a number (a string or null never matches). */
function asDouble(expr: string, comparison: string): string {
  return `(typeof(${expr}) IN ('integer', 'real') AND CAST(${expr} AS REAL) ${comparison})`;
}

function operatorSql(expr: string, field: string, op: keyof Operators, value: unknown, params: (string | number | null)[]): string {
  switch (op) {
    case 'eq':
      if (value === null) return `${expr} IS NULL`;
      if (!columnCanHold(field, scalar(value, field, op))) return '0';
      params.push(scalar(value, field, op));
      return isBeyondExactIntegers(value) ? asDouble(expr, '= ?') : `${expr} = ?`;
    case 'ne':
      if (value !== null && !columnCanHold(field, scalar(value, field, op))) return '1';
      // IS NOT treats a missing field as "not equal", which is what a caller means.
      params.push(value === null ? null : scalar(value, field, op));
      return isBeyondExactIntegers(value) ? `NOT ${asDouble(expr, '= ?')}` : `${expr} IS NOT ?`;
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      if (typeof value !== 'number' && typeof value !== 'string') {
        throw new ValidationError(`where.${field}.${op} must be a number or a string`, { field });
      }
      params.push(scalar(value, field, op));
      const sqlOp = { lt: '<', lte: '<=', gt: '>', gte: '>=' }[op];
      if (isBeyondExactIntegers(value)) return asDouble(expr, `${sqlOp} ?`);
      if (COLUMN_FIELDS.has(field)) return `${expr} ${sqlOp} ?`;
      // SQLite orders every number before every string, so `> 5` alone would also match
      // "high" and `< "m"` every number. A number bound compares numbers, a string bound
      // strings: '' is the smallest string, so `< ''` holds for numbers only and `>= ''`
      // for strings only, as a second bound on the same index range.
      return `${expr} ${sqlOp} ? AND ${expr} ${typeof value === 'number' ? "< ''" : ">= ''"}`;
    }
    case 'like':
      if (typeof value !== 'string') throw new ValidationError(`where.${field}.like must be a string pattern`, { field });
      if (Buffer.byteLength(value) > MAX_LIKE_PATTERN_BYTES) {
        throw new ValidationError(`where.${field}.like is a pattern of ${Buffer.byteLength(value)} bytes; SQLite takes at most ${MAX_LIKE_PATTERN_BYTES}`, { field });
      }
      // A pattern is text and matches text (a string, or an object or array as its JSON
      // text): SQLite's LIKE would also match a number or a boolean by the digits it
      // prints (`'1%'` found true, 10 and 1.5, and 2^60 as digits its log does not hold).
      // SQLite's LIKE stops at a NUL character, and takes half a surrogate pair, U+FFFD,
      // U+FFFE and U+FFFF for one another: a pattern holding one of those (and a string
      // holding a NUL) goes to the exact LIKE of like-function.ts instead, which reads
      // both as JSON text, where half a surrogate pair survives.
      if (INEXACT_IN_SQLITE_LIKE.test(value)) {
        params.push(JSON.stringify(value));
        return `(typeof(${expr}) = 'text' AND ${WHOLE_STRING_LIKE}(${jsonOfField(field)}, ?))`;
      }
      params.push(value, JSON.stringify(value));
      return `(typeof(${expr}) = 'text' AND CASE WHEN instr(${expr}, char(0)) = 0 THEN ${expr} LIKE ? ELSE ${WHOLE_STRING_LIKE}(${jsonOfField(field)}, ?) END)`;
    case 'in': {
      if (!Array.isArray(value)) throw new ValidationError(`where.${field}.in must be an array`, { field });
      if (value.length === 0) return '0';
      // filter() skips the holes of a sparse array (`[, 'a']`): refused as undefined is.
      for (let i = 0; i < value.length; i++) {
        if (!(i in value)) throw new ValidationError(`where.${field}.in[${i}] is a hole in a sparse array; give every value`, { field });
      }
      const hasNull = value.includes(null);
      const values = value
        .filter((v) => v !== null)
        .map((v) => scalar(v, field, op))
        .filter((v) => columnCanHold(field, v));
      const exact = values.filter((v) => !isBeyondExactIntegers(v));
      const beyond = values.filter(isBeyondExactIntegers);
      // A long list is bound as one JSON array, one parameter: SQLite takes at most 32,766
      // parameters a statement (and spreading 100,000 values into push() overflows the stack).
      const asJson = values.length > MAX_IN_PARAMETERS;
      const list = (items: (string | number)[], value: string): string => {
        if (asJson) {
          params.push(JSON.stringify(items));
          return `SELECT ${value} FROM json_each(?)`;
        }
        for (const v of items) params.push(v);
        return items.map(() => '?').join(', ');
      };
      const alternatives: string[] = [];
      if (values.length === 0 && !hasNull) return '0';
      if (exact.length > 0) alternatives.push(`${expr} IN (${list(exact, 'value')})`);
      if (beyond.length > 0) {
        alternatives.push(asDouble(expr, `IN (${list(beyond, 'CAST(value AS REAL)')})`));
      }
      if (hasNull) alternatives.push(`${expr} IS NULL`);
      return alternatives.length === 1 ? alternatives[0]! : `(${alternatives.join(' OR ')})`;
    }
  }
}

/**
 * False when `value` (as bound) can never equal column field `field`: a number for `id`,
 * a string for `updated_at`. SQLite would convert it to the column's type first
 * (`{ id: 1.5 }` found the record `"1.5"`, `{ updated_at: '1700000000000' }` a number),
 * while every other field compares a number with numbers and a string with strings.
 */
function columnCanHold(field: string, value: string | number): boolean {
  if (field === 'id') return typeof value === 'string';
  if (field === 'updated_at') return typeof value === 'number';
  return true;
}

/** SQLite has no booleans: JSON true/false come out of json_extract as 1/0. */
function scalar(value: unknown, field: string, op: string): string | number {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  throw new ValidationError(
    `where.${field}${op === 'eq' ? '' : `.${op}`} must be a string, number, boolean or null (got ${describe(value)})`,
    { field },
  );
}

function checkCount(value: unknown, name: 'limit' | 'offset'): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    // 2 ** 60 is a non-negative integer: say what is wrong with it (a number cannot count that far exactly).
    const unsafe = typeof value === 'number' && Number.isInteger(value) && value > 0;
    throw new ValidationError(`${name} must be a non-negative integer${unsafe ? ` of at most ${Number.MAX_SAFE_INTEGER} (2^53 - 1)` : ''} (got ${describe(value)})`, { field: name });
  }
  return value;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') {
    const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
    return typeof name === 'string' && name !== 'Object' ? `an instance of ${name}` : 'an object';
  }
  if (typeof value === 'number') return String(value);
  return typeof value;
}
