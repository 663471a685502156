/**
 * A createMany large enough to load in bulk drops the table's indexes and builds them
 * again inside its transaction. Another process (bulk-creator.mjs) does that round after
 * round while this one reads: every answer must show whole rounds only (a createMany is
 * all or none), every query must keep working across the schema changes, and the
 * indexes must all be there at the end. The interleaving varies from run to run; the
 * assertions do not depend on it.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';
import { batchSize, totalsAfter } from '../fixtures/bulk-rounds.mjs';

const CREATOR = join(import.meta.dirname, '..', 'fixtures', 'bulk-creator.mjs');
const ROUNDS = 5;

type Note = { id: string; round: number; status: string };

describe('reading while another process creates in bulk', () => {
  it('every answer holds whole batches only, and the indexes are all back at the end', async () => {
    const dir = join(tempDir(), '.taskstore');
    const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
    try {
      const notes = store.collection<Note>({ name: 'notes', indexes: ['status', 'round'] });
      const possible = Array.from({ length: ROUNDS + 1 }, (_, k) => totalsAfter(k));
      const child = spawn(process.execPath, [CREATOR, dir, String(ROUNDS)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      let done = false;
      void exited.then(() => (done = true));
      const seen = new Set<number>();
      while (!done) {
        // One read transaction per answer: the counts and the list agree with each other.
        store.transaction(() => {
          const all = notes.count();
          const rounds = possible.findIndex((p) => p.all === all);
          expect(rounds, `count ${all} is not a whole number of batches`).toBeGreaterThanOrEqual(0);
          expect(notes.count({ where: { status: 'done' } })).toBe(possible[rounds]!.done);
          const last = notes.list({ where: { round: rounds - 1 }, orderBy: 'id', limit: 3 });
          expect(last.length).toBe(rounds === 0 ? 0 : 3);
          expect(notes.get(`k${rounds}-0`)).toBeUndefined();
          seen.add(rounds);
        });
        // One query outside a transaction (one snapshot, read while the writer holds its
        // transaction open): whole rounds of done records, from round 0 on.
        const byRound = new Map<number, number>();
        for (const r of notes.list({ where: { status: 'done' } })) byRound.set(r.round, (byRound.get(r.round) ?? 0) + 1);
        const rounds = [...byRound.keys()].sort((a, b) => a - b);
        expect(rounds).toEqual(rounds.map((_, k) => k));
        for (const [round, n] of byRound) expect(n, `round ${round}`).toBe(Math.ceil(batchSize(round) / 3));
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(await exited, stderr).toBe(0);
      expect(notes.count()).toBe(possible[ROUNDS]!.all);
      expect(notes.count({ where: { status: 'done' } })).toBe(possible[ROUNDS]!.done);
      expect(store.check().problems).toEqual([]);
      const db = new Database(join(dir, 'taskstore.db'), { readonly: true });
      const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'c_notes' ORDER BY name").pluck().all();
      db.close();
      expect(indexes).toEqual(['c_notes__f_round', 'c_notes__f_status', 'c_notes__id', 'c_notes__order']);
      expect(seen.size, `rounds seen: ${[...seen].join(', ')}`).toBeGreaterThan(0);
    } finally {
      store.close();
    }
  }, 120_000);
});
