/**
 * Brings one collection's cache table up to date with its log. Runs with the write lock
 * held (inside the cache's BEGIN IMMEDIATE), after the write journal's recovery moved any
 * line a dead TaskStore writer tore to `.torn`: an unterminated last line found here is
 * another program's (see foreign-writes.ts), waited for and never cut.
 *
 * Freshness is decided by one rule: the cache remembers, per log, how many bytes it has
 * consumed, the file's inode, a fingerprint of that prefix and a CRC-32 of all of it.
 * At least that many bytes and the same fingerprint (and, for a replaced file with a new
 * inode, the same whole-prefix CRC): only the tail is new. Anything else: the file was
 * rewritten, and the collection is rebuilt from scratch.
 */
import { closeSync, existsSync, fstatSync, statSync, type BigIntStats } from 'node:fs';
import { openLogFile, READ_WRITE_NO_FOLLOW } from '../fs/open-log-file.js';
import { join } from 'node:path';
import { isUtf8 } from 'node:buffer';
import type { CacheDb, FileStateRow } from '../cache/cache-db.js';
import type { CollectionTable } from '../cache/collection-table.js';
import { LOG_SUFFIX } from '../jsonl/collection-name.js';
import { parseLine, readerText, withoutBom } from '../jsonl/line-codec.js';
import { crc32Range, writeAtDurable, fingerprintPrefix, inodeOf, readLinesFrom } from '../jsonl/log-io.js';
import type { Durability } from '../fs/durability.js';
import type { Logger } from './options.js';
import { QUIET_MS, quietForMs, waitForForeignWriter } from './foreign-writes.js';
import { RESCUED_SUFFIX, rescueVanished, type KnownVersion } from './rescue.js';

/** A line that could not be used, with its 1-based line number. */
export interface BadLine {
  collection: string;
  line: number;
  reason: string;
}

interface IngestResult {
  /** Lines read and applied (or skipped) by this call. */
  linesRead: number;
  rebuilt: boolean;
  skipped: BadLine[];
  /** First conflict-marker line, when the log is an unresolved merge. */
  conflictLine: number | null;
  /** Total complete lines in the log now. */
  totalLines: number;
  /** The log's `files` row as this catch-up found it (before it consumed anything). */
  before: FileStateRow | undefined;
}

export interface IngestContext {
  cache: CacheDb;
  dir: string;
  durability: Durability;
  logger: Logger;
  /** Called with (bytesDone, bytesTotal) while a large log is read. */
  onProgress?: (done: number, total: number) => void;
}

const MAX_WARNINGS = 5;
/** Logs smaller than this are rebuilt row by row: dropping and re-creating indexes costs more than it saves. */
const BULK_LOAD_MIN_BYTES = 256 * 1024;

export function logPath(dir: string, collection: string): string {
  return join(dir, `${collection}${LOG_SUFFIX}`);
}

/** What the cache has consumed of `collection`'s log (its `files` row). */
export function readFileState(cache: CacheDb, collection: string): FileStateRow | undefined {
  return cache.files.get(collection);
}

/** Records what the cache has consumed of a log, in the current transaction. */
export function writeFileState(cache: CacheDb, row: FileStateRow): void {
  cache.files.put(row);
}

/**
 * True when the log is certainly unchanged since it was consumed: same inode, same size,
 * same nanosecond mtime. Costs one stat, no read; when it says no, the caller verifies
 * with the fingerprint. (An in-place rewrite of the same size changes the mtime.)
 */
export function unchangedByStat(path: string, state: FileStateRow | undefined): boolean {
  if (state === undefined) return false;
  return statMatches(statSync(path, { bigint: true, throwIfNoEntry: false }), state);
}

/** Same inode, size and stamp as the cache recorded: the stat shortcut, shared with the change feed. */
export function statMatches(st: BigIntStats | undefined, state: FileStateRow): boolean {
  return st !== undefined && String(st.ino) === state.ino && Number(st.size) === state.offset && statStamp(st) === state.mtime_ns;
}

