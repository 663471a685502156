/**
 * What a caller hands a generic collection's writes and declarations, at the edges:
 * each is taken as written or refused with a ValidationError that changes nothing.
 */
import { describe, expect, it } from 'vitest';
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
