/** The page's text of values parsed from an API answer: integers beyond 2^53 keep their digits. */
import { describe, expect, it } from 'vitest';
import { parseExact } from '../../src/shared/exact-json.js';
import { parseFilter } from '../../src/ui/web/filter.js';
import { valueText } from '../../src/ui/web/format.js';

describe('valueText of an API answer', () => {
  it('shows every digit of an integer beyond 2^53, alone, nested and pretty-printed', () => {
    const record = parseExact('{"n":12345678901234567890,"meta":{"list":[1,-9007199254740993],"s":"12345678901234567890"},"small":3}') as Record<string, unknown>;
    expect(valueText(record.n)).toBe('12345678901234567890');
    expect(valueText(record.meta)).toBe('{"list":[1,-9007199254740993],"s":"12345678901234567890"}');
    expect(valueText(record.meta, 2)).toBe('{\n  "list": [\n    1,\n    -9007199254740993\n  ],\n  "s": "12345678901234567890"\n}');
    expect(valueText(record.small)).toBe('3');
    expect(valueText(undefined)).toBe('');
    expect(valueText('text')).toBe('text');
  });
});

describe('the filter box', () => {
  it('refuses an integer a number would round instead of filtering by the rounded one, in both forms', () => {
    for (const text of ['n=12345678901234567890', 'title=x n=-9007199254740993', '{"n":{"gt":12345678901234567890}}']) {
      expect(() => parseFilter(text), text).toThrow(/cannot be held exactly by a number \(a double\): the filter would match/);
    }
    // Exact numbers of any length, digits in text and in JSON strings are fine.
    expect(parseFilter('n=9007199254740992 m=1152921504606846976 zip=0012345678901234567890')).toEqual({ n: 2 ** 53, m: 2 ** 60, zip: '0012345678901234567890' });
    expect(parseFilter('{"s":"12345678901234567890"}')).toEqual({ s: '12345678901234567890' });
  });

  it('refuses a number a double would change in any other spelling too, naming the field of a pair', () => {
    expect(() => parseFilter('n=12345678901234567890.0')).toThrow('n: 12345678901234567890.0 cannot be held exactly by a number (a double): the filter would match 12345678901234567168 instead');
    expect(() => parseFilter('n=0.10000000000000001')).toThrow('n: 0.10000000000000001 cannot be held exactly');
    for (const literal of ['12345678901234567890.0', '1.2345678901234567890e19', '1e400', '-1e400', '1e-400']) {
      // Named by the member it is in, as a field=value pair names its field.
      expect(() => parseFilter(`{"m":1,"n":{"in":[1,${literal}]}}`), literal).toThrow(`n.in.1: ${literal} cannot be held exactly by a number`);
    }
    // Ordinary decimals, and a double's exact value or its written form, filter by that double.
    expect(parseFilter('a=0.1 b=3.14 c=100.0 d=1152921504606846976.0 e=1152921504606847000')).toEqual({ a: 0.1, b: 3.14, c: 100, d: 2 ** 60, e: 2 ** 60 });
    expect(parseFilter('{"a":1e-7,"b":2.5e3,"c":1e21,"d":1e23,"e":-0}')).toEqual({ a: 1e-7, b: 2500, c: 1e21, d: 1e23, e: -0 });
  });
});
