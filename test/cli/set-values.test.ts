import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DependencySchema, ExecutionSchema, PrdSchema, TaskSpecSchema } from '../../src/index.js';
import { UsageError } from '../../src/cli/errors.js';
import { convertValue, fieldTypesOf, jsonOrString, parseAssignment, parseSetValues, type FieldType } from '../../src/cli/set-values.js';
import { inexactNumbers, roundedNumbers } from '../../src/shared/exact-integers.js';
import { parseWhere } from '../../src/cli/where.js';

const str: FieldType = { kind: 'string', nullable: false };
const nullableStr: FieldType = { kind: 'string', nullable: true };
const int: FieldType = { kind: 'integer', nullable: false };
const bool: FieldType = { kind: 'boolean', nullable: false };
const strArray: FieldType = { kind: 'array', nullable: false, element: str };

describe('parseAssignment', () => {
  it('splits at the first =', () => {
    expect(parseAssignment('title=a=b')).toEqual({ field: 'title', text: 'a=b' });
    expect(parseAssignment('title=')).toEqual({ field: 'title', text: '' });
  });

  it('rejects a missing = or a bad field name as a usage error', () => {
    expect(() => parseAssignment('title')).toThrow(UsageError);
    expect(() => parseAssignment('=x')).toThrow(/not a field name/);
    expect(() => parseAssignment('a.b=1')).toThrow(/not a field name/);
    expect(() => parseAssignment('1a=1', '--where')).toThrow(/--where/);
    try {
      parseAssignment('nope');
    } catch (err) {
      expect((err as UsageError).exitCode).toBe(2);
    }
  });

  it('round-trips any field name and value', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,20}$/), fc.string(), (field, text) => {
        expect(parseAssignment(`${field}=${text}`)).toEqual({ field, text });
      }),
    );
  });
});

describe('convertValue', () => {
  it('converts to the type of a known field', () => {
    expect(convertValue('3', int)).toBe(3);
    expect(convertValue(' 42 ', int)).toBe(42);
    expect(convertValue('-1.5e2', { kind: 'number', nullable: false })).toBe(-150);
    expect(convertValue('123', str)).toBe('123');
    expect(convertValue('true', str)).toBe('true');
    expect(convertValue('null', str)).toBe('null');
    expect(convertValue('null', nullableStr)).toBeNull();
    expect(convertValue('true', bool)).toBe(true);
    expect(convertValue('false', bool)).toBe(false);
    expect(convertValue('ready', { kind: 'enum', nullable: false, values: ['ready'] })).toBe('ready');
  });

  it('passes text that does not fit through unchanged, for the store to reject by field', () => {
    expect(convertValue('abc', int)).toBe('abc');
    expect(convertValue('', int)).toBe('');
    expect(convertValue('Infinity', int)).toBe('Infinity');
    expect(convertValue('yes', bool)).toBe('yes');
  });

  it('reads arrays as JSON or as a comma-separated list', () => {
    expect(convertValue('["a","b"]', strArray)).toEqual(['a', 'b']);
    expect(convertValue('a, b,,c', strArray)).toEqual(['a', 'b', 'c']);
    expect(convertValue('', strArray)).toEqual([]);
    expect(convertValue('[]', strArray)).toEqual([]);
    expect(convertValue('[x', strArray)).toEqual(['[x']);
  });

  it('takes JSON for unknown fields, else the string', () => {
    expect(convertValue('3', undefined)).toBe(3);
    expect(convertValue('true', undefined)).toBe(true);
    expect(convertValue('null', undefined)).toBeNull();
    expect(convertValue('{"a":[1]}', undefined)).toEqual({ a: [1] });
    expect(convertValue('"quoted"', undefined)).toBe('quoted');
    expect(convertValue('hello world', undefined)).toBe('hello world');
    expect(convertValue('', undefined)).toBe('');
  });

  it('property: any JSON value survives the generic rule', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(convertValue(JSON.stringify(value), undefined)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('property: text that is not JSON stays the same string', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        let isJson = true;
        try {
          JSON.parse(text);
        } catch {
          isJson = false;
        }
        fc.pre(!isJson);
        expect(jsonOrString(text)).toBe(text);
      }),
    );
  });

  it('property: string fields keep any text; integer fields read any safe integer', () => {
    fc.assert(
      fc.property(fc.string(), fc.maxSafeInteger(), (text, n) => {
        expect(convertValue(text, str)).toBe(text);
        expect(convertValue(String(n), int)).toBe(n);
      }),
    );
  });

  it('property: a JSON array of strings round-trips for array fields', () => {
    fc.assert(
      fc.property(fc.array(fc.string()), (items) => {
        expect(convertValue(JSON.stringify(items), strArray)).toEqual(items);
      }),
    );
  });
});

