import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { Engine as Store } from '../../src/store/engine.js';
import { parseLine } from '../../src/jsonl/line-codec.js';
import { quietLogger } from '../helpers/logger.js';
import type { Acks } from './writers.js';

/**
 * Reopens the store after writers crashed or finished and checks the promises:
 * every acknowledged write is there, transactions are all-or-nothing, every line in
 * every log parses, and check() finds nothing but moved torn lines.
 */
export function verifyStore(dir: string, acks: Acks[]): { notes: number; events: number } {
  const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
  try {
    const notes = store.collection({ name: 'notes' });
    const events = store.collection({ name: 'events' });
    for (const a of acks) {
      for (const id of a.notes) expect(notes.get(id), `acknowledged note ${id}`).toBeDefined();
      for (const id of a.pairs) {
        expect(notes.get(id), `acknowledged pair note ${id}`).toBeDefined();
        expect(events.get(`${id}-e`), `acknowledged pair event ${id}-e`).toBeDefined();
      }
      for (const id of a.updated) expect(notes.get(id)?.v, `acknowledged update of ${id}`).toBe(1);
    }
    // All-or-nothing, acknowledged or not: a transaction's two logs agree ...
    for (const note of notes.list({ where: { pair: { ne: null } } })) {
      expect(events.get(note.pair as string), `event of transaction ${note.id}`).toBeDefined();
    }
    for (const event of events.list()) expect(notes.get(event.pair as string), `note of transaction ${event.id}`).toBeDefined();
    // ... and a createMany batch of 25 is whole.
    const batches = new Map<string, number>();
    for (const note of notes.list({ where: { k: { ne: null } } })) {
      const batch = note.id.replace(/-\d+$/, '');
      batches.set(batch, (batches.get(batch) ?? 0) + 1);
    }
    for (const [batch, size] of batches) expect(size, `createMany batch ${batch}`).toBe(25);
    for (const name of ['notes', 'events']) {
      const path = join(dir, `${name}.jsonl`);
      if (!existsSync(path)) continue;
      const text = readFileSync(path, 'utf8');
      expect(text === '' || text.endsWith('\n'), `${name}.jsonl ends with a newline`).toBe(true);
      text
        .split('\n')
        .slice(0, -1)
        .forEach((line, i) => expect(parseLine(line).kind, `${name}.jsonl line ${i + 1}: ${line.slice(0, 80)}`).toBe('record'));
    }
    expect(store.check().problems.filter((p) => p.kind !== 'torn_line')).toEqual([]);
    return { notes: notes.count(), events: events.count() };
  } finally {
    store.close();
  }
}
