/**
 * {@link mergeJsonl} for the three files as bytes, the way the merge driver gets them:
 * the same result, byte for byte, with far less memory and work on large files.
 *
 * The three files of a merge mostly share their leading lines (both sides start from the
 * base). Comparing bytes finds the part theirs and the base share with ours, so a side
 * is ours' first bytes followed by its own tail ({@link SharingSide}); the driver reads
 * theirs and the base that way from disk, keeping only their tails (read-side.ts). The
 * shared part goes on line by line past a difference in line ends (see SideView).
 *
 * Nothing is kept per line of the shared part: ours' lines are walked in its bytes, each
 * one decoded and parsed once (reporting malformed lines needs that) and then dropped.
 * Only two kinds of lines are held as objects: the lines after the shared part (the
 * tails, usually a few), and the current versions of the ids those tails touch, the only
 * ids with anything to merge. The result is written from the input bytes: ours' bytes as
 * they are when they are in the store's form and nothing conflicted, then theirs' new
 * lines and the merged versions. So the shared part, nearly all of a large merge, is
 * never held as JS strings.
 *
 * A line that is not valid UTF-8 is a malformed line, as when the store reads it, and is
 * carried into the result byte for byte (opaque-lines.ts).
 *
 * Pure: no file access.
 */
import { isUtf8 } from 'node:buffer';
import { supersedes } from '../jsonl/line-codec.js';
import { startsWithUtf8Bom, UTF8_BOM } from '../jsonl/utf8-bom.js';
import { DECODE_CHUNK_BYTES } from '../jsonl/line-chunks.js';
import { BaseBlocks, problemOf, readInputLine, type BadLine, type InputLine, type MergeSide } from './merge-input.js';
import { mergeRecords, resultOf, trustedRemovals, type Conflicted, type MergeOptions, type MergeResult } from './merge-jsonl.js';
import { encodeMergedText, OPAQUE_LINE_MARK } from './opaque-lines.js';
import { RecordVersion } from './record-version.js';

const NEWLINE = 0x0a;
const CR = 0x0d;
const NEWLINE_BYTES = Buffer.from('\n');
/** Bytes compared per step when looking for the first difference (memcmp-sized, not byte by byte in JS). */
const COMPARE_CHUNK = 1 << 16;

export interface BytesMergeResult extends Omit<MergeResult, 'text'> {
  /** The merged file, as chunks to write in order (views of the inputs where possible). */
  output: Uint8Array[];
}

export interface BytesMergeOptions extends MergeOptions {
  /** Bytes checked for valid UTF-8 at once (default 64 MiB; tests make it small to cut sides into many pieces). */
  decodeChunkBytes?: number;
}

/**
 * A side of the merge (theirs or the base, without a byte order mark) as the bytes it
 * shares with ours, `ours[0, sharedEnd)`, followed by `tail`. `sharedEnd` is 0 or just
 * after a line end of ours.
 */
export interface SharingSide {
  readonly sharedEnd: number;
  readonly tail: Buffer;
}

export function mergeJsonlBytes(base: Uint8Array, ours: Uint8Array, theirs: Uint8Array, options: BytesMergeOptions = {}): BytesMergeResult {
  const oursBytes = withoutBom(asBuffer(ours));
  return mergeSides(startsWithUtf8Bom(ours), oursBytes, sharingSide(asBuffer(base), oursBytes), sharingSide(asBuffer(theirs), oursBytes), options);
}

/** `bytes` (a whole side, perhaps with a byte order mark) as a {@link SharingSide} of `ours` (without one). */
export function sharingSide(bytes: Buffer, ours: Buffer): SharingSide {
  const side = withoutBom(bytes);
  const sharedEnd = sharedLinePrefix(side, ours);
  return { sharedEnd, tail: side.subarray(sharedEnd) };
}

/** A line kept as an object: read, with its place in its side's bytes. */
interface KeptLine {
  readonly line: InputLine;
  /** 1-based physical line number, counted from where the reading started. */
  readonly lineNo: number;
  readonly start: number;
  /** End of the line's content (line end and a trailing `\r` excluded). */
  readonly end: number;
}

