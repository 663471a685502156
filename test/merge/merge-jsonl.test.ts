import { describe, expect, it } from 'vitest';
import { parseLine } from '../../src/jsonl/line-codec.js';
import { mergeJsonl } from '../../src/merge/merge-jsonl.js';
import { mergeJsonlBytes } from '../../src/merge/merge-bytes.js';
import {
  conflictBlocks,
  content,
  currentState,
  hasMarkers,
  jsonl,
  linesOf,
  resolveKeeping,
  type Rec,
} from './jsonl-fixtures.js';

const r = (id: string, updated_at: number, fields: Record<string, unknown> = {}): Rec => ({ id, updated_at, ...fields });

describe('mergeJsonl: the worked example of docs/merge.md', () => {
  it('merges {a:0,b:0} / ours {a:1,b:1}@5 / theirs {a:0,b:1}@6 into {a:1,b:1} and appends it at 7', () => {
    const base = jsonl(r('t1', 1, { a: 0, b: 0 }));
    const ours = base + jsonl(r('t1', 5, { a: 1, b: 1 }));
    const theirs = base + jsonl(r('t1', 6, { a: 0, b: 1 }));
    const result = mergeJsonl(base, ours, theirs);
    expect(result.conflicts).toBe(0);
    expect(result.text).toBe(
      jsonl(r('t1', 1, { a: 0, b: 0 }), r('t1', 5, { a: 1, b: 1 }), r('t1', 6, { a: 0, b: 1 }), r('t1', 7, { a: 1, b: 1 })),
    );
  });
});

describe('history', () => {
  it("keeps ours' lines in order, then theirs' lines that ours lacks, without duplicates", () => {
    const base = jsonl(r('a', 1), r('b', 1));
    const ours = jsonl(r('a', 1), r('b', 1), r('c', 2), r('d', 3));
    const theirs = jsonl(r('a', 1), r('b', 1), r('e', 2), r('d', 3), r('f', 4));
    const result = mergeJsonl(base, ours, theirs);
    expect(linesOf(result.text)).toEqual(linesOf(jsonl(r('a', 1), r('b', 1), r('c', 2), r('d', 3), r('e', 2), r('f', 4))));
    expect(result.conflicts).toBe(0);
    expect(result.badLines).toEqual([]);
  });

  it('keeps old versions of both sides even when the newest wins', () => {
    const base = jsonl(r('a', 1, { s: 'x' }));
    const ours = base + jsonl(r('a', 2, { s: 'ours-1' }), r('a', 3, { s: 'ours-2' }));
    const theirs = base + jsonl(r('a', 4, { s: 'theirs' }));
    const { text } = mergeJsonl(base, ours, theirs);
    expect(linesOf(text)).toEqual(linesOf(ours + jsonl(r('a', 4, { s: 'theirs' }))));
    expect(currentState(text).get('a')?.s).toBe('theirs');
  });

  it('appends nothing when the reader of the merged lines already sees the merged record', () => {
    const base = jsonl(r('a', 1, { x: 0 }));
    const theirs = base + jsonl(r('a', 2, { x: 1 }));
    expect(mergeJsonl(base, base, theirs).text).toBe(theirs);
    expect(mergeJsonl(base, theirs, base).text).toBe(theirs);
  });

  it('keeps records that exist on one side only', () => {
    const base = jsonl(r('a', 1));
    const ours = base + jsonl(r('o', 2, { v: 1 }));
    const theirs = base + jsonl(r('t', 2, { v: 2 }));
    const state = currentState(mergeJsonl(base, ours, theirs).text);
    expect([...state.keys()]).toEqual(['a', 'o', 't']);
  });
});

