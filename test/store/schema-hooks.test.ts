/**
 * A collection's `schema` is the caller's code: whatever its `parse` throws or returns,
 * a write either stores a version that reads back as written or throws a
 * ValidationError, with nothing written.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { expectRejected, openStore } from '../records/helpers.js';

describe('a schema whose parse throws something odd', () => {
  it('is a ValidationError whatever was thrown (undefined, null, a bare object, issues of another shape), with nothing written', () => {
    const { store, dir } = openStore();
    const throwing: [string, unknown, RegExp][] = [
      ['undefined', undefined, /invalid record: the schema threw undefined/],
      ['null', null, /invalid record: the schema threw null/],
      ['bare', Object.create(null), /invalid record: the schema threw an object that is not an Error/],
      ['number', 42, /invalid record: the schema threw 42/],
      ['nullissue', { issues: [null] }, /invalid record: the schema threw an object that is not an Error/],
      ['pathtext', { issues: [{ path: 'title', message: 'too short' }] }, /invalid record: too short/],
      ['nomessage', { issues: [{ path: ['meta', 0] }] }, /invalid field meta\.0: refused by the schema/],
    ];
    for (const [name, value, message] of throwing) {
      const c = store.collection<Record<string, unknown>>({ name, schema: { parse: () => { throw value; } } });
      const err = expectRejected(dir, () => c.create({ title: 't' }), 'VALIDATION');
      expect(err).toBeInstanceOf(ValidationError);
      expect(err.message).toMatch(message);
      expect(c.count()).toBe(0);
    }
    store.close();
  });
});

describe('a schema whose parse returns something odd', () => {
  it('a returned field deleted is refused: the version would read as a tombstone (a create get() cannot find, a patch that deletes)', () => {
    const { store, dir } = openStore();
    const c = store.collection<Record<string, unknown>>({
      name: 'notes',
      schema: { parse: (v) => ((v as { x?: number }).x === 2 ? { ...(v as object), deleted: true } : (v as Record<string, unknown>)) },
    });
    const id = c.create({ x: 1 });
    expectRejected(dir, () => c.create({ x: 2 }), 'VALIDATION', 'deleted');
    expectRejected(dir, () => c.patch(id, { x: 2 }), 'VALIDATION', 'deleted');
    expectRejected(dir, () => c.update(id, { x: 2 }), 'VALIDATION', 'deleted');
    expectRejected(dir, () => c.createMany([{ x: 3 }, { x: 2 }]), 'VALIDATION', 'deleted');
    const falsy = store.collection<Record<string, unknown>>({ name: 'falsy', schema: { parse: (v) => ({ ...(v as object), deleted: false }) } });
    expectRejected(dir, () => falsy.create({ x: 1 }), 'VALIDATION', 'deleted');
    expect(c.get(id)).toMatchObject({ x: 1 });
    expect(c.count()).toBe(1);
    store.close();
  });
});