/** Current versions by id, as readers take them: highest `updated_at`, the later line on ties. */
function keepCurrent(current: Map<string, RecordVersion>, version: RecordVersion): void {
  const previous = current.get(version.id);
  if (previous === undefined || supersedes(previous, version, true)) current.set(version.id, version);
}

/** The group a line's text is looked up in to write it once: its id, `''` for a malformed line (see unionOfLines in merge-jsonl.ts). */
const groupOf = (line: InputLine): string => (line instanceof RecordVersion ? line.id : '');

/**
 * Merges ours (without its byte order mark; `oursHasBom` says whether it had one) with
 * theirs and the base given as {@link SharingSide}s of it.
 */
export function mergeSides(oursHasBom: boolean, ours: Buffer, base: SharingSide, theirs: SharingSide, options: BytesMergeOptions = {}): BytesMergeResult {
  const { decodeChunkBytes = DECODE_CHUNK_BYTES, oursRemovals = true } = options;
  const theirsView = new SideView('theirs', ours, theirs);
  const baseView = new SideView('base', ours, base);

  // The lines after what theirs shares with ours, on both sides: the only lines that can
  // differ, so the only ids with anything to merge (the others have the same lines on
  // both sides, and readers of the history see their current version).
  const oursTail: KeptLine[] = [];
  const oursTailForm = readKeptLines(ours, theirsView.oursEnd, ours.length, decodeChunkBytes, oursTail);
  const theirsTail: KeptLine[] = [];
  readKeptLines(theirs.tail, theirsView.tailStart, theirs.tail.length, decodeChunkBytes, theirsTail);
  const touched = new Set<string>();
  for (const tail of [oursTail, theirsTail]) for (const { line } of tail) if (line instanceof RecordVersion) touched.add(line.id);
  // The texts already written, of the lines in the groups theirs' new lines fall in (see
  // unionOfLines in merge-jsonl.ts). One set serves every group: equal texts are in one group.
  const groups = new Set<string>();
  for (const { line } of theirsTail) groups.add(groupOf(line));
  const written = new Set<string>();

  const oursCurrent = new Map<string, RecordVersion>();
  /** What readers of the merged history take as current, in the order ids first appear in it. */
  const shown = new Map<string, RecordVersion>();
  const oursBad: BadLine[] = [];

  // Ours, in order: its lines before theirs' tail, then its own tail. The first lines of
  // theirs and the base are ours' lines: they count for those sides too.
  const takeOurs = ({ line, lineNo: number, start }: KeptLine, linesBefore = 0): void => {
    const lineNo = linesBefore + number;
    if (groups.has(groupOf(line))) written.add(line.text);
    const problem = problemOf(line);
    const version = problem === undefined && touched.has((line as RecordVersion).id) ? (line as RecordVersion) : undefined;
    if (problem !== undefined) oursBad.push({ side: 'ours', line: lineNo, reason: problem });
    else if (version !== undefined) {
      keepCurrent(oursCurrent, version);
      keepCurrent(shown, version);
    }
    theirsView.takeShared(start, lineNo, line, problem, version);
    baseView.takeShared(start, lineNo, line, problem, version);
  };
  const prefixForm = readLines(ours, 0, theirsView.oursEnd, decodeChunkBytes, takeOurs);
  for (const kept of oursTail) takeOurs(kept, prefixForm.physicalLines);

  // Theirs' tail: its current versions, and its lines ours lacks join the history.
  const theirsAdded: KeptLine[] = [];
  for (const kept of theirsTail) {
    const { line } = kept;
    theirsView.takeOwn(line, kept.lineNo);
    if (written.has(line.text)) continue;
    written.add(line.text);
    theirsAdded.push(kept);
    if (line instanceof RecordVersion) keepCurrent(shown, line);
  }

  // The base's tail: its malformed lines and the current versions of the touched ids.
  readLines(base.tail, baseView.tailStart, base.tail.length, decodeChunkBytes, ({ line, lineNo }) => {
    if (!(line instanceof RecordVersion) || touched.has(line.id)) baseView.takeOwn(line, lineNo);
  });

  // A side's own malformed lines past the shared part make its removals untrusted (see mergeRecords).
  const malformed = (tail: readonly KeptLine[]): Set<string> => {
    const texts = new Set<string>();
    for (const { line } of tail) if (problemOf(line) !== undefined) texts.add(line.text);
    return texts;
  };
  const removals = trustedRemovals(oursRemovals, malformed(oursTail), malformed(theirsTail));
  const { appended, conflicted } = mergeRecords(shown, oursCurrent, theirsView.current, baseView.current, removals);
  const output = render(ours, oursTailForm.regular && prefixForm.regular, theirs.tail, theirsAdded, appended, conflicted);
  if (oursHasBom && output.some((chunk) => chunk.length > 0)) output.unshift(UTF8_BOM);
  return { ...resultOf({ conflicted, badLines: [...baseView.bad, ...oursBad, ...theirsView.bad] }), output };
}