describe('field-by-field three-way merge', () => {
  const base = jsonl(r('a', 1, { x: 0, y: 0, z: 0 }));

  it('takes each side’s change when they changed different fields', () => {
    const ours = base + jsonl(r('a', 2, { x: 1, y: 0, z: 0 }));
    const theirs = base + jsonl(r('a', 3, { x: 0, y: 2, z: 0 }));
    const result = mergeJsonl(base, ours, theirs);
    expect(content(currentState(result.text).get('a'))).toEqual({ id: 'a', x: 1, y: 2, z: 0 });
    expect(currentState(result.text).get('a')?.updated_at).toBe(4);
  });

  it('takes the value of the side with the higher updated_at when both changed a field', () => {
    const oursNewer = mergeJsonl(base, base + jsonl(r('a', 5, { x: 'o', y: 0, z: 0 })), base + jsonl(r('a', 4, { x: 't', y: 0, z: 1 })));
    expect(content(currentState(oursNewer.text).get('a'))).toEqual({ id: 'a', x: 'o', y: 0, z: 1 });
    const theirsNewer = mergeJsonl(base, base + jsonl(r('a', 4, { x: 'o', y: 1, z: 0 })), base + jsonl(r('a', 5, { x: 't', y: 0, z: 0 })));
    expect(content(currentState(theirsNewer.text).get('a'))).toEqual({ id: 'a', x: 't', y: 1, z: 0 });
  });

  it('counts a removed field as a change', () => {
    const ours = base + jsonl(r('a', 2, { x: 0, y: 0 })); // z removed
    const theirs = base + jsonl(r('a', 3, { x: 5, y: 0, z: 0 }));
    const merged = currentState(mergeJsonl(base, ours, theirs).text).get('a');
    expect(content(merged)).toEqual({ id: 'a', x: 5, y: 0 });
  });

  it('lets a newer change beat an older removal and vice versa', () => {
    const removeOld = mergeJsonl(base, base + jsonl(r('a', 2, { x: 0, y: 0 })), base + jsonl(r('a', 3, { x: 0, y: 0, z: 9 })));
    expect(currentState(removeOld.text).get('a')?.z).toBe(9);
    const removeNew = mergeJsonl(base, base + jsonl(r('a', 4, { x: 0, y: 0 })), base + jsonl(r('a', 3, { x: 0, y: 0, z: 9 })));
    expect(currentState(removeNew.text).get('a')).not.toHaveProperty('z');
  });

  it('compares values as JSON: key order inside objects and number spelling do not matter', () => {
    const b = jsonl(r('a', 1, { meta: { p: 1, q: 2 }, n: 1 }));
    const ours = b + '{"id":"a","updated_at":5,"meta":{"q":2,"p":1},"n":1.0,"x":1}\n';
    const theirs = b + '{"id":"a","updated_at":5,"meta":{"p":1,"q":2},"n":1,"y":2}\n';
    const result = mergeJsonl(b, ours, theirs);
    expect(result.conflicts).toBe(0);
    expect(content(currentState(result.text).get('a'))).toEqual({ id: 'a', meta: { p: 1, q: 2 }, n: 1, x: 1, y: 2 });
  });

  it('treats array order as significant', () => {
    const b = jsonl(r('a', 1, { tags: [1, 2] }));
    const result = mergeJsonl(b, b + jsonl(r('a', 2, { tags: [2, 1] })), b + jsonl(r('a', 2, { tags: [1, 2], k: 1 })));
    expect(currentState(result.text).get('a')?.tags).toEqual([2, 1]);
  });

  it('merges records added on both sides (no base) by updated_at per field', () => {
    const result = mergeJsonl('', jsonl(r('n', 2, { x: 1, o: true })), jsonl(r('n', 3, { x: 2, t: true })));
    expect(content(currentState(result.text).get('n'))).toEqual({ id: 'n', x: 2, o: true, t: true });
  });

  it('writes the merged line in the winning side’s key order, then keys only the other side has', () => {
    const b = '{"id":"a","updated_at":1,"x":0,"y":0}\n';
    const ours = b + '{"id":"a","x":1,"updated_at":2,"y":0,"extra_o":true}\n';
    const theirs = b + '{"y":3,"updated_at":3,"id":"a","x":0,"extra_t":true}\n';
    const lines = linesOf(mergeJsonl(b, ours, theirs).text);
    expect(lines.at(-1)).toBe('{"y":3,"updated_at":4,"id":"a","x":1,"extra_t":true,"extra_o":true}');
  });

  it('takes the later line as a side’s current version when updated_at is equal', () => {
    const b = jsonl(r('a', 1, { x: 0, y: 0 }));
    const ours = b + jsonl(r('a', 5, { x: 1, y: 0 }), r('a', 5, { x: 2, y: 0 }));
    const theirs = b + jsonl(r('a', 6, { x: 0, y: 3 }));
    expect(currentState(mergeJsonl(b, ours, theirs).text).get('a')).toEqual(r('a', 7, { x: 2, y: 3 }));
  });

  it('treats a re-created record as new: a tombstone’s leftover fields are no base', () => {
    const b = jsonl(r('a', 1, { x: 1 }), r('a', 2, { deleted: true, x: 1 }));
    const ours = b + jsonl(r('a', 5, { x: 1, y: 1 }));
    const theirs = b + jsonl(r('a', 4, { x: 2 }));
    expect(content(currentState(mergeJsonl(b, ours, theirs).text).get('a'))).toEqual({ id: 'a', x: 1, y: 1 });
  });

  it('re-creates a record whose base version is a tombstone', () => {
    const b = jsonl(r('a', 1, { x: 0 }), r('a', 2, { deleted: true }));
    const ours = b + jsonl(r('a', 3, { x: 7 }));
    const state = currentState(mergeJsonl(b, ours, b).text);
    expect(content(state.get('a'))).toEqual({ id: 'a', x: 7 });
  });
});

