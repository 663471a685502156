/**
 * The looks the feed skips. A notification from the cache's files (or a look chasing a
 * commit about to show) stops after one query when nothing was committed since the last
 * look; these tests attack the two ways that shortcut could delay a change: a log's own
 * look cancelled by a cache notification that brought no commit, and a commit by the
 * watching Store's own connection, which SQLite's `data_version` does not count.
 * Real files, a real watcher; times are taken in the listener.
 */
import { appendFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/index.js';
import { tempDir } from '../helpers/temp.js';
import { openStore } from './open-stores.js';
import { waitFor } from '../helpers/wait-for.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function watchedStore() {
  const dir = join(tempDir(), '.taskstore');
  const store = openStore(dir);
  const notes = store.collection({ name: 'notes' });
  notes.create({ id: 'first' });
  const arrived = new Map<string, number>();
  const seen: Change[] = [];
  store.watch((c) => {
    seen.push(c);
    arrived.set(c.id, performance.now());
  });
  return { dir, store, notes, arrived, seen, log: join(dir, 'notes.jsonl') };
}

/** A line another tool appended: no commit to the cache says so. */
function handLine(id: string): string {
  return `${JSON.stringify({ id, updated_at: Date.now(), by: 'hand' })}\n`;
}

describe('change feed: looks woken by the cache that find nothing committed', () => {
  it('a cache notification with no commit does not cancel the look a log append is owed (it waited for the 2 s safety poll)', async () => {
    const { store, notes, arrived, log } = watchedStore();
    // A first full look, so the feed knows the cache's version.
    notes.create({ id: 'marker' });
    await waitFor('the marker', () => arrived.has('marker'));
    const delays: number[] = [];
    // Rounds spread over more than one safety poll (every 2 s), so that none lands next to one by luck.
    for (let round = 0; round < 5; round++) {
      const id = `hand-${round}`;
      const t0 = performance.now();
      appendFileSync(log, handLine(id));
      // Another process's checkpoint, or a reader opening the WAL: the cache's files change, nothing is committed.
      const now = new Date();
      utimesSync(join(store.dir, 'taskstore.db-wal'), now, now);
      await waitFor(id, () => arrived.has(id), 10_000);
      delays.push(Math.round(arrived.get(id)! - t0));
      await sleep(300);
    }
    // The log's look notes it; ~150 ms unchanged later the feed catches it up. Left to the
    // safety poll, each would wait up to 2 s more: five in a row under 1 s by chance is ~1 %.
    expect(delays.filter((ms) => ms >= 1000)).toEqual([]);
  }, 30_000);

  it("a catch-up committed by the watching Store's own connection is delivered at once, not when the feed's settle timer fires", async () => {
    const { store, notes, arrived } = watchedStore();
    notes.create({ id: 'marker' });
    await waitFor('the marker', () => arrived.has('marker'));
    const afterRefresh: number[] = [];
    for (let round = 0; round < 3; round++) {
      const id = `hand-${round}`;
      appendFileSync(join(store.dir, 'notes.jsonl'), handLine(id));
      // Let the log's own look (20 ms after its notification) note the append; the feed
      // would catch it up itself ~150 ms after that look.
      await sleep(40);
      const t0 = performance.now();
      store.refresh(); // this Store's connection commits the line
      await waitFor(id, () => arrived.has(id), 10_000);
      afterRefresh.push(Math.round(arrived.get(id)! - t0));
      await sleep(300);
    }
    afterRefresh.sort((a, b) => a - b);
    // Looked at on the commit's notification: a few ms. Skipped as "nothing committed", it
    // waited for the settle timer, ~130 ms after the refresh.
    expect(afterRefresh[1]).toBeLessThan(70);
  }, 30_000);
});