describe('fieldTypesOf (zod schemas of the built-in record types)', () => {
  it('finds the type of each field through defaults and nullables', () => {
    const prd = fieldTypesOf(PrdSchema);
    expect(prd.review_passes).toEqual({ kind: 'integer', nullable: false });
    expect(prd.title).toEqual({ kind: 'string', nullable: false });
    expect(prd.status?.kind).toBe('enum');
    expect(prd.status?.values).toContain('draft');
    expect(prd.created_at?.kind).toBe('integer');
    const spec = fieldTypesOf(TaskSpecSchema);
    expect(spec.workflow_name).toEqual({ kind: 'string', nullable: true });
    expect(spec.dependencies).toEqual({ kind: 'array', nullable: false, element: { kind: 'string', nullable: false } });
    const execution = fieldTypesOf(ExecutionSchema);
    expect(execution.iteration_count?.kind).toBe('integer');
    expect(execution.completed_at).toEqual({ kind: 'integer', nullable: true });
    expect(fieldTypesOf(DependencySchema).payload).toEqual({ kind: 'string', nullable: true });
  });

  it('parseSetValues converts per field, and refuses a field set twice (one value would be lost)', () => {
    const types = fieldTypesOf(PrdSchema);
    expect(parseSetValues(['review_passes=3', 'title=123', 'extra=[1]'], types)).toEqual({
      review_passes: 3,
      title: '123',
      extra: [1],
    });
    expect(() => parseSetValues(['title=123', 'review_passes=3', 'title=x'], types)).toThrow(
      expect.objectContaining({ message: '--set "title=123" and --set "title=x" both set title; one would be lost' }),
    );
    expect(parseSetValues(['n=5', 'flag=true', 'name=ana'], undefined)).toEqual({ n: 5, flag: true, name: 'ana' });
    // Inherited object keys are not field types.
    expect(parseSetValues(['toString=1'], types)).toEqual({ toString: 1 });
  });
});

describe('integers beyond 2^53', () => {
  const big = '12345678901234567890';

  it('are refused, never rounded, wherever a value is converted', () => {
    for (const convert of [
      () => convertValue(big, undefined),
      () => convertValue(`{"n":${big}}`, undefined),
      () => convertValue(big, { kind: 'integer', nullable: false }),
      () => convertValue(`[1,${big}]`, { kind: 'array', nullable: false, element: { kind: 'number', nullable: false } }),
      () => parseSetValues([`n=${big}`], undefined),
    ]) {
      expect(convert).toThrow(UsageError);
      expect(convert).toThrow(big);
    }
  });

  it('beyond the largest double (parsed as Infinity, stored as null) are refused too, not a crash', () => {
    const huge = '9'.repeat(400);
    expect(inexactNumbers(`{"n":${huge},"m":-${huge}}`)).toEqual([huge, `-${huge}`]);
    expect(() => parseSetValues([`n=${huge}`], undefined)).toThrow(UsageError);
    expect(() => parseSetValues([`n=${huge}`], undefined)).toThrow('stored as null');
  });

  it('are kept, digit for digit, when quoted as a string', () => {
    expect(convertValue(`"${big}"`, undefined)).toBe(big);
    expect(convertValue(big, { kind: 'string', nullable: false })).toBe(big);
  });

  it('are found exactly: the integer literals outside strings whose digits JSON.parse + JSON.stringify would change, and those whose value it rounds (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }), fc.string()), { maxLength: 8 }), (items) => {
        const json = JSON.stringify(items.map((item) => (typeof item === 'bigint' ? `@@${item}@@` : item))).replace(/"@@(-?\d+)@@"/g, '$1');
        const ints = items.filter((item): item is bigint => typeof item === 'bigint');
        expect(inexactNumbers(json)).toEqual(ints.filter((item) => String(Number(item)) !== String(item)).map(String));
        expect(roundedNumbers(json)).toEqual(ints.filter((item) => BigInt(Number(item)) !== item && String(Number(item)) !== String(item)).map(String));
      }),
    );
  });

  it('a double written back with other digits is refused for --set, and matches as itself in --where', () => {
    // 6807623405785651200 is a double, which JSON.stringify writes 6807623405785651000: storing
    // it would change the integer every reader that does not round to doubles sees.
    expect(inexactNumbers('[-6807623405785651200]')).toEqual(['-6807623405785651200']);
    expect(roundedNumbers('[-6807623405785651200]')).toEqual([]);
    expect(() => parseSetValues(['n=-6807623405785651200'], undefined)).toThrow('it would be stored as -6807623405785651000');
    expect(parseWhere(['n=1152921504606846976'])).toEqual({ n: { eq: 2 ** 60 } });
    expect(() => parseWhere(['n=12345678901234567890'])).toThrow(UsageError);
  });
});