describe('tombstones', () => {
  const base = jsonl(r('a', 1, { x: 0 }));
  const tomb = (ua: number) => r('a', ua, { deleted: true });

  it('delete vs a later update on the other side: the update wins', () => {
    const result = mergeJsonl(base, base + jsonl(tomb(2)), base + jsonl(r('a', 3, { x: 1 })));
    expect(content(currentState(result.text).get('a'))).toEqual({ id: 'a', x: 1 });
    const mirrored = mergeJsonl(base, base + jsonl(r('a', 3, { x: 1 })), base + jsonl(tomb(2)));
    expect(mirrored.text).toBe(base + jsonl(r('a', 3, { x: 1 }), tomb(2)));
    expect(result.conflicts + mirrored.conflicts).toBe(0);
  });

  it('update vs a later delete: deleted', () => {
    const result = mergeJsonl(base, base + jsonl(r('a', 2, { x: 1 })), base + jsonl(tomb(3)));
    expect(currentState(result.text).get('a')?.deleted).toBe(true);
    const mirrored = mergeJsonl(base, base + jsonl(tomb(3)), base + jsonl(r('a', 2, { x: 1 })));
    expect(currentState(mirrored.text).get('a')?.deleted).toBe(true);
    expect(mirrored.conflicts + result.conflicts).toBe(0);
  });

  it('an older update on the ours side loses to theirs’ newer delete even though ours’ line comes first', () => {
    const result = mergeJsonl(base, base + jsonl(r('a', 5, { x: 1 })), base + jsonl(tomb(6)));
    expect(result.text).toBe(base + jsonl(r('a', 5, { x: 1 }), tomb(6)));
  });

  it('deleted on one side, untouched on the other: deleted, even if the other re-stamped the same content later', () => {
    const restamped = base + jsonl(r('a', 9, { x: 0 }));
    const result = mergeJsonl(base, base + jsonl(tomb(2)), restamped);
    const current = currentState(result.text).get('a');
    expect(current?.deleted).toBe(true);
    expect(current?.updated_at).toBe(10);
  });

  it('a side that kept the base tombstone loses to a re-creation, even at equal updated_at', () => {
    const b = jsonl(r('a', 1, { x: 0 }), tomb(4));
    const recreated = r('a', 4, { x: 9 }); // written after the tombstone, same timestamp: later line wins
    const result = mergeJsonl(b, b, b + jsonl(recreated));
    expect(result.conflicts).toBe(0);
    expect(currentState(result.text).get('a')).toEqual(recreated);
  });

  it('delete against delete stays deleted without a conflict', () => {
    const result = mergeJsonl(base, base + jsonl(tomb(3)), base + jsonl(tomb(3)));
    expect(result.conflicts).toBe(0);
    expect(result.text).toBe(base + jsonl(tomb(3)));
  });

  it('a delete and an update at equal updated_at is a conflict', () => {
    const result = mergeJsonl(base, base + jsonl(tomb(4)), base + jsonl(r('a', 4, { x: 2 })));
    expect(result.conflicts).toBe(1);
    expect(result.conflictedRecords[0]?.reason).toMatch(/deleted on ours/);
    expect(conflictBlocks(result.text)).toEqual([{ ours: [JSON.stringify(tomb(4))], theirs: [JSON.stringify(r('a', 4, { x: 2 }))] }]);
  });
});

describe('conflicts', () => {
  const base = jsonl(r('a', 1, { x: 0, y: 0 }), r('b', 1, { x: 0 }), r('c', 1, { x: 0 }));
  const oursA = r('a', 5, { x: 1, y: 0 });
  const theirsA = r('a', 5, { x: 2, y: 1 });

  it('writes the two competing versions only inside one marker block, at the end', () => {
    const ours = base + jsonl(oursA, r('c', 2, { x: 3 }));
    const theirs = base + jsonl(theirsA);
    const result = mergeJsonl(base, ours, theirs);
    expect(result.conflicts).toBe(1);
    expect(result.conflictedRecords).toEqual([{ id: 'a', reason: expect.stringMatching(/field "x" changed on both sides/) }]);
    expect(result.text).toBe(
      base + jsonl(r('c', 2, { x: 3 }), '<<<<<<< ours', JSON.stringify(oursA), '=======', JSON.stringify(theirsA), '>>>>>>> theirs'),
    );
  });

  it('is resolved by keeping either side: no markers left, the kept version is current, every other line intact', () => {
    const ours = base + jsonl(oursA, r('b', 3, { x: 'o' }));
    const theirs = base + jsonl(theirsA, r('c', 3, { x: 't' }));
    const { text } = mergeJsonl(base, ours, theirs);
    for (const side of ['ours', 'theirs'] as const) {
      const resolved = resolveKeeping(text, side);
      expect(hasMarkers(resolved)).toBe(false);
      for (const line of linesOf(resolved)) expect(parseLine(line).kind).toBe('record');
      const state = currentState(resolved);
      expect(state.get('a')).toEqual(side === 'ours' ? oursA : theirsA);
      expect(state.get('b')?.x).toBe('o');
      expect(state.get('c')?.x).toBe('t');
    }
  });

  it('does not conflict when both sides made the same change at the same updated_at', () => {
    const same = r('a', 5, { x: 1, y: 0 });
    const result = mergeJsonl(base, base + jsonl(same), base + jsonl(same));
    expect(result.conflicts).toBe(0);
    expect(result.text).toBe(base + jsonl(same));
  });

  it('does not conflict when equal updated_at versions changed different fields; a merged line is appended', () => {
    const result = mergeJsonl(base, base + jsonl(r('a', 5, { x: 1, y: 0 })), base + jsonl(r('a', 5, { x: 0, y: 1 })));
    expect(result.conflicts).toBe(0);
    expect(currentState(result.text).get('a')).toEqual(r('a', 6, { x: 1, y: 1 }));
  });

  it('orders several conflict blocks by the first appearance of their ids', () => {
    const ours = base + jsonl(r('c', 4, { x: 'oc' }), r('a', 4, { x: 'oa', y: 0 }));
    const theirs = base + jsonl(r('a', 4, { x: 'ta', y: 0 }), r('c', 4, { x: 'tc' }));
    const result = mergeJsonl(base, ours, theirs);
    expect(result.conflicts).toBe(2);
    expect(result.conflictedRecords.map((c) => c.id)).toEqual(['a', 'c']);
    expect(conflictBlocks(result.text).map((b) => JSON.parse(b.ours[0] as string).id)).toEqual(['a', 'c']);
    expect(linesOf(result.text).filter((l) => l === '=======')).toHaveLength(2);
  });
});

