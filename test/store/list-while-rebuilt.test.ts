/**
 * list() keeps parsed versions by cache row (parsed-versions.ts). Here another process
 * (log-replacer.mjs) replaces the log again and again, as git does, and rebuilds the
 * table each time through another route (refresh(), the CLI's `taskstore refresh`,
 * sync(), compact()), always into the same rows with other contents, while this process
 * lists in a loop. Every answer must be exactly one round's records: none of an older
 * round kept for a row that now holds a newer one. Whatever the interleaving, that holds
 * (the assertion does not depend on timing); how many lists fall between two rebuilds
 * does vary from run to run.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';
import { logOfRound } from '../fixtures/log-rounds.mjs';

const REPLACER = join(import.meta.dirname, '..', 'fixtures', 'log-replacer.mjs');
const LAST_ROUND = 24;

type Note = { id: string; round: number; v: string };

/** The live records of `round`'s log, in list()'s default order (updated_at, then id). */
function recordsOfRound(round: number): Note[] {
  return logOfRound(round)
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Note & { deleted?: boolean })
    .filter((record) => record.deleted !== true);
}

/** What `query` returns from round `round`'s records. */
function expected(round: number, query: 'all' | 'page' | 'in'): Note[] {
  const records = recordsOfRound(round);
  if (query === 'all') return records;
  if (query === 'in') return records.filter((r) => ['r03', 'r10', 'r11', 'r29'].includes(r.id));
  return records.sort((a, b) => (a.id < b.id ? 1 : -1)).slice(2, 7);
}

describe('list() while another process rebuilds the table round after round', () => {
  it('every answer is one round, never versions kept from an older round for the same rows', async () => {
    const dir = join(tempDir(), '.taskstore');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'notes.jsonl'), logOfRound(0));
    const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
    try {
      const notes = store.collection<Note>({ name: 'notes' });
      const queries = {
        all: undefined,
        page: { orderBy: '-id', limit: 5, offset: 2 },
        in: { where: { id: { in: ['r03', 'r10', 'r11', 'r29'] } } },
      } as const;
      for (const query of Object.values(queries)) notes.list(query); // later calls keep what they parse
      const child = spawn(process.execPath, [REPLACER, dir, '1', String(LAST_ROUND)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      let done = false;
      void exited.then(() => (done = true));
      while (!done) {
        for (const [name, query] of Object.entries(queries) as [keyof typeof queries, (typeof queries)[keyof typeof queries]][]) {
          const answer = notes.list(query);
          const round = answer[0]?.round;
          expect(round, `${name}: ${JSON.stringify(answer)}`).toBeTypeOf('number');
          expect(answer, `${name}, round ${round}`).toStrictEqual(expected(round!, name));
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(await exited, stderr).toBe(0);
      for (const [name, query] of Object.entries(queries) as [keyof typeof queries, (typeof queries)[keyof typeof queries]][]) {
        expect(notes.list(query)).toStrictEqual(expected(LAST_ROUND, name));
      }
    } finally {
      store.close();
    }
  }, 120_000);
});
