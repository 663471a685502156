import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isConflictMarker, parseLine, readerText, recordProblem, serializeRecord, supersedes } from '../../src/jsonl/line-codec.js';

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

  it('spells out control characters of the line that the JSON error quotes (the reason reaches terminals)', () => {
    const parsed = parseLine('\u001b]0;pwned\u0007\u001b[31m{"id":1}\u202e');
    expect(parsed.kind).toBe('malformed');
    const reason = parsed.kind === 'malformed' ? parsed.reason : '';
    expect(reason).toMatch(/^not valid JSON \(/);
    expect(reason).toContain('\\u001b');
    expect(reason).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const result = parseLine(`x${text}`);
        if (result.kind === 'malformed') expect(result.reason).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
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

  it('refuses an updated_at past 2^53 - 1 (9007199254740993 reads as 9007199254740992: two versions would tie), also one filled from created_at', () => {
    expect(parseLine('{"id":"a","updated_at":9007199254740991}').kind).toBe('record');
    for (const big of ['9007199254740992', '9007199254740993', '1e300']) {
      expect(parseLine(`{"id":"a","updated_at":${big}}`).kind, big).toBe('malformed');
      expect(parseLine(`{"repo_path":"r","created_at":${big}}`).kind, big).toBe('malformed');
    }
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

describe('the Rust-format rule (no id: repo_path; no updated_at: created_at)', () => {
  const stamp = fc.maxSafeInteger().filter((n) => n >= 0);
  /** Any JSON object, plus optional id / updated_at / repo_path / created_at members of any JSON value or of the right type. */
  const lineObject = fc.record(
    {
      id: fc.oneof(fc.string(), fc.jsonValue()),
      updated_at: fc.oneof(stamp, fc.jsonValue()),
      repo_path: fc.oneof(fc.string(), fc.jsonValue()),
      created_at: fc.oneof(stamp, fc.jsonValue()),
      other: fc.jsonValue(),
    },
    { requiredKeys: [] },
  );

  it('fills in an absent id / updated_at from repo_path / created_at, and nothing else', () => {
    fc.assert(
      fc.property(lineObject, (generated) => {
        const text = JSON.stringify(generated);
        // What the line holds, not the generated value: JSON has no -0 (it writes 0).
        const value = JSON.parse(text) as typeof generated;
        const parsed = parseLine(text);
        const has = (k: string) => Object.hasOwn(value, k);
        const expectedId = has('id') ? value.id : typeof value.repo_path === 'string' && value.repo_path !== '' ? value.repo_path : undefined;
        const expectedVersion = has('updated_at') ? value.updated_at : Number.isSafeInteger(value.created_at) ? value.created_at : undefined;
        const ok = typeof expectedId === 'string' && expectedId !== '' && Number.isSafeInteger(expectedVersion);
        expect(parsed.kind).toBe(ok ? 'record' : 'malformed');
        if (parsed.kind !== 'record') return;
        expect(parsed.record.id).toBe(expectedId);
        expect(parsed.record.updated_at).toBe(expectedVersion);
        expect(parsed.filled === undefined).toBe(has('id') && has('updated_at'));
        // Readers see the line's own members plus the filled ones, and a filled line parses to the same record.
        const seen = readerText(text, parsed.filled);
        expect(JSON.parse(seen)).toEqual({ ...(JSON.parse(text) as object), id: expectedId, updated_at: expectedVersion });
        const again = parseLine(seen);
        expect(again.kind === 'record' && again.filled).toBe(undefined);
        if (parsed.filled === undefined) expect(seen).toBe(text);
      }),
    );
  });

  it('never replaces a member that is present but invalid', () => {
    expect(parseLine('{"id":"","repo_path":"/a","updated_at":1}')).toMatchObject({ kind: 'malformed', reason: 'no non-empty string "id"' });
    expect(parseLine('{"id":"a","updated_at":null,"created_at":5}')).toMatchObject({ kind: 'malformed', reason: 'no integer "updated_at"' });
    expect(parseLine('{"id":"a","created_at":1.5}')).toMatchObject({ kind: 'malformed', reason: 'no integer "updated_at"' });
  });

  it('writes the filled members where a reader expects them: id first, updated_at last', () => {
    const line = '{"repo_path":"/w/app","last_synced_commit":"abc","created_at":7}';
    const parsed = parseLine(line);
    expect(parsed.kind === 'record' && readerText(line, parsed.filled)).toBe(
      '{"id":"/w/app","repo_path":"/w/app","last_synced_commit":"abc","created_at":7,"updated_at":7}',
    );
  });
});
