/** Issue 9 items 8 and 9: a store reached through a symlink, and a log saved with a BOM. */
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LockedError } from '../../src/index.js';
import { Engine as Store } from '../../src/store/engine.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';

describe('a second Store on the same directory through a symlink', () => {
  it('fails at once with LOCKED inside the first one’s transaction instead of waiting for the lock timeout', () => {
    const root = tempDir();
    const dir = join(root, '.taskstore');
    const first = Store.open(dir, { durability: 'none', logger: quietLogger() });
    symlinkSync(root, join(root, 'link'));
    const second = Store.open(join(root, 'link', '.taskstore'), { durability: 'none', logger: quietLogger(), lockTimeoutMs: 20_000 });
    const notes1 = first.collection({ name: 'notes' });
    const notes2 = second.collection({ name: 'notes' });
    let caught: any;
    const started = Date.now();
    first.transaction(() => {
      notes1.create({ id: 'a' });
      try {
        notes2.create({ id: 'b' });
      } catch (err) {
        caught = err;
      }
    });
    // Generous bound: the old behaviour waited the whole (here 20 s) lock timeout.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(caught?.code).toBe('LOCKED');
    expect(caught).toBeInstanceOf(LockedError);
    expect(caught.message).toMatch(/in this process/);
    second.close();
    first.close();
  });
});

describe('a log saved with a UTF-8 byte-order mark', () => {
  it('reads its first record, keeps the mark in the file, and check reports nothing', () => {
    const dir = join(tempDir(), '.taskstore');
    Store.open(dir, { durability: 'none', logger: quietLogger() }).close();
    writeFileSync(join(dir, 'notes.jsonl'), '\uFEFF{"id":"a","title":"first","updated_at":1}\r\n{"id":"b","updated_at":2}\r\n');
    const logger = quietLogger();
    const store = Store.open(dir, { durability: 'none', logger });
    const notes = store.collection({ name: 'notes' });
    expect(notes.get('a')?.title).toBe('first');
    expect(logger.warnings).toEqual([]);
    expect(store.check().problems).toEqual([]);
    expect(store.sync().skipped).toEqual([]);
    notes.patch('a', { title: 'second' });
    expect(readFileSync(join(dir, 'notes.jsonl')).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    store.compact('notes');
    expect(readFileSync(join(dir, 'notes.jsonl')).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(notes.get('a')?.title).toBe('second');
    expect(store.check().problems).toEqual([]);
    store.close();
  });

  it('a closed store throws TypeError (a programming error), not an IO error', () => {
    const store = Store.open(join(tempDir(), '.taskstore'), { durability: 'none', logger: quietLogger() });
    const notes = store.collection({ name: 'notes' });
    notes.create({ id: 'a' });
    store.close();
    expect(() => notes.get('a')).toThrow(TypeError);
    expect(() => store.refresh()).toThrow(/is closed/);
    store.close(); // twice: nothing
  });
});
