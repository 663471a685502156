import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isConflictMarker, parseLine, recordProblem, serializeRecord, supersedes } from '../../src/jsonl/line-codec.js';

const validRecord = fc
  .record({
    id: fc.string({ minLength: 1 }),
    updated_at: fc.maxSafeInteger().filter((n) => n >= 0),
    extra: fc.jsonValue(),
  })
  .map((r) => ({ ...r }));

describe('parseLine', () => {
  it('round-trips every valid record through serializeRecord', () => {
    fc.assert(
      fc.property(validRecord, (record) => {
        const parsed = parseLine(serializeRecord(record));
        expect(parsed.kind).toBe('record');
        expect(parsed.kind === 'record' && parsed.record).toEqual(JSON.parse(JSON.stringify(record)));
      }),
    );
  });

  it('never throws, whatever the input, and classifies every line', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.uint8Array().map((b) => Buffer.from(b).toString('utf8')), fc.jsonValue().map((v) => JSON.stringify(v) ?? '')), (text) => {
        const parsed = parseLine(text);
        expect(['record', 'malformed', 'conflict-marker']).toContain(parsed.kind);
        if (parsed.kind === 'malformed') expect(parsed.reason.length).toBeGreaterThan(0);
      }),
    );
  });

  it('accepts exactly the objects with a non-empty string id and an integer updated_at', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const ok =
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          typeof (value as Record<string, unknown>).id === 'string' &&
          ((value as Record<string, unknown>).id as string).length > 0 &&
          Number.isSafeInteger((value as Record<string, unknown>).updated_at);
        expect(recordProblem(value) === undefined).toBe(ok);
      }),
    );
  });

  it('tolerates a trailing CR (a file checked out with CRLF line ends)', () => {
    expect(parseLine('{"id":"a","updated_at":1}\r').kind).toBe('record');
  });

  it('keeps __proto__ as an ordinary own key without touching prototypes', () => {
    const parsed = parseLine('{"id":"a","updated_at":1,"__proto__":{"polluted":1}}');
    expect(parsed.kind).toBe('record');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(parsed.kind === 'record' && parsed.record)).toContain('__proto__');
  });

  it('recognizes git conflict markers, including diff3 style, and nothing that is JSON', () => {
    for (const marker of ['<<<<<<< ours', '=======', '>>>>>>> theirs', '<<<<<<< HEAD', '||||||| base', '=======\r', '<<<<<<<']) {
      expect(isConflictMarker(marker), marker).toBe(true);
      expect(parseLine(marker).kind).toBe('conflict-marker');
    }
    for (const other of ['<<<<<< short', '========', '{"id":"<<<<<<< x","updated_at":1}', ' =======']) {
      expect(isConflictMarker(other), other).toBe(false);
    }
  });
});

describe('supersedes', () => {
  it('is decided by updated_at, then by file order on ties', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer(), fc.boolean(), (a, b, later) => {
        expect(supersedes({ updated_at: a }, { updated_at: b }, later)).toBe(b > a || (b === a && later));
      }),
    );
  });
});
