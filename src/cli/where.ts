/**
 * `list --where` conditions: `field OP value`, turned into a collection query's `where`.
 * Pure: no I/O, no store.
 *
 *   status=open              equal            (`null` matches a null or missing field)
 *   status!=done             not equal        (a missing field counts as not equal)
 *   updated_at>1700000000000 greater than; also >=, <, <=
 *   updated_at>=2025-01-31   for a `*_at` field, a date or ISO time is taken as its Unix ms
 *   title~%checkout%         SQL LIKE pattern: % any run, _ one character (ASCII case-insensitive)
 *   status in draft,ready    any of a comma-separated list
 *   meta.owner=ana           a dotted path reaches into nested objects
 *
 * Values are converted like `update --set` values: by the field's type for the built-in
 * record types, else JSON when the text parses as JSON (`3`, `true`, `null`) and the text
 * itself otherwise. All conditions must hold. Two conditions with the same operator on the
 * same field are a usage error: one would replace the other (a query holds one value per
 * operator), and nothing the user wrote may be dropped without a word.
 */
import type { Condition, Operators } from '../index.js';
import { UsageError } from './errors.js';
import { compactJson } from '../shared/exact-json.js';
import { convertValue, refuseRoundedNumbers, type FieldType, type FieldTypes } from './set-values.js';

const FIELD = '[A-Za-z_][A-Za-z0-9_]*(?:\\.[A-Za-z_][A-Za-z0-9_]*)*';
const COMPARISON = new RegExp(`^\\s*(${FIELD})(\\s*)(>=|<=|!=|=|>|<|~)(.*)$`, 's');
const IN_LIST = new RegExp(`^\\s*(${FIELD})\\s+in\\s+(.*)$`, 's');

/**
 * The fields every record of every collection has, typed as the built-in types type
 * them: in a generic collection `id=5` is the id "5" (read as JSON, the number 5 matched
 * no id), and `updated_at=abc` a usage error rather than a query that matches nothing.
 */
const STAMP_TYPES: FieldTypes = { id: { kind: 'string', nullable: false }, updated_at: { kind: 'integer', nullable: false } };

const OPERATOR_NAMES: Record<string, keyof Operators> = { '=': 'eq', '!=': 'ne', '>': 'gt', '>=': 'gte', '<': 'lt', '<=': 'lte', '~': 'like' };

interface WhereCondition {
  field: string;
  op: keyof Operators;
  value: unknown;
}

/**
 * Parses one `--where` argument. Throws a {@link UsageError} (exit 2) naming the argument.
 * @example parseWhereArg('updated_at>1700000000000') // { field: 'updated_at', op: 'gt', value: 1700000000000 }
 */
export function parseWhereArg(arg: string, types?: FieldTypes): WhereCondition {
  const typeOf = (field: string): FieldType | undefined =>
    types !== undefined && Object.hasOwn(types, field) ? types[field] : Object.hasOwn(STAMP_TYPES, field) ? STAMP_TYPES[field] : undefined;
  const inList = IN_LIST.exec(arg);
  if (inList !== null) {
    const [, field, list] = inList as unknown as [string, string, string];
    const type = typeOf(field);
    const element = type?.kind === 'array' ? type.element : type;
    const parts = list.split(',').map((part) => part.trim()).filter((part) => part !== '');
    if (parts.length === 0) {
      // `status in ` (the values forgotten, or lost to the shell) would match nothing without a word.
      throw new UsageError(`--where ${JSON.stringify(arg)} lists no values after "in"`, {
        hint: `write the values separated by commas, e.g. --where '${field} in a,b'`,
      });
    }
    const values = parts.map((part) => {
      const value = convertScalar(arg, field, part, element);
      refuseNotANumber(arg, field, part, value, element, false);
      return value;
    });
    return { field, op: 'in', value: values };
  }
  const match = COMPARISON.exec(arg);
  if (match === null) {
    throw new UsageError(`--where ${JSON.stringify(arg)} is not a condition`, {
      hint: "write field=value, field!=value, field>n (>=, <, <=), field~pattern or 'field in a,b'; dotted paths reach nested fields (meta.owner=ana)",
    });
  }
  const [, field, spaced, symbol, rest] = match as unknown as [string, string, string, string, string];
  // `status = ready` is written with spaces around the operator, and the spaces belong to
  // neither side: kept, the value " ready" matched no record, and `status != ready`
  // matched every one, the ready ones too. Without a space before the operator the value
  // is the text after it, as written (`title= x` is " x").
  const text = spaced === '' ? rest : rest.replace(/^\s+/, '');
  const op = OPERATOR_NAMES[symbol]!;
  if (op === 'like') return { field, op, value: text };
  const type = typeOf(field);
  if (type?.kind === 'array') {
    // A query compares a list field (`dependencies`) as its JSON text, and takes no array
    // as a value: `dependencies=[]` is that text, `dependencies=null` a missing field.
    // The stored text has no spaces between tokens: `dependencies=["a", "b"]` means that list.
    return { field, op, value: text.trim() === 'null' ? null : isJsonText(text) ? compactJson(text.trim()) : text };
  }
  const value = convertScalar(arg, field, text, type, op !== 'eq' && op !== 'ne');
  refuseNotANumber(arg, field, text, value, type, op !== 'eq' && op !== 'ne');
  return { field, op, value };
}

