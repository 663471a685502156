import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExactInteger, parseExact, stringifyExact, withExactIntegers } from '../../src/shared/exact-json.js';

/** JSON values whose integers may be of any size, written as compact JSON text with every digit. */
const exactJson = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    // Below 1e21: JSON.stringify prints a larger number that a double holds exactly with an exponent.
    fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string(),
    fc.constantFrom('12345678901234567890', 'exact-integer-', '"', '\\', '__proto__'),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string(), fc.constant('__proto__')), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** The text a log line would hold: bigints as bare digits. */
function write(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return `[${value.map(write).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${write(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

describe('exact JSON', () => {
  it('keeps the digits of an integer that is a double JSON.stringify writes with other digits (a seed of the property below)', () => {
    for (const text of ['[-6807623405785651200]', '{"n":1152921504606846976}']) expect(stringifyExact(parseExact(text))).toBe(text);
  });

  it('parseExact then stringifyExact gives back every digit of compact JSON text', () => {
    fc.assert(
      fc.property(exactJson, (value) => {
        const text = write(value);
        expect(stringifyExact(parseExact(text))).toBe(text);
        expect(JSON.parse(stringifyExact(parseExact(text)))).toEqual(JSON.parse(text));
      }),
    );
  });

  it('withExactIntegers puts the digits of the stored line back into the parsed record, and leaves changed numbers alone', () => {
    fc.assert(
      fc.property(exactJson, (value) => {
        const text = write({ v: value });
        const exact = withExactIntegers(JSON.parse(text) as unknown, text);
        expect(stringifyExact(exact)).toBe(stringifyExact(parseExact(text)));
      }),
    );
    const line = '{"id":"a","n":12345678901234567890,"m":[-9007199254740993],"s":"12345678901234567890"}';
    const record = { ...(JSON.parse(line) as Record<string, unknown>), extra: 1 };
    expect(stringifyExact(withExactIntegers(record, line))).toBe('{"id":"a","n":12345678901234567890,"m":[-9007199254740993],"s":"12345678901234567890","extra":1}');
    // A number the record no longer holds as the line wrote it is printed as the record holds it.
    expect(stringifyExact(withExactIntegers({ ...record, n: 5 }, line))).toContain('"n":5');
    expect(withExactIntegers(record, '{"id":"a","n":1}')).toBe(record);
  });

  it('an ExactInteger is its digits in indented output, and a string that looks like its placeholder stays a string', () => {
    expect(stringifyExact({ a: [new ExactInteger('12345678901234567890')] }, 2)).toBe('{\n  "a": [\n    12345678901234567890\n  ]\n}');
    const fake = `${JSON.stringify(new ExactInteger('1')).slice(1, -1).replace(/[0-9a-f]{8}-/, '00000000-')}`;
    expect(stringifyExact({ s: fake })).toBe(JSON.stringify({ s: fake }));
    expect(stringifyExact({ s: 'exact-integer-x:12345678901234567890' })).toBe('{"s":"exact-integer-x:12345678901234567890"}');
  });
});
