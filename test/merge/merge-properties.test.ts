/**
 * Property tests: random histories on two branches from a common base, checked against
 * an independent oracle written from the rule in docs/merge.md (plain Maps and canonical JSON
 * strings, no code shared with src/merge).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeJsonl } from '../../src/merge/merge-jsonl.js';
import { conflictBlocks, hasMarkers, linesOf, resolveKeeping } from './jsonl-fixtures.js';

const IDS = ['a', 'b', 'c', 'd', 'e'];
// Includes an odd key: it must behave like any other field.
const FIELDS = ['x', 'y', 'z', '__proto__'];
// Values as JSON text: equal-but-differently-written pairs ({"p":1,"q":2} / {"q":2,"p":1}, 1 / 1.0) included.
const VALUES = ['0', '1', '1.0', '2', 'null', '"s"', '"t"', '{"p":1,"q":2}', '{"q":2,"p":1}', '{"p":2,"q":1}', '[1,2]', '[2,1]'];

interface Op {
  id: string;
  kind: 'edit' | 'delete';
  /** field → JSON text, or null to remove the field */
  edits: [string, string | null][];
  /** how much updated_at advances before this write */
  gap: number;
}

const opArb: fc.Arbitrary<Op> = fc.record({
  id: fc.constantFrom(...IDS),
  kind: fc.constantFrom<'edit' | 'delete'>('edit', 'edit', 'edit', 'delete'),
  edits: fc.array(fc.tuple(fc.constantFrom(...FIELDS), fc.option(fc.constantFrom(...VALUES), { nil: null, freq: 4 })), {
    minLength: 1,
    maxLength: 3,
  }),
  // Mostly increasing; sometimes equal to the previous write (a tie: the later line wins).
  gap: fc.constantFrom(1, 1, 2, 2, 0),
});

/** Ids a side removed entirely (every line, as `git revert` of their creation does); usually none. */
const removedArb = fc.oneof(
  { arbitrary: fc.constant<string[]>([]), weight: 4 },
  { arbitrary: fc.subarray(IDS, { minLength: 1, maxLength: 2 }), weight: 1 },
);

const historyArb = fc.record({
  base: fc.array(opArb, { maxLength: 8 }),
  ours: fc.array(opArb, { maxLength: 6 }),
  theirs: fc.array(opArb, { maxLength: 6 }),
  oursRemoved: removedArb,
  theirsRemoved: removedArb,
});

/** A record as the oracle sees it: id, updated_at, deleted flag and fields (key → JSON text). */
interface Version {
  text: string;
  id: string;
  updatedAt: number;
  deleted: boolean;
  fields: Map<string, string>; // without id / updated_at
}

/** Applies ops to a side, returning its new lines; `state` (id → fields, or 'deleted') is updated in place. */
function write(ops: Op[], state: Map<string, Map<string, string> | 'deleted'>, startUa: number): { lines: string[]; ua: number } {
  const lines: string[] = [];
  let ua = startUa;
  for (const op of ops) {
    ua += op.gap;
    if (op.kind === 'delete') {
      lines.push(`{"id":${JSON.stringify(op.id)},"updated_at":${ua},"deleted":true}`);
      state.set(op.id, 'deleted');
      continue;
    }
    const previous = state.get(op.id);
    const fields = new Map(previous === undefined || previous === 'deleted' ? [] : previous);
    for (const [key, value] of op.edits) {
      if (value === null) fields.delete(key);
      else fields.set(key, value);
    }
    state.set(op.id, fields);
    const members = [...fields].map(([k, v]) => `,${JSON.stringify(k)}:${v}`).join('');
    lines.push(`{"id":${JSON.stringify(op.id)},"updated_at":${ua}${members}}`);
  }
  return { lines, ua };
}

