import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonPathTokens } from '../../src/shared/json-paths.js';

/** The value at `path` of a parsed JSON value (own members only: a key may be `__proto__`). */
function at(value: unknown, path: readonly (string | number)[]): unknown {
  return path.reduce<unknown>((v, k) => Object.getOwnPropertyDescriptor(v, k)?.value, value);
}

describe('jsonPathTokens', () => {
  it('names each scalar by the path that reaches it in the parsed value, in text order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value, null, 1);
        const scalars = [...jsonPathTokens(text)].filter((t) => t.kind === 'value');
        const expected: { path: (string | number)[]; value: unknown }[] = [];
        const walk = (v: unknown, path: (string | number)[]): void => {
          if (Array.isArray(v)) v.forEach((item, i) => walk(item, [...path, i]));
          else if (v !== null && typeof v === 'object') for (const [k, item] of Object.entries(v)) walk(item, [...path, k]);
          else expected.push({ path, value: v });
        };
        walk(JSON.parse(text), []);
        expect(scalars.map((t) => t.path)).toEqual(expected.map((e) => e.path));
        for (const t of scalars) expect(JSON.parse(t.kind === 'value' ? t.token : 'null')).toEqual(at(JSON.parse(text), t.path));
      }),
    );
  });

  it('keeps a member named __proto__ as any other', () => {
    const tokens = [...jsonPathTokens('{"__proto__":{"x":1},"__proto__":2}')];
    expect(tokens.filter((t) => t.kind === 'value').map((t) => t.path)).toEqual([['__proto__', 'x'], ['__proto__']]);
    expect(tokens.filter((t) => t.kind === 'key').map((t) => t.kind === 'key' && t.repeated)).toEqual([false, false, true]);
  });

  it('marks a key its object already had, and only that one', () => {
    const tokens = [...jsonPathTokens('{"a":{"gt":1,"lt":2,"gt":3},"b":[{"gt":4},{"gt":5}],"gt":6}')];
    const repeated = tokens.filter((t) => t.kind === 'key' && t.repeated);
    expect(repeated).toEqual([{ kind: 'key', key: 'gt', path: ['a', 'gt'], repeated: true }]);
  });

  it('reads keys through their escapes and strings of millions of characters without recursion', () => {
    const long = 'x'.repeat(3_000_000);
    const tokens = [...jsonPathTokens(`{"a\\"b":"${long}","a\\u0022b":1}`)];
    expect(tokens.filter((t) => t.kind === 'key').map((t) => [t.key, t.kind === 'key' && t.repeated])).toEqual([
      ['a"b', false],
      ['a"b', true],
    ]);
  });
});
