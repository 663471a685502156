/**
 * Reading a text file line by line in bounded memory (a chunk and the line being read),
 * for inputs as large as a whole store's export. Synchronous, like the rest of the CLI's
 * file reads.
 */
import { readSync } from 'node:fs';

const CHUNK = 1 << 20;

/** One line: its bytes without the `\n`, its 1-based number and the byte offset where it starts. */
export interface RawLine {
  bytes: Buffer;
  lineNo: number;
  offset: number;
}

/**
 * Calls `onLine` for each line of the open file `fd` from its start (the last one also
 * when it does not end in `\n`); `onLine` returning `false` stops the reading. Bytes are
 * handed out as they are: decoding (and refusing what is not UTF-8) is the caller's.
 */
export function forEachRawLine(fd: number, onLine: (line: RawLine) => boolean | void): void {
  const chunk = Buffer.allocUnsafe(CHUNK);
  // The start of a line that runs past the chunk it began in.
  let carry: Buffer[] = [];
  let lineStart = 0;
  let lineNo = 1;
  let position = 0;
  for (;;) {
    const n = readSync(fd, chunk, 0, CHUNK, position);
    if (n === 0) break;
    position += n;
    let start = 0;
    for (let nl = chunk.indexOf(0x0a, start); nl !== -1 && nl < n; nl = chunk.indexOf(0x0a, start)) {
      // A copy: the chunk is overwritten by the next read.
      const piece = Buffer.from(chunk.subarray(start, nl));
      const bytes = carry.length === 0 ? piece : Buffer.concat([...carry, piece]);
      carry = [];
      if (onLine({ bytes, lineNo, offset: lineStart }) === false) return;
      lineNo++;
      lineStart += bytes.length + 1;
      start = nl + 1;
    }
    if (start < n) carry.push(Buffer.from(chunk.subarray(start, n)));
  }
  if (carry.length > 0) onLine({ bytes: Buffer.concat(carry), lineNo, offset: lineStart });
}