/**
 * Theirs or the base as the merge reads it: ours' first lines, then its own lines from
 * `tailStart` in its tail. It shares ours' bytes up to `side.sharedEnd`, and then, line
 * by line, each line whose text equals ours' next one, line ends aside (a side written
 * with `\r\n` or with empty lines shares no bytes past its first difference, but its
 * lines are still ours' lines): up to `oursEnd` in ours.
 */
class SideView {
  /** Ours' lines before this offset are this side's first lines. */
  readonly oursEnd: number;
  /** This side's own lines start here in its tail. */
  readonly tailStart: number;
  /** Physical line numbers, counted from the start of the tail, of the lines shared line by line. */
  private readonly sharedLineNos: number[] = [];
  /** Physical lines of the tail before `tailStart`. */
  private readonly sharedTailLines: number;
  private nextShared = 0;
  private bytesSharedLines: number | undefined;
  readonly current = new Map<string, RecordVersion>();
  readonly bad: BadLine[] = [];
  /** The base's conflict blocks of an earlier merge, whose lines are not its versions. */
  private readonly blocks: BaseBlocks | undefined;

  constructor(
    private readonly name: MergeSide,
    private readonly ours: Buffer,
    private readonly side: SharingSide,
  ) {
    let oursAt = side.sharedEnd;
    let tailAt = 0;
    let tailLines = 0;
    for (;;) {
      const o = nextNonEmptyLine(ours, oursAt);
      const t = nextNonEmptyLine(side.tail, tailAt);
      if (o === undefined || t === undefined || o.end - o.start !== t.end - t.start) break;
      if (side.tail.compare(ours, o.start, o.end, t.start, t.end) !== 0) break;
      this.sharedLineNos.push(tailLines + t.lineNo);
      tailLines += t.lines;
      oursAt = o.next;
      tailAt = t.next;
    }
    this.oursEnd = oursAt;
    this.tailStart = tailAt;
    this.sharedTailLines = tailLines;
    this.blocks = name === 'base' ? new BaseBlocks() : undefined;
  }

  /** Takes ours' line at `start` (number `lineNo` in ours) if it is one of this side's first lines. */
  takeShared(start: number, lineNo: number, line: InputLine, problem: string | undefined, version: RecordVersion | undefined): void {
    if (start >= this.oursEnd) return;
    const counts = this.blocks?.counts(line) ?? true;
    if (problem !== undefined) {
      const line = start < this.side.sharedEnd ? lineNo : this.bytesSharedLineCount() + (this.sharedLineNos[this.nextShared] as number);
      this.bad.push({ side: this.name, line, reason: problem });
    } else if (version !== undefined && counts) keepCurrent(this.current, version);
    if (start >= this.side.sharedEnd) this.nextShared++;
  }

  /** Takes one of this side's own lines, numbered from `tailStart`. */
  takeOwn(line: InputLine, lineNo: number): void {
    const problem = problemOf(line);
    const counts = this.blocks?.counts(line) ?? true;
    if (problem === undefined) {
      if (counts) keepCurrent(this.current, line as RecordVersion);
    } else this.bad.push({ side: this.name, line: this.bytesSharedLineCount() + this.sharedTailLines + lineNo, reason: problem });
  }

  /** Physical lines of the part shared byte for byte (counted only when a line number needs it). */
  private bytesSharedLineCount(): number {
    this.bytesSharedLines ??= countLineEnds(this.ours, this.side.sharedEnd);
    return this.bytesSharedLines;
  }
}