describe('a base holding the conflict block of an earlier merge (git\'s base for a criss-cross merge)', () => {
  // The two branches each merged the other and resolved the same conflict differently; git
  // merges their two merge bases into a virtual base, block included, and hands it over.
  const before = jsonl(r('a', 1, { t: 'b' }), r('z', 1));
  const x = r('a', 5, { t: 'x' });
  const y = r('a', 5, { t: 'y' });
  const base = before + jsonl('<<<<<<< ours', JSON.stringify(x), '=======', JSON.stringify(y), '>>>>>>> theirs');
  const merges = (b: string, o: string, t: string) => {
    const bytes = mergeJsonlBytes(Buffer.from(b), Buffer.from(o), Buffer.from(t));
    return [mergeJsonl(b, o, t), { ...bytes, text: Buffer.concat(bytes.output).toString('utf8') }];
  };

  it('the block\'s versions are not the base\'s: two different resolutions conflict (the later one was taken as the base, and the other side\'s resolution won silently)', () => {
    for (const [ours, theirs] of [[x, y], [y, x]] as const) {
      for (const result of merges(base, before + jsonl(ours), before + jsonl(theirs))) {
        expect(result.conflicts).toBe(1);
        expect(result.conflictedRecords).toEqual([{ id: 'a', reason: expect.stringMatching(/field "t" changed on both sides/) }]);
      }
    }
  });

  it('versions after the block count again; the same resolution on both sides merges cleanly', () => {
    const after = base + jsonl(r('z', 2, { n: 1 }));
    for (const result of merges(after, before + jsonl(x, r('z', 2, { n: 1 }), r('z', 3, { n: 2 })), before + jsonl(x, r('z', 2, { n: 1 }), r('q', 3)))) {
      expect(result.conflicts).toBe(0);
      expect(hasMarkers(result.text)).toBe(false);
      const state = currentState(result.text);
      expect(state.get('a')).toEqual(x);
      expect(state.get('z')).toEqual(r('z', 3, { n: 2 }));
    }
  });
});

describe('a record on one side only', () => {
  const tomb = (id: string, updated_at: number) => ({ id, updated_at, deleted: true });

  it('pinned (issue: seed 207049953): theirs tombstone@1, live@1, tombstone@1 stays deleted in both directions', () => {
    // The repeated tombstone line is written once, so the history alone would read as live.
    const theirs = jsonl(tomb('a', 1), r('a', 1, { x: 1 }), tomb('a', 1));
    for (const [ours, other] of [['', theirs], [theirs, '']]) {
      const result = mergeJsonl('', ours!, other!);
      expect(result.conflicts).toBe(0);
      expect(currentState(result.text).get('a')).toMatchObject({ deleted: true });
      // Every line of the side is still there, plus one tombstone stamped after them.
      expect(linesOf(result.text)).toEqual(
        ours === '' ? [JSON.stringify(tomb('a', 1)), JSON.stringify(r('a', 1, { x: 1 })), JSON.stringify(tomb('a', 2))] : linesOf(theirs),
      );
    }
  });

  it('re-appends the side’s current version when a repeated line would hide it, also for live versions', () => {
    const theirs = jsonl(r('a', 1, { x: 1 }), r('a', 1, { x: 2 }), r('a', 1, { x: 1 }));
    const result = mergeJsonl('', jsonl(r('b', 1)), theirs);
    expect(currentState(result.text).get('a')).toEqual(r('a', 2, { x: 1 }));
  });
});