/**
 * True when the log certainly holds exactly what the cache consumed: the stat shortcut
 * (same inode, size and nanosecond mtime). A log that is absent and was never consumed
 * counts as unchanged. One stat, no read, no lock. Any other stat says "look": the
 * catch-up then verifies under the lock by the ingest's own rule (a touched log is found
 * unchanged there, once, and its new mtime recorded, so the next look is a stat again;
 * an edit of equal length in place is only told apart by the prefix CRC, which this
 * look must not pay for on every read).
 */
export function logUnchanged(path: string, state: FileStateRow | undefined): boolean {
  let st: BigIntStats | undefined;
  try {
    st = statSync(path, { bigint: true, throwIfNoEntry: false });
  } catch {
    st = undefined;
  }
  if (st === undefined) return state === undefined;
  return state !== undefined && statMatches(st, state);
}

/** The modification time of an open file in ns, as stored in the files table. */
export function mtimeNsOf(fd: number): string {
  return statStamp(fstatSync(fd, { bigint: true }));
}

/**
 * What the files table keeps as `mtime_ns`: the nanosecond mtime, then the ctime. A tool
 * can set the mtime back (`touch -d`, `utimes`, an archive restore); nobody can set the
 * ctime, which the kernel moves on every write and every change of the mtime. So an edit
 * that puts the old mtime back still fails the stat shortcut and gets its bytes checked.
 */
function statStamp(st: BigIntStats): string {
  return `${st.mtimeNs}:${st.ctimeNs}`;
}

/**
 * Catches `table` up with its log: applies the appended tail, or rebuilds when the log
 * was rewritten or `forceRebuild` is set.
 */