function build(h: { base: Op[]; ours: Op[]; theirs: Op[]; oursRemoved?: string[]; theirsRemoved?: string[] }) {
  const baseState = new Map<string, Map<string, string> | 'deleted'>();
  const base = write(h.base, baseState, 0);
  // A side that removed an id has none of its lines: not the base's, and it writes none itself.
  const side = (ops: Op[], removed: string[] = []) => {
    const kept = (line: string) => !removed.includes(JSON.parse(line).id as string);
    const written = write(ops.filter((op) => !removed.includes(op.id)), new Map(baseState), base.ua);
    return [...base.lines.filter(kept), ...written.lines];
  };
  const text = (lines: string[]) => (lines.length ? `${lines.join('\n')}\n` : '');
  return { base: text(base.lines), ours: text(side(h.ours, h.oursRemoved)), theirs: text(side(h.theirs, h.theirsRemoved)) };
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(Object.getOwnPropertyDescriptor(value, k)?.value)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Parses a line into the oracle's view; undefined for anything that is not a record. */
function toVersion(text: string): Version | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const entries = Object.entries(Object.getOwnPropertyDescriptors(value)).map(([k, d]) => [k, d.value] as const);
  const id = entries.find(([k]) => k === 'id')?.[1];
  const ua = entries.find(([k]) => k === 'updated_at')?.[1];
  if (typeof id !== 'string' || typeof ua !== 'number') return undefined;
  const fields = new Map(entries.filter(([k]) => k !== 'id' && k !== 'updated_at').map(([k, v]) => [k, canonical(v)]));
  return { text, id, updatedAt: ua, deleted: fields.get('deleted') === 'true', fields };
}

/** Current version per id of a list of lines: highest updated_at, later line on ties. */
function current(lines: string[]): Map<string, Version> {
  const out = new Map<string, Version>();
  for (const line of lines) {
    const v = toVersion(line);
    if (v === undefined) continue;
    const prev = out.get(v.id);
    if (prev === undefined || v.updatedAt >= prev.updatedAt) out.set(v.id, v);
  }
  return out;
}

const canon = (raw: string | undefined) => (raw === undefined ? undefined : canonical(JSON.parse(raw)));

function sameFields(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (canon(b.get(k)) !== canon(v)) return false;
  return true;
}

type Expected = { conflict: true } | { conflict: false; deleted: boolean; fields: Map<string, string> };

/** The oracle: the per-record rule of docs/merge.md. */
function expectedRecord(b: Version | undefined, o: Version, t: Version): Expected {
  const as = (v: Version): Expected => ({ conflict: false, deleted: v.deleted, fields: v.fields });
  if (o.deleted !== t.deleted) {
    const [tomb, live] = o.deleted ? [o, t] : [t, o];
    if (b && sameFields(live.fields, b.fields)) return as(tomb); // untouched side loses
    if (b && sameFields(tomb.fields, b.fields)) return as(live);
    if (tomb.updatedAt === live.updatedAt) return { conflict: true };
    return as(tomb.updatedAt > live.updatedAt ? tomb : live);
  }
  const baseFields = b && !(b.deleted && !o.deleted) ? b.fields : new Map<string, string>();
  const merged = new Map<string, string>();
  for (const key of new Set([...o.fields.keys(), ...t.fields.keys()])) {
    const [ov, tv, bv] = [o.fields.get(key), t.fields.get(key), baseFields.get(key)].map(canon);
    let value: string | undefined;
    if (ov === tv) value = ov;
    else if (ov === bv) value = tv;
    else if (tv === bv) value = ov;
    else if (o.updatedAt === t.updatedAt) return { conflict: true };
    else value = o.updatedAt > t.updatedAt ? ov : tv;
    if (value !== undefined) merged.set(key, value);
  }
  return { conflict: false, deleted: merged.get('deleted') === 'true', fields: merged };
}

/**
 * The oracle for an id on one side only: added there (no base version) it is that side's
 * current version; present in the base, the other side removed every line of it, which
 * deletes it unless this side changed it since the base (or had deleted it already).
 */
function expectedOneSided(b: Version | undefined, present: Version): Expected {
  if (b !== undefined && !b.deleted && !present.deleted && sameFields(present.fields, b.fields)) {
    return { conflict: false, deleted: true, fields: new Map([['deleted', 'true']]) };
  }
  return { conflict: false, deleted: present.deleted, fields: present.fields };
}

/** The output without its conflict blocks (what stays when every block is dropped). */
function historyPart(text: string): string[] {
  const out: string[] = [];
  let inBlock = false;
  for (const line of linesOf(text)) {
    if (line.startsWith('<<<<<<< ')) inBlock = true;
    else if (line.startsWith('>>>>>>> ')) inBlock = false;
    else if (!inBlock) out.push(line);
  }
  return out;
}

