/**
 * File I/O for the append-only JSONL logs. Everything here is synchronous (the store
 * API is synchronous, like better-sqlite3) and small: read a byte range line by line,
 * append durably, fingerprint a prefix.
 */
import { fstatSync, readSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { ioError } from '../errors.js';
import type { Durability } from '../fs/durability.js';
import { writeAll } from '../fs/write-all.js';

/**
 * `node:zlib`, loaded on first use: only the CRC-32 of a log that git replaced needs it,
 * and a one-shot read command never does (one of the modules that took `list-prds` from
 * 64 of Node's internal modules to 54; docs/benchmarks.md, round eleven).
 */
let zlibModule: typeof import('node:zlib') | undefined;
function zlib(): typeof import('node:zlib') {
  return (zlibModule ??= createRequire(import.meta.url)('node:zlib') as typeof import('node:zlib'));
}

const CHUNK = 1 << 20;
const NEWLINE = 0x0a;
/** How many bytes at the start and before the end of a consumed prefix go into its fingerprint. */
const FINGERPRINT_WINDOW = 4096;

interface RawLine {
  /** The line's text without `\n` (a trailing `\r` is left for the parser to tolerate). */
  text: string;
  /** 1-based line number in the file. */
  lineNo: number;
  /** Byte offset of the line's first byte. */
  offset: number;
  /** The line's exact bytes (without `\n`); a view valid only during the callback. */
  raw: Buffer;
  /** Set when the bytes are not valid UTF-8: the text is then a lossy decoding. */
  invalidUtf8?: true;
}

interface ReadResult {
  /** Offset just past the last complete (`\n`-terminated) line. */
  endOffset: number;
  /** Number of complete lines read. */
  lines: number;
  /** Bytes after the last `\n`, if the file does not end with one. */
  unterminated: Buffer | undefined;
}

/**
 * Streams the complete lines of `fd` from `fromOffset` to the end of the file, calling
 * `onLine` for each. Memory stays bounded by the chunk size plus the longest line.
 */
export function readLinesFrom(
  fd: number,
  fromOffset: number,
  firstLineNo: number,
  onLine: (line: RawLine) => void,
): ReadResult {
  const buf = Buffer.allocUnsafe(CHUNK);
  let carry: Buffer | undefined;
  let carryOffset = fromOffset;
  let position = fromOffset;
  let lineNo = firstLineNo;
  let lines = 0;
  for (;;) {
    const n = readSync(fd, buf, 0, CHUNK, position);
    if (n === 0) break;
    position += n;
    let data = buf.subarray(0, n);
    let dataOffset = position - n;
    if (carry !== undefined) {
      data = Buffer.concat([carry, data]);
      dataOffset = carryOffset;
      carry = undefined;
    }
    let start = 0;
    // Validating a whole chunk at once is fast; only a chunk that fails is checked line by line.
    const chunkIsUtf8 = isUtf8(data);
    for (;;) {
      const nl = data.indexOf(NEWLINE, start);
      if (nl === -1) break;
      const text = data.toString('utf8', start, nl);
      const line: RawLine = { text, lineNo, offset: dataOffset + start, raw: data.subarray(start, nl) };
      if (!chunkIsUtf8 && !isUtf8(data.subarray(start, nl))) line.invalidUtf8 = true;
      onLine(line);
      lineNo++;
      lines++;
      start = nl + 1;
    }
    if (start < data.length) {
      // Copy: `buf` is reused for the next chunk.
      carry = Buffer.from(data.subarray(start));
      carryOffset = dataOffset + start;
    }
  }
  return {
    endOffset: carry === undefined ? position : carryOffset,
    lines,
    unterminated: carry,
  };
}

/**
 * Writes all of `data` at the end of the file (fd opened with 'a'), not flushed yet: the
 * caller flushes with {@link flushAppended} once its bookkeeping is done.
 */
export function appendBytes(fd: number, data: Buffer, pathForErrors: string): void {
  try {
    writeAll(fd, data);
  } catch (err) {
    throw ioError('append to', pathForErrors, err);
  }
}

/** Flushes what {@link appendBytes} wrote, as `durability` says. */
export function flushAppended(fd: number, durability: Durability, pathForErrors: string): void {
  try {
    durability.syncData(fd);
  } catch (err) {
    throw ioError('append to', pathForErrors, err);
  }
}

/** Writes all of `data` at `position` (for descriptors not opened for appending), then flushes as `durability` says. */
export function writeAtDurable(fd: number, data: Buffer, position: number, durability: Durability, pathForErrors: string): void {
  try {
    writeAll(fd, data, position);
    durability.syncData(fd);
  } catch (err) {
    throw ioError('write to', pathForErrors, err);
  }
}

/** Reads `length` bytes at `offset` (fewer at end of file), into `target` when given (else a new buffer). */
export function readRange(fd: number, offset: number, length: number, target: Buffer = Buffer.allocUnsafe(length)): Buffer {
  let got = 0;
  while (got < length) {
    const n = readSync(fd, target, got, length - got, offset + got);
    if (n === 0) break;
    got += n;
  }
  return target.subarray(0, got);
}

/**
 * A cheap fingerprint of the first `length` bytes of a file: a hash of the first and the
 * last 4 KiB of that prefix, plus its length. Checking it costs two small reads, however
 * big the file, so catching up with an appended tail never re-reads the whole file. A
 * rewrite (compaction, git checkout, an editor) changes the head, the bytes before the
 * old end, the length or the inode, and the caller rebuilds.
 */
export function fingerprintPrefix(fd: number, length: number): string {
  const hash = createHash('sha1');
  hash.update(String(length));
  if (length <= FINGERPRINT_WINDOW * 2) {
    hash.update(readRange(fd, 0, length, fingerprintBuffer));
  } else {
    hash.update(readRange(fd, 0, FINGERPRINT_WINDOW, fingerprintBuffer));
    hash.update(readRange(fd, length - FINGERPRINT_WINDOW, FINGERPRINT_WINDOW, fingerprintBuffer));
  }
  return hash.digest('hex');
}

/**
 * The bytes of a prefix that its fingerprint covers, kept in memory so that an appender
 * can fingerprint the prefix it extends without reading the file back: the first
 * 8 KiB (all of a shorter prefix) and the last 4 KiB.
 */
export interface PrefixWindows {
  length: number;
  /** The prefix's first min(length, 8 KiB) bytes. */
  head: Buffer;
  /** 4 KiB whose last min(length, 4 KiB) bytes are the prefix's last bytes (reused from write to write). */
  tail: Buffer;
  fingerprint: string;
}

/** The windows of a file's first `length` bytes, read from `fd` (two small reads). */
export function readPrefixWindows(fd: number, length: number): PrefixWindows {
  const head = Buffer.from(readRange(fd, 0, Math.min(length, FINGERPRINT_WINDOW * 2), fingerprintBuffer));
  const tailLength = Math.min(length, FINGERPRINT_WINDOW);
  const tail = Buffer.alloc(FINGERPRINT_WINDOW);
  if (length <= head.length) head.copy(tail, FINGERPRINT_WINDOW - tailLength, length - tailLength, length);
  else readRange(fd, length - tailLength, tailLength).copy(tail, FINGERPRINT_WINDOW - tailLength);
  return { length, head, tail, fingerprint: fingerprintOfWindows(length, head, tail) };
}

/**
 * Moves `windows` on to its prefix extended by `data` (in place: the tail buffer is
 * reused), and returns it: what fingerprintPrefix gives for the longer prefix, computed
 * without any read.
 */
export function extendPrefixWindows(windows: PrefixWindows, data: Buffer): PrefixWindows {
  const length = windows.length + data.length;
  const headRoom = FINGERPRINT_WINDOW * 2 - windows.head.length;
  // A copy: `data` belongs to the caller, and the windows outlive this write.
  if (headRoom > 0) windows.head = Buffer.concat([windows.head, data.subarray(0, headRoom)]);
  const tail = windows.tail;
  if (data.length >= FINGERPRINT_WINDOW) {
    data.copy(tail, 0, data.length - FINGERPRINT_WINDOW);
  } else {
    tail.copy(tail, 0, data.length);
    data.copy(tail, FINGERPRINT_WINDOW - data.length);
  }
  windows.length = length;
  windows.fingerprint = fingerprintOfWindows(length, windows.head, tail);
  return windows;
}

function fingerprintOfWindows(length: number, head: Buffer, tail: Buffer): string {
  const hash = createHash('sha1');
  hash.update(String(length));
  if (length <= FINGERPRINT_WINDOW * 2) {
    hash.update(head.subarray(0, length));
  } else {
    hash.update(head.subarray(0, FINGERPRINT_WINDOW));
    hash.update(tail);
  }
  return hash.digest('hex');
}

/**
 * CRC-32 of the bytes [from, to) of a file, continuing from `initial` (the CRC of the bytes
 * before `from`), so a log's whole-prefix checksum is extended by each appended tail.
 */
export function crc32Range(fd: number, from: number, to: number, initial = 0): number {
  let crc = initial;
  const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(to - from, 1)));
  for (let position = from; position < to; ) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, to - position), position);
    if (n === 0) break;
    crc = zlib().crc32(buf.subarray(0, n), crc);
    position += n;
  }
  return crc;
}

/** CRC-32 of `data` continuing from `initial`: the checksum of a prefix extended by `data`. */
export function extendCrc(data: Buffer, initial: number): number {
  return zlib().crc32(data, initial);
}

/** One reusable buffer for fingerprint reads: every write fingerprints, so this saves garbage. */
const fingerprintBuffer = Buffer.allocUnsafe(FINGERPRINT_WINDOW * 2);

/** sha1 of a byte range, for the transaction journal's completeness check. */
export function hashBytes(data: Buffer): string {
  return createHash('sha1').update(data).digest('hex');
}

/** The inode of an open file, as a string (inode numbers can exceed 2^53). */
export function inodeOf(fd: number): string {
  return String(fstatSync(fd, { bigint: true }).ino);
}
