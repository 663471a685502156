/**
 * `--where` on the two fields every record has, in a generic collection (whose other
 * fields have no declared type): `id` is text, `updated_at` a number, as for the
 * built-in types.
 */
import { describe, expect, it } from 'vitest';
import { listCollection } from '../../src/cli/commands/list.js';
import { parseWhereArg } from '../../src/cli/where.js';
import { openStore } from '../records/helpers.js';

describe('--where on id and updated_at of a generic collection', () => {
  it('id=5 finds the record "5" (the value was read as the number 5, which no id equals), updated_at=abc is a usage error', () => {
    const { store } = openStore();
    const notes = store.collection({ name: 'notes' });
    for (const id of ['5', 'true', 'null', '[1]', 'a']) notes.create({ id, n: 5 });
    const ids = (...where: string[]): string[] => listCollection(store, { collection: 'notes', where }).map((r) => r.id as string).sort();
    expect(ids('id=5')).toEqual(['5']);
    expect(ids('id=true')).toEqual(['true']);
    expect(ids('id=null')).toEqual(['null']);
    expect(ids('id=[1]')).toEqual(['[1]']);
    expect(ids('id!=5')).toEqual(['[1]', 'a', 'null', 'true']);
    expect(ids('id in 5,a')).toEqual(['5', 'a']);
    expect(ids('n=5')).toEqual(['5', '[1]', 'a', 'null', 'true']); // other fields: still JSON first
    const stamp = notes.get('5')!.updated_at;
    expect(ids(`updated_at=${stamp}`, 'id=5')).toEqual(['5']);
    expect(() => parseWhereArg('updated_at=abc')).toThrow(/is not a number/);
    expect(parseWhereArg('id=007')).toEqual({ field: 'id', op: 'eq', value: '007' });
    store.close();
  });
});

describe('--where field in with no values', () => {
  it('is a usage error (it matched nothing without a word)', () => {
    for (const arg of ['status in ', 'status in ,', 'status in  , ']) {
      expect(() => parseWhereArg(arg), arg).toThrow(/lists no values after "in"/);
    }
    expect(parseWhereArg('status in a, ,b')).toEqual({ field: 'status', op: 'in', value: ['a', 'b'] });
  });
});
