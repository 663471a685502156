/**
 * A write changes only what it changes: for a line another program wrote with odd
 * members (`1e400`, `-0`, `1.0`, integers beyond 2^53, `__proto__`, lone surrogates,
 * keys that differ only by Unicode normalisation, a key written twice, long strings),
 * every member the write leaves as read keeps its text and its place.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { serializeKeepingMembers } from '../../src/store/version-text.js';
import { splitObjectMembers } from '../../src/merge/json-members.js';
import { openStore } from '../records/helpers.js';

/** Values as another program may spell them: what JSON.parse + JSON.stringify would change. */
const oddValue = fc.oneof(
  fc.constantFrom(
    '1e400',
    '-1e400',
    '1.0',
    '-0',
    '-0.0',
    '1E2',
    '12345678901234567890',
    '0.10000000000000001',
    '"\\ud800"',
    '"x\\udc00y"',
    '"\\u00e9"',
    '"e\\u0301"',
    '"\\/"',
    '{"__proto__":1,"b":1e400}',
    '[1.0,-0,{"k":1E2}]',
    `"${'long '.repeat(20_000)}"`,
  ),
  fc.jsonValue().map((v) => JSON.stringify(v)),
);

/** Keys, including the ones JavaScript treats specially or that only normalisation tells apart. */
const oddKey = fc.oneof(fc.constantFrom('__proto__', 'é', 'e\u0301', '\ud800', 'constructor', 'toString', '', ' '), fc.string({ maxLength: 6 }));

const RESERVED = new Set(['id', 'updated_at', 'created_at', 'deleted']);

/** Members with distinct keys (after decoding), each key spelled as JSON.stringify does or with every character \u-escaped. */
const oddMembers = fc
  .uniqueArray(fc.tuple(oddKey, oddValue, fc.boolean()), { selector: ([k]) => k, minLength: 1, maxLength: 8 })
  .map((list) => list.filter(([k]) => !RESERVED.has(k)).map(([k, v, escaped]) => ({ key: k, rawKey: escaped ? escapeAll(k) : JSON.stringify(k), rawValue: v })))
  .filter((list) => list.length > 0);

function escapeAll(key: string): string {
  return `"${[...key].map((c) => [...c].map((u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')).join('')}"`;
}