/** A number literal's exact value as [mantissa, exponent of 10] (an independent reading: no regular expression is shared with the code). */
function valueOf(literal: string): [bigint, number] {
  const lower = literal.toLowerCase();
  const e = lower.indexOf('e');
  const mantissa = e < 0 ? lower : lower.slice(0, e);
  const exponent = e < 0 ? 0 : Number(lower.slice(e + 1));
  const point = mantissa.indexOf('.');
  const digits = point < 0 ? mantissa : mantissa.slice(0, point) + mantissa.slice(point + 1);
  return [BigInt(digits), exponent - (point < 0 ? 0 : mantissa.length - point - 1)];
}

function sameValue(a: [bigint, number], b: [bigint, number]): boolean {
  const low = Math.min(a[1], b[1]);
  return a[0] * 10n ** BigInt(a[1] - low) === b[0] * 10n ** BigInt(b[1] - low);
}

/** The exact value of a finite double, from its bits. */
function doubleValue(x: number): [bigint, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const sign = bits >> 63n === 1n ? -1n : 1n;
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const twos = (biased === 0 ? 1 : biased) - 1075; // x = mantissa * 2^twos
  if (twos >= 0) return [sign * mantissa * 2n ** BigInt(twos), 0];
  return [sign * mantissa * 5n ** BigInt(-twos), twos]; // m / 2^k = m * 5^k / 10^k
}

/** True when storing `literal` (JSON.parse, then JSON.stringify) writes another value (a zero's sign aside: `-0` is stored as `0`). */
function storingChanges(literal: string): boolean {
  const written = JSON.stringify(JSON.parse(literal));
  if (written === 'null') return true; // ±Infinity
  return !sameValue(valueOf(literal), valueOf(written));
}

/** True when a filter by `literal` compares with a double that is neither its value nor written as it. */
function filteringChanges(literal: string): boolean {
  const number = JSON.parse(literal) as number;
  if (!Number.isFinite(number)) return true;
  return !sameValue(valueOf(literal), doubleValue(number)) && storingChanges(literal);
}

/** JSON number literals of every shape: sign, up to 25 digits, a point anywhere, an exponent up to ±400. */
const literals = fc
  .tuple(
    fc.boolean(),
    fc.stringMatching(/^[1-9][0-9]{0,24}$/),
    fc.nat({ max: 25 }),
    fc.option(fc.integer({ min: -400, max: 400 })),
    fc.nat({ max: 3 }),
  )
  .map(([negative, digits, pointAt, exponent, zeros]) => {
    const body = digits + '0'.repeat(zeros);
    const at = Math.min(pointAt, body.length);
    const mantissa = at === 0 || at === body.length ? body : `${body.slice(0, at)}.${body.slice(at)}`;
    return `${negative ? '-' : ''}${mantissa}${exponent === null ? '' : `e${exponent}`}`;
  });

