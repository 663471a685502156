/**
 * What a caller hands a generic collection's writes and declarations, at the edges:
 * each is taken as written or refused with a ValidationError that changes nothing.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { repeatedKey } from '../../src/shared/json-keys.js';
import { expectRejected, openStore } from '../records/helpers.js';

describe('createMany', () => {
  it('a hole in the array is refused as record i, like undefined (it was skipped, leaving a hole in the returned ids)', () => {
    const { store, dir } = openStore();
    const notes = store.collection({ name: 'notes' });
    const sparse = [, { title: 'b' }] as { title: string }[];
    const err = expectRejected(dir, () => notes.createMany(sparse), 'VALIDATION');
    expect(err.message).toMatch(/^record 0 must be a plain object \(got undefined\)/);
    expect(notes.count()).toBe(0);
    store.close();
  });
});

describe('store.collection() index declarations', () => {
  it('a bad index field after good ones declares nothing: no table, no index, no collection name', () => {
    const { store, dir } = openStore();
    expectRejected(dir, () => store.collection({ name: 'fresh', indexes: ['a', 'b-c'] }), 'VALIDATION', 'b-c');
    expect(store.collectionNames()).not.toContain('fresh');
    const notes = store.collection({ name: 'notes' });
    notes.create({ id: 'n', a: 1 });
    expectRejected(dir, () => store.collection({ name: 'notes', indexes: ['a', ''] }), 'VALIDATION', '');
    store.close();
    const db = new Database(join(dir, 'taskstore.db'), { readonly: true });
    const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND (name GLOB 'c_notes__f_*' OR name GLOB 'c_fresh*')").pluck().all();
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'c_fresh'").pluck().all();
    db.close();
    expect(indexes).toEqual([]);
    expect(tables).toEqual([]);
  });
});

describe('created_at on create', () => {
  it('null is refused like any other non-integer (it was replaced by the write time without a word)', () => {
    const { store, dir } = openStore();
    const notes = store.collection({ name: 'notes' });
    expectRejected(dir, () => notes.create({ id: 'a', created_at: null } as never), 'VALIDATION', 'created_at');
    expectRejected(dir, () => notes.createFromText('{"id":"a","created_at":null}'), 'VALIDATION', 'created_at');
    expectRejected(dir, () => notes.createMany([{ id: 'b' }, { id: 'a', created_at: null } as never]), 'VALIDATION', 'created_at');
    expect(notes.count()).toBe(0);
    // Left out (or undefined), it is the write's updated_at.
    const created = notes.get(notes.create({ id: 'c', created_at: undefined }))!;
    expect(created.created_at).toBe(created.updated_at);
    store.close();
  });
});

describe('createFromText with a key repeated in one object', () => {
  it('is refused: kept as written, get() read the last value and queries the first (m.k = 2 found nothing)', () => {
    const { store, dir } = openStore();
    const notes = store.collection({ name: 'notes' });
    for (const [text, key] of [
      ['{"id":"a","m":{"k":1,"k":2}}', 'k'],
      ['{"id":"a","l":[1,{"x":1,"y":[],"x":2}]}', 'x'],
      ['{"id":"a","t":5,"t":6}', 't'],
      ['{"id":"a","m":{"k":1,"\\u006b":2}}', 'k'],
      ['{ "id" : "a" , "id" : "b" }', 'id'],
    ] as const) {
      const err = expectRejected(dir, () => notes.createFromText(text), 'VALIDATION', 'text');
      expect(err.message, text).toContain(`repeats the key ${JSON.stringify(key)}`);
    }
    // The same key in different objects, or as a string value, is no repetition.
    notes.createFromText('{"id":"b","k":{"k":{"k":"k"}},"l":[{"k":1},{"k":2}],"s":"\\"k\\":1,\\"k\\":2"}');
    expect(notes.count({ where: { 'k.k.k': 'k' } })).toBe(1);
    store.close();
  });

  it('property: JSON.stringify output (which never repeats a key) is never refused for it', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (value) => {
        expect(repeatedKey(JSON.stringify(value))).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });
});
