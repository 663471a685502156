/**
 * Crash safety with real processes: a writer is killed with SIGKILL at a random moment
 * mid-stream, many times over the same store, and after each kill the store is reopened
 * and every acknowledged write must be there.
 */
import { join } from 'node:path';
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
});
