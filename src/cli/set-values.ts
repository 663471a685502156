/**
 * `field=value` arguments (`update --set`, `list --where`) and the conversion of their
 * text to JSON values. Pure: no I/O, no store.
 *
 * Rules:
 * - For a field whose type is known (the built-in record types, from their zod schemas):
 *   strings and enums take the text as is; numbers parse the text as a number; booleans
 *   take `true` / `false`; arrays take a JSON array or a comma-separated list; `null`
 *   means null where the field is nullable. Text that does not fit is passed on
 *   unchanged, so the store's validation names the field and what it expects.
 * - For any other field: text that parses as JSON is taken as that value (`3`, `true`,
 *   `null`, `[1,2]`, `{"a":1}`, `"quoted"`), anything else as the string itself.
 * - A number a JavaScript number cannot hold exactly (an integer beyond ±2^53, a literal
 *   with more digits than a double keeps, or beyond a double's range, in whatever
 *   spelling: `12345678901234567890.0`, `1e400`) is refused (a UsageError naming the
 *   argument and the number), never rounded: storing it would silently change it.
 *   Quoted, it is kept as a string.
 */
import { comparedAs, inexactNumbers, roundedNumbers } from '../shared/exact-integers.js';
import { UsageError } from './errors.js';

type FieldKind = 'string' | 'enum' | 'number' | 'integer' | 'boolean' | 'array' | 'json';

export interface FieldType {
  kind: FieldKind;
  nullable: boolean;
  /** Allowed values of an enum. */
  values?: readonly string[];
  /** Element type of an array. */
  element?: FieldType;
}

export type FieldTypes = Readonly<Record<string, FieldType>>;

interface Assignment {
  field: string;
  /** The text after the first `=` (may be empty). */
  text: string;
}

const FIELD = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Splits `field=value` at the first `=`. Throws a {@link UsageError} (exit 2) when
 * there is no `=` or the field name is not a plain field name.
 * @example parseAssignment('title=a=b') // { field: 'title', text: 'a=b' }
 */
export function parseAssignment(arg: string, option = '--set'): Assignment {
  const eq = arg.indexOf('=');
  if (eq < 0) {
    throw new UsageError(`${option} ${JSON.stringify(arg)} is not of the form field=value`, {
      hint: `write ${option} field=value, e.g. ${option} status=ready`,
    });
  }
  const field = arg.slice(0, eq);
  if (!FIELD.test(field)) {
    throw new UsageError(`${option} ${JSON.stringify(arg)}: ${JSON.stringify(field)} is not a field name`, {
      hint: 'field names are letters, digits and _, not starting with a digit',
    });
  }
  if (field === '__proto__') {
    // JavaScript objects (and the schema validation of the built-in types) treat this key
    // as the prototype, not as data: it would be dropped or change the object's type.
    throw new UsageError(`${option} ${JSON.stringify(arg)}: __proto__ cannot be used as a field name`, {
      hint: 'choose another field name',
    });
  }
  return { field, text: arg.slice(eq + 1) };
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * The value for `text` given the field's type (undefined: unknown field, JSON-or-string).
 * @example convertValue('3', { kind: 'integer', nullable: false }) // 3
 * convertValue('123', { kind: 'string', nullable: false })        // '123'
 * convertValue('{"a":1}', undefined)                             // { a: 1 }
 */
export function convertValue(text: string, type: FieldType | undefined, refuse: (json: string) => void = refuseInexactNumbers): unknown {
  if (type === undefined || type.kind === 'json') return jsonOrString(text, refuse);
  if (type.nullable && text === 'null') return null;
  switch (type.kind) {
    case 'string':
    case 'enum':
      return text;
    case 'number':
    case 'integer': {
      const trimmed = text.trim();
      if (!NUMBER.test(trimmed)) return text;
      // As JSON writes it (`+.5` is `0.5`, `1.` is `1`): the check reads JSON number literals.
      refuse(trimmed.replace(/^\+/, '').replace(/^(-?)\./, '$10.').replace(/\.(?=[eE]|$)/, ''));
      const value = Number(trimmed);
      return Number.isFinite(value) ? value : text;
    }
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : text;
    case 'array': {
      const trimmed = text.trim();
      if (trimmed.startsWith('[')) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(trimmed);
        } catch {
          // not JSON: fall through to the comma-separated form
        }
        if (Array.isArray(parsed)) {
          refuse(trimmed);
          return parsed;
        }
      }
      if (trimmed === '') return [];
      return text
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== '')
        .map((part) => convertValue(part, type.element, refuse));
    }
  }
}

