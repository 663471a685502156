import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DependencySchema, ExecutionSchema, PrdSchema, TaskSpecSchema } from '../../src/index.js';
import { UsageError } from '../../src/cli/errors.js';
import { convertValue, fieldTypesOf, jsonOrString, parseAssignment, parseSetValues, type FieldType } from '../../src/cli/set-values.js';
import { inexactIntegers, roundedIntegers } from '../../src/shared/exact-integers.js';
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
    expect(inexactIntegers(`{"n":${huge},"m":-${huge}}`)).toEqual([huge, `-${huge}`]);
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
        expect(inexactIntegers(json)).toEqual(ints.filter((item) => String(Number(item)) !== String(item)).map(String));
        expect(roundedIntegers(json)).toEqual(ints.filter((item) => BigInt(Number(item)) !== item).map(String));
      }),
    );
  });

  it('a double written back with other digits is refused for --set, and matches as itself in --where', () => {
    // 6807623405785651200 is a double, which JSON.stringify writes 6807623405785651000: storing
    // it would change the integer every reader that does not round to doubles sees.
    expect(inexactIntegers('[-6807623405785651200]')).toEqual(['-6807623405785651200']);
    expect(roundedIntegers('[-6807623405785651200]')).toEqual([]);
    expect(() => parseSetValues(['n=-6807623405785651200'], undefined)).toThrow('it would be stored as -6807623405785651000');
    expect(parseWhere(['n=1152921504606846976'])).toEqual({ n: { eq: 2 ** 60 } });
    expect(() => parseWhere(['n=12345678901234567890'])).toThrow(UsageError);
  });
});