/**
 * The first non-empty line of `bytes` from `at` (a line start): its content (no line end,
 * no trailing `\r`), where the next line starts, its number counted from `at` and the
 * physical lines it and the empty lines before it take.
 */
function nextNonEmptyLine(bytes: Buffer, at: number): { start: number; end: number; next: number; lineNo: number; lines: number } | undefined {
  let lines = 0;
  while (at < bytes.length) {
    const newline = bytes.indexOf(NEWLINE, at);
    const lineEnd = newline === -1 ? bytes.length : newline;
    lines++;
    const end = lineEnd > at && bytes[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
    if (end > at) return { start: at, end, next: Math.min(lineEnd + 1, bytes.length), lineNo: lines, lines };
    at = lineEnd + 1;
  }
  return undefined;
}

/** The marker lines around a conflict block (as merge-jsonl.ts writes them). */
const CONFLICT_START = '<<<<<<< ours';
const CONFLICT_SEPARATOR = '=======';
const CONFLICT_END = '>>>>>>> theirs';

/**
 * The merged file: ours' lines, theirs' added lines, the appended versions, the conflict
 * blocks, each line ended by `\n`. A record's two competing versions appear only in its
 * block. `oursRegular`: ours' bytes are exactly its lines each ended by `\n`.
 */
function render(
  ours: Buffer,
  oursRegular: boolean,
  theirsTail: Buffer,
  theirsAdded: readonly KeptLine[],
  appended: readonly string[],
  conflicted: readonly Conflicted[],
): Uint8Array[] {
  const out = new OutputChunks();
  const competing = new Set<string>();
  for (const c of conflicted) for (const v of [c.ours, c.theirs]) if (v !== undefined) competing.add(v.text);
  if (oursRegular && competing.size === 0) out.addWhole(ours);
  else {
    const skip = competingBytes(competing);
    readLineBounds(ours, 0, ours.length, (start, end) => {
      if (skip(ours, start, end)) return;
      // A line ended by `\n` alone goes out with its line end: runs of such lines are one chunk.
      if (ours[end] === NEWLINE) out.add(ours, start, end + 1);
      else out.add(ours, start, end).add(NEWLINE_BYTES, 0, 1);
    });
  }
  for (const { line, start, end } of theirsAdded) {
    if (competing.has(line.text)) continue;
    if (theirsTail[end] === NEWLINE) out.add(theirsTail, start, end + 1);
    else out.add(theirsTail, start, end).add(NEWLINE_BYTES, 0, 1);
  }
  const text = (line: string): void => {
    const bytes = encodeMergedText(`${line}\n`);
    out.add(bytes, 0, bytes.length);
  };
  for (const line of appended) text(line);
  for (const c of conflicted) {
    text(CONFLICT_START);
    if (c.ours !== undefined) text(c.ours.text);
    text(CONFLICT_SEPARATOR);
    if (c.theirs !== undefined) text(c.theirs.text);
    text(CONFLICT_END);
  }
  return out.finish();
}

/**
 * Whether the line `bytes[start, end)` is one of `texts`. Texts of record versions are
 * valid UTF-8, so a line is one of them exactly when its bytes are that text's bytes.
 */
function competingBytes(texts: ReadonlySet<string>): (bytes: Buffer, start: number, end: number) => boolean {
  if (texts.size === 0) return () => false;
  const byLength = new Map<number, Buffer[]>();
  for (const text of texts) {
    const bytes = Buffer.from(text, 'utf8');
    const same = byLength.get(bytes.length);
    if (same === undefined) byLength.set(bytes.length, [bytes]);
    else same.push(bytes);
  }
  return (bytes, start, end) => byLength.get(end - start)?.some((text) => text.compare(bytes, start, end) === 0) ?? false;
}

/**
 * The merged file as chunks: contiguous ranges of one input stay one view of it (ours'
 * bytes, for a whole file in the store's form), short pieces are copied into blocks so a
 * file of a million short pieces is not a million chunks.
 */
class OutputChunks {
  private readonly chunks: Uint8Array[] = [];
  /** The pending range, not yet a chunk: grows while pieces follow each other in one input. */
  private source: Buffer | undefined;
  private from = 0;
  private to = 0;
  /** Where short pieces are copied: `block[blockStart, used)` is not yet a chunk. */
  private block: Buffer | undefined;
  private blockStart = 0;
  private used = 0;

  /** Adds a whole input as one chunk of its own (no copy, whatever its size). */
  addWhole(source: Buffer): this {
    this.flushRange();
    this.flushBlock();
    if (source.length > 0) this.chunks.push(source);
    return this;
  }

  add(source: Buffer, from: number, to: number): this {
    if (source === this.source && from === this.to) this.to = to;
    else {
      this.flushRange();
      this.source = source;
      this.from = from;
      this.to = to;
    }
    return this;
  }

  finish(): Uint8Array[] {
    this.flushRange();
    this.flushBlock();
    if (this.chunks.length === 0) this.chunks.push(Buffer.alloc(0));
    return this.chunks;
  }

  private flushRange(): void {
    const source = this.source;
    if (source === undefined) return;
    this.source = undefined;
    const length = this.to - this.from;
    if (length === 0) return;
    if (length >= VIEW_BYTES) {
      this.flushBlock();
      this.chunks.push(source.subarray(this.from, this.to));
      return;
    }
    if (this.block === undefined || this.block.length - this.used < length) {
      this.flushBlock();
      this.block = Buffer.allocUnsafe(BLOCK_BYTES);
      this.blockStart = 0;
      this.used = 0;
    }
    source.copy(this.block, this.used, this.from, this.to);
    this.used += length;
  }

  /** Makes the copied pieces not yet a chunk one; the rest of the block stays in use. */
  private flushBlock(): void {
    if (this.block === undefined || this.used === this.blockStart) return;
    this.chunks.push(this.block.subarray(this.blockStart, this.used));
    this.blockStart = this.used;
  }
}

/** Ranges at least this long are written as views of their input; shorter ones are copied. */
const VIEW_BYTES = 1 << 16;
/** Size of a block short pieces are copied into (larger than {@link VIEW_BYTES}: a copied piece always fits). */
const BLOCK_BYTES = 1 << 20;

/**
 * Calls `visit(start, end)` for each non-empty line of `bytes[from, to)` (`from` at a line
 * start): `end` excludes the line end and a trailing `\r`, as reading does. A lone `\r`
 * is an empty line. Returns the number of physical lines and whether the range is
 * regular: every line non-empty, ended by `\n` alone.
 */
function readLineBounds(
  bytes: Buffer,
  from: number,
  to: number,
  visit: (start: number, end: number, lineNo: number) => void,
): { physicalLines: number; regular: boolean } {
  let lineNo = 0;
  let regular = true;
  for (let start = from; start < to; ) {
    const newline = bytes.indexOf(NEWLINE, start);
    const lineEnd = newline === -1 || newline >= to ? to : newline;
    lineNo++;
    let end = lineEnd;
    if (end > start && bytes[end - 1] === CR) {
      end--;
      regular = false;
    }
    if (end > start) visit(start, end, lineNo);
    else regular = false;
    if (lineEnd === to && bytes[to] !== NEWLINE) regular = false; // no line end: the last line of the file
    start = lineEnd + 1;
  }
  return { physicalLines: lineNo, regular };
}

/**
 * Reads each non-empty line of `bytes[from, to)` (`from` at a line start) and hands it to
 * `take`. Each line is decoded on its own, so no string holds more than one line, and a
 * line's text is a string of its own that can be kept without keeping more. UTF-8 is
 * checked in large blocks, and line by line only in a block that fails.
 */
function readLines(
  bytes: Buffer,
  from: number,
  to: number,
  blockBytes: number,
  take: (line: KeptLine) => void,
): { physicalLines: number; regular: boolean } {
  let blockEnd = from;
  let blockValid = true;
  return readLineBounds(bytes, from, to, (start, end, lineNo) => {
    if (start >= blockEnd) {
      blockEnd = blockEndFrom(bytes, start, to, blockBytes);
      blockValid = isUtf8(bytes.subarray(start, blockEnd));
    }
    // A UTF-8 sequence holds no `\n` byte: the line's validity is well defined, with or without its `\r`.
    const text =
      blockValid || isUtf8(bytes.subarray(start, end))
        ? bytes.toString('utf8', start, end)
        : OPAQUE_LINE_MARK + bytes.toString('latin1', start, end);
    take({ line: readInputLine(text), lineNo, start, end });
  });
}

/**
 * Reads every non-empty line of `bytes[from, to)` into `lines`, as {@link readLines} does,
 * for lines that are all kept: decoded a block of {@link TAIL_BLOCK_BYTES} at a time and
 * split, so a line's text is a slice of its block's string (cheaper than a string per
 * line, and the block is kept anyway while its lines are).
 */
function readKeptLines(bytes: Buffer, from: number, to: number, blockBytes: number, lines: KeptLine[]): { physicalLines: number; regular: boolean } {
  let lineNo = 0;
  let regular = true;
  for (let blockStart = from; blockStart < to; ) {
    const blockEnd = blockEndFrom(bytes, blockStart, to, Math.min(blockBytes, TAIL_BLOCK_BYTES));
    // One text per line of the block, in order: each line's bytes end at a `\n` byte.
    const texts = decodeLines(bytes, blockStart, blockEnd);
    for (let start = blockStart, i = 0; start < blockEnd; i++) {
      const newline = bytes.indexOf(NEWLINE, start);
      const lineEnd = newline === -1 || newline >= blockEnd ? blockEnd : newline;
      lineNo++;
      let end = lineEnd;
      let text = texts[i] as string;
      if (end > start && bytes[end - 1] === CR) {
        end--;
        text = text.slice(0, -1);
        regular = false;
      }
      if (end > start) lines.push({ line: readInputLine(text), lineNo, start, end });
      else regular = false;
      if (lineEnd === to && bytes[to] !== NEWLINE) regular = false; // no line end: the last line of the file
      start = lineEnd + 1;
    }
    blockStart = blockEnd;
  }
  return { physicalLines: lineNo, regular };
}

/** Bytes of a tail decoded into one string at a time: small next to the heap, large next to a line. */
const TAIL_BLOCK_BYTES = 1 << 20;

/**
 * The texts of the lines of `bytes[from, end)`, split at `\n`: UTF-8, except that a line
 * that is not valid UTF-8 is {@link OPAQUE_LINE_MARK} followed by its bytes as latin1.
 */
function decodeLines(bytes: Buffer, from: number, end: number): string[] {
  if (isUtf8(bytes.subarray(from, end))) return bytes.toString('utf8', from, end).split('\n');
  const lines: string[] = [];
  for (let start = from; ; ) {
    const newline = bytes.indexOf(NEWLINE, start);
    const lineEnd = newline === -1 || newline >= end ? end : newline;
    const line = bytes.subarray(start, lineEnd);
    lines.push(isUtf8(line) ? line.toString('utf8') : OPAQUE_LINE_MARK + line.toString('latin1'));
    if (lineEnd === end) return lines;
    start = lineEnd + 1;
  }
}

/** The end of the block of about `blockBytes` from `start`: just after a line end (a longer line stays whole), or `to`. */
function blockEndFrom(bytes: Buffer, start: number, to: number, blockBytes: number): number {
  if (to - start <= blockBytes) return to;
  let newline = bytes.lastIndexOf(NEWLINE, start + blockBytes - 1);
  if (newline < start) newline = bytes.indexOf(NEWLINE, start + blockBytes);
  return newline === -1 || newline >= to ? to : newline + 1;
}

/** Line ends in `bytes[0, end)`. */
function countLineEnds(bytes: Buffer, end: number): number {
  let count = 0;
  for (let at = bytes.indexOf(NEWLINE); at !== -1 && at < end; at = bytes.indexOf(NEWLINE, at + 1)) count++;
  return count;
}

function withoutBom(bytes: Buffer): Buffer {
  return startsWithUtf8Bom(bytes) ? bytes.subarray(UTF8_BOM.length) : bytes;
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
  return sharedPrefixEnd(a, same);
}

/** The end of the last whole line within `bytes[0, same)`: where a side that shares those bytes with ours stops sharing lines. */
export function sharedPrefixEnd(bytes: Buffer, same: number): number {
  return same === 0 ? 0 : bytes.lastIndexOf(NEWLINE, same - 1) + 1;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
