/**
 * Reads theirs or the base for the merge driver without holding the whole file: both
 * sides of a merge start with the base's lines, so most of each file is ours' bytes
 * again. The file is compared with ours piece by piece as it is read, and only what
 * follows the part it shares with ours is kept (a {@link SharingSide}). Merging three
 * 574 MB logs then holds ours and two tails, not three files.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { sharedPrefixEnd, type SharingSide } from './merge-bytes.js';
import { UTF8_BOM } from '../jsonl/utf8-bom.js';

/** Bytes read and compared at a time. */
const READ_BYTES = 1 << 20;

/**
 * The file at `path` as a side of a merge with `ours` (without its byte order mark): the
 * same as `sharingSide(readFileSync(path), ours)`, reading the shared part a piece at a
 * time. Errors are those of `openSync` and `readSync` (`code: 'ENOENT'` for a missing file).
 */
export function readSharingSide(path: string, ours: Buffer, readBytes = READ_BYTES): SharingSide {
  const fd = openSync(path, 'r');
  try {
    const piece = Buffer.allocUnsafe(Math.max(readBytes, UTF8_BOM.length));
    let pieceAt = 0; // the file offset of piece[0]
    let filled = readFully(fd, piece, pieceAt);
    // A leading byte order mark is not part of the first line (see BOM in merge-jsonl.ts).
    const bom = filled >= UTF8_BOM.length && piece.subarray(0, UTF8_BOM.length).equals(UTF8_BOM) ? UTF8_BOM.length : 0;
    let from = bom; // where in `piece` the bytes not yet compared start
    let same = 0; // how many of the side's first bytes are ours' first bytes
    for (;;) {
      const available = filled - from;
      const comparable = Math.min(available, ours.length - same);
      const equal = equalPrefix(piece, from, ours, same, comparable);
      same += equal;
      if (equal < available || filled < piece.length) break; // a difference, ours or the file ended
      pieceAt += filled;
      filled = readFully(fd, piece, pieceAt);
      from = 0;
      if (filled === 0) break;
    }
    const sharedEnd = sharedPrefixEnd(ours, same);
    return { sharedEnd, tail: readRest(fd, bom + sharedEnd) };
  } finally {
    closeSync(fd);
  }
}

/** How many first bytes of `a[aStart, aStart + length)` and `b[bStart, …)` are equal (compared natively in steps). */
function equalPrefix(a: Buffer, aStart: number, b: Buffer, bStart: number, length: number): number {
  const STEP = 1 << 16;
  let same = 0;
  while (same < length) {
    const step = Math.min(STEP, length - same);
    if (a.compare(b, bStart + same, bStart + same + step, aStart + same, aStart + same + step) === 0) {
      same += step;
      continue;
    }
    while (a[aStart + same] === b[bStart + same]) same++; // the difference is within this step
    break;
  }
  return same;
}

/** Fills `buffer` from the file at `position`; returns the bytes read (fewer at the end of the file). */
function readFully(fd: number, buffer: Buffer, position: number): number {
  let got = 0;
  while (got < buffer.length) {
    const n = readSync(fd, buffer, got, buffer.length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/** The file's bytes from `position` to its end. */
function readRest(fd: number, position: number): Buffer {
  let rest = Buffer.allocUnsafe(Math.max(0, fstatSync(fd).size - position) + 1); // one more byte: growth shows
  let got = 0;
  for (;;) {
    got += readFully(fd, rest.subarray(got), position + got);
    if (got < rest.length) return rest.subarray(0, got);
    const grown = Buffer.allocUnsafe(rest.length * 2);
    rest.copy(grown);
    rest = grown;
  }
}
