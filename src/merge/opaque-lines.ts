/**
 * Lines that are not valid UTF-8, carried through a merge byte for byte.
 *
 * The store reads such a line (written by another program, or damaged) as a malformed
 * line: kept in the log, skipped and reported. The merge keeps malformed lines unchanged
 * too, but it works on text, and decoding invalid bytes as UTF-8 replaces them (U+FFFD),
 * so the merged file would hold different bytes. Instead, each such line is decoded byte
 * for byte (latin1) behind a mark, {@link OPAQUE_LINE_MARK}, and turned back into its
 * bytes when the result is encoded.
 *
 * The mark is a lone surrogate: text decoded from valid UTF-8 never holds one (UTF-8
 * cannot encode a surrogate), and the merge writes records with `JSON.stringify`, which
 * escapes lone surrogates. So a mark in the merged text can only start a carried line.
 * Pure.
 */
import { isUtf8 } from 'node:buffer';

/** Starts the text of a line that is not valid UTF-8: the rest is its bytes, one character per byte. */
export const OPAQUE_LINE_MARK = '\uD800';

const NEWLINE = 0x0a;

/**
 * `bytes[from, end)` as text: UTF-8, except that each line (between `\n` bytes) that is
 * not valid UTF-8 becomes {@link OPAQUE_LINE_MARK} followed by its bytes as latin1.
 * A UTF-8 sequence never holds a `\n` byte, so validity line by line is well defined.
 */
export function decodeKeepingInvalidLines(bytes: Buffer, from: number, end: number): string {
  if (isUtf8(bytes.subarray(from, end))) return bytes.toString('utf8', from, end);
  const lines: string[] = [];
  for (let start = from; ; ) {
    const newline = bytes.indexOf(NEWLINE, start);
    const lineEnd = newline === -1 || newline >= end ? end : newline;
    const line = bytes.subarray(start, lineEnd);
    lines.push(isUtf8(line) ? line.toString('utf8') : OPAQUE_LINE_MARK + line.toString('latin1'));
    if (lineEnd === end) break;
    start = lineEnd + 1;
  }
  return lines.join('\n');
}

/** True for the text of a line {@link decodeKeepingInvalidLines} carried as bytes. */
export function isOpaqueLine(text: string): boolean {
  return text.startsWith(OPAQUE_LINE_MARK);
}

/** Merged text as bytes: UTF-8, with each carried line turned back into its own bytes. */
export function encodeMergedText(text: string): Buffer {
  let at = text.indexOf(OPAQUE_LINE_MARK);
  if (at === -1) return Buffer.from(text, 'utf8');
  const pieces: Buffer[] = [];
  let from = 0;
  while (at !== -1) {
    pieces.push(Buffer.from(text.slice(from, at), 'utf8'));
    let end = text.indexOf('\n', at);
    if (end === -1) end = text.length;
    pieces.push(Buffer.from(text.slice(at + OPAQUE_LINE_MARK.length, end), 'latin1'));
    from = end;
    at = text.indexOf(OPAQUE_LINE_MARK, end);
  }
  pieces.push(Buffer.from(text.slice(from), 'utf8'));
  return Buffer.concat(pieces);
}
