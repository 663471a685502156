/**
 * A whole log decoded to text in pieces, for code that reads a log at once (git-sync's
 * checks; the merge driver checks UTF-8 in blocks of the same size). Pure.
 */

const NEWLINE = 0x0a;

/**
 * Bytes decoded into one string at a time: far below V8's longest string (2^29 - 24
 * characters, ~512 MiB), which a side of a big log exceeds ("Cannot create a string
 * longer than 0x1fffffe8 characters").
 */
export const DECODE_CHUNK_BYTES = 64 << 20;

/**
 * `bytes` from `start` as UTF-8 text, in pieces of about `chunkBytes` that each end with
 * a line end, but the last. Cut only after a `\n` byte, so no UTF-8 sequence
 * is split. A single line longer than a piece stays whole. `decode` turns each piece's
 * bytes into text (the merge's keeps lines that are not UTF-8: opaque-lines.ts).
 * @example decodeLineChunks(Buffer.from('a\nb\nc'), 0, 2) // ['a\n', 'b\n', 'c']
 */
export function decodeLineChunks(
  bytes: Buffer,
  start = 0,
  chunkBytes = DECODE_CHUNK_BYTES,
  decode: (bytes: Buffer, from: number, end: number) => string = (b, from, end) => b.toString('utf8', from, end),
): string[] {
  const chunks: string[] = [];
  let from = start;
  while (bytes.length - from > chunkBytes) {
    let end = bytes.lastIndexOf(NEWLINE, from + chunkBytes - 1);
    if (end < from) end = bytes.indexOf(NEWLINE, from + chunkBytes); // one line longer than a piece
    if (end === -1) break;
    chunks.push(decode(bytes, from, end + 1));
    from = end + 1;
  }
  chunks.push(decode(bytes, from, bytes.length));
  return chunks;
}
