/**
 * The driver reads theirs and the base piece by piece, keeping only what follows the part
 * they share with ours: that must be exactly what comparing the whole files gives.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sharingSide } from '../../src/merge/merge-bytes.js';
import { readSharingSide } from '../../src/merge/read-side.js';
import { tempDir } from '../helpers/temp.js';

const BOM = '\uFEFF';
const lineArb = fc.constantFrom('{"id":"a","updated_at":1}', '{"id":"b","updated_at":2}', 'x', '', 'é', '\r');
const textArb = fc.array(lineArb, { maxLength: 6 }).map((lines) => lines.join('\n'));
/** Bytes before the side's text: nothing, a byte order mark, or the start of one (which is no mark). */
const leadArb = fc.constantFrom(Buffer.alloc(0), Buffer.alloc(0), Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from([0xef, 0xbb]));

describe('readSharingSide', () => {
  it('gives what sharingSide gives on the whole file, for any piece size', () => {
    const dir = tempDir('taskstore-read-side-');
    const path = join(dir, 'side.jsonl');
    fc.assert(
      fc.property(textArb, textArb, textArb, leadArb, fc.integer({ min: 1, max: 9 }), (shared, oursRest, sideRest, lead, pieceBytes) => {
        const ours = Buffer.from(shared + oursRest, 'utf8');
        const side = Buffer.concat([lead, Buffer.from(shared + sideRest, 'utf8')]);
        writeFileSync(path, side);
        const got = readSharingSide(path, ours, pieceBytes);
        const expected = sharingSide(side, ours);
        expect(got.sharedEnd).toBe(expected.sharedEnd);
        expect(got.tail.equals(expected.tail)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('reads a side longer than many pieces that shares most of ours', () => {
    const dir = tempDir('taskstore-read-side-');
    const path = join(dir, 'side.jsonl');
    const shared = '{"id":"a","updated_at":1}\n'.repeat(5000);
    const ours = Buffer.from(`${shared}{"id":"o","updated_at":2}\n`);
    writeFileSync(path, `${BOM}${shared}{"id":"t","updated_at":3}\n`);
    const got = readSharingSide(path, ours, 4096);
    expect(got.sharedEnd).toBe(Buffer.byteLength(shared));
    expect(got.tail.toString()).toBe('{"id":"t","updated_at":3}\n');
  });

  it('throws ENOENT for a missing file', () => {
    expect(() => readSharingSide(join(tempDir('taskstore-read-side-'), 'nope.jsonl'), Buffer.alloc(0))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});
