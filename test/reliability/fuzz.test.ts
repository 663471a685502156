/**
 * Random and adversarial JSONL fed to open / sync / check: no crash, no valid line lost,
 * no prototype pollution, every bad line reported with its line number.
 */
import { appendFileSync, mkdirSync, readFileSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ConflictMarkersError } from '../../src/index.js';
import { Engine as Store } from '../../src/store/engine.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';
import { leaveTornWrite } from '../helpers/torn-write.js';

type Line =
  | { kind: 'valid'; id: string; updated_at: number; bytes: Buffer }
  | { kind: 'bad'; bytes: Buffer }
  | { kind: 'marker'; bytes: Buffer };

const ids = fc.constantFrom('a', 'b', 'c', 'ü-ñ', '😀', '__proto__', 'constructor', 'x'.repeat(300));
const fieldValue = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.string({ unit: 'grapheme' }), fc.constant('\u0000 nul inside a string'));

const validLine: fc.Arbitrary<Line> = fc
  .record({
    id: ids,
    updated_at: fc.integer({ min: 0, max: 20 }),
    fields: fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'prototype')), fieldValue, { maxKeys: 4 }),
    huge: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
  })
  .map(({ id, updated_at, fields, huge }) => {
    // Build the object with defineProperty so a "__proto__" key is data, as JSON.parse makes it.
    const record: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(fields)) Object.defineProperty(record, k, { value: v, enumerable: true, writable: true, configurable: true });
    Object.defineProperty(record, 'id', { value: id, enumerable: true, writable: true, configurable: true });
    Object.defineProperty(record, 'updated_at', { value: updated_at, enumerable: true, writable: true, configurable: true });
    if (huge) record.blob = 'h'.repeat(2_000_000);
    delete record.deleted;
    return { kind: 'valid' as const, id, updated_at, bytes: Buffer.from(JSON.stringify(record)) };
  });

const badLine: fc.Arbitrary<Line> = fc
  .oneof(
    fc.constant('not json'),
    fc.constant('{"id":"a","updated_at":1'),
    fc.constant('[{"id":"a","updated_at":1}]'),
    fc.constant('"just a string"'),
    fc.constant('null'),
    fc.constant('{"updated_at":1}'),
    fc.constant('{"id":7,"updated_at":1}'),
    fc.constant('{"id":"","updated_at":1}'),
    fc.constant('{"id":"a","updated_at":"1"}'),
    fc.constant('{"id":"a","updated_at":1.25}'),
    fc.constant('{"id":"a"}'),
    fc.constant('{"id":"a","updated_at":1,"__proto__":'),
    fc.string({ minLength: 1 }).map((s) => `{${s}`),
  )
  .map((text) => Buffer.from(text))
  .chain((bytes) =>
    fc.oneof(
      fc.constant(bytes),
      fc.constant(Buffer.concat([bytes, Buffer.from([0])])),
      // Arbitrary bytes (no newline) after an opening brace: never a valid record.
      fc.uint8Array({ minLength: 1, maxLength: 40 }).map((b) => Buffer.concat([Buffer.from('{'), Buffer.from(b.map((x) => (x === 10 ? 32 : x)))])),
      // Invalid UTF-8 inside an otherwise valid record.
      fc.constant(Buffer.concat([Buffer.from('{"id":"u","updated_at":1,"t":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')])),
    ),
  )
  .map((bytes) => ({ kind: 'bad' as const, bytes }));

const markerLine: fc.Arbitrary<Line> = fc
  .constantFrom('<<<<<<< ours', '=======', '>>>>>>> theirs')
  .map((text) => ({ kind: 'marker' as const, bytes: Buffer.from(text) }));

/** Byte comparison without vitest's element-by-element deep equality (slow on MB-sized buffers). */
function expectSameBytes(actual: Buffer, expected: Buffer): void {
  expect(actual.length).toBe(expected.length);
  expect(actual.equals(expected)).toBe(true);
}

/** What a reader must see: per id, the highest updated_at, later line on ties. */
function oracle(lines: Line[]) {
  const current = new Map<string, { updated_at: number; bytes: Buffer }>();
  for (const line of lines) {
    if (line.kind !== 'valid') continue;
    const previous = current.get(line.id);
    if (previous === undefined || line.updated_at >= previous.updated_at) current.set(line.id, line);
  }
  return current;
}

