/**
 * A write keeps the text of what it did not change, also inside a changed object or
 * array: a patch that gives `meta` again (as read, with one member changed) leaves the
 * digits of `meta`'s other members as the log held them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { serializeKeepingMembers } from '../../src/store/version-text.js';
import { openStore } from '../records/helpers.js';

describe('unchanged members inside a changed object or array keep their text', () => {
  it('a patch of meta.s keeps meta.n = 12345678901234567890, 1.0 and escapes; a list grown at either end keeps its elements', () => {
    const { store } = openStore();
    const c = store.collection<Record<string, unknown>>({ name: 'notes' });
    c.createFromText('{"id":"a","meta":{"n":12345678901234567890,"f":1.0,"s":"x","deep":{"e":"\\u00e9","m":[1.0]}},"list":[12345678901234567890,"\\u00e9",1]}');
    const meta = c.get('a')!.meta as Record<string, unknown>;
    c.patch('a', { meta: { ...meta, s: 'y' } });
    expect(c.getText('a')).toContain('"meta":{"n":12345678901234567890,"f":1.0,"s":"y","deep":{"e":"\\u00e9","m":[1.0]}}');
    c.patch('a', { meta: { ...meta, deep: { ...(meta.deep as object), added: true } } });
    expect(c.getText('a')).toContain('"meta":{"n":12345678901234567890,"f":1.0,"s":"x","deep":{"e":"\\u00e9","m":[1.0],"added":true}}');
    const list = c.get('a')!.list as unknown[];
    c.patch('a', { list: [...list, 2] });
    expect(c.getText('a')).toContain('"list":[12345678901234567890,"\\u00e9",1,2]');
    c.patch('a', { list: [0, ...list, 2] });
    expect(c.getText('a')).toContain('"list":[0,12345678901234567890,"\\u00e9",1,2]');
    c.patch('a', { list: (c.get('a')!.list as unknown[]).slice(1) });
    expect(c.getText('a')).toContain('"list":[12345678901234567890,"\\u00e9",1,2]');
    // What the read gives back is the record written, whatever text was kept.
    expect(c.get('a')).toMatchObject({ meta: { n: 12345678901234567890, f: 1, s: 'x' }, list: [12345678901234567890, 'é', 1, 2] });
    store.close();
  });

  it('a change deep inside nested objects keeps the text of the levels above it (down to 32 levels; deeper, the changed value is written whole)', () => {
    const levels = 40;
    const prev = `{"id":"a",${'"a":{"big":12345678901234567890,'.repeat(levels)}"v":1${'}'.repeat(levels)},"updated_at":1}`;
    const record = JSON.parse(prev) as Record<string, unknown>;
    let inner = record;
    for (let i = 0; i < levels; i++) inner = inner.a as Record<string, unknown>;
    inner.v = 2;
    record.updated_at = 2;
    const text = serializeKeepingMembers(record as never, prev);
    expect(JSON.parse(text)).toEqual(record);
    // The levels above the cut keep their digits; the rest is written from the numbers.
    expect(text.split('"big":12345678901234567890').length - 1).toBe(32);
    expect(text).toContain('"v":2');
  });

  it('property: the kept text always parses to the record written, also from a previous line spelled otherwise than JSON.stringify spells it', () => {
    const change = (value: unknown, pick: number): unknown => {
      if (Array.isArray(value)) return pick % 3 === 0 ? [pick, ...value] : value.map((v, i) => (i === pick % Math.max(value.length, 1) ? change(v, pick + 1) : v));
      if (typeof value === 'object' && value !== null) {
        const keys = Object.keys(value);
        const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
        if (keys.length === 0 || pick % 4 === 0) out[`k${pick}`] = pick;
        else out[keys[pick % keys.length]!] = change(out[keys[pick % keys.length]!], pick + 1);
        return out;
      }
      return pick % 2 === 0 ? `changed ${pick}` : pick;
    };
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.nat(), fc.boolean(), (before, pick, spaced) => {
        const parsed = JSON.parse(JSON.stringify({ ...before, id: 'a', updated_at: 1 })) as Record<string, unknown>;
        // Another program's spelling: spaces between tokens (a log line has no newline), 1.0 for 1.
        const prev = (spaced ? JSON.stringify(parsed, null, 1).replace(/\n/g, ' ') : JSON.stringify(parsed)).replace(/(?<=[:[,\s])(-?\d+)(?=[,\]}\s])/g, '$1.0');
        const record = { ...(change(parsed, pick) as Record<string, unknown>), id: 'a', updated_at: 2 };
        const text = serializeKeepingMembers(record, prev);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(record)));
        expect(text).not.toMatch(/\n/);
      }),
      { numRuns: 500 },
    );
  });
});