describe('a record one side removed entirely (git revert, a hand edit)', () => {
  const base = jsonl(r('keep', 1, { x: 0 }), r('gone', 2, { x: 0 }));

  it('is deleted when the other side left it as the base had it: a tombstone is appended', () => {
    const ours = base + jsonl(r('keep', 3, { x: 1 }));
    const theirs = jsonl(r('keep', 1, { x: 0 })); // the commit that created "gone" reverted
    for (const [a, b] of [[ours, theirs], [theirs, ours]]) {
      const result = mergeJsonl(base, a!, b!);
      expect(result.conflicts).toBe(0);
      expect(currentState(result.text).get('gone')).toEqual({ id: 'gone', updated_at: 3, deleted: true });
      expect(currentState(result.text).get('keep')).toEqual(r('keep', 3, { x: 1 }));
      expect(linesOf(result.text)).toContain(JSON.stringify(r('gone', 2, { x: 0 }))); // history kept
    }
  });

  it('with oursRemovals false (a cherry-pick: ours may never have had it), a record ours lacks is kept as theirs has it', () => {
    const ours = jsonl(r('keep', 1, { x: 0 }));
    const theirs = base + jsonl(r('keep', 3, { x: 1 }));
    const kept = mergeJsonl(base, ours, theirs, { oursRemovals: false });
    expect(currentState(kept.text).get('gone')).toEqual(r('gone', 2, { x: 0 }));
    expect(currentState(kept.text).get('keep')).toEqual(r('keep', 3, { x: 1 }));
    // Theirs lacking it is still a removal (a revert's "theirs" is the reverted commit's parent).
    expect(currentState(mergeJsonl(base, theirs, ours, { oursRemovals: false }).text).get('gone')?.deleted).toBe(true);
  });

  it('is kept when the side that lacks it has malformed lines of its own: a line damaged by an editor, a file that is not a log (it was deleted, exit 0)', () => {
    const ours = base + jsonl(r('keep', 3, { x: 1 }));
    const damaged = jsonl(r('keep', 1, { x: 0 })) + '{"id":"gone","updated_at":2,"x":0\n'; // a brace lost
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x0a, 0xc3]).toString('latin1');
    for (const other of [damaged, 'this is not a log\n', binary]) {
      for (const [a, b] of [[ours, other], [other, ours]] as const) {
        const bytes = mergeJsonlBytes(Buffer.from(base), Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1'));
        for (const text of [mergeJsonl(base, a, b).text, Buffer.concat(bytes.output).toString('latin1')]) {
          const state = currentState(text.split('\n').filter((l) => l.startsWith('{"id":"') && l.endsWith('}')).join('\n'));
          expect(state.get('gone')).toEqual(r('gone', 2, { x: 0 }));
          expect(state.get('keep')).toEqual(r('keep', 3, { x: 1 }));
        }
      }
    }
  });

  it('is still deleted by a side whose only malformed lines are ones the other side has too (old lines, not what that side did)', () => {
    const old = 'an old malformed line\n';
    const withOld = base + old;
    const ours = withOld + jsonl(r('keep', 3, { x: 1 }));
    const reverted = jsonl(r('keep', 1, { x: 0 })) + old;
    for (const [a, b] of [[ours, reverted], [reverted, ours]] as const) {
      const bytes = mergeJsonlBytes(Buffer.from(withOld), Buffer.from(a), Buffer.from(b));
      for (const text of [mergeJsonl(withOld, a, b).text, Buffer.concat(bytes.output).toString('utf8')]) {
        expect(currentState(text.split('\n').filter((l) => l.startsWith('{')).join('\n')).get('gone')?.deleted).toBe(true);
      }
    }
  });

  it('stays as the other side changed it: the change came after the version that was removed', () => {
    const ours = base + jsonl(r('gone', 5, { x: 9 }));
    const result = mergeJsonl(base, ours, jsonl(r('keep', 1, { x: 0 })));
    expect(currentState(result.text).get('gone')).toEqual(r('gone', 5, { x: 9 }));
  });

  it('stays deleted when the other side had deleted it, and merging the result again changes nothing', () => {
    const ours = base + jsonl({ id: 'gone', updated_at: 4, deleted: true });
    const theirs = jsonl(r('keep', 1, { x: 0 }));
    const result = mergeJsonl(base, ours, theirs);
    expect(result.text).toBe(ours);
    const reverted = mergeJsonl(base, base, theirs);
    expect(mergeJsonl(base, reverted.text, theirs).text).toBe(reverted.text);
    expect(mergeJsonl(base, base, reverted.text).text).toBe(reverted.text);
  });
});

describe('merge order with several branches (the documented limits)', () => {
  // One base; A edits f, B deletes, C later edits g. Merged into main one after the other.
  const base = jsonl(r('t', 1, { f: 'base', g: 'base' }));
  const A = base + jsonl(r('t', 2, { f: 'A', g: 'base' }));
  const B = base + jsonl({ id: 't', updated_at: 3, deleted: true });
  const C = base + jsonl(r('t', 4, { f: 'base', g: 'C' }));
  const mergeInOrder = (...branches: string[]) => branches.reduce((main, branch) => mergeJsonl(base, main, branch).text, base);
  const state = (text: string) => content(currentState(text).get('t'));

  it('a tombstone competes as a whole version, so an edit older than the delete survives only if merged after the re-creation', () => {
    expect(state(mergeInOrder(A, B, C))).toEqual({ id: 't', f: 'base', g: 'C' });
    expect(state(mergeInOrder(C, B, A))).toEqual({ id: 't', f: 'A', g: 'C' });
  });

  it('edits of different fields without deletes arrive whatever the order', () => {
    const D = base + jsonl(r('t', 3, { f: 'base', g: 'D' }));
    for (const order of [[A, D], [D, A]]) expect(state(mergeInOrder(...order))).toEqual({ id: 't', f: 'A', g: 'D' });
  });
});

