/**
 * `import` creates each collection's entries with one `createMany` per run of entries
 * without exact text, so that a large import into a new collection loads in bulk. It
 * must still name the failing entry's line, import nothing on a failure, and keep each
 * collection's records in file order, exact-text entries among them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlreadyExistsError, ValidationError } from '../../src/index.js';
import { importEntries, parseExport } from '../../src/cli/commands/import.js';
import { openStore, snapshot, thrown } from '../records/helpers.js';

/** The bulk load's threshold (records per createMany). */
const BULK_MIN = 1_000;

const jsonl = (lines: string[]): string => lines.join('\n');
const entry = (collection: string, record: Record<string, unknown>): string => JSON.stringify({ collection, record });

function logIds(dir: string, name: string): string[] {
  return readFileSync(join(dir, `${name}.jsonl`), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { id: string }).id);
}

describe('import in runs of createMany', () => {
  it('keeps each collection in file order, exact-text entries among the rest, with collections interleaved', () => {
    const { store, dir } = openStore();
    const lines: string[] = [];
    const expected = { notes: [] as string[], events: [] as string[] };
    for (let i = 0; i < BULK_MIN * 2 + 50; i++) {
      const name = i % 3 === 0 ? 'events' : 'notes';
      const id = `${name[0]}${i}`;
      expected[name].push(id);
      // Every 500th holds an integer beyond 2^53: imported from its exact text, between two runs.
      lines.push(i % 500 === 7 ? `{"collection":"${name}","record":{"id":"${id}","big":12345678901234567890}}` : entry(name, { id, i }));
    }
    const report = importEntries(store, parseExport(jsonl(lines), 'dump.jsonl').entries, 'dump.jsonl');
    expect(report.collections).toEqual({ events: expected.events.length, notes: expected.notes.length });
    expect(logIds(dir, 'notes')).toEqual(expected.notes);
    expect(logIds(dir, 'events')).toEqual(expected.events);
    expect(store.collection({ name: 'notes' }).getText('n7')).toMatch(/"big":12345678901234567890/);
    expect(store.check().problems).toEqual([]);
    store.close();
  });

  it('a failure inside a large run names its line and imports nothing', () => {
    const { store, dir } = openStore();
    store.collection({ name: 'notes' }).create({ id: 'taken', v: 0 });
    const before = snapshot(dir);
    const lines = Array.from({ length: BULK_MIN * 2 }, (_, i) => entry('notes', { id: `n${i}`, v: i }));
    lines.splice(1_500, 0, entry('notes', { id: 'taken', v: 1 }));
    const err = thrown(() => importEntries(store, parseExport(jsonl(lines), 'dump.jsonl').entries, 'dump.jsonl'));
    expect(err).toBeInstanceOf(AlreadyExistsError);
    expect(err.message).toMatch(/^dump\.jsonl line 1501 \(notes\): notes already has a record with id taken$/);
    expect(err.data).toMatchObject({ where: 'line 1501' });
    expect(snapshot(dir)).toEqual(before);
    expect(logIds(dir, 'notes')).toEqual(['taken']);
    expect(store.collection({ name: 'notes' }).count()).toBe(1);

    // The same for a record its schema refuses (a built-in type), in a run of PRDs.
    const prds = Array.from({ length: BULK_MIN + 10 }, (_, i) => entry('prds', { id: `p${i}`, title: `t${i}`, created_at: 1 }));
    prds[1_003] = entry('prds', { id: 'bad', title: 'x', status: 'bogus', created_at: 1 });
    const invalid = thrown(() => importEntries(store, parseExport(jsonl(prds), 'dump.jsonl').entries, 'dump.jsonl'));
    expect(invalid).toBeInstanceOf(ValidationError);
    expect(invalid.message).toMatch(/^dump\.jsonl line 1004 \(prds\): /);
    expect(store.listPrds()).toEqual([]);
    expect(snapshot(dir)).toEqual(before);
    store.close();
  });

  it('with collections interleaved, names the first failing line of the file, as an import one record at a time did', () => {
    const { store, dir } = openStore();
    store.collection({ name: 'events' }).create({ id: 'taken', v: 0 });
    store.collection({ name: 'notes' }).create({ id: 'taken', v: 0 });
    const before = snapshot(dir);
    // notes come first in the file, but the first bad line is an event's; a large run of notes fails later.
    const lines = [entry('notes', { id: 'n-first', v: 0 }), entry('events', { id: 'e1', v: 1 }), entry('events', { id: 'taken', v: 2 })];
    for (let i = 0; i < BULK_MIN + 5; i++) lines.push(entry('notes', { id: `n${i}`, v: i }));
    lines.push(entry('notes', { id: 'taken', v: 3 }));
    const err = thrown(() => importEntries(store, parseExport(jsonl(lines), 'dump.jsonl').entries, 'dump.jsonl'));
    expect(err).toBeInstanceOf(AlreadyExistsError);
    expect(err.message).toBe('dump.jsonl line 3 (events): events already has a record with id taken');
    expect(snapshot(dir)).toEqual(before);
    expect(store.collection({ name: 'notes' }).count()).toBe(1);
    expect(store.collection({ name: 'events' }).count()).toBe(1);
    store.close();
  });
});