/**
 * A value that cannot be what the field holds is a usage error, not a query that
 * silently matches nothing: text for a number field of the built-in types
 * (`review_passes>3x`), and, for an ordering on a `*_at` field, text that is neither a
 * number nor a date (`updated_at>yesterday`).
 */
function refuseNotANumber(arg: string, field: string, text: string, value: unknown, type: FieldType | undefined, ordering: boolean): void {
  if (typeof value === 'number' || (value === null && !ordering)) return;
  const numeric = type?.kind === 'number' || type?.kind === 'integer';
  const timestamp = ordering && field.slice(field.lastIndexOf('.') + 1).endsWith('_at');
  if (!numeric && !timestamp) return;
  throw new UsageError(`--where ${JSON.stringify(arg)}: ${JSON.stringify(text)} is not ${timestamp ? 'a number, a date nor an ISO time' : 'a number'}, and ${field} holds ${timestamp ? 'Unix milliseconds' : 'numbers'}`, {
    hint: timestamp ? `write a number or a date, e.g. --where '${field}>=2025-01-31' or --where '${field}>1700000000000'` : `write a number, e.g. --where '${field}>=3'`,
  });
}

/** The value for one operand; for an ordering on a `*_at` field, a date is taken as its Unix ms. */
function convertScalar(arg: string, field: string, text: string, type: FieldType | undefined, ordering = false): unknown {
  const value = convertValue(text, type, (json) => refuseRoundedNumbers(json, `--where ${JSON.stringify(arg)}`));
  const last = field.slice(field.lastIndexOf('.') + 1);
  if (typeof value === 'string' && last.endsWith('_at') && (ordering || /^\d{4}-\d\d-\d\d/.test(text.trim()))) {
    const ms = Date.parse(asUtc(text.trim()));
    if (Number.isFinite(ms) && isCalendarDate(text.trim())) return ms;
  }
  return value;
}

/**
 * Whether the `YYYY-MM-DD` a text starts with is a day of the calendar: Date.parse rolls
 * `2025-02-30` over to March 2 without a word, and the query then asked for another day.
 * @example isCalendarDate('2025-02-30') // false
 */
function isCalendarDate(text: string): boolean {
  const ymd = /^(\d{4})-(\d\d)-(\d\d)/.exec(text);
  if (ymd === null) return true;
  const [year, month, day] = [Number(ymd[1]), Number(ymd[2]), Number(ymd[3])];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // not Date.UTC, which reads years 0-99 as 1900-1999
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * An ISO date-time without a zone (`2025-01-31T10:00`, `2025-01-31 10:00:05`) as UTC, as
 * every table shows times. Date.parse takes it as local time: the same query matched
 * different records on machines in different time zones. A date alone is UTC already.
 */
function asUtc(text: string): string {
  const local = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d(?::\d\d(?:\.\d+)?)?)$/i.exec(text);
  return local === null ? text : `${local[1]}T${local[2]}Z`;
}

/**
 * Every `--where` argument as one `where` object (all must hold).
 * @example parseWhere(['status in draft,ready', 'meta.owner=ana']) // { status: { in: ['draft', 'ready'] }, 'meta.owner': { eq: 'ana' } }
 */
export function parseWhere(args: readonly string[], types?: FieldTypes): Record<string, Condition> {
  const where = Object.create(null) as Record<string, Operators>;
  const given = new Map<string, string>();
  for (const arg of args) {
    const { field, op, value } = parseWhereArg(arg, types);
    const key = `${field}\0${op}`;
    const earlier = given.get(key);
    if (earlier !== undefined) {
      throw new UsageError(`--where ${JSON.stringify(earlier)} and --where ${JSON.stringify(arg)} give ${field} the same operator twice; a query holds one value per operator`, {
        hint: `keep one of them (for a range, use two operators: --where '${field}>=1' --where '${field}<9'; for several values, --where '${field} in a,b')`,
      });
    }
    given.set(key, arg);
    where[field] = { ...(Object.hasOwn(where, field) ? where[field] : {}), [op]: value } as Operators;
  }
  return where;
}

function isJsonText(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