describe('Rust-format lines (no id: repo_path; no updated_at: created_at)', () => {
  const dep = (fields: Record<string, unknown>) => JSON.stringify({ id: 'd1', from_exec_id: 'e1', created_at: 10, resolved_at: null, ...fields });

  it('merges versions that tie on created_at, and writes a merged line with id and updated_at', () => {
    const base = jsonl(dep({}));
    const ours = base + jsonl(dep({ resolved_at: 11 }));
    const theirs = base + jsonl(dep({ payload: 'p' }));
    const result = mergeJsonl(base, ours, theirs);
    expect(result.conflicts).toBe(0);
    const last = linesOf(result.text).at(-1)!;
    expect(last).toBe('{"id":"d1","from_exec_id":"e1","created_at":10,"resolved_at":11,"payload":"p","updated_at":11}');
  });

  it('a field both sides changed at the same (tied) version is a conflict', () => {
    const base = jsonl(dep({}));
    const result = mergeJsonl(base, base + jsonl(dep({ resolved_at: 11 })), base + jsonl(dep({ resolved_at: 12 })));
    expect(result.conflicts).toBe(1);
    expect(result.conflictedRecords[0]).toMatchObject({ id: 'd1', reason: expect.stringMatching(/same updated_at \(10\)/) });
  });

  it('keys a line without id by repo_path; a merged line gets the id first', () => {
    const rs = (fields: Record<string, unknown>) => JSON.stringify({ repo_path: '/r', last_synced_commit: 'a', updated_at: 1, ...fields });
    const base = jsonl(rs({}), rs({ repo_path: '/s' }));
    const result = mergeJsonl(base, base + jsonl(rs({ last_synced_commit: 'b', updated_at: 2 })), base + jsonl(rs({ note: 'n', updated_at: 3 })));
    expect(result.conflicts).toBe(0);
    expect(linesOf(result.text).at(-1)).toBe('{"id":"/r","repo_path":"/r","last_synced_commit":"b","updated_at":4,"note":"n"}');
  });
});

describe('limits', () => {
  it('leaves a record in conflict when no later updated_at can be written', () => {
    const max = Number.MAX_SAFE_INTEGER;
    const base = jsonl(r('a', 1, { x: 0, y: 0 }));
    const result = mergeJsonl(base, base + jsonl(r('a', max, { x: 1, y: 0 })), base + jsonl(r('a', max - 1, { x: 0, y: 1 })));
    expect(result.conflicts).toBe(1);
    expect(result.conflictedRecords[0]?.reason).toMatch(/maximum/);
  });
});

describe('malformed input', () => {
  it('carries bad lines through unchanged and reports side and 1-based line number', () => {
    const base = jsonl(r('a', 1), 'base junk');
    const ours = jsonl(r('a', 1), '{"no_id":true,"updated_at":1}', '', 'not json at all', r('b', 2));
    const theirs = jsonl(r('a', 1), '[1,2,3]', '{"id":"x","updated_at":"soon"}', 'not json at all');
    const result = mergeJsonl(base, ours, theirs);
    expect(linesOf(result.text)).toEqual([
      JSON.stringify(r('a', 1)),
      '{"no_id":true,"updated_at":1}',
      'not json at all',
      JSON.stringify(r('b', 2)),
      '[1,2,3]',
      '{"id":"x","updated_at":"soon"}',
    ]);
    expect(result.badLines).toEqual([
      { side: 'base', line: 2, reason: expect.stringMatching(/not valid JSON/) },
      { side: 'ours', line: 2, reason: expect.stringMatching(/id/) },
      { side: 'ours', line: 4, reason: expect.stringMatching(/not valid JSON/) },
      { side: 'theirs', line: 2, reason: 'not a JSON object' },
      { side: 'theirs', line: 3, reason: expect.stringMatching(/updated_at/) },
      { side: 'theirs', line: 4, reason: expect.stringMatching(/not valid JSON/) },
    ]);
  });

  it('reports leftover conflict markers of an earlier merge and keeps them', () => {
    const ours = jsonl(r('a', 1), '<<<<<<< ours', r('a', 2), '=======', r('a', 3), '>>>>>>> theirs');
    const result = mergeJsonl('', ours, '');
    expect(result.text).toBe(ours);
    expect(result.badLines.map((b) => b.line)).toEqual([2, 4, 6]);
    expect(result.badLines[0]?.reason).toMatch(/conflict marker/);
  });
});