function setOwn(record: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

/** [rawKey, rawValue] of each member but `skip` and updated_at (which every write restamps). */
function othersOf(line: string, skip: string): [string, string][] {
  return splitObjectMembers(line)
    .filter((m) => m.key !== skip && m.key !== 'updated_at')
    .map((m) => [m.rawKey, m.rawValue]);
}

describe('serializeKeepingMembers: members keep their text and their place', () => {
  it('property: a change of one member, in a record rebuilt in any key order, keeps every other member as written and where it was', () => {
    fc.assert(
      fc.property(oddMembers, fc.nat(), fc.jsonValue(), fc.boolean(), (members, pick, next, reversed) => {
        const prev = `{"id":"a",${members.map((m) => `${m.rawKey}:${m.rawValue}`).join(',')},"updated_at":1}`;
        const parsed = JSON.parse(prev) as Record<string, unknown>;
        const changed = members[pick % members.length]!;
        // Rebuilt as a schema would: in another order (here reversed), __proto__ an own member.
        const keys = Object.keys(parsed);
        const record: Record<string, unknown> = {};
        for (const key of reversed ? keys.reverse() : keys) setOwn(record, key, parsed[key]);
        setOwn(record, changed.key, next);
        record.updated_at = 2;
        const text = serializeKeepingMembers(record as never, prev);
        expect(othersOf(text, changed.key)).toEqual(othersOf(prev, changed.key));
        expect(splitObjectMembers(text).map((m) => m.key)).toEqual(splitObjectMembers(prev).map((m) => m.key));
        expect(JSON.parse(text)[changed.key]).toEqual(JSON.parse(JSON.stringify(next)));
      }),
      { numRuns: 300 },
    );
  });

  it('a key written twice is kept twice while left as read, written once when given or changed', () => {
    const prev = '{"id":"a","n":1,"x":0,"n":2,"m":{"k":1,"k":2},"updated_at":1}';
    const read = JSON.parse(prev) as Record<string, unknown>;
    expect(serializeKeepingMembers({ ...read, updated_at: 2 } as never, prev)).toBe('{"id":"a","n":1,"x":0,"n":2,"m":{"k":1,"k":2},"updated_at":2}');
    expect(serializeKeepingMembers({ ...read, x: 5, m: { k: 2, j: 1 }, updated_at: 2 } as never, prev)).toBe('{"id":"a","n":1,"x":5,"n":2,"m":{"k":1,"k":2,"j":1},"updated_at":2}');
    expect(serializeKeepingMembers({ ...read, n: 3, updated_at: 2 } as never, prev)).toBe('{"id":"a","n":3,"x":0,"m":{"k":1,"k":2},"updated_at":2}');
    expect(serializeKeepingMembers({ ...read, updated_at: 2 } as never, prev, new Set(['n', 'm']))).toBe('{"id":"a","n":2,"x":0,"m":{"k":2},"updated_at":2}');
  });

  it('a new member goes after the member it follows in the record written; one a record lacks is left out', () => {
    const prev = '{"b":1,"id":"a","updated_at":1,"c":1.0}';
    expect(serializeKeepingMembers({ id: 'a', n: 1, b: 1, c: 1, updated_at: 2 } as never, prev)).toBe('{"b":1,"id":"a","n":1,"updated_at":2,"c":1.0}');
    expect(serializeKeepingMembers({ first: 0, id: 'a', c: 1, updated_at: 2, last: 9 } as never, prev)).toBe('{"first":0,"id":"a","updated_at":2,"last":9,"c":1.0}');
  });
});

describe('through a store: patch and update of another program\'s line', () => {
  it('property: any one member patched, or updated through a spread, leaves every other member\'s text and place as the line had them', () => {
    const { store, dir } = openStore();
    const notes = store.collection<Record<string, unknown>>({ name: 'notes' });
    const specs = store.collection<Record<string, unknown>>({ name: 'task_specs' });
    const prdId = store.createPrd({ title: 'p' });
    let n = 0;
    try {
      fc.assert(
        fc.property(oddMembers, fc.nat(), fc.jsonValue(), fc.constantFrom('patch', 'update', 'typed'), (members, pick, next, how) => {
          const id = `r${n++}`;
          const odd = members.filter((m) => !(how === 'typed' && KNOWN_SPEC_FIELDS.has(m.key)));
          if (odd.length === 0) return;
          const known = how === 'typed' ? `"prd_id":${JSON.stringify(prdId)},"phase_name":"x","created_at":1,` : '';
          const line = `{"id":"${id}",${known}${odd.map((m) => `${m.rawKey}:${m.rawValue}`).join(',')},"updated_at":1}`;
          const name = how === 'typed' ? 'task_specs' : 'notes';
          appendFileSync(join(dir, `${name}.jsonl`), `${line}\n`);
          store.refresh();
          const changed = odd[pick % odd.length]!;
          const value = typeof next === 'number' && !Number.isFinite(next) ? 0 : next;
          if (how === 'patch') notes.patch(id, { [changed.key]: value });
          else if (how === 'update') notes.update(id, withMember(notes.get(id)!, changed.key, value));
          else store.updateTaskSpec(id, withMember(store.getTaskSpec(id)! as never, changed.key, value) as never);
          const written = (how === 'typed' ? specs : notes).getText(id)!;
          // The typed update adds the defaults it fills in: compare the line's own members.
          const own = new Set(splitObjectMembers(line).map((m) => m.rawKey));
          expect(othersOf(written, changed.key).filter(([k]) => own.has(k))).toEqual(othersOf(line, changed.key));
          expect(JSON.parse(written)[changed.key]).toEqual(JSON.parse(JSON.stringify(value)));
        }),
        { numRuns: 120 },
      );
    } finally {
      store.close();
    }
  });
});

const KNOWN_SPEC_FIELDS = new Set(['prd_id', 'phase_name', 'description', 'status', 'workflow_name', 'assigned_to', 'dependencies', 'content', 'lease_expires_at']);

/** `record` with `key` set to `value` (a `__proto__` key as an own member), in the record's order. */
function withMember(record: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(record)) setOwn(out, k, record[k]);
  setOwn(out, key, value);
  return out;
}
