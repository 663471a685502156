/**
 * Crash safety with real processes: a writer is killed with SIGKILL at a random moment
 * mid-stream, many times over the same store, and after each kill the store is reopened
 * and every acknowledged write must be there.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Engine as Store } from '../../src/store/engine.js';
import { quietLogger } from '../helpers/logger.js';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { startWriter, type Acks } from './writers.js';
import { verifyStore } from './verify.js';

const MODES = ['single', 'many', 'txn', 'mixed', 'compact'] as const;
const KILLS_PER_MODE = 10;

function randomInt(min: number, max: number): number {
  return min + Math.floor(Math.random() * (max - min + 1));
}

describe('SIGKILL at random moments', () => {
  it.each(MODES)(
    `loses no acknowledged write (%s writes, ${KILLS_PER_MODE} kills)`,
    async (mode) => {
      const dir = join(tempDir(), '.taskstore');
      const all: Acks[] = [];
      let killedMidStream = 0;
      for (let trial = 0; trial < KILLS_PER_MODE; trial++) {
        const writer = startWriter(dir, mode, 1_000_000, `${mode}${trial}`);
        await writer.acked(randomInt(1, 40));
        // Then a random extra delay, so the kill lands anywhere in a write: before the
        // append, mid-append, between fsync and cache commit, mid-journal ...
        await new Promise((r) => setTimeout(r, randomInt(0, 15)));
        writer.child.kill('SIGKILL');
        const exit = await writer.exited;
        expect(exit.stderr).toBe('');
        if (exit.signal === 'SIGKILL') killedMidStream++;
        all.push(writer.acks);
        verifyStore(dir, all);
      }
      expect(killedMidStream).toBe(KILLS_PER_MODE);
      expect(all.reduce((n, a) => n + a.notes.length + a.pairs.length + a.updated.length, 0)).toBeGreaterThan(KILLS_PER_MODE);
    },
    120_000,
  );

  it('loses no acknowledged write, keeps every batch whole and the indexes in place, when createMany loads in bulk', async () => {
    let killedMidStream = 0;
    for (let trial = 0; trial < 6; trial++) {
      // A fresh store each time: every batch of the writer is then a bulk load.
      const dir = join(tempDir(), '.taskstore');
      const writer = startWriter(dir, 'bulk', 7, `bulk${trial}`);
      await writer.acked(randomInt(0, 2));
      await new Promise((r) => setTimeout(r, randomInt(0, 60)));
      writer.child.kill('SIGKILL');
      const exit = await writer.exited;
      expect(exit.stderr).toBe('');
      if (exit.signal === 'SIGKILL') killedMidStream++;
      verifyStore(dir, [writer.acks]);
      const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
      try {
        const notes = store.collection<{ i: number; bulk: number }>({ name: 'notes', indexes: ['tag'] });
        const batches = new Map<number, { size: number; n: number }>();
        for (const note of notes.list()) {
          const batch = batches.get(note.i) ?? { size: note.bulk, n: 0 };
          batch.n++;
          batches.set(note.i, batch);
        }
        for (const [i, { size, n }] of batches) expect(n, `batch ${i}`).toBe(size);
        expect(notes.count({ where: { tag: `bulk${trial}` } })).toBe(notes.count());
      } finally {
        store.close();
      }
      const db = new Database(join(dir, 'taskstore.db'), { readonly: true });
      const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'c_notes' ORDER BY name").pluck().all();
      db.close();
      expect(indexes).toEqual(['c_notes__f_tag', 'c_notes__id', 'c_notes__order']);
    }
    expect(killedMidStream).toBeGreaterThan(3);
  }, 120_000);
});
