import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ParsedVersions, cloneJson, keptWeight } from '../../src/cache/parsed-versions.js';

/** Every object and array inside `value`, itself included. */
function containers(value: unknown, out: object[] = []): object[] {
  if (typeof value === 'object' && value !== null) {
    out.push(value);
    for (const member of Object.values(value)) containers(member, out);
  }
  return out;
}

describe('cloneJson', () => {
  afterEach(() => {
    delete (Object.prototype as Record<string, unknown>).polluted;
  });

  it('property: equals parsing the text again, member order included, and shares no object with its source', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        const parsed = JSON.parse(text) as unknown;
        const copy = cloneJson(parsed);
        expect(copy).toStrictEqual(JSON.parse(text));
        expect(JSON.stringify(copy)).toBe(text);
        const sourceObjects = new Set(containers(parsed));
        expect(containers(copy).filter((o) => sourceObjects.has(o))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a member named __proto__ a member, at any depth, and copies nothing inherited', () => {
    const text = '{"__proto__":{"polluted":1},"a":[{"__proto__":[2]}],"b":{"c":{"__proto__":null}}}';
    (Object.prototype as Record<string, unknown>).polluted = 'inherited';
    const copy = cloneJson(JSON.parse(text)) as Record<string, unknown>;
    delete (Object.prototype as Record<string, unknown>).polluted;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__', 'a', 'b']);
    expect(Object.keys(copy).includes('polluted')).toBe(false);
    expect(JSON.stringify(copy)).toBe(text);
  });
});

describe('ParsedVersions', () => {
  it('keeps up to two generations of texts, moving what is read to the younger one', () => {
    const kept = new ParsedVersions(10);
    kept.useEpoch(1);
    for (let seq = 1; seq <= 5; seq++) kept.add(seq, { seq }, 2); // generation full at 10 characters
    kept.add(6, { seq: 6 }, 2); // 1–5 become the older generation
    expect(kept.get(1)).toEqual({ seq: 1 }); // read: moves to the younger one
    for (let seq = 7; seq <= 9; seq++) kept.add(seq, { seq }, 2); // younger: 6, 1, 7, 8, 9 (full)
    kept.add(10, { seq: 10 }, 2); // 2–5 are dropped with the older generation
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].filter((seq) => kept.get(seq) !== undefined)).toEqual([1, 6, 7, 8, 9, 10]);
  });

  it('does not keep a text bigger than a generation', () => {
    const kept = new ParsedVersions(10);
    kept.useEpoch(1);
    kept.add(1, 'small', 10);
    kept.add(2, 'big', 11);
    expect(kept.get(1)).toBe('small');
    expect(kept.get(2)).toBeUndefined();
  });

  it('forgets everything when the epoch changes, and nothing when it is the same', () => {
    const kept = new ParsedVersions(100);
    kept.useEpoch(7);
    kept.add(1, 'a', 1);
    kept.useEpoch(7);
    expect(kept.get(1)).toBe('a');
    kept.useEpoch(8);
    expect(kept.isEmpty()).toBe(true);
    expect(kept.get(1)).toBeUndefined();
  });
});

describe('keptWeight', () => {
  it('is the characters plus 64 per object or array opened, strings included', () => {
    expect(keptWeight('"plain"')).toBe(7);
    expect(keptWeight('{"a":[1,{}]}')).toBe(12 + 3 * 64);
    expect(keptWeight('{"s":"[{"}')).toBe(10 + 3 * 64); // inside a string: counted, an overcount
  });

  it('keeps a generation of tiny containers to the bound: 1,000 empty objects weigh far more than their 3,000 characters', () => {
    const text = `[${Array(1000).fill('{}').join(',')}]`;
    expect(keptWeight(text)).toBe(text.length + 1001 * 64);
    const kept = new ParsedVersions(keptWeight(text) - 1);
    kept.useEpoch(1);
    kept.add(1, JSON.parse(text), keptWeight(text));
    expect(kept.get(1)).toBeUndefined();
  });
});

