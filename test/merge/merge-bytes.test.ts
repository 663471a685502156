/**
 * The driver's byte path (shared prefixes found by comparing bytes, ours' bytes written
 * as they are) must give exactly what the string merge gives: same bytes, same conflicts,
 * same malformed-line reports with the same line numbers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeJsonlBytes, sharedLinePrefix } from '../../src/merge/merge-bytes.js';
import { mergeJsonl } from '../../src/merge/merge-jsonl.js';

/** Lines of every kind: records (some tied, some tombstones, non-ASCII), malformed lines, CR ends, empty lines, a BOM. */
const lineArb = fc.oneof(
  { weight: 8, arbitrary: fc.record({ id: fc.constantFrom('a', 'b', 'c', 'é'), ua: fc.integer({ min: 1, max: 6 }), x: fc.constantFrom(0, 1, '"ü"', 'null', '1.0'), del: fc.boolean() }).map(
    ({ id, ua, x, del }) => (del ? `{"id":"${id}","updated_at":${ua},"deleted":true}` : `{"id":"${id}","updated_at":${ua},"x":${x}}`),
  ) },
  { weight: 1, arbitrary: fc.constantFrom('not json', '[1]', '{"updated_at":1}', '\uFEFF{"id":"a","updated_at":1}', '{"repo_path":"/r","created_at":3}', '<<<<<<< ours', '>>>>>>> theirs') },
);
const fileArb = fc
  .record({
    lead: fc.constantFrom('', '', '', '\n', '\r\n'),
    lines: fc.array(fc.tuple(lineArb, fc.constantFrom('\n', '\n', '\n', '\r\n', '\n\n', '\n\r\n')), { maxLength: 8 }),
    finalNewline: fc.boolean(),
  })
  .map(({ lead, lines, finalNewline }) => {
    const text = lead + lines.map(([l, end]) => l + end).join('');
    return finalNewline || text === '' ? text : text.replace(/\r?\n+$/, '');
  });

const bytes = (s: string) => Buffer.from(s, 'utf8');
const crlf = (s: string) => s.replace(/\r?\n/g, '\r\n');
const spaced = (s: string) => s.replace(/\n/g, '\n\n');
const joined = (chunks: Uint8Array[]) => Buffer.concat(chunks).toString('utf8');

describe('mergeJsonlBytes', () => {
  it('gives exactly the result of mergeJsonl (files that share their first lines, or not)', () => {
    fc.assert(
      fc.property(fileArb, fileArb, fileArb, fileArb, (prefix, base, ours, theirs) => {
        for (const [b, o, t] of [
          [prefix + base, prefix + base + ours, prefix + base + theirs],
          [base, ours, theirs],
          [prefix, prefix + ours, prefix],
          // The base shares more of ours than theirs does.
          [prefix + base, prefix + base + ours, prefix + theirs],
          // Sides that share ours' lines but not its bytes: other line ends, empty lines.
          [crlf(prefix + base), prefix + base + ours, crlf(prefix + base + theirs)],
          [prefix + base, crlf(prefix + base + ours), spaced(prefix + base + theirs)],
        ] as [string, string, string][]) {
          const expected = mergeJsonl(b, o, t);
          // The default, and each side decoded in pieces of a few bytes (a side over
          // ~512 MiB is decoded in pieces: more than V8 holds as one string).
          for (const decodeChunkBytes of [undefined, 1, 7, 40]) {
            const got = mergeJsonlBytes(bytes(b), bytes(o), bytes(t), { decodeChunkBytes });
            expect(joined(got.output)).toBe(expected.text);
            expect({ ...got, output: undefined }).toEqual({ ...expected, text: undefined, output: undefined });
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('carries a line that is not valid UTF-8 byte for byte, exactly as it carries any other malformed line', () => {
    // Each invalid line stands in for a valid malformed line of its own ("not json BADk"):
    // the result must be the string merge's, with those lines turned into the bytes.
    const invalid = [Buffer.from([0xff]), Buffer.from('caf\xe9', 'latin1'), Buffer.from([0x7b, 0xed, 0xa0, 0x80, 0x7d]), Buffer.from([0xc3])];
    const withInvalid = (text: string): Buffer =>
      Buffer.concat(text.split(/not json BAD(\d)/).map((part, i) => (i % 2 === 1 ? invalid[Number(part)]! : bytes(part))));
    const badLineArb = fc.oneof(lineArb, fc.integer({ min: 0, max: invalid.length - 1 }).map((k) => `not json BAD${k}`));
    const file = fc
      .array(fc.tuple(badLineArb, fc.constantFrom('\n', '\n', '\r\n', '\n\n')), { maxLength: 8 })
      .map((lines) => lines.map(([l, end]) => l + end).join(''));
    fc.assert(
      fc.property(file, file, file, file, fc.constantFrom(undefined, 1, 9), (prefix, base, ours, theirs, decodeChunkBytes) => {
        for (const [b, o, t] of [
          [prefix + base, prefix + base + ours, prefix + base + theirs],
          [base, ours, theirs],
        ] as [string, string, string][]) {
          const expected = mergeJsonl(b, o, t);
          const got = mergeJsonlBytes(withInvalid(b), withInvalid(o), withInvalid(t), { decodeChunkBytes });
          expect(Buffer.concat(got.output).equals(withInvalid(expected.text))).toBe(true);
          expect(got.conflicts).toEqual(expected.conflicts);
          const where = (bad: { side: string; line: number }[]) => bad.map(({ side, line }) => `${side}:${line}`);
          expect(where(got.badLines)).toEqual(where(expected.badLines));
          for (const [i, bad] of got.badLines.entries()) {
            if (/not json BAD/.test(expected.badLines[i]!.reason)) expect(bad.reason).toBe('not valid UTF-8');
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('writes ours’ own bytes first when ours is in the store’s form and nothing conflicted', () => {
    const ours = bytes('{"id":"a","updated_at":1}\n{"id":"b","updated_at":2}\n');
    const got = mergeJsonlBytes(new Uint8Array(0), ours, bytes('{"id":"c","updated_at":3}\n'));
    expect(got.output[0]).toBe(ours);
    expect(joined(got.output)).toBe('{"id":"a","updated_at":1}\n{"id":"b","updated_at":2}\n{"id":"c","updated_at":3}\n');
  });

  it('finds the shared prefix at a line end, across compare chunks', () => {
    const long = `${'{"id":"a","updated_at":1}\n'.repeat(10_000)}`;
    expect(sharedLinePrefix(bytes(`${long}x1\n`), bytes(`${long}x2\n`))).toBe(bytes(long).length);
    expect(sharedLinePrefix(bytes(long), bytes(long))).toBe(bytes(long).length);
    expect(sharedLinePrefix(bytes('abc'), bytes('abd'))).toBe(0);
    expect(sharedLinePrefix(bytes('a\nb'), bytes('a\nb'))).toBe(2);
    expect(sharedLinePrefix(bytes(''), bytes('a\n'))).toBe(0);
  });
});
