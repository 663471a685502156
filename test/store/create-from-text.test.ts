/**
 * `collection.createFromText(text)`: a record created from its JSON text keeps the text
 * of every member validation leaves as it is — an integer beyond 2^53 keeps every digit,
 * which `create(JSON.parse(text))` cannot — with the checks of `create`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError, type Store } from '../../src/index.js';
import { compactJson } from '../../src/shared/exact-json.js';
import { openStore } from '../cli/run-cli.js';
import { tempDir } from '../helpers/temp.js';

let store: Store;
beforeEach(() => {
  store = openStore(tempDir('taskstore-from-text-'));
});
afterEach(() => store.close());

describe('createFromText', () => {
  it('stores every member as the text writes it, integers beyond 2^53 included, on one compact line', () => {
    const notes = store.collection({ name: 'notes' });
    const id = notes.createFromText('{\n  "id": "a",\n  "n": 12345678901234567890,\n  "deep": { "list": [ 1.0, -9007199254740993 ], "s": "x  y \\u00e9" }\n}');
    expect(id).toBe('a');
    const line = notes.getText('a')!;
    expect(line).toMatch(/^\{"id":"a","n":12345678901234567890,"deep":\{"list":\[1\.0,-9007199254740993\],"s":"x  y \\u00e9"\},"created_at":\d+,"updated_at":\d+\}$/);
    expect(notes.get('a')).toMatchObject({ n: 12345678901234567890, deep: { s: 'x  y é' } });
    // A new id when the text has none, as create gives.
    const other = notes.createFromText('{"n":9007199254740993}');
    expect(notes.getText(other)).toContain('"n":9007199254740993');
  });

  it('a built-in record type is validated and given its defaults; what validation changes is serialized', () => {
    const prd = store.collection({ name: 'prds' }).createFromText('{"title":"t","ext":12345678901234567890}');
    const line = store.collection({ name: 'prds' }).getText(prd)!;
    expect(line).toContain('"ext":12345678901234567890');
    expect(store.getPrd(prd)).toMatchObject({ title: 't', status: 'draft', review_passes: 0 });
    expect(() => store.collection({ name: 'prds' }).createFromText('{"title":"t","review_passes":"many","n":12345678901234567890}')).toThrow(/review_passes/);
  });

  it('refuses what create refuses, and text that is not a JSON object; nothing is written', () => {
    const notes = store.collection({ name: 'notes' });
    notes.create({ id: 'taken' });
    for (const [text, message] of [
      ['{"id":"x",', /text is not valid JSON/],
      ['[1]', /record must be a plain object/],
      ['12345678901234567890', /record must be a plain object/],
      ['{"id":"taken","n":12345678901234567890}', /already has a record with id taken/],
      ['{"id":"d","deleted":true}', /reserved for tombstones/],
      ['{"id":"c","created_at":12345678901234567890}', /created_at must be an integer timestamp/],
    ] as const) {
      expect(() => notes.createFromText(text), text).toThrow(message);
    }
    expect(() => notes.createFromText(1 as unknown as string)).toThrow(/text must be a string of JSON/);
    expect(() => notes.createFromText('nope')).toThrow(ValidationError);
    expect(notes.count()).toBe(1);
  });

  it('compactJson drops whitespace between tokens only', () => {
    expect(compactJson(' { "a" : [ 1.0 , "x \\" y" ] ,\r\n\t"b":null } ')).toBe('{"a":[1.0,"x \\" y"],"b":null}');
  });
});
