/**
 * Issue 9 items 3, 4, 13: what a write stamps and serializes. Each case first failed
 * against the old write path (a stamp 2^53 acknowledged then skipped on rebuild; a
 * patch that rewrote untouched big numbers; a no-op update that appended a version).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import Database from 'better-sqlite3';
import { Engine as Store } from '../../src/store/engine.js';
import { serializeKeepingMembers } from '../../src/store/version-text.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';

function open(dir: string) {
  const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
  return { store, notes: store.collection({ name: 'notes' }) };
}

function logLines(dir: string): string[] {
  return readFileSync(join(dir, 'notes.jsonl'), 'utf8').split('\n').filter((l) => l !== '');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('stamps are validated before anything is written', () => {
  it('refuses a patch after a version stamped Number.MAX_SAFE_INTEGER, naming updated_at, and rebuild keeps the record', () => {
    const dir = join(tempDir(), '.taskstore');
    let { store, notes } = open(dir);
    store.close();
    writeFileSync(join(dir, 'notes.jsonl'), `{"id":"a","title":"old","updated_at":${Number.MAX_SAFE_INTEGER}}\n`);
    ({ store, notes } = open(dir));
    expect(() => notes.patch('a', { title: 'new' })).toThrow(expect.objectContaining({ code: 'VALIDATION', field: 'updated_at' }));
    expect(logLines(dir)).toHaveLength(1);
    store.sync();
    expect(notes.get('a')?.title).toBe('old');
    store.close();
  });

  it('refuses a fractional clock on create, patch and delete with an error about the clock, not created_at', () => {
    const dir = join(tempDir(), '.taskstore');
    const { store, notes } = open(dir);
    notes.create({ id: 'a', title: 'x' });
    vi.spyOn(Date, 'now').mockReturnValue(1_733_000_000_000.5);
    for (const write of [() => notes.create({ title: 'y' }), () => notes.patch('a', { title: 'z' }), () => notes.delete('a')]) {
      let caught: any;
      try {
        write();
      } catch (err) {
        caught = err;
      }
      expect(caught?.code).toBe('VALIDATION');
      expect(caught.field).toBe('updated_at');
      expect(caught.message).toMatch(/clock/);
    }
    vi.restoreAllMocks();
    expect(logLines(dir)).toHaveLength(1);
    store.sync();
    expect(notes.get('a')?.title).toBe('x');
    store.close();
  });
});

describe('a write keeps the bytes of members it did not change', () => {
  it('patching title keeps a big integer, 1.0, escapes and nested spacing byte for byte', () => {
    const dir = join(tempDir(), '.taskstore');
    let { store, notes } = open(dir);
    store.close();
    const original = '{"id":"a","big":12345678901234567890,"f":1.0,"e":1e2,"s":"caf\\u00e9","n":{ "x" : [1, 2.50] },"title":"old","updated_at":5}';
    writeFileSync(join(dir, 'notes.jsonl'), `${original}\n`);
    ({ store, notes } = open(dir));
    notes.patch('a', { title: 'new' });
    const last = logLines(dir).at(-1)!;
    for (const member of ['"big":12345678901234567890', '"f":1.0', '"e":1e2', '"s":"caf\\u00e9"', '"n":{ "x" : [1, 2.50] }', '"title":"new"']) {
      expect(last).toContain(member);
    }
    expect(JSON.parse(last).updated_at).toBeGreaterThan(5);
    // A read-modify-write through update() keeps them as well (the values mean the same JSON).
    const current = notes.get('a')!;
    notes.update('a', { ...current, title: 'newer' });
    expect(logLines(dir).at(-1)).toContain('"big":12345678901234567890');
    // A member the write does change is written from the new value.
    notes.patch('a', { f: 2 });
    expect(logLines(dir).at(-1)).toContain('"f":2');
    store.close();
  });

  it('property: the kept text always parses to the record written', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.dictionary(fc.string(), fc.jsonValue()), (before, after) => {
        const prev = JSON.stringify({ ...before, id: 'a', updated_at: 1 });
        const record = { ...JSON.parse(JSON.stringify(after)), id: 'a', updated_at: 2 };
        const text = serializeKeepingMembers(record, prev);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(record)));
      }),
    );
  });
});

describe('an update that changes nothing', () => {
  it('is a no-op returning the current version (patch and update)', () => {
    const dir = join(tempDir(), '.taskstore');
    const { store, notes } = open(dir);
    notes.create({ id: 'a', title: 'same', tags: ['x'] });
    const before = notes.get('a')!;
    expect(notes.patch('a', { title: 'same' })).toEqual(before);
    const { updated_at: _u, ...fields } = before;
    expect(notes.update('a', fields)).toEqual(before);
    expect(logLines(dir)).toHaveLength(1);
    expect(notes.history('a')).toHaveLength(1);
    // A real change is still written.
    notes.patch('a', { title: 'other' });
    expect(notes.history('a')).toHaveLength(2);
    store.close();
  });
});

describe('a cache failure after the lines are appended', () => {
  // The `files` row (the log's new consumed end) is written after the append. When that
  // statement fails (a full disk under SQLite), the write must be undone in the log too:
  // the caller gets an error, so the record must not appear on the next catch-up.
  function failFilesRow(dir: string): () => void {
    const db = new Database(join(dir, 'taskstore.db'));
    db.exec(`CREATE TRIGGER fail_files_row BEFORE INSERT ON files BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
    return () => {
      db.exec('DROP TRIGGER fail_files_row');
      db.close();
    };
  }

  for (const [what, write] of [
    ['one create', (notes: ReturnType<typeof open>['notes']) => notes.create({ id: 'b', title: 'lost?' })],
    ['a transaction of two', (notes: ReturnType<typeof open>['notes'], store?: Store) => store!.transaction(() => {
      notes.create({ id: 'b', title: 'lost?' });
      notes.create({ id: 'c', title: 'lost?' });
    })],
  ] as const) {
    it(`${what}: the log is cut back and the records never appear`, () => {
      const dir = join(tempDir(), '.taskstore');
      let { store, notes } = open(dir);
      notes.create({ id: 'a', title: 'kept' });
      const before = readFileSync(join(dir, 'notes.jsonl'));
      const restore = failFilesRow(dir);
      expect(() => write(notes, store)).toThrow(/disk full/);
      expect(readFileSync(join(dir, 'notes.jsonl'))).toEqual(before);
      restore();
      expect(notes.get('b')).toBeUndefined();
      store.close();
      ({ store, notes } = open(dir));
      store.sync();
      expect(notes.list().map((r) => r.id)).toEqual(['a']);
      // The store goes on writing after the failure.
      notes.create({ id: 'd', title: 'after' });
      expect(logLines(dir)).toHaveLength(2);
      store.close();
    });
  }
});