describe('line ends, empty inputs, encodings, sizes', () => {
  it('compares lines without a trailing \\r and writes \\n line ends', () => {
    const base = jsonl(r('a', 1)).replace(/\n/g, '\r\n');
    const ours = jsonl(r('a', 1), r('b', 2)).replace(/\n/g, '\r\n');
    const theirs = jsonl(r('a', 1), r('b', 2), r('c', 3));
    const result = mergeJsonl(base, ours, theirs);
    expect(result.text).toBe(jsonl(r('a', 1), r('b', 2), r('c', 3)));
    expect(result.badLines).toEqual([]);
  });

  it('accepts files without a final newline', () => {
    const base = JSON.stringify(r('a', 1, { x: 0, y: 0 }));
    const ours = jsonl(r('a', 1, { x: 0, y: 0 }), r('a', 2, { x: 1, y: 0 })).trimEnd();
    const theirs = jsonl(r('a', 1, { x: 0, y: 0 }), r('a', 3, { x: 0, y: 1 })).trimEnd();
    const result = mergeJsonl(base, ours, theirs);
    expect(result.text.endsWith('\n')).toBe(true);
    expect(currentState(result.text).get('a')).toEqual(r('a', 4, { x: 1, y: 1 }));
  });

  it('handles an empty base (file new on both sides) and empty sides', () => {
    const ours = jsonl(r('a', 1));
    const theirs = jsonl(r('b', 1));
    expect(mergeJsonl('', ours, theirs).text).toBe(jsonl(r('a', 1), r('b', 1)));
    expect(mergeJsonl('', '', '')).toEqual({ text: '', conflicts: 0, conflictedRecords: [], badLines: [] });
    expect(mergeJsonl(ours, '', '').text).toBe('');
    expect(mergeJsonl('', '', theirs).text).toBe(theirs);
    expect(mergeJsonl('', ours, '').text).toBe(ours);
  });

  it('keeps unicode, escapes and number spelling byte-for-byte, also in an appended merged line', () => {
    const base = '{"id":"ü-1","updated_at":1,"title":"caf\\u00e9","n":1.50,"big":123456789012345678901234567890,"emoji":"🙂"}\n';
    const ours = base + '{"id":"ü-1","updated_at":2,"title":"caf\\u00e9 ☕","n":1.50,"big":123456789012345678901234567890,"emoji":"🙂"}\n';
    const theirs = base + '{"id":"ü-1","updated_at":3,"title":"caf\\u00e9","n":1.50,"big":123456789012345678901234567890,"emoji":"🙂🙂","日本":"語"}\n';
    const result = mergeJsonl(base, ours, theirs);
    expect(linesOf(result.text)).toEqual([
      ...linesOf(ours),
      linesOf(theirs)[1],
      '{"id":"ü-1","updated_at":4,"title":"caf\\u00e9 ☕","n":1.50,"big":123456789012345678901234567890,"emoji":"🙂🙂","日本":"語"}',
    ]);
  });

  it('sees a change between integers a number cannot tell apart (beyond 2^53) as a change', () => {
    // JSON.parse reads 9007199254740993 as 9007199254740992: compared as numbers, ours'
    // edit looked like no edit and theirs' (newer) line silently won.
    const base = '{"id":"a","updated_at":1,"x":9007199254740992,"n":[18446744073709551615]}\n';
    const ours = base + '{"id":"a","updated_at":2,"x":9007199254740993,"n":[18446744073709551616]}\n';
    const theirs = base + '{"id":"a","updated_at":3,"x":9007199254740992,"n":[18446744073709551615],"y":1}\n';
    const result = mergeJsonl(base, ours, theirs);
    expect(result.conflicts).toBe(0);
    expect(linesOf(result.text).at(-1)).toBe('{"id":"a","updated_at":4,"x":9007199254740993,"n":[18446744073709551616],"y":1}');
    // The same change on both sides, or none, is still no conflict and appends nothing.
    expect(mergeJsonl(base, ours, ours).text).toBe(ours);
    // An integer is not an object that happens to hold its digits.
    const b2 = '{"id":"a","updated_at":1,"x":{"text":"12345678901234567890"}}\n';
    const o2 = b2 + '{"id":"a","updated_at":2,"x":12345678901234567890}\n';
    const t2 = b2 + '{"id":"a","updated_at":3,"x":{"text":"12345678901234567890"},"y":1}\n';
    expect(linesOf(mergeJsonl(b2, o2, t2).text).at(-1)).toBe('{"id":"a","updated_at":4,"x":12345678901234567890,"y":1}');
  });

  it('reads a first line after a byte order mark as a record, as the store does', () => {
    // The store reads "\uFEFF{...}" on line 1 as a record; the merge took it for a
    // malformed line, so the record had no base version and ours' edit of x was lost.
    const BOM = '\uFEFF';
    const base = `${BOM}{"id":"a","updated_at":1,"x":0,"y":0}\n`;
    const ours = `${base}{"id":"a","updated_at":2,"x":1,"y":0}\n`;
    const theirs = `${base}{"id":"a","updated_at":3,"x":0,"y":1}\n`;
    const result = mergeJsonl(base, ours, theirs);
    expect(result.badLines).toEqual([]);
    expect(result.text).toBe(`${ours}{"id":"a","updated_at":3,"x":0,"y":1}\n{"id":"a","updated_at":4,"x":1,"y":1}\n`);
    // A BOM on one side only is not a second copy of the line (mid-file, no reader takes it for a record).
    const plain = base.slice(1);
    expect(mergeJsonl(plain, plain, `${BOM}${plain}{"id":"b","updated_at":1}\n`).text).toBe(`${plain}{"id":"b","updated_at":1}\n`);
    expect(mergeJsonl(base, `${base}{"id":"b","updated_at":1}\n`, plain).text).toBe(`${base}{"id":"b","updated_at":1}\n`);
    // A byte order mark anywhere else is no record, as for the store.
    expect(mergeJsonl('', `{"id":"b","updated_at":1}\n${BOM}{"id":"c","updated_at":1}\n`, '').badLines).toHaveLength(1);
  });

  it('merges a record line of several megabytes', () => {
    const big = 'x'.repeat(6 * 1024 * 1024);
    const base = jsonl(r('a', 1, { body: big, n: 0, m: 0 }));
    const ours = base + jsonl(r('a', 2, { body: big, n: 1, m: 0 }));
    const theirs = base + jsonl(r('a', 3, { body: `${big}!`, n: 0, m: 0 }));
    const result = mergeJsonl(base, ours, theirs);
    const current = currentState(result.text).get('a');
    expect(current?.n).toBe(1);
    expect(current?.body).toBe(`${big}!`);
    expect(linesOf(result.text)).toHaveLength(4);
  });

  it('handles escaped quotes, backslashes and brackets inside strings', () => {
    const base = jsonl(r('a', 1, { s: 'a"b\\', t: '}{][', u: 0 }));
    const ours = base + jsonl(r('a', 2, { s: 'a"b\\', t: '}{][', u: 1 }));
    const theirs = base + jsonl(r('a', 3, { s: '\\"\\\\"', t: '}{][', u: 0 }));
    const current = currentState(mergeJsonl(base, ours, theirs).text).get('a');
    expect(content(current)).toEqual({ id: 'a', s: '\\"\\\\"', t: '}{][', u: 1 });
  });
});

