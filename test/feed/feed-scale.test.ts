/**
 * The change feed with a backlog of the size an orchestrator's store reaches: a replay of
 * every record of a large collection, handed out through `changes()`. The work is counted
 * (array elements moved), never timed.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { openStore } from './open-stores.js';
import { waitFor } from '../helpers/wait-for.js';


describe('a replay of a large collection', () => {
  it('changes({ since }) hands out 200,000 records: no stack overflow, and no shift() of the backlog', async () => {
    const store = openStore(tempDir());
    const events = store.collection<{ n: number }>({ name: 'events' });
    const n = 200_000;
    for (let b = 0; b < n; b += 50_000) events.createMany(Array.from({ length: 50_000 }, (_, i) => ({ n: b + i })));
    // Elements moved by shift() over the run: the backlog was taken with shift(), moving
    // every element left each time (about n²/2 moves: minutes at a million).
    const shift = Array.prototype.shift;
    let moved = 0;
    Array.prototype.shift = function (this: unknown[]) {
      moved += Math.max(0, this.length - 1);
      return shift.call(this);
    };
    let seen = 0;
    let last = -1;
    let ordered = true;
    try {
      // Replaying pushed each log's changes with push(...changes): past ~120,000 the
      // arguments overflowed the stack and nothing was handed out.
      for await (const change of store.changes<{ n: number }>({ since: 0 })) {
        if (change.record.n !== last + 1) ordered = false;
        last = change.record.n;
        if (++seen === n) break;
      }
    } finally {
      Array.prototype.shift = shift;
    }
    expect(seen).toBe(n);
    expect(ordered).toBe(true);
    expect(moved).toBeLessThan(n);
  }, 120_000);
});

describe('a rewrite of a large log under a watcher', () => {
  it('a log replaced by one of 200,000 new records (a checkout) gives 200,000 changes', async () => {
    const dir = join(tempDir(), '.taskstore');
    const store = openStore(dir);
    store.collection({ name: 'notes' }).create({ id: 'first' });
    const seen: string[] = [];
    const stop = store.watch((change) => seen.push(change.id), { collections: ['notes'] });
    const n = 200_000;
    const lines: string[] = [];
    for (let i = 0; i < n; i++) lines.push(JSON.stringify({ id: `r${i}`, created_at: 1, updated_at: 1 + i }));
    // As git checkout does: a new file renamed over the log (not an append).
    writeFileSync(join(dir, 'notes.jsonl.new'), `${lines.join('\n')}\n`);
    renameSync(join(dir, 'notes.jsonl.new'), join(dir, 'notes.jsonl'));
    try {
      await waitFor('the rewrite', () => seen.length >= n + 1, 60_000);
    } finally {
      stop();
    }
    expect(seen.filter((id) => id === 'first')).toHaveLength(1);
    expect(seen.length).toBe(n + 1);
  }, 120_000);
});
