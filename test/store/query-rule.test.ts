/**
 * `list()` and `count()` against a model of the documented query rule (docs/api.md,
 * Queries), written in JavaScript: for random records and random queries, the store
 * returns exactly the records the rule picks, in the documented order, with or without
 * indexes on the queried fields.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Collection, Condition, Query } from '../../src/index.js';
import { expectRejected, openStore } from '../records/helpers.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Sql = null | number | string;

/** The field's value at a dotted path, undefined when missing (a path through a non-object is missing). */
function valueAt(record: Record<string, unknown>, path: string): unknown {
  let value: unknown = record;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** What the rule compares: a missing field is null, booleans are 1/0, an object or array is its JSON text. */
function sqlValue(value: unknown): Sql {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' || typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** Strings compare by code point (UTF-8 byte order), half a surrogate pair at its own code point (as the cache holds it). */
function compareText(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** SQL LIKE without ESCAPE: `%` any run, `_` one character, ASCII letters case-insensitive. */
function likeMatches(text: string, pattern: string): boolean {
  const lower = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  let source = '';
  for (const ch of lower(pattern)) source += ch === '%' ? '[\\s\\S]*' : ch === '_' ? '[\\s\\S]' : ch.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
  return new RegExp(`^${source}$`, 'u').test(lower(text));
}

function equals(actual: Sql, wanted: Json): boolean {
  const w = sqlValue(wanted);
  return actual !== null && typeof actual === typeof w && actual === w;
}

function holds(record: Record<string, unknown>, field: string, op: string, operand: unknown): boolean {
  const actual = sqlValue(valueAt(record, field));
  switch (op) {
    case 'eq':
      return operand === null ? actual === null : equals(actual, operand as Json);
    case 'ne':
      return !holds(record, field, 'eq', operand);
    case 'in':
      return (operand as Json[]).some((v) => holds(record, field, 'eq', v));
    case 'like':
      return typeof actual === 'string' && likeMatches(actual, operand as string);
    default: {
      // A number bound compares numbers, a string bound strings.
      if (actual === null || typeof actual !== typeof operand) return false;
      const order = typeof actual === 'number' ? actual - (operand as number) : compareText(actual, operand as string);
      return { lt: order < 0, lte: order <= 0, gt: order > 0, gte: order >= 0 }[op as 'lt']!;
    }
  }
}

/** SQLite's order of values: null, then numbers, then text (by code point). */
function compareSql(a: Sql, b: Sql): number {
  const rank = (v: Sql): number => (v === null ? 0 : typeof v === 'number' ? 1 : 2);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  if (typeof a === 'number') return a - (b as number);
  if (typeof a === 'string') return compareText(a, b as string);
  return 0;
}

function expected(records: Record<string, unknown>[], query: Query): string[] {
  const where = Object.entries(query.where ?? {});
  const matching = records.filter((r) =>
    where.every(([field, condition]) => {
      const ops = typeof condition === 'object' && condition !== null ? Object.entries(condition) : [['eq', condition]];
      return ops.every(([op, operand]) => holds(r, field, op as string, operand));
    }),
  );
  const orderBy = query.orderBy ?? 'updated_at';
  const descending = orderBy.startsWith('-');
  const field = descending ? orderBy.slice(1) : orderBy;
  matching.sort((a, b) => {
    const byField = compareSql(sqlValue(valueAt(a, field)), sqlValue(valueAt(b, field)));
    return (descending ? -byField : byField) || compareText(a.id as string, b.id as string);
  });
  const offset = query.offset ?? 0;
  return matching.slice(offset, query.limit === undefined ? undefined : offset + query.limit).map((r) => r.id as string);
}

// Values chosen to meet at the edges of the rule: numbers and their text, booleans and
// 1/0, text that looks like JSON, LIKE's wildcards and ASCII-only case folding, code
// points beyond the BMP against the private-use area (UTF-16 orders them the other way).
const text = fc.constantFrom('', 'a', 'A', 'b', 'ab', 'aB', '5', '1.5', '10', 'true', 'null', '[]', '[1]', '{"x":1}', '%', 'a_b', 'é', 'É', '😀', '\uE000', ' a', 'a"b', 'a\\b', 'a\u0000b', '\ud800', 'a\udc00', '\ufffd', 'a\uffff');
const scalar: fc.Arbitrary<Json> = fc.oneof(
  fc.integer({ min: -3, max: 10 }),
  fc.constantFrom(1.5, -0.5, 1e21),
  text,
  fc.boolean(),
  fc.constant(null),
);
const value: fc.Arbitrary<Json> = fc.oneof(
  { weight: 6, arbitrary: scalar },
  { weight: 1, arbitrary: fc.constantFrom<Json>([], [1], ['a'], {}, { x: 1 }) },
);
const nested: fc.Arbitrary<Json> = fc.oneof(fc.record({ x: value }, { requiredKeys: [] }), value);
const record = fc.record({ a: value, b: value, m: nested }, { requiredKeys: [] });
const ids = fc.uniqueArray(fc.constantFrom('r1', 'r2', 'R3', '5', '10', 'é', '😀', '\uE000', 'a b', 'x_y', 'x%y', '1.5'), { minLength: 1, maxLength: 12 });

const fields = ['a', 'b', 'm.x', 'id', 'updated_at'] as const;
const pattern = fc.array(fc.constantFrom('%', '_', 'a', 'A', 'b', '5', 'é', '😀', '[', '1', 'x', '\u0000', '\ud800', '\udc00', '\ufffd', '\uffff'), { maxLength: 4 }).map((p) => p.join(''));
const condition = (field: string): fc.Arbitrary<Condition> => {
  // id and updated_at are columns, whose ranges compare as the column's type (documented).
  const bound = field === 'id' ? text : field === 'updated_at' ? fc.integer({ min: 0, max: 2 ** 45 }) : fc.oneof(fc.integer({ min: -3, max: 10 }), text);
  return fc.oneof(
    scalar as fc.Arbitrary<Condition>,
    fc.record({ eq: scalar }) as fc.Arbitrary<Condition>,
    fc.record({ ne: scalar }) as fc.Arbitrary<Condition>,
    fc.record({ in: fc.array(scalar, { maxLength: 4 }) }) as fc.Arbitrary<Condition>,
    // Past 100 values the list is bound as one JSON array.
    fc.record({ in: fc.array(scalar, { minLength: 101, maxLength: 120 }) }) as fc.Arbitrary<Condition>,
    fc.record({ like: pattern }) as fc.Arbitrary<Condition>,
    fc.record({ lt: bound, gte: bound }, { requiredKeys: [] }).filter((o) => Object.keys(o).length > 0) as fc.Arbitrary<Condition>,
    fc.record({ gt: bound, lte: bound }, { requiredKeys: [] }).filter((o) => Object.keys(o).length > 0) as fc.Arbitrary<Condition>,
  );
};
const where = fc
  .uniqueArray(fc.constantFrom(...fields), { maxLength: 3 })
  .chain((names) => fc.tuple(...names.map((f) => condition(f).map((c) => [f, c] as const))))
  .map((entries) => Object.fromEntries(entries));
const query: fc.Arbitrary<Query> = fc.record(
  {
    where,
    orderBy: fc.constantFrom('a', '-a', 'm.x', '-m.x', 'id', '-id', 'updated_at', '-b'),
    limit: fc.integer({ min: 0, max: 12 }),
    offset: fc.integer({ min: 0, max: 12 }),
  },
  { requiredKeys: ['where'] },
);

describe('queries follow the documented rule', () => {
  it('property: list() returns the records the rule picks, in its order, and count() counts them, with and without indexes', () => {
    const { store } = openStore();
    // One pair of collections throughout (a new table per run makes every run slower):
    // each run deletes the records of the one before.
    const plain = store.collection({ name: 'plain' });
    const indexed = store.collection({ name: 'indexed', indexes: ['a', 'b', 'm.x', 'm'] });
    fc.assert(
      fc.property(ids, fc.array(record, { minLength: 12, maxLength: 12 }), fc.array(query, { minLength: 1, maxLength: 6 }), (idList, bodies, queries) => {
        const input = idList.map((id, i) => ({ id, ...bodies[i] }));
        for (const collection of [plain, indexed] as Collection[]) {
          for (const id of store.liveIds(collection.name)) collection.delete(id);
          collection.createMany(input);
          const all = collection.list();
          for (const q of queries) {
            const want = expected(all, q);
            expect(collection.list(q).map((r) => r.id), JSON.stringify(q)).toEqual(want);
            expect(collection.listTexts(q).map((t) => JSON.parse(t).id), JSON.stringify(q)).toEqual(want);
            expect(collection.count(q), JSON.stringify(q)).toBe(expected(all, { where: q.where }).length);
          }
        }
      }),
      { numRuns: 300 },
    );
    store.close();
  });
});

describe('like matches text', () => {
  it('a pattern matches strings (and an object or array by its JSON text), never a number or a boolean by the digits SQLite prints', () => {
    const { store } = openStore();
    for (const indexes of [[], ['code']]) {
      const c = store.collection({ name: indexes.length === 0 ? 'plain' : 'indexed', indexes });
      c.create({ id: 'ten', code: 10 });
      c.create({ id: 'half', code: 1.5 });
      c.create({ id: 'yes', code: true });
      c.create({ id: 'big', code: 2 ** 60 }); // JSON.stringify writes 1152921504606847000
      c.create({ id: 'text', code: '1-a' });
      c.create({ id: 'list', code: [1] });
      const ids = (like: string): string[] => c.list({ where: { code: { like } }, orderBy: 'id' }).map((r) => r.id);
      expect(ids('1%')).toEqual(['text']);
      expect(ids('%')).toEqual(['list', 'text']);
      expect(ids('[1]')).toEqual(['list']);
      expect(c.count({ where: { code: { like: '1%' } } })).toBe(1);
      expect(c.count({ where: { code: { like: '%0' } } })).toBe(0);
    }
    store.close();
  });
});

describe('like and the characters SQLite reads as U+FFFD', () => {
  it('a pattern holding half a surrogate pair, U+FFFD, U+FFFE or U+FFFF matches exactly that character, as eq does (SQLite\'s LIKE took each for the others)', () => {
    const { store, dir } = openStore();
    for (const indexes of [[], ['t']]) {
      const c = store.collection({ name: indexes.length === 0 ? 'plain' : 'indexed', indexes });
      // Field values keep half a surrogate pair (the log escapes it, reads give it back).
      const values: Record<string, string> = { high: 'a\ud800b', other: 'a\ud801b', low: 'a\udc00b', fffd: 'a\ufffdb', fffe: 'a\ufffeb', ffff: 'a\uffffb', pair: 'a\ud83d\ude00b', nul: 'a\ud800\0b' };
      for (const [id, t] of Object.entries(values)) c.create({ id, t, nested: { t } });
      c.create({ id: 'obj', t: { x: 'a\ud800b' } });
      expect(c.get('high')!.t).toBe('a\ud800b');
      const ids = (like: string, field = 't'): string[] => c.list({ where: { [field]: { like } }, orderBy: 'id' }).map((r) => r.id);
      for (const [id, t] of Object.entries(values)) {
        expect(ids(t), JSON.stringify(t)).toEqual([id]);
        expect(ids(t, 'nested.t'), JSON.stringify(t)).toEqual([id]);
        expect(c.list({ where: { t } }).map((r) => r.id)).toEqual([id]); // eq agrees
      }
      expect(ids('%\ud800%')).toEqual(['high', 'nul']);
      expect(ids('%\ud800_')).toEqual(['high']);
      expect(ids('A\ud800%')).toEqual(['high', 'nul']); // still ASCII case-insensitive
      expect(ids('%\ufffd%')).toEqual(['fffd']);
      expect(ids('%\ud83d%')).toEqual([]); // half of 😀 is not 😀
      // One character each: `_` matches half a surrogate pair and a whole one alike.
      expect(ids('a_b')).toEqual(['fffd', 'ffff', 'fffe', 'high', 'low', 'other', 'pair'].sort());
      // An object matches by its JSON text, where the half pair is written as an escape.
      expect(ids('%\\ud800%')).toEqual(['obj']);
      expect(c.count({ where: { t: { like: '%\udc00%' } } })).toBe(1);
    }
    // Ids too: a new id cannot hold half a pair, but one another tool wrote into the log can.
    const ids = store.collection({ name: 'ids' });
    ids.create({ id: 'x\ufffd' });
    appendFileSync(join(dir, 'ids.jsonl'), '{"id":"x\\ud800","created_at":1,"updated_at":1}\n{"id":"x\\ud801","created_at":1,"updated_at":1}\n');
    store.refresh();
    for (const id of ['x\ud800', 'x\ud801', 'x\ufffd']) {
      expect(ids.list({ where: { id: { like: id } } }).map((r) => r.id)).toEqual([id]);
      expect(ids.list({ where: { id } }).map((r) => r.id)).toEqual([id]);
    }
    store.close();
  });
});

describe('id and updated_at take values of their own type', () => {
  it('a number never equals an id and a string never equals updated_at, as for any field (SQLite converted the value to the column type first)', () => {
    const { store } = openStore();
    const c = store.collection({ name: 'notes' });
    c.create({ id: '1.5' });
    c.create({ id: '7' });
    const stamp = c.get('7')!.updated_at;
    const ids = (where: Query['where']): string[] => c.list({ where, orderBy: 'id' }).map((r) => r.id);
    expect(ids({ id: 1.5 })).toEqual([]);
    expect(ids({ id: { in: [1.5, '7'] } })).toEqual(['7']);
    expect(ids({ id: { in: [1.5] } })).toEqual([]);
    expect(ids({ id: { ne: 1.5 } })).toEqual(['1.5', '7']);
    expect(ids({ updated_at: String(stamp) })).toEqual([]);
    expect(ids({ updated_at: { in: [String(stamp)] } })).toEqual([]);
    expect(ids({ updated_at: { ne: String(stamp) } })).toEqual(['1.5', '7']);
    expect(ids({ updated_at: stamp, id: '7' })).toEqual(['7']);
    expect(c.count({ where: { id: 1.5 } })).toBe(0);
    // A value of a type no query takes is still refused.
    expect(() => c.list({ where: { id: { eq: {} as never } } })).toThrow(/where.id/);
    store.close();
  });
});

describe('a where that is not a plain object', () => {
  it('a Map or a class instance is refused (a Map has no own keys: every record matched), an object without a prototype is a where like any other', () => {
    const { store, dir } = openStore();
    const c = store.collection({ name: 'notes' });
    c.create({ id: 'o', status: 'open' });
    c.create({ id: 'd', status: 'done' });
    class Where {
      status = 'open';
    }
    for (const where of [new Map([['status', 'open']]), new Where(), new Date(), [] as unknown]) {
      const err = expectRejected(dir, () => c.list({ where: where as never }), 'VALIDATION', 'where');
      expect(err.message).toMatch(/^where must be a plain object of field conditions \(got an? /);
      expect(() => c.count({ where: where as never })).toThrow(/where must be a plain object/);
    }
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { status: 'open' });
    expect(c.list({ where: bare as never }).map((r) => r.id)).toEqual(['o']);
    store.close();
  });
});

describe('an in list with a hole', () => {
  it('is refused, as undefined in it is (the hole was skipped without a word)', () => {
    const { store } = openStore();
    const c = store.collection({ name: 'notes' });
    c.create({ id: 'o', status: 'open' });
    const sparse = [, 'open'] as string[];
    expect(() => c.list({ where: { status: { in: sparse } } })).toThrow(/where\.status\.in\[0\] is a hole/);
    expect(() => c.count({ where: { status: { in: [undefined, 'open'] as never } } })).toThrow(/where\.status\.in/);
    expect(c.count({ where: { status: { in: ['open'] } } })).toBe(1);
    store.close();
  });
});

describe('like reads the whole string', () => {
  it('a string holding a NUL character matches as a whole (SQLite LIKE stopped at the NUL: a NUL b matched a, not %b)', () => {
    const { store } = openStore();
    const c = store.collection({ name: 'notes' });
    c.create({ id: 'nul', s: 'a\u0000B' });
    c.create({ id: 'plain', s: 'ab' });
    const ids = (like: string): string[] => c.list({ where: { s: { like } }, orderBy: 'id' }).map((r) => r.id);
    expect(ids('a')).toEqual([]);
    expect(ids('%b')).toEqual(['nul', 'plain']);
    expect(ids('a_b')).toEqual(['nul']);
    expect(ids('a\u0000%')).toEqual(['nul']);
    expect(ids('a%')).toEqual(['nul', 'plain']);
    expect(c.count({ where: { s: { like: '_' } } })).toBe(0);
    store.close();
  });
});
