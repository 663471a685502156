/**
 * Input a careless or hostile caller hands the library, and lines another tool left in a
 * log: each is refused with a typed error that changes nothing, or read as the caller
 * meant it, never half-taken or silently changed.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store, ValidationError } from '../../src/index.js';
import { quietLogger } from '../helpers/logger.js';
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
