/**
 * The errors rule, through the public API: a wrong argument TYPE is a TypeError (a bug in
 * the caller, as better-sqlite3 does), a wrong VALUE or a wrong RECORD is a
 * ValidationError, a bad collection name an InvalidNameError, a closed store a TypeError.
 * Whatever the class, nothing is written.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { InvalidNameError, Store, TaskStoreError, ValidationError } from '../../src/index.js';
import { tempDir } from '../helpers/temp.js';
import { openStore, seed, snapshot, thrown, logText } from '../records/helpers.js';

/** Asserts `fn` throws a TypeError naming `field` (not a TaskStoreError) and writes nothing. */
function expectTypeError(dir: string, fn: () => unknown, field: string, message?: RegExp): void {
  const before = { ...snapshot(dir), notes: logText(dir, 'notes') };
  const err = thrown(fn) as unknown;
  expect(err, String(err)).toBeInstanceOf(TypeError);
  expect(err).not.toBeInstanceOf(TaskStoreError);
  // The same `code` and `field` a ValidationError has, so code that branches on `code` keeps working.
  expect(err).toMatchObject({ code: 'VALIDATION', field });
  if (message !== undefined) expect((err as Error).message).toMatch(message);
  expect({ ...snapshot(dir), notes: logText(dir, 'notes') }).toEqual(before);
}

function expectValidationError(fn: () => unknown, field?: string): void {
  const err = thrown(fn);
  expect(err, String(err)).toBeInstanceOf(ValidationError);
  if (field !== undefined) expect((err as ValidationError).field).toBe(field);
}

describe('wrong argument types are TypeErrors', () => {
  it('ids, options and records-arrays of the wrong type, on a collection', () => {
    const { store, dir } = openStore();
    const notes = store.collection({ name: 'notes' });
    const id = notes.create({ title: 'a' });
    expectTypeError(dir, () => notes.get(42 as never), 'id', /^id must be a string \(got 42\)$/);
    expectTypeError(dir, () => notes.get(null as never), 'id', /got null/);
    expectTypeError(dir, () => notes.history({} as never), 'id', /got an object/);
    expectTypeError(dir, () => notes.update(7 as never, { title: 'b' }), 'id');
    expectTypeError(dir, () => notes.patch(id, { title: 'b' }, 'x' as never), 'options');
    expectTypeError(dir, () => notes.patch(id, { title: 'b' }, null as never), 'options');
    expectTypeError(dir, () => notes.patch(id, { title: 'b' }, { ifUpdatedAt: '1' } as never), 'ifUpdatedAt');
    expectTypeError(dir, () => notes.delete(id, 5 as never), 'options');
    expectTypeError(dir, () => notes.createMany({ title: 'x' } as never), 'records');
    store.close();
  });

  it('store.collection options, collection-name arguments, functions', () => {
    const { store, dir } = openStore();
    expectTypeError(dir, () => store.collection({ name: 5 } as never), 'name');
    expectTypeError(dir, () => store.collection(undefined as never), 'options');
    expectTypeError(dir, () => store.collection('notes' as never), 'options');
    expectTypeError(dir, () => store.collection({ name: 'notes', indexes: 'status' } as never), 'indexes');
    expectTypeError(dir, () => store.collection({ name: 'notes', schema: {} } as never), 'schema');
    expectTypeError(dir, () => store.collection({ name: 'notes', index: ['status'] } as never), 'index', /unknown option index/);
    expectTypeError(dir, () => store.collection({ name: 'prds', name2: 1 } as never), 'name2');
    expectTypeError(dir, () => store.compact(5 as never), 'collection');
    expectTypeError(dir, () => store.rescue([] as never), 'collection');
    expectTypeError(dir, () => store.backup(42 as never), 'dest');
    expectTypeError(dir, () => store.transaction('nope' as never), 'fn');
    expectTypeError(dir, () => store.watch(undefined as never), 'listener');
    store.close();
    expectTypeError(dir, () => Store.open(42 as never), 'dir');
    expectTypeError(dir, () => Store.open(join(tempDir(), '.taskstore'), 'fast' as never), 'options');
  });

  it('Store.open options out of range and the change feed options carry code and field too, as docs/api.md says (they were bare TypeErrors)', () => {
    const { store, dir } = openStore();
    const fresh = () => join(tempDir(), '.taskstore');
    expectTypeError(dir, () => Store.open(fresh(), { durability: 'sync' } as never), 'durability', /^durability must be 'fsync' or 'none' \(got "sync"\)$/);
    expectTypeError(dir, () => Store.open(fresh(), { maxRecordBytes: 0 }), 'maxRecordBytes', /^maxRecordBytes must be a positive integer \(got 0\)$/);
    expectTypeError(dir, () => Store.open(fresh(), { lockTimeoutMs: -1 }), 'lockTimeoutMs', /^lockTimeoutMs must be a non-negative integer of at most 2147483647 \(about 24\.8 days\) \(got -1\)$/);
    expectTypeError(dir, () => store.watch(() => {}, { since: 1.5 }), 'since', /^since must be an integer number of Unix milliseconds \(got 1.5\)$/);
    expectTypeError(dir, () => store.changes({ since: '1' as never }), 'since');
    expectTypeError(dir, () => store.watch(() => {}, 'all' as never), 'options');
    expectTypeError(dir, () => store.watch(() => {}, { collections: 'notes' as never }), 'collections');
    expectTypeError(dir, () => store.changes({ signal: {} as never }), 'signal');
    expectTypeError(dir, () => store.backup(''), 'dest');
    store.close();
  });

  it('the record methods: ids, claimants and claim options', () => {
    const { store, dir } = openStore();
    const { specId } = seed(store);
    expectTypeError(dir, () => store.getPrd(5 as never), 'id');
    expectTypeError(dir, () => store.listTaskSpecs(undefined as never), 'prdId');
    expectTypeError(dir, () => store.listDependencies(1 as never), 'execId');
    expectTypeError(dir, () => store.claimTaskSpec(specId, 7 as never), 'claimant');
    expectTypeError(dir, () => store.claimTaskSpec(specId, 'me', 'fast' as never), 'options');
    expectTypeError(dir, () => store.claimTaskSpec(specId, 'me', { lease: 5 } as never), 'lease', /unknown option lease/);
    expectTypeError(dir, () => store.claimTaskSpec(specId, 'me', { leaseMs: '5' } as never), 'leaseMs');
    expectTypeError(dir, () => store.claimNextReadyTaskSpec('me', { prdId: 3 } as never), 'prdId');
    expectTypeError(dir, () => store.updatePrd(null as never, { title: 'x' }), 'id');
    store.close();
  });
});

