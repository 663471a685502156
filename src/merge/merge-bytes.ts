/**
 * {@link mergeJsonl} for the three files as bytes, the way the merge driver gets them:
 * the same result, byte for byte, with less work on large files.
 *
 * The three files of a merge mostly share their leading lines (both sides start from the
 * base). Comparing bytes finds that shared prefix far faster than decoding every file to
 * a string and comparing it line by line, so each side's shared prefix is neither decoded
 * nor split again: its lines are ours' already parsed lines. And when the result starts
 * with all of ours' lines unchanged (no conflict removed one) and ours is written in the
 * store's own form (`\n` line ends, no empty line, a final newline), ours' bytes are
 * written as they are, followed by the rest, instead of joining and encoding them again.
 *
 * A line that is not valid UTF-8 is a malformed line, as when the store reads it, and is
 * carried into the result byte for byte (opaque-lines.ts).
 *
 * Pure: no file access.
 */
import { readMergeInput, readMergeInputAfter, type MergeInput, type MergeSide } from './merge-input.js';
import { startsWithUtf8Bom, UTF8_BOM } from '../jsonl/utf8-bom.js';
import { DECODE_CHUNK_BYTES, decodeLineChunks } from '../jsonl/line-chunks.js';
import { planMerge, renderAfterOurs, renderText, resultOf, type MergeOptions, type MergeResult } from './merge-jsonl.js';
import { decodeKeepingInvalidLines, encodeMergedText } from './opaque-lines.js';

const NEWLINE = 0x0a;
const CR = 0x0d;
/** Bytes compared per step when looking for the first difference (memcmp-sized, not byte by byte in JS). */
const COMPARE_CHUNK = 1 << 16;

export interface BytesMergeResult extends Omit<MergeResult, 'text'> {
  /** The merged file, as chunks to write in order. */
  output: Uint8Array[];
}

export interface BytesMergeOptions extends MergeOptions {
  /** Bytes decoded into one string at a time (default 64 MiB; tests make it small to cut sides into many pieces). */
  decodeChunkBytes?: number;
}

export function mergeJsonlBytes(base: Uint8Array, ours: Uint8Array, theirs: Uint8Array, options: BytesMergeOptions = {}): BytesMergeResult {
  const { decodeChunkBytes = DECODE_CHUNK_BYTES, ...mergeOptions } = options;
  // A leading byte order mark is not part of the first line (see BOM in merge-jsonl.ts).
  const oursHasBom = startsWithUtf8Bom(ours);
  const oursBytes = withoutBom(asBuffer(ours));
  const theirsBytes = withoutBom(asBuffer(theirs));
  const baseBytes = withoutBom(asBuffer(base));
  const theirsEnd = sharedLinePrefix(theirsBytes, oursBytes);
  const baseEnd = sharedLinePrefix(baseBytes, oursBytes);
  const theirsPrefix = countLines(oursBytes, theirsEnd);
  const basePrefix = countLines(oursBytes, baseEnd);
  // Ours keeps its current versions after each shared prefix, for the other sides to build on.
  const snapshots = [...new Set([theirsPrefix.lines, basePrefix.lines])].filter((n) => n > 0).sort((a, b) => a - b);
  const oursInput = readMergeInput(decodeSide(oursBytes, 0, decodeChunkBytes), 'ours', undefined, snapshots);
  const theirsInput = readSharing(theirsBytes, theirsEnd, theirsPrefix, oursInput, 'theirs', decodeChunkBytes);
  const baseInput = readSharing(baseBytes, baseEnd, basePrefix, oursInput, 'base', decodeChunkBytes);
  const plan = planMerge(baseInput, oursInput, theirsInput, mergeOptions);
  const rest = inStoreForm(oursBytes) ? renderAfterOurs(plan, oursInput.lines.length) : undefined;
  const output = rest === undefined ? [encodeMergedText(renderText(plan))] : [oursBytes, encodeMergedText(rest)];
  if (oursHasBom && output.some((chunk) => chunk.length > 0)) output.unshift(UTF8_BOM);
  return { ...resultOf(plan), output };
}

function withoutBom(bytes: Buffer): Buffer {
  return startsWithUtf8Bom(bytes) ? bytes.subarray(UTF8_BOM.length) : bytes;
}

/** Reads one side whose first `end` bytes (`prefix` lines) are `reference`'s: only the rest is decoded and parsed. */
function readSharing(
  bytes: Buffer,
  end: number,
  prefix: { lines: number; physicalLines: number },
  reference: MergeInput,
  side: MergeSide,
  chunkBytes: number,
): MergeInput {
  if (end === 0) return readMergeInput(decodeSide(bytes, 0, chunkBytes), side, reference);
  return readMergeInputAfter({ input: reference, ...prefix }, decodeSide(bytes, end, chunkBytes), side);
}

function decodeSide(bytes: Buffer, start: number, chunkBytes: number): string[] {
  return decodeLineChunks(bytes, start, chunkBytes, decodeKeepingInvalidLines);
}

/** The length of the longest common prefix of `a` and `b` that ends just after a line end (0 if none). */
export function sharedLinePrefix(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  let same = 0;
  while (same < n) {
    const step = Math.min(COMPARE_CHUNK, n - same);
    if (a.compare(b, same, same + step, same, same + step) === 0) {
      same += step;
      continue;
    }
    while (a[same] === b[same]) same++; // the difference is within this chunk
    break;
  }
  if (same === 0) return 0;
  return a.lastIndexOf(NEWLINE, same - 1) + 1;
}

/** Non-empty lines (a lone `\r` is empty, as when reading) and line ends in `bytes[0, end)`, which ends with a line end. */
function countLines(bytes: Buffer, end: number): { lines: number; physicalLines: number } {
  let lines = 0;
  let physicalLines = 0;
  let start = 0;
  while (start < end) {
    const newline = bytes.indexOf(NEWLINE, start);
    const length = newline - start;
    if (length > 1 || (length === 1 && bytes[start] !== CR)) lines++;
    physicalLines++;
    start = newline + 1;
  }
  return { lines, physicalLines };
}

/** `\n` line ends only, no empty line, a final newline (or empty): the lines joined again give the same bytes. */
function inStoreForm(bytes: Buffer): boolean {
  if (bytes.length === 0) return true;
  return bytes[0] !== NEWLINE && bytes[bytes.length - 1] === NEWLINE && !bytes.includes(CR) && !bytes.includes('\n\n');
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
