/** decodeLineChunks: a log decoded in pieces that end at line ends (V8 holds no string over ~512 MiB). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeLineChunks } from '../../src/jsonl/line-chunks.js';

const bytes = (s: string) => Buffer.from(s, 'utf8');

describe('decodeLineChunks', () => {
  it('decodes in pieces that end at line ends, whole multi-byte characters and long lines included', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant('\n'), fc.string({ unit: 'binary', maxLength: 6 })), { maxLength: 20 }).map((parts) => parts.join('')), fc.nat({ max: 80 }), fc.integer({ min: 1, max: 20 }), (text, startAt, chunkBytes) => {
        const all = bytes(text);
        const start = Math.min(startAt, all.length);
        const chunks = decodeLineChunks(all, start, chunkBytes);
        expect(chunks.join('')).toBe(all.toString('utf8', start));
        for (const chunk of chunks.slice(0, -1)) expect(chunk.endsWith('\n')).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

});