describe('mergeJsonl properties (random histories from a common base)', () => {
  it('matches the three-way oracle, keeps every id and every line, and is deterministic', () => {
    // How often the interesting cases came up: the generator must actually reach them.
    const seen = { conflict: 0, appended: 0, deleteVsUpdate: 0, bothChanged: 0, removedOnOneSide: 0 };
    fc.assert(
      fc.property(historyArb, (h) => {
        const { base, ours, theirs } = build(h);
        const result = mergeJsonl(base, ours, theirs);
        expect(mergeJsonl(base, ours, theirs).text).toBe(result.text);
        expect(result.badLines).toEqual([]);

        const baseCur = current(linesOf(base));
        const oursCur = current(linesOf(ours));
        const theirsCur = current(linesOf(theirs));
        const mergedCur = current(historyPart(result.text));
        const blocks = conflictBlocks(result.text);
        const conflictIds = new Set(blocks.map((blk) => toVersion(blk.ours[0] as string)?.id));

        const expectedConflicts: string[] = [];
        for (const id of new Set([...oursCur.keys(), ...theirsCur.keys()])) {
          const o = oursCur.get(id);
          const t = theirsCur.get(id);
          const expected: Expected = o && t ? expectedRecord(baseCur.get(id), o, t) : expectedOneSided(baseCur.get(id), (o ?? t)!);
          if (!(o && t) && baseCur.has(id)) seen.removedOnOneSide++;
          if (o && t && o.text !== t.text) seen.bothChanged++;
          if (o && t && o.deleted !== t.deleted) seen.deleteVsUpdate++;
          if (expected.conflict) {
            expectedConflicts.push(id);
            expect(conflictIds.has(id)).toBe(true);
            const blk = blocks.find((x) => toVersion(x.ours[0] as string)?.id === id)!;
            expect(blk).toEqual({ ours: [o!.text], theirs: [t!.text] });
            continue;
          }
          const got = mergedCur.get(id);
          expect(got, `id ${id} missing from the merge`).toBeDefined();
          expect(got!.deleted).toBe(expected.deleted);
          expect(sameFields(got!.fields, expected.fields), `fields of ${id}: ${got!.text}`).toBe(true);
        }
        expect(result.conflicts).toBe(expectedConflicts.length);
        expect(conflictIds.size).toBe(expectedConflicts.length);

        // No line of either side is lost (competing versions live on inside their blocks).
        const outLines = new Set(linesOf(result.text));
        const inLines = new Set([...linesOf(ours), ...linesOf(theirs)]);
        for (const line of inLines) expect(outLines.has(line), line).toBe(true);
        if (result.conflicts > 0) seen.conflict++;
        if (historyPart(result.text).some((line) => !inLines.has(line))) seen.appended++;
        // No line is written twice outside the conflict blocks.
        const history = historyPart(result.text);
        const duplicates = (lines: string[]) => lines.length - new Set(lines).size;
        // Only ours' own repeated lines, kept as they were (a conflicted record's lines move into its block, once).
        const competing = new Set(blocks.flatMap((blk) => [...blk.ours, ...blk.theirs]));
        expect(duplicates(history)).toBe(duplicates(linesOf(ours).filter((line) => !competing.has(line))));

        // Keeping one side of every block resolves the file.
        for (const side of ['ours', 'theirs'] as const) {
          const resolved = resolveKeeping(result.text, side);
          expect(hasMarkers(resolved)).toBe(false);
          const state = current(linesOf(resolved));
          for (const id of expectedConflicts) {
            expect(state.get(id)?.text).toBe((side === 'ours' ? oursCur : theirsCur).get(id)!.text);
          }
        }
      }),
      { numRuns: 200 },
    );
    console.log('merge property runs (200):', JSON.stringify(seen));
    for (const count of Object.values(seen)) expect(count).toBeGreaterThan(0);
  });

  it('merge(base, x, x) = x, byte for byte', () => {
    fc.assert(
      fc.property(historyArb, (h) => {
        const { base, ours, theirs } = build(h);
        expect(mergeJsonl(base, ours, ours).text).toBe(ours);
        expect(mergeJsonl(base, theirs, theirs).text).toBe(theirs);
        expect(mergeJsonl(ours, ours, ours).text).toBe(ours);
      }),
      { numRuns: 200 },
    );
  });

  it('is idempotent: merging a clean result again with either input or itself changes nothing', () => {
    fc.assert(
      fc.property(historyArb, (h) => {
        const { base, ours, theirs } = build(h);
        const merged = mergeJsonl(base, ours, theirs);
        fc.pre(merged.conflicts === 0);
        expect(mergeJsonl(base, merged.text, theirs).text).toBe(merged.text);
        expect(mergeJsonl(base, ours, merged.text).text).toBe(merged.text);
        expect(mergeJsonl(base, merged.text, merged.text).text).toBe(merged.text);
      }),
      { numRuns: 200 },
    );
  });

  it('gives both merge directions the same current state when there is no conflict', () => {
    fc.assert(
      fc.property(historyArb, (h) => {
        const { base, ours, theirs } = build(h);
        const ab = mergeJsonl(base, ours, theirs);
        const ba = mergeJsonl(base, theirs, ours);
        expect(ab.conflicts).toBe(ba.conflicts);
        fc.pre(ab.conflicts === 0);
        const x = current(linesOf(ab.text));
        const y = current(linesOf(ba.text));
        expect([...x.keys()].sort()).toEqual([...y.keys()].sort());
        for (const [id, v] of x) {
          expect(y.get(id)!.deleted).toBe(v.deleted);
          expect(sameFields(y.get(id)!.fields, v.fields)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('merging several branches one after the other (order)', () => {
  // Three branches from one base, each editing only its own field of existing records
  // (and creating records of its own), with ties in updated_at allowed: the documented
  // case in which the merge order does not matter.
  const BRANCH_FIELDS = ['x', 'y', 'z'] as const;
  const branchOps = (field: string) =>
    fc.array(
      fc.record({
        id: fc.constantFrom('a', 'b', 'c', `new-${field}`),
        value: fc.constantFrom(...VALUES),
        gap: fc.constantFrom(0, 1, 2),
      }),
      { maxLength: 5 },
    );

  it('gives the same current state in every order when each branch edits its own fields and nothing is deleted', () => {
    fc.assert(
      fc.property(fc.tuple(branchOps('x'), branchOps('y'), branchOps('z')), (perBranch) => {
        const baseLines = ['a', 'b', 'c'].map((id) => `{"id":"${id}","updated_at":1,"x":0,"y":0,"z":0,"w":"keep"}`);
        const base = `${baseLines.join('\n')}\n`;
        const branches = perBranch.map((ops, i) => {
          const field = BRANCH_FIELDS[i]!;
          const state = new Map(['a', 'b', 'c'].map((id) => [id, new Map([['x', '0'], ['y', '0'], ['z', '0'], ['w', '"keep"']])]));
          let ua = 1;
          const lines = ops.map((op) => {
            ua += op.gap;
            const fields = state.get(op.id) ?? new Map<string, string>();
            fields.set(field, op.value);
            state.set(op.id, fields);
            return `{"id":${JSON.stringify(op.id)},"updated_at":${ua}${[...fields].map(([k, v]) => `,"${k}":${v}`).join('')}}`;
          });
          return base + lines.map((l) => `${l}\n`).join('');
        });
        const orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
        const states = orders.map((order) => {
          let main = base;
          for (const i of order) {
            const result = mergeJsonl(base, main, branches[i]!);
            expect(result.conflicts).toBe(0);
            main = result.text;
          }
          return current(linesOf(main));
        });
        const first = states[0]!;
        for (const state of states.slice(1)) {
          expect([...state.keys()].sort()).toEqual([...first.keys()].sort());
          for (const [id, v] of first) expect(sameFields(state.get(id)!.fields, v.fields), id).toBe(true);
        }
        // And every branch's last value of its own field arrived.
        perBranch.forEach((ops, i) => {
          const last = new Map(ops.map((op) => [op.id, op.value]));
          for (const [id, value] of last) expect(canon(first.get(id)!.fields.get(BRANCH_FIELDS[i]!))).toBe(canon(value));
        });
      }),
      { numRuns: 200 },
    );
  });
});