describe('numbers a double would change, in any spelling', () => {
  it('12345678901234567890.0, 1.2345678901234567890e19, 1e400, -1e400 and 1e-400 are refused by --set and --where, naming the argument', () => {
    for (const literal of ['12345678901234567890.0', '1.2345678901234567890e19', '1e400', '-1e400', '1e-400', '0.10000000000000001']) {
      for (const type of [undefined, { kind: 'number', nullable: false } as const]) {
        expect(() => parseSetValues([`n=${literal}`], type === undefined ? undefined : { n: type })).toThrow(`--set "n=${literal}": ${literal} cannot be held exactly`);
        expect(() => parseWhere([`n=${literal}`], type === undefined ? undefined : { n: type })).toThrow(`--where "n=${literal}": ${literal} cannot be held exactly`);
      }
      expect(() => convertValue(`[1,${literal}]`, undefined)).toThrow(UsageError);
      expect(() => convertValue(`{"a":{"b":${literal}}}`, undefined)).toThrow(literal);
      expect(() => parseWhere([`n in 1,${literal}`])).toThrow(UsageError);
    }
    expect(() => parseSetValues(['n=12345678901234567890.0'], undefined)).toThrow('it would be stored as 12345678901234567000');
    expect(() => parseSetValues(['n=1e400'], undefined)).toThrow('it would be stored as null');
    expect(() => parseSetValues(['n=-1e400'], undefined)).toThrow('it would be stored as null');
    expect(() => parseSetValues(['n=1e-400'], undefined)).toThrow('it would be stored as 0');
    expect(() => parseWhere(['n=12345678901234567890.0'])).toThrow('would compare with 12345678901234567168');
    // The other spellings a typed number field reads are checked as the number they are.
    for (const literal of ['+12345678901234567890.0', '12345678901234567890.', '-.12345678901234567890123', '+1e400']) {
      expect(() => convertValue(literal, { kind: 'number', nullable: false })).toThrow(UsageError);
    }
    expect(convertValue('+.5', { kind: 'number', nullable: false })).toBe(0.5);
    expect(() => convertValue('.123456789012345678901', { kind: 'number', nullable: false })).toThrow('.123456789012345678901 cannot be held exactly');
  });

  it('ordinary numbers are taken as today, and quoted ones kept as strings', () => {
    const ordinary = { '0.1': 0.1, '3.14': 3.14, '1e-7': 1e-7, '2.5e3': 2500, '100.0': 100, '1e21': 1e21, '-2.5E-3': -0.0025, '5e-324': 5e-324, '1.7976931348623157e308': Number.MAX_VALUE };
    for (const [literal, value] of Object.entries(ordinary)) {
      expect(parseSetValues([`n=${literal}`], undefined)).toEqual({ n: value });
      expect(parseSetValues([`n=${literal}`], { n: { kind: 'number', nullable: false } })).toEqual({ n: value });
      expect(parseWhere([`n=${literal}`])).toEqual({ n: { eq: value } });
    }
    expect(Object.is(parseSetValues(['n=-0'], undefined).n, -0)).toBe(true); // stored as 0, as documented
    expect(convertValue('"1e400"', undefined)).toBe('1e400');
    expect(convertValue('12345678901234567890.0', { kind: 'string', nullable: false })).toBe('12345678901234567890.0');
    // A filter by a double's exact value matches what was asked, however it is written.
    expect(parseWhere(['n=1152921504606846976.0'])).toEqual({ n: { eq: 2 ** 60 } });
    expect(parseWhere(['n=1152921504606847000'])).toEqual({ n: { eq: 2 ** 60 } }); // 2^60 as JSON.stringify writes it
    expect(parseWhere(['n=1e23'])).toEqual({ n: { eq: 1e23 } });
    expect(() => parseSetValues(['n=1152921504606846976.0'], undefined)).toThrow('stored as 1152921504606847000');
  });

  it('a literal is refused for storing exactly when JSON.parse + JSON.stringify would write another value (property)', () => {
    fc.assert(
      fc.property(literals, (literal) => {
        expect(inexactNumbers(`{"n":[${literal}],"s":"${literal}"}`)).toEqual(storingChanges(literal) ? [literal] : []);
      }),
      { numRuns: 3000 },
    );
  });

  it('a literal is refused in a filter exactly when the double it parses to is not its value and is written with another (property)', () => {
    fc.assert(
      fc.property(literals, (literal) => {
        expect(roundedNumbers(`{"n":{"in":[${literal}]}}`)).toEqual(filteringChanges(literal) ? [literal] : []);
      }),
      { numRuns: 3000 },
    );
  });

  it('every double as JavaScript writes it is accepted, and so is any literal of up to 15 digits within the normal range (property)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(inexactNumbers(`[${String(x)}]`)).toEqual([]);
        expect(roundedNumbers(`[${String(x)}]`)).toEqual([]);
      }),
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[1-9][0-9]{0,14}$/), fc.nat({ max: 15 }), fc.integer({ min: -290, max: 290 }), (digits, pointAt, exponent) => {
        const at = Math.min(pointAt, digits.length);
        const literal = `${at === 0 || at === digits.length ? digits : `${digits.slice(0, at)}.${digits.slice(at)}`}e${exponent}`;
        expect(inexactNumbers(`[${literal}]`)).toEqual([]);
        expect(storingChanges(literal)).toBe(false);
      }),
    );
  });
});
