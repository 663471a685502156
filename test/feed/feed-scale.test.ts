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

/**
 * `JSON.parse` calls made while `fn` runs: a replayed change is its version parsed, so
 * this counts the changes the feed has built (the feed's own memory holds texts only).
 */
function countParses(): { readonly count: number; restore(): void } {
  const parse = JSON.parse;
  const counter = { count: 0, restore: () => void (JSON.parse = parse) };
  JSON.parse = function (this: unknown, ...args: Parameters<typeof JSON.parse>) {
    counter.count++;
    return parse.apply(this, args);
  } as typeof JSON.parse;
  return counter;
}

const turns = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('a replay streams', () => {
  const n = 20_000;

  it('watch({ since }) delivers its first change before it has built the rest', async () => {
    const store = openStore(tempDir());
    store.collection<{ n: number }>({ name: 'events' }).createMany(Array.from({ length: n }, (_, i) => ({ n: i })));
    const parses = countParses();
    let atFirst = -1;
    let seen = 0;
    try {
      const stop = store.watch(() => {
        if (seen++ === 0) atFirst = parses.count;
      }, { since: 0 });
      await waitFor('the replay', () => seen === n, 30_000);
      stop();
    } finally {
      parses.restore();
    }
    // Built all at once, every record was parsed (n) before the first was delivered.
    expect(atFirst).toBeGreaterThan(0);
    expect(atFirst).toBeLessThanOrEqual(1000);
  }, 60_000);

  it('changes({ since }) builds the replay as the loop consumes it, not ahead of it', async () => {
    const store = openStore(tempDir());
    store.collection<{ n: number }>({ name: 'events' }).createMany(Array.from({ length: n }, (_, i) => ({ n: i })));
    const parses = countParses();
    const it = store.changes<{ n: number }>({ since: 0 });
    let built: number;
    try {
      const first = await it.next();
      expect(first.value?.record.n).toBe(0);
      // A consumer that stops reading: the feed must not go on filling the loop's buffer.
      await turns(50);
      built = parses.count;
    } finally {
      parses.restore();
    }
    expect(built).toBeLessThanOrEqual(2000);
    let next = 1;
    for (let r = await it.next(); !r.done; r = await it.next()) {
      expect(r.value.record.n).toBe(next++);
      if (next === n) break;
    }
    expect(next).toBe(n);
    await it.return!();
  }, 60_000);

  it('writes made during a long replay come after it, once each: no duplicate, no gap', async () => {
    const store = openStore(tempDir());
    const events = store.collection<{ n: number; v?: number }>({ name: 'events' });
    const ids = events.createMany(Array.from({ length: n }, (_, i) => ({ n: i })));
    const seen: { id: string; v: number | undefined; op: string }[] = [];
    let added = '';
    const stop = store.watch((c) => {
      seen.push({ id: c.id, v: (c.record as { v?: number }).v, op: c.op });
      // At the replay's first change (a listener may write): a record it has not reached yet, and a new one.
      if (seen.length === 1) {
        events.patch(ids[n - 1]!, { v: 1 });
        added = events.create({ n: n });
      }
    }, { since: 0 });
    await waitFor('the replay and the writes', () => seen.length >= n + 2, 30_000);
    await turns(5);
    stop();
    expect(seen).toHaveLength(n + 2);
    // The replay is the store as it was at subscribe time: the last record unpatched ...
    expect(seen.slice(0, n).map((s) => s.id)).toEqual(ids);
    expect(seen[n - 1]!.v).toBeUndefined();
    // ... and the writes follow it, in order.
    expect(seen.slice(n)).toEqual([
      { id: ids[n - 1], v: 1, op: 'update' },
      { id: added, v: undefined, op: 'create' },
    ]);
  }, 60_000);
});

describe('a replay under way when the store closes', () => {
  it('a changes() loop still hands out the rest of the replay, then the writes made before the close, then ends', async () => {
    const store = openStore(tempDir());
    const events = store.collection<{ n: number }>({ name: 'events' });
    const n = 5_000;
    events.createMany(Array.from({ length: n }, (_, i) => ({ n: i })));
    const it = store.changes<{ n: number }>({ since: 0 });
    const first = await it.next();
    expect(first.value?.record.n).toBe(0);
    events.create({ n: n });
    store.close();
    const rest: number[] = [];
    for (let r = await it.next(); !r.done; r = await it.next()) rest.push(r.value.record.n);
    expect(rest).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  }, 60_000);
});
