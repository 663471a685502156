import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonEqual } from '../../src/merge/json-equal.js';

describe('jsonEqual', () => {
  it('ignores key order inside objects but not array order', () => {
    expect(jsonEqual(JSON.parse('{"a":1,"b":{"c":[1,2],"d":null}}'), JSON.parse('{"b":{"d":null,"c":[1,2]},"a":1}'))).toBe(true);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
  });

  it('distinguishes types, null, missing keys and lengths', () => {
    expect(jsonEqual(1, '1')).toBe(false);
    expect(jsonEqual(null, {})).toBe(false);
    expect(jsonEqual({}, [])).toBe(false);
    expect(jsonEqual({ a: null }, {})).toBe(false);
    expect(jsonEqual({ a: 1 }, { b: 1 })).toBe(false);
    expect(jsonEqual([1], [1, 1])).toBe(false);
    expect(jsonEqual(JSON.parse('1.0'), JSON.parse('1'))).toBe(true);
  });

  it('treats an own __proto__ key as an ordinary key', () => {
    expect(jsonEqual(JSON.parse('{"__proto__":{"x":1}}'), {})).toBe(false);
    expect(jsonEqual(JSON.parse('{"__proto__":{"x":1}}'), JSON.parse('{"__proto__":{"x":1}}'))).toBe(true);
    expect(jsonEqual(JSON.parse('{"__proto__":{"x":1}}'), JSON.parse('{"__proto__":{"x":2}}'))).toBe(false);
  });

  it('survives very deep nesting', () => {
    const deep = (n: number) => JSON.parse('['.repeat(n) + ']'.repeat(n));
    expect(jsonEqual(deep(100_000), deep(100_000))).toBe(true);
    expect(jsonEqual(deep(100_000), deep(99_999))).toBe(false);
  });

  it('agrees with comparing canonical (key-sorted) serializations (property)', () => {
    const canonical = (v: unknown): string =>
      Array.isArray(v)
        ? `[${v.map(canonical).join(',')}]`
        : v !== null && typeof v === 'object'
          ? `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`
          : JSON.stringify(v);
    const small = fc.jsonValue({ maxDepth: 3 });
    fc.assert(
      fc.property(small, small, (a, b) => {
        const x = JSON.parse(JSON.stringify(a));
        const y = JSON.parse(JSON.stringify(b));
        expect(jsonEqual(x, y)).toBe(canonical(x) === canonical(y));
        expect(jsonEqual(x, JSON.parse(JSON.stringify(x)))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