describe('safety with odd keys', () => {
  it('passes __proto__, constructor and unknown nested fields through without polluting prototypes', () => {
    const base = '{"id":"p","updated_at":1,"__proto__":{"polluted":"base"},"constructor":{"prototype":{"polluted":1}},"n":0}\n';
    const ours = base + '{"id":"p","updated_at":2,"__proto__":{"polluted":"ours"},"constructor":{"prototype":{"polluted":1}},"n":0}\n';
    const theirs = base + '{"id":"p","updated_at":3,"__proto__":{"polluted":"base"},"constructor":{"prototype":{"polluted":1}},"n":1,"deep":{"__proto__":{"x":1}}}\n';
    const result = mergeJsonl(base, ours, theirs);
    const last = linesOf(result.text).at(-1) as string;
    expect(last).toBe(
      '{"id":"p","updated_at":4,"__proto__":{"polluted":"ours"},"constructor":{"prototype":{"polluted":1}},"n":1,"deep":{"__proto__":{"x":1}}}',
    );
    const parsed = JSON.parse(last) as Record<string, unknown>;
    expect(Object.getOwnPropertyDescriptor(parsed, '__proto__')?.value).toEqual({ polluted: 'ours' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.prototype).not.toHaveProperty('x');
  });

  it('treats a __proto__ field removed on one side like any other field', () => {
    const base = '{"id":"p","updated_at":1,"__proto__":{"a":1},"n":0}\n';
    const ours = base + '{"id":"p","updated_at":2,"n":0}\n';
    const theirs = base + '{"id":"p","updated_at":3,"__proto__":{"a":1},"n":1}\n';
    expect(linesOf(mergeJsonl(base, ours, theirs).text).at(-1)).toBe('{"id":"p","updated_at":4,"n":1}');
  });
});

describe('determinism and idempotence', () => {
  const base = jsonl(r('a', 1, { x: 0, y: 0 }), r('b', 1, { x: 0 }), 'junk');
  const ours = base + jsonl(r('a', 3, { x: 1, y: 0 }), r('b', 2, { deleted: true }), r('c', 2));
  const theirs = base + jsonl(r('a', 2, { x: 0, y: 1 }), r('b', 4, { x: 5 }), r('d', 2));

  it('gives the same bytes for the same inputs', () => {
    const first = mergeJsonl(base, ours, theirs);
    expect(mergeJsonl(base, ours, theirs)).toEqual(first);
    expect(first.conflicts).toBe(0);
  });

  it('merge(base, x, x) = x', () => {
    expect(mergeJsonl(base, ours, ours).text).toBe(ours);
    expect(mergeJsonl(base, theirs, theirs).text).toBe(theirs);
  });

  it('merging the result again with either input changes nothing', () => {
    const merged = mergeJsonl(base, ours, theirs).text;
    expect(mergeJsonl(base, merged, theirs).text).toBe(merged);
    expect(mergeJsonl(base, ours, merged).text).toBe(merged);
    expect(mergeJsonl(base, merged, merged).text).toBe(merged);
  });
});