/** JSON when `text` parses as JSON, else the text itself. */
export function jsonOrString(text: string, refuse: (json: string) => void = refuseInexactNumbers): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text;
  }
  refuse(text);
  return value;
}

/**
 * For values to store: a number that would be stored with another value (see
 * `inexactNumbers`) is refused. `context` (`--set "n=1e400"`) starts the message.
 */
export function refuseInexactNumbers(json: string, context?: string): void {
  const [token] = inexactNumbers(json);
  if (token === undefined) return;
  throw new UsageError(`${prefix(context)}${token} cannot be held exactly by a number (a double): it would be stored as ${JSON.stringify(Number(token))}`, {
    hint: `to keep every digit, store it as a string: quote it ('"${token}"')`,
  });
}

/** For values to match (`--where`): only a number whose value a double does not hold as written is refused; 2^60 matches 2^60. */
export function refuseRoundedNumbers(json: string, context?: string): void {
  const [token] = roundedNumbers(json);
  if (token === undefined) return;
  throw new UsageError(`${prefix(context)}${token} cannot be held exactly by a number (a double): the condition would compare with ${comparedAs(token)}`, {
    hint: 'compare with a number a double holds exactly, or store such values as strings',
  });
}

function prefix(context: string | undefined): string {
  return context === undefined ? '' : `${context}: `;
}

/**
 * Parses every `field=value` argument and converts the values. Two assignments to the
 * same field are a usage error: one would be dropped without a word.
 * @example parseSetValues(['review_passes=3', 'title=123'], PRD_FIELD_TYPES) // { review_passes: 3, title: '123' }
 */
export function parseSetValues(args: readonly string[], types: FieldTypes | undefined, option = '--set'): Record<string, unknown> {
  const values: Record<string, unknown> = {}; // parseAssignment refuses __proto__, so plain assignment is safe
  const given = new Map<string, string>();
  for (const arg of args) {
    const { field, text } = parseAssignment(arg, option);
    const earlier = given.get(field);
    if (earlier !== undefined) {
      throw new UsageError(`${option} ${JSON.stringify(earlier)} and ${option} ${JSON.stringify(arg)} both set ${field}; one would be lost`, {
        hint: `give ${field} once`,
      });
    }
    given.set(field, arg);
    const type = types === undefined ? undefined : Object.hasOwn(types, field) ? types[field] : undefined;
    values[field] = convertValue(text, type, (json) => refuseInexactNumbers(json, `${option} ${JSON.stringify(arg)}`));
  }
  return values;
}

// ---- field types from zod schemas ----

interface ZodLike {
  _zod?: { def?: ZodDefLike };
}
interface ZodDefLike {
  type?: string;
  format?: string;
  innerType?: ZodLike;
  element?: ZodLike;
  entries?: Record<string, unknown>;
}

/**
 * The {@link FieldType} of each field of a zod object schema (zod 4), found by walking
 * the schema's definition: `default` / `optional` / `nullable` wrappers are looked
 * through, anything unfamiliar is `json`.
 * @example fieldTypesOf(PrdSchema).review_passes // { kind: 'integer', nullable: false }
 */
export function fieldTypesOf(schema: { shape: Record<string, unknown> }): FieldTypes {
  const types: Record<string, FieldType> = {};
  for (const [field, fieldSchema] of Object.entries(schema.shape)) types[field] = fieldTypeOf(fieldSchema as ZodLike);
  return types;
}

function fieldTypeOf(schema: ZodLike | undefined): FieldType {
  let nullable = false;
  let current = schema;
  for (let depth = 0; depth < 16; depth++) {
    const def = current?._zod?.def;
    if (def === undefined) return { kind: 'json', nullable: true };
    switch (def.type) {
      case 'default':
      case 'optional':
      case 'prefault':
      case 'readonly':
      case 'nonoptional':
        current = def.innerType;
        continue;
      case 'nullable':
        nullable = true;
        current = def.innerType;
        continue;
      case 'string':
        return { kind: 'string', nullable };
      case 'enum':
        return { kind: 'enum', nullable, values: Object.values(def.entries ?? {}).map(String) };
      case 'number':
        return { kind: def.format !== undefined && /int/.test(def.format) ? 'integer' : 'number', nullable };
      case 'int':
        return { kind: 'integer', nullable };
      case 'boolean':
        return { kind: 'boolean', nullable };
      case 'array':
        return { kind: 'array', nullable, element: fieldTypeOf(def.element) };
      default:
        return { kind: 'json', nullable };
    }
  }
  return { kind: 'json', nullable };
}
