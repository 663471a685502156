/**
 * Several real processes on one store at once: writers of every kind, plus one process
 * compacting and one rebuilding the cache the whole time. Nothing acknowledged may be
 * lost and no line may be interleaved with another.
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { startWriter } from './writers.js';
import { verifyStore } from './verify.js';

describe('concurrent processes', () => {
  it('4 writers to the same collection: every record present, every line valid', async () => {
    const dir = join(tempDir(), '.taskstore');
    const writers = [0, 1, 2, 3].map((w) => startWriter(dir, 'single', 150, `w${w}`));
    const exits = await Promise.all(writers.map((w) => w.exited));
    for (const exit of exits) expect(exit).toMatchObject({ code: 0, stderr: '' });
    const counts = verifyStore(dir, writers.map((w) => w.acks));
    expect(counts.notes).toBe(600);
    const lines = readFileSync(join(dir, 'notes.jsonl'), 'utf8').trim().split('\n');
    expect(new Set(lines.map((l) => JSON.parse(l).id)).size).toBe(600);
  }, 120_000);

  it('8 processes creating one new store at the same moment all open it (no SQLITE_BUSY escapes as an error)', async () => {
    // Switching a new database to WAL and creating the cache's tables meet locks that
    // SQLite's busy handler does not wait for; opening must wait for them itself.
    for (let round = 0; round < 3; round++) {
      const dir = join(tempDir(), '.taskstore');
      const writers = Array.from({ length: 8 }, (_, w) => startWriter(dir, 'single', 2, `o${round}-${w}`));
      const exits = await Promise.all(writers.map((w) => w.exited));
      for (const exit of exits) expect(exit).toMatchObject({ code: 0, stderr: '' });
      expect(verifyStore(dir, writers.map((w) => w.acks)).notes).toBe(16);
    }
  }, 180_000);

  it('6 writers of mixed kinds plus a compacting and a syncing process', async () => {
    const dir = join(tempDir(), '.taskstore');
    // Create the store first so the maintenance processes have something to work on.
    await startWriter(dir, 'single', 1, 'seed').exited;
    const writers = ['mixed', 'mixed', 'txn', 'many', 'single', 'compact'].map((mode, w) => startWriter(dir, mode, 60, `m${w}`));
    const maintenance = [startWriter(dir, 'compactloop', 25, 'c'), startWriter(dir, 'syncloop', 25, 's')];
    const exits = await Promise.all([...writers, ...maintenance].map((w) => w.exited));
    for (const exit of exits) expect(exit).toMatchObject({ code: 0, stderr: '' });
    for (const w of [...writers, ...maintenance]) expect(w.acks.done).toBe(true);
    verifyStore(dir, writers.map((w) => w.acks));
  }, 180_000);
});
