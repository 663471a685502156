/**
 * Opening a store while another process holds the write lock in the middle of a commit
 * (its line appended, the cache not yet committed) does not wait for that writer.
 */
import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';

const require = createRequire(import.meta.url);

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

describe('waiting for the write lock', () => {
  it('a write waits for another process’s lock and proceeds when it is released; past lockTimeoutMs it is LOCKED and writes nothing', async () => {
    const dir = join(tempDir(), '.taskstore');
    const store = Store.open(dir, { durability: 'none', logger: quietLogger(), lockTimeoutMs: 300 });
    const notes = store.collection({ name: 'notes' });
    notes.create({ id: 'a' });
    const holder = new Database(join(dir, 'taskstore.db'));
    holder.exec('BEGIN IMMEDIATE');
    const err = (() => {
      try {
        notes.create({ id: 'b' });
      } catch (e) {
        return e as { code?: string };
      }
      return undefined;
    })();
    expect(err?.code).toBe('LOCKED');
    holder.exec('ROLLBACK');
    holder.close();
    expect(notes.list().map((r) => r.id)).toEqual(['a']);

    // A real other process holds the lock for a while, then lets go.
    const { spawn } = await import('node:child_process');
    const child = spawn(
      process.execPath,
      ['-e', `const D = require(${JSON.stringify(require.resolve('better-sqlite3'))}); const db = new D(process.argv[1]); db.exec('BEGIN IMMEDIATE'); console.log('held'); setTimeout(() => { db.exec('ROLLBACK'); db.close(); }, 200);`, join(dir, 'taskstore.db')],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    const patient = Store.open(dir, { durability: 'none', logger: quietLogger(), lockTimeoutMs: 20_000 });
    patient.collection({ name: 'notes' }).create({ id: 'c' });
    await new Promise((resolve) => child.on('exit', resolve));
    expect(patient.collection({ name: 'notes' }).list({ orderBy: 'id' }).map((r) => r.id)).toEqual(['a', 'c']);
    patient.close();
    store.close();
  });
});