function writeLog(lines: Line[]): { dir: string; path: string; bytes: Buffer } {
  const dir = join(tempDir(), '.taskstore');
  mkdirSync(dir);
  const bytes = Buffer.concat(lines.flatMap((l) => [l.bytes, Buffer.from('\n')]));
  const path = join(dir, 'fuzz.jsonl');
  writeFileSync(path, bytes);
  return { dir, path, bytes };
}

describe('adversarial JSONL', () => {
  it('bad lines are reported by number and skipped; every valid line counts; nothing is polluted or rewritten', () => {
    let inputs = 0;
    fc.assert(
      fc.property(fc.array(fc.oneof({ arbitrary: validLine, weight: 3 }, { arbitrary: badLine, weight: 2 }), { maxLength: 30 }), (lines) => {
        inputs++;
        const { dir, path, bytes } = writeLog(lines);
        const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
        try {
          const fuzz = store.collection({ name: 'fuzz' });
          const expected = oracle(lines);
          expect(fuzz.count()).toBe(expected.size);
          for (const [id, { bytes: raw }] of expected) {
            expect(JSON.stringify(fuzz.get(id))).toBe(JSON.stringify(JSON.parse(raw.toString())));
          }
          const badNumbers = lines.flatMap((l, i) => (l.kind === 'bad' ? [i + 1] : []));
          expect(store.sync().skipped.map((s) => s.line)).toEqual(badNumbers);
          expect(store.check().problems.filter((p) => p.kind === 'malformed_line').map((p) => p.line)).toEqual(badNumbers);
          expectSameBytes(readFileSync(path), bytes);
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
          expect(Object.prototype).not.toHaveProperty('t');
        } finally {
          store.close();
        }
      }),
      { numRuns: 80 },
    );
    expect(inputs).toBe(80);
  });

  it('a conflict marker anywhere refuses the collection, naming the first marker line, and changes nothing', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(validLine, badLine), { maxLength: 10 }), markerLine, fc.nat(), (lines, marker, at) => {
        const position = at % (lines.length + 1);
        const all = [...lines.slice(0, position), marker, ...lines.slice(position)];
        const { dir, path, bytes } = writeLog(all);
        const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
        try {
          const fuzz = store.collection({ name: 'fuzz' });
          let error: unknown;
          try {
            fuzz.list();
          } catch (err) {
            error = err;
          }
          expect(error).toBeInstanceOf(ConflictMarkersError);
          expect((error as ConflictMarkersError).line).toBe(position + 1);
          expect(store.check().problems.some((p) => p.kind === 'conflict_markers' && p.line === position + 1)).toBe(true);
          expectSameBytes(readFileSync(path), bytes);
        } finally {
          store.close();
        }
      }),
      { numRuns: 40 },
    );
  });

  it('an unterminated last line is moved to .torn byte for byte when a TaskStore writer left it (its journal record names it); anyone else\'s is kept, as the record it is or a malformed line', () => {
    fc.assert(
      fc.property(fc.array(validLine, { maxLength: 5 }), fc.oneof(validLine, badLine), fc.constantFrom('taskstore', 'at-recorded-end', 'unknown'), (lines, last, origin) => {
        const { dir, path, bytes } = writeLog(lines);
        if (origin === 'taskstore') {
          // A TaskStore writer killed before the line's newline: its record names the whole line.
          Store.open(dir, { durability: 'none', logger: quietLogger() }).close();
          leaveTornWrite(dir, 'fuzz', Buffer.concat([last.bytes, Buffer.from('\n')]), last.bytes.length);
        } else {
          // Bytes no record names, written a while ago (their writer is gone): where the
          // store recorded the log's end, or in a log it never read.
          if (origin === 'at-recorded-end') {
            Store.open(dir, { durability: 'none', logger: quietLogger() }).close();
            appendFileSync(path, last.bytes);
          } else writeFileSync(path, Buffer.concat([bytes, last.bytes]));
          const past = new Date(Date.now() - 60_000);
          utimesSync(path, past, past);
        }
        const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
        try {
          const fuzz = store.collection({ name: 'fuzz' });
          const expected = oracle(last.kind === 'valid' && origin !== 'taskstore' ? [...lines, last] : lines);
          expect(fuzz.count()).toBe(expected.size);
          if (origin !== 'taskstore') {
            expectSameBytes(readFileSync(path), Buffer.concat([bytes, last.bytes, Buffer.from('\n')]));
            expect(existsSync(`${path}.torn`)).toBe(false);
          } else {
            expectSameBytes(readFileSync(path), bytes);
            expectSameBytes(readFileSync(`${path}.torn`), Buffer.concat([last.bytes, Buffer.from('\n')]));
          }
        } finally {
          store.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});
