/**
 * The change feed used carelessly: long-lived signals, stores closed under a loop.
 * Real stores in temp directories.
 */
import { getEventListeners } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store, type Change } from '../../src/index.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';

describe('change feed: careless use', () => {
  it('a changes() loop ended by store.close() lets go of its AbortSignal: one long-lived signal does not collect a listener per loop', async () => {
    const controller = new AbortController(); // e.g. the process-wide shutdown signal
    for (let round = 0; round < 12; round++) {
      const store = Store.open(join(tempDir(), '.taskstore'), { logger: quietLogger() });
      const seen: string[] = [];
      const loop = (async () => {
        for await (const change of store.changes({ signal: controller.signal })) seen.push(change.id);
      })();
      store.collection({ name: 'notes' }).create({ id: `n${round}` });
      while (seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      store.close();
      await loop;
      expect(seen).toEqual([`n${round}`]);
    }
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('change feed: next() asked again before it answered', () => {
  it('each call waits its turn and gets the next change, as an async generator\'s would (the second call was rejected with an Error); return() and close() end those still waiting', async () => {
    const store = Store.open(join(tempDir(), '.taskstore'), { logger: quietLogger() });
    const notes = store.collection({ name: 'notes' });
    const it = store.changes();
    const first = [it.next(), it.next(), it.next()];
    notes.create({ id: 'a' });
    notes.create({ id: 'b' });
    notes.create({ id: 'c' });
    expect((await Promise.all(first)).map((r) => (r.done ? 'done' : r.value.id))).toEqual(['a', 'b', 'c']);
    const pending = [it.next(), it.next()];
    await it.return!();
    expect(await Promise.all(pending)).toEqual([{ value: undefined, done: true }, { value: undefined, done: true }]);
    const other = store.changes();
    const waiting = [other.next(), other.next()];
    store.close();
    expect((await Promise.all(waiting)).map((r) => r.done)).toEqual([true, true]);
  });
});

describe('change feed: hostile listeners', () => {
  it('a listener that throws something that cannot even be printed (a null-prototype object) is logged; the feed and the other listeners carry on, the process does not crash', async () => {
    const warnings: string[] = [];
    const logger = { ...quietLogger(), error: (message: string) => warnings.push(message) };
    const store = Store.open(join(tempDir(), '.taskstore'), { logger });
    const crashes: unknown[] = [];
    const onUncaught = (err: unknown): void => void crashes.push(err);
    process.prependListener('uncaughtException', onUncaught);
    try {
      const seen: string[] = [];
      const stopBad = store.watch(() => {
        throw Object.create(null) as object; // String() of it throws too
      });
      const stopGood = store.watch((change) => seen.push(change.id));
      const notes = store.collection({ name: 'notes' });
      notes.create({ id: 'a' });
      notes.create({ id: 'b' });
      const deadline = Date.now() + 10_000;
      while (seen.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(crashes).toEqual([]);
      expect(seen).toEqual(['a', 'b']);
      expect(warnings.filter((w) => w.includes('a change listener threw'))).toHaveLength(2);
      stopBad();
      stopGood();
    } finally {
      process.off('uncaughtException', onUncaught);
      store.close();
    }
  });
});

describe('change feed: logs another tool created', () => {
  it('a new log that a Windows editor saved with a byte-order mark delivers its first record, as the cache reads it', async () => {
    const store = Store.open(join(tempDir(), '.taskstore'), { logger: quietLogger() });
    try {
      store.collection({ name: 'notes' }).create({ id: 'before' });
      const seen: Change[] = [];
      const stop = store.watch((c) => seen.push(c));
      writeFileSync(join(store.dir, 'imported.jsonl'), '\uFEFF{"id":"bom-1","v":1,"updated_at":6}\r\n{"id":"bom-2","v":2,"updated_at":7}\r\n');
      const deadline = Date.now() + 30_000;
      while (seen.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      stop();
      expect(store.collection({ name: 'imported' }).list().map((r) => r.id).sort()).toEqual(['bom-1', 'bom-2']);
      expect(seen.map((c) => [c.collection, c.id, c.op, c.record.v])).toEqual([
        ['imported', 'bom-1', 'create', 1],
        ['imported', 'bom-2', 'create', 2],
      ]);
    } finally {
      store.close();
    }
  });
});
