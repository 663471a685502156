/** The pure rules of the change feed: which version makes which change. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { becomesCurrent, changeForAppended, changeForRewrite, changeLineText, replayChanges, type KnownVersion } from '../../src/feed/change.js';

const v = (record: Record<string, unknown>): KnownVersion => ({ updatedAt: record.updated_at as number, text: JSON.stringify(record) });

describe('changeForAppended', () => {
  it('create, update, delete and re-create; an older version appended later changes nothing', () => {
    const a1 = { id: 'a', updated_at: 10, t: 1 };
    expect(changeForAppended('n', undefined, a1, 'local')).toEqual({ collection: 'n', id: 'a', op: 'create', record: a1, source: 'local' });
    const a2 = { id: 'a', updated_at: 20, t: 2 };
    expect(changeForAppended('n', v(a1), a2, 'external')).toMatchObject({ op: 'update', previous: a1, record: a2 });
    const tomb = { id: 'a', updated_at: 30, deleted: true };
    expect(changeForAppended('n', v(a2), tomb, 'external')).toMatchObject({ op: 'delete', record: tomb, previous: a2 });
    const again = { id: 'a', updated_at: 40 };
    expect(changeForAppended('n', v(tomb), again, 'external')).toMatchObject({ op: 'create', previous: tomb });
    expect(changeForAppended('n', v(a2), { id: 'a', updated_at: 15 }, 'external')).toBeUndefined();
    // Equal stamps: the later line wins, as in every reader.
    expect(changeForAppended('n', v(a2), { id: 'a', updated_at: 20, t: 3 }, 'external')).toMatchObject({ op: 'update' });
    // The current version appended again, as it was or re-spelled, changes nothing.
    expect(changeForAppended('n', v(a2), { ...a2 }, 'external', JSON.stringify(a2))).toBeUndefined();
    expect(changeForAppended('n', v(a2), { ...a2 }, 'external', '{"t":2.0,"updated_at":20,"id":"a"}')).toBeUndefined();
    expect(changeForAppended('n', v(tomb), { ...tomb }, 'external')).toBeUndefined();
    // A later tombstone of a deleted record, or one for a record never seen: no record before, none after.
    expect(changeForAppended('n', v(tomb), { ...tomb, updated_at: 35 }, 'external')).toBeUndefined();
    expect(changeForAppended('n', undefined, { id: 'b', updated_at: 35, deleted: true }, 'external')).toBeUndefined();
    // Other digits of an integer beyond 2^53 are a change, though the parsed numbers are equal.
    const big = { updatedAt: 20, text: '{"id":"a","updated_at":20,"n":9007199254740993}' };
    expect(changeForAppended('n', big, { id: 'a', updated_at: 20, n: 9007199254740992 }, 'external', '{"id":"a","updated_at":20,"n":9007199254740992}')).toMatchObject({ op: 'update' });
  });

  it('property: applying a shuffled log version by version ends at the version a reader takes as current; changes come in increasing order, each one a visible difference', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ stamp: fc.integer({ min: 0, max: 20 }), del: fc.boolean() }), { minLength: 1, maxLength: 30 }), (versions) => {
        let known: KnownVersion | undefined;
        let knownIndex = -1;
        let lastEmitted: number | undefined;
        versions.forEach(({ stamp, del }, index) => {
          const record = del ? { id: 'x', updated_at: stamp, deleted: true, index } : { id: 'x', updated_at: stamp, index };
          const before = known;
          const change = changeForAppended('c', before, record, 'external');
          if (change !== undefined) {
            if (lastEmitted !== undefined) expect(stamp >= lastEmitted).toBe(true);
            lastEmitted = stamp;
            // A change shows a record on at least one side: never absent/deleted to deleted.
            const beforeVisible = before !== undefined && !(JSON.parse(before.text) as { deleted?: boolean }).deleted;
            expect(beforeVisible || !del).toBe(true);
          }
          if (becomesCurrent(before, record)) {
            known = v(record);
            knownIndex = index;
          } else {
            expect(change).toBeUndefined();
          }
        });
        // The reader's rule: highest stamp, later line on ties.
        let best = 0;
        versions.forEach((x, i) => {
          if (x.stamp >= versions[best]!.stamp) best = i;
        });
        expect(knownIndex).toBe(best);
      }),
    );
  });
});

describe('changeForRewrite', () => {
  it('one change per record whose current version differs, none otherwise', () => {
    const old = { id: 'a', updated_at: 10, t: 1 };
    expect(changeForRewrite('n', 'a', v(old), { text: JSON.stringify(old) }, 'rewrite')).toBeUndefined();
    expect(changeForRewrite('n', 'a', v(old), { text: JSON.stringify({ ...old, t: 2 }) }, 'rewrite')).toMatchObject({ op: 'update', previous: old });
    // The same JSON spelled differently (key order, spacing, 1.0) is no change.
    expect(changeForRewrite('n', 'a', v(old), { text: '{ "t": 1.0, "updated_at": 10, "id": "a" }' }, 'rewrite')).toBeUndefined();
    // Going back to an older version is a change too (a checkout of an older branch).
    expect(changeForRewrite('n', 'a', v(old), { text: JSON.stringify({ id: 'a', updated_at: 5 }) }, 'rewrite')).toMatchObject({ op: 'update' });
    expect(changeForRewrite('n', 'a', v(old), undefined, 'rewrite')).toEqual({ collection: 'n', id: 'a', op: 'delete', record: old, source: 'rewrite' });
    const tomb = { id: 'a', updated_at: 30, deleted: true };
    expect(changeForRewrite('n', 'a', v(tomb), undefined, 'rewrite')).toBeUndefined();
    expect(changeForRewrite('n', 'a', undefined, { text: JSON.stringify(tomb) }, 'rewrite')).toBeUndefined();
    expect(changeForRewrite('n', 'a', v(tomb), { text: JSON.stringify(old) }, 'rewrite')).toMatchObject({ op: 'create' });
    expect(changeForRewrite('n', 'a', undefined, { text: JSON.stringify(old) }, 'rewrite')).toMatchObject({ op: 'create' });
  });
});

describe('replayChanges', () => {
  it('current versions at or after since, oldest first, tombstones as deletes', () => {
    const current = new Map([
      ['b', v({ id: 'b', updated_at: 30 })],
      ['a', v({ id: 'a', updated_at: 5 })],
      ['d', v({ id: 'd', updated_at: 20, deleted: true })],
      ['c', v({ id: 'c', updated_at: 20 })],
    ]);
    expect(replayChanges('n', current, 20).map((c) => [c.id, c.op, c.source])).toEqual([
      ['c', 'update', 'rewrite'],
      ['d', 'delete', 'rewrite'],
      ['b', 'update', 'rewrite'],
    ]);
  });
});

describe('changeLineText', () => {
  it('gives the line every version of a change was parsed from, digits beyond 2^53 included; nothing for other objects', () => {
    const old: KnownVersion = { updatedAt: 7, text: '{"id":"a","n":12345678901234567890,"updated_at":7}' };
    const gone = changeForRewrite('n', 'a', old, undefined, 'rewrite')!;
    expect(gone.op).toBe('delete');
    expect(changeLineText(gone.record)).toBe(old.text);
    const newText = '{"id":"a","n":98765432109876543210,"updated_at":8}';
    const rewritten = changeForRewrite('n', 'a', old, { text: newText }, 'rewrite')!;
    expect(changeLineText(rewritten.record)).toBe(newText);
    expect(changeLineText(rewritten.previous!)).toBe(old.text);
    const appended = changeForAppended('n', old, JSON.parse(newText) as { id: string; updated_at: number }, 'external', newText)!;
    expect(changeLineText(appended.record)).toBe(newText);
    expect(changeLineText(appended.previous!)).toBe(old.text);
    const [replayed] = replayChanges('n', new Map([['a', old]]), 0);
    expect(changeLineText(replayed!.record)).toBe(old.text);
    expect(changeLineText({ id: 'a', updated_at: 7 })).toBeUndefined();
  });
});