export function ingestLog(ctx: IngestContext, table: CollectionTable, forceRebuild = false): IngestResult {
  const name = table.name;
  const path = logPath(ctx.dir, name);
  const state = readFileState(ctx.cache, name);
  const nothing: IngestResult = { linesRead: 0, rebuilt: false, skipped: [], conflictLine: state?.conflict_line ?? null, totalLines: state?.lines ?? 0, before: state };

  if (!forceRebuild && unchangedByStat(path, state)) return nothing;
  if (!existsSync(path)) {
    if (state === undefined && !forceRebuild) return nothing;
    // The log is gone (e.g. checked out a branch without it): so are its records.
    if (state !== undefined) table.snapshotCurrent();
    table.clear();
    if (state !== undefined) keepVanished(ctx, name, path, table.takeLostSinceSnapshot());
    ctx.cache.files.remove(name);
    ctx.cache.badLines.clear(name);
    return { ...nothing, rebuilt: true, conflictLine: null, totalLines: 0 };
  }

  let fd = openLog(path);
  try {
    // Another program may be in the middle of writing this log (git checkout, stash …):
    // give it a moment to finish before reading, and reopen if it replaced the file again.
    // Seen quiet by watching it (its file time may be in the future: see foreign-writes.ts).
    let watchedQuiet = false;
    for (let tries = 0; tries < 5; tries++) {
      const waited = waitForForeignWriter(fd, path, inodeOf(fd), state?.offset ?? 0);
      watchedQuiet = waited === 'quiet';
      if (waited !== 'replaced') break;
      closeSync(fd);
      fd = -1;
      fd = openLog(path);
    }
    const size = fstatSync(fd).size;
    const ino = inodeOf(fd);
    const consumed = state === undefined ? false : extendsConsumed(fd, ino, size, state);
    const sameFile = state !== undefined && consumed !== false;
    // Unchanged since last consumed (conflicted or not): nothing to do.
    if (!forceRebuild && sameFile && size === state.offset) {
      // Verified unchanged although the stat differed (touched): remember the new mtime so
      // the next check is a stat again.
      writeFileState(ctx.cache, { ...state, ino, mtime_ns: mtimeNsOf(fd) });
      return nothing;
    }
    // A conflicted log is re-read whole once it changes: the fix may be anywhere in it.
    const tailOnly = !forceRebuild && sameFile && state.conflict_line === null;

    const from = tailOnly ? state.offset : 0;
    const firstLine = tailOnly ? state.lines + 1 : 1;
    // Rewritten by someone else: remember the current versions, to find any it lost.
    const snapshot = !tailOnly && !sameFile && state !== undefined;
    if (snapshot) table.snapshotCurrent();
    if (!tailOnly) {
      table.clear();
      ctx.cache.badLines.clear(name);
    }
    const skipped: BadLine[] = [];
    let conflictLine: number | null = null;
    const reportBad = (line: number, reason: string): void => {
      skipped.push({ collection: name, line, reason });
      ctx.cache.badLines.add(name, line, reason);
      // Lines after a conflict marker are the conflict's own text: the conflict warning covers them.
      if (skipped.length <= MAX_WARNINGS && conflictLine === null) ctx.logger.warn(`${name}.jsonl line ${line} skipped: ${reason}`);
    };
    const apply = (raw: string, lineNo: number, invalidUtf8: boolean): void => {
      if (invalidUtf8) return reportBad(lineNo, 'not valid UTF-8');
      const text = withoutBom(raw, lineNo);
      const parsed = parseLine(text);
      if (parsed.kind === 'record') {
        // The cache holds the line as readers see it (Rust-format lines with their filled-in id / updated_at).
        if (conflictLine === null) table.apply(parsed.record, lineNo, readerText(text.endsWith('\r') ? text.slice(0, -1) : text, parsed.filled));
      } else if (parsed.kind === 'conflict-marker') {
        conflictLine ??= lineNo;
      } else if (text.trim() !== '') {
        reportBad(lineNo, parsed.reason);
      }
    };

    let lastProgress = 0;
    // A rebuild of more than a few lines loads the table without its indexes and builds
    // them once at the end; a tail is applied row by row.
    const bulk = !tailOnly && size > BULK_LOAD_MIN_BYTES;
    if (bulk) table.beginBulkLoad();
    let read: ReturnType<typeof readLinesFrom>;
    try {
      read = readLinesFrom(fd, from, firstLine, (line) => {
        apply(line.text, line.lineNo, line.invalidUtf8 === true);
        if (ctx.onProgress !== undefined && line.offset - lastProgress > 1 << 20) {
          lastProgress = line.offset;
          ctx.onProgress(line.offset, size);
        }
      });
    } catch (err) {
      if (bulk) table.abortBulkLoad();
      throw err;
    }
    if (bulk) table.endBulkLoad();
    let endOffset = read.endOffset;
    let totalLines = firstLine - 1 + read.lines;
    if (read.unterminated !== undefined) {
      const text = read.unterminated.toString('utf8');
      const valid = isUtf8(read.unterminated);
      if (!watchedQuiet && quietForMs(fd) < QUIET_MS) {
        // Someone else is still writing it: read complete lines only, touch nothing. (Not
        // a TaskStore writer's, even where it starts at the end the cache recorded: the
        // journal's recovery set any of those aside before this catch-up.)
        ctx.logger.warn(`${name}.jsonl ends with an incomplete line another program is still writing; only its complete lines were read`);
      } else {
        // Finished (a complete record that only lacks its newline: written by hand, or by
        // a program that stopped there) or abandoned: never cut. Ending the line keeps the
        // bytes in the log, as the record, or as a malformed line that check reports (and
        // a repair can fix). Positional write: this descriptor is opened 'r+', not for appending.
        writeAtDurable(fd, Buffer.from('\n'), endOffset + read.unterminated.length, ctx.durability, path);
        totalLines++;
        apply(text, totalLines, !valid);
        endOffset += read.unterminated.length + 1;
      }
    }
    if (snapshot) {
      const lost = table.takeLostSinceSnapshot();
      // A conflicted log still holds its versions, between the markers: nothing is lost.
      if (conflictLine === null) keepVanished(ctx, name, path, lost);
    }
    if (conflictLine !== null) {
      // Refuse the whole file: serving half of an unresolved merge would hide records.
      table.clear();
      ctx.logger.warn(`${name}.jsonl line ${conflictLine} has a git conflict marker; resolve the merge, then run taskstore sync`);
    } else if (skipped.length > MAX_WARNINGS) {
      ctx.logger.warn(`${name}.jsonl: ${skipped.length - MAX_WARNINGS} more malformed lines skipped (see taskstore check)`);
    }
    writeFileState(ctx.cache, {
      collection: name,
      ino,
      offset: endOffset,
      lines: totalLines,
      fingerprint: fingerprintPrefix(fd, endOffset),
      mtime_ns: mtimeNsOf(fd),
      conflict_line: conflictLine,
      prefix_crc: prefixCrc(fd, endOffset, tailOnly || consumed === 'checked' ? state : undefined),
    });
    ctx.onProgress?.(size, size);
    return { linesRead: totalLines - firstLine + 1, rebuilt: !tailOnly, skipped, conflictLine, totalLines, before: state };
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** Rescues acknowledged versions a rewrite lost that git does not have either (see rescue.ts). */
function keepVanished(ctx: IngestContext, name: string, path: string, lost: KnownVersion[]): void {
  const kept = rescueVanished(ctx.dir, `${name}.jsonl`, path, lost, ctx.durability);
  if (kept > 0) {
    ctx.logger.warn(
      `${name}.jsonl was rewritten outside TaskStore and lost ${kept} acknowledged version(s) that no recent git commit, stash or index holds; they were kept in ${name}.jsonl${RESCUED_SUFFIX} (run taskstore rescue to re-apply them)`,
    );
  }
}

function openLog(path: string): number {
  return openLogFile(path, READ_WRITE_NO_FOLLOW);
}

/**
 * True when the log still starts with exactly the bytes the cache consumed, so only a tail
 * is new. The same file (inode), grown, needs the cheap fingerprint to match: that is an
 * append, and re-reading the whole prefix for each would undo tail catch-up. A replaced
 * file (git writes the result of a merge, checkout or pull as a new file; our merge driver
 * keeps ours' lines first, so a merge result usually extends what was consumed) must also
 * match the CRC-32 of the whole consumed prefix: one sequential read, far cheaper than
 * rebuilding the collection. So must the same file at the same size (only reached when
 * its stat changed): an edit of equal length saved in place (as editors such as VS Code
 * save) changes no byte the fingerprint windows cover when it is in the middle.
 */
function extendsConsumed(fd: number, ino: string, size: number, state: FileStateRow): 'grown' | 'checked' | false {
  if (size < state.offset || fingerprintPrefix(fd, state.offset) !== state.fingerprint) return false;
  if (state.ino === ino && size > state.offset) return 'grown';
  return prefixCrcMatches(fd, ino, state) ? 'checked' : false;
}

/**
 * The CRC-32 of the log's first `endOffset` bytes. `known` is the cache's row when its
 * prefix CRC may be extended instead of read again: after a tail-only catch-up, and after
 * a full rebuild of a log whose whole consumed prefix this ingest just checked against
 * that CRC (a forced `sync()` of an unchanged log reads the file twice, not three times).
 */
function prefixCrc(fd: number, endOffset: number, known: FileStateRow | undefined): number {
  if (known === undefined || known.prefix_crc === null || endOffset < known.offset) return crc32Range(fd, 0, endOffset);
  return crc32Range(fd, known.offset, endOffset, known.prefix_crc);
}

/** The whole consumed prefix has the CRC-32 recorded when it was consumed (unknown: no). */
function prefixCrcMatches(fd: number, ino: string, state: FileStateRow): boolean {
  if (state.prefix_crc === null) return false;
  // A conflicted log is re-read whole once it is replaced: the fix may be anywhere in it.
  if (state.ino !== ino && state.conflict_line !== null) return false;
  return crc32Range(fd, 0, state.offset) === state.prefix_crc;
}
