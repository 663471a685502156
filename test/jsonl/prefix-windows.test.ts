import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { appendFileSync, closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { extendPrefixWindows, fingerprintPrefix, readPrefixWindows } from '../../src/jsonl/log-io.js';
import { tempDir } from '../helpers/temp.js';

describe('prefix windows (an appender fingerprints without reading back)', () => {
  it('extending the windows by each append gives the fingerprint read from the file, at every length', () => {
    const dir = tempDir('taskstore-windows-');
    let run = 0;
    // Appends of every size class: a few bytes, around the 4 KiB and 8 KiB windows, more than both.
    const append = fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 3_000, max: 9_000 }), fc.integer({ min: 9_000, max: 20_000 }));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.array(append, { minLength: 1, maxLength: 8 }), fc.integer(), (initial, sizes, seed) => {
        const path = join(dir, `log-${run++}.jsonl`);
        const bytes = (n: number, salt: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + salt + seed) & 0xff));
        writeFileSync(path, bytes(initial, 7));
        const fd = openSync(path, 'r');
        try {
          let windows = readPrefixWindows(fd, initial);
          expect(windows.fingerprint).toBe(fingerprintPrefix(fd, initial));
          let length = initial;
          sizes.forEach((size, i) => {
            const data = bytes(size, i);
            appendFileSync(path, data);
            length += size;
            windows = extendPrefixWindows(windows, data);
            expect(windows.length).toBe(length);
            expect(windows.fingerprint).toBe(fingerprintPrefix(fd, length));
            expect(readPrefixWindows(fd, length).fingerprint).toBe(windows.fingerprint);
          });
        } finally {
          closeSync(fd);
        }
      }),
      { numRuns: 60 },
    );
  });
});
