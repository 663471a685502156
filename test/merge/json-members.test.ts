import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { joinObjectMembers, splitObjectMembers } from '../../src/merge/json-members.js';

describe('splitObjectMembers', () => {
  it('returns keys and values exactly as written', () => {
    const text = ' { "id" : "a" ,"n":1.50, "e":-2E+3,"t":true,"f":false,"z":null , "k\\u0065y":"v\\"\\\\","o":{"a":[1,{"b":"}]"}]},"arr":[ ]}  ';
    expect(splitObjectMembers(text)).toEqual([
      { rawKey: '"id"', key: 'id', rawValue: '"a"' },
      { rawKey: '"n"', key: 'n', rawValue: '1.50' },
      { rawKey: '"e"', key: 'e', rawValue: '-2E+3' },
      { rawKey: '"t"', key: 't', rawValue: 'true' },
      { rawKey: '"f"', key: 'f', rawValue: 'false' },
      { rawKey: '"z"', key: 'z', rawValue: 'null' },
      { rawKey: '"k\\u0065y"', key: 'key', rawValue: '"v\\"\\\\"' },
      { rawKey: '"o"', key: 'o', rawValue: '{"a":[1,{"b":"}]"}]}' },
      { rawKey: '"arr"', key: 'arr', rawValue: '[ ]' },
    ]);
  });

  it('handles the empty object and a string ending in an escaped backslash', () => {
    expect(splitObjectMembers('{}')).toEqual([]);
    expect(splitObjectMembers('{ }')).toEqual([]);
    expect(splitObjectMembers('{"a":"\\\\","b":"\\\\\\""}').map((m) => m.rawValue)).toEqual(['"\\\\"', '"\\\\\\""']);
  });

  it('keeps a key written twice twice, in source order', () => {
    expect(splitObjectMembers('{"a":1,"a":2}').map((m) => m.rawValue)).toEqual(['1', '2']);
  });

  it('fails loudly on text that is not an object', () => {
    expect(() => splitObjectMembers('[1]')).toThrow(SyntaxError);
    expect(() => splitObjectMembers('{"a":1')).toThrow(SyntaxError);
    expect(() => splitObjectMembers('{"a"')).toThrow(SyntaxError);
  });

  it('round-trips any JSON object, whatever the spacing (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.constantFrom(0, 1, 2, '\t'), (object, space) => {
        const text = JSON.stringify(object, null, space);
        const parsed = JSON.parse(text) as object; // what JSON can express (-0 is written as 0)
        const members = splitObjectMembers(text);
        expect(members.map((m) => m.key)).toEqual(Object.keys(parsed));
        for (const m of members) expect(JSON.parse(m.rawValue)).toEqual(Object.getOwnPropertyDescriptor(parsed, m.key)?.value);
        expect(JSON.parse(joinObjectMembers(members))).toEqual(parsed);
        if (space === 0) expect(joinObjectMembers(members)).toBe(text); // nested values keep their own spacing
      }),
      { numRuns: 200 },
    );
  });
});