describe('wrong values and wrong records are ValidationErrors', () => {
  it('arguments of the right type whose value cannot be used', () => {
    const { store } = openStore();
    const notes = store.collection({ name: 'notes' });
    const id = notes.create({ title: 'a' });
    expectValidationError(() => notes.get(''), 'id');
    expectValidationError(() => notes.create({ id: 'a\nb' }), 'id'); // a new id has no control characters (a lookup takes any stored id)
    expectValidationError(() => notes.patch(id, { title: 'b' }, { ifUpdatedAt: 1.5 }), 'ifUpdatedAt');
    const { specId } = seed(store);
    expectValidationError(() => store.claimTaskSpec(specId, '  '), 'claimant');
    expectValidationError(() => store.claimTaskSpec(specId, 'me', { leaseMs: -1 }), 'leaseMs');
    expectValidationError(() => store.listPrds('nope' as never), 'status');
    store.close();
  });

  it('records that do not fit, including a record id of the wrong type inside the record', () => {
    const { store } = openStore();
    const notes = store.collection({ name: 'notes' });
    expectValidationError(() => notes.create([] as never));
    expectValidationError(() => notes.create({ id: 5 } as never), 'id');
    expectValidationError(() => notes.create({ when: new Date() } as never), 'when');
    expectValidationError(() => store.createPrd({ title: 5 } as never), 'title');
    expectValidationError(() => store.collection({ name: 'prds' }).create({ title: 'x', status: 'bogus' }), 'status');
    store.close();
  });

  it('a collection name that is a string but not a valid name is an InvalidNameError', () => {
    const { store } = openStore();
    expect(thrown(() => store.collection({ name: 'Bad-Name' }))).toBeInstanceOf(InvalidNameError);
    expect(thrown(() => store.compact('../x'))).toBeInstanceOf(InvalidNameError);
    store.close();
  });
});

describe('a closed store', () => {
  it('is a TypeError on every entry point, never an IO error', () => {
    const { store } = openStore();
    const notes = store.collection({ name: 'notes' });
    const id = notes.create({ title: 'a' });
    store.close();
    for (const fn of [() => notes.get(id), () => notes.create({ title: 'b' }), () => store.collection({ name: 'notes' }), () => store.listPrds(), () => store.sync(), () => store.check()]) {
      const err = thrown(fn) as unknown;
      expect(err).toBeInstanceOf(TypeError);
      expect(err).not.toBeInstanceOf(TaskStoreError);
      expect((err as Error).message).toMatch(/is closed/);
    }
  });
});
