/**
 * Lines that are not valid UTF-8, carried through a merge byte for byte.
 *
 * The store reads such a line (written by another program, or damaged) as a malformed
 * line: kept in the log, skipped and reported. The merge keeps malformed lines unchanged
 * too, but it compares lines as text, and decoding invalid bytes as UTF-8 replaces them
 * (U+FFFD): two different lines could compare equal, and the merged file would hold
 * different bytes. Instead, each such line's text is its bytes decoded one by one
 * (latin1) behind a mark, {@link OPAQUE_LINE_MARK} (merge-bytes.ts reads it so), and
 * merged text is turned back into bytes by {@link encodeMergedText}.
 *
 * The mark is a lone surrogate: text decoded from valid UTF-8 never holds one (UTF-8
 * cannot encode a surrogate), and the merge writes records with `JSON.stringify`, which
 * escapes lone surrogates. So a mark in the merged text can only start a carried line.
 * Pure.
 */

/** Starts the text of a line that is not valid UTF-8: the rest is its bytes, one character per byte. */
export const OPAQUE_LINE_MARK = '\uD800';

/** True for the text of a line carried as bytes (see merge-bytes.ts, which reads such lines so). */
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
