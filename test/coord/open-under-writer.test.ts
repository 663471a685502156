/**
 * Opening a store while another process holds the write lock in the middle of a commit
 * (its line appended, the cache not yet committed) does not wait for that writer.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';

describe('opening under a busy writer', () => {
  it('reads the committed state without waiting for the lock; the in-flight line arrives with the writer or the next refresh', () => {
    const dir = join(tempDir(), '.taskstore');
    const first = Store.open(dir, { durability: 'none', logger: quietLogger() });
    first.collection({ name: 'notes' }).create({ id: 'a', v: 1 });
    first.close();

    // Another process's commit in flight: it holds the lock and has appended its line.
    const writer = new Database(join(dir, 'taskstore.db'));
    writer.exec('BEGIN IMMEDIATE');
    appendFileSync(join(dir, 'notes.jsonl'), `${JSON.stringify({ id: 'b', v: 2, updated_at: Date.now() })}\n`);

    // With a 1 s lock timeout, waiting would end in LockedError; the open must not wait.
    const reader = Store.open(dir, { durability: 'none', logger: quietLogger(), lockTimeoutMs: 1000 });
    const notes = reader.collection({ name: 'notes' });
    expect(notes.list().map((r) => r.id)).toEqual(['a']);

    writer.exec('ROLLBACK'); // the writer stops without applying: the next refresh catches up
    writer.close();
    expect(reader.refresh()).toBe(1);
    expect(notes.list({ orderBy: 'id' }).map((r) => r.id)).toEqual(['a', 'b']);
    expect(reader.check().problems).toEqual([]);
    reader.close();
  });
});
