/**
 * Commits the lines staged by one write scope to the logs: the only place that appends.
 *
 * Every commit first records what it is about to append in the write journal (see
 * journal.ts), so a line a crash tore is recognizably TaskStore's: the next lock holder
 * moves it to `.torn` at once, and takes any other unterminated line for another
 * program's, which it never cuts.
 *
 * One line: the record is written without a flush, then a single write() and an
 * fdatasync. Several lines (createMany, transactions, in one or several logs), or one
 * line where the cache has not committed the log's end (`StagedLog.tornTailKnown`): the
 * record is flushed first, so a crash keeps all or none, also across a power loss.
 * A failed append (disk full, I/O error) cuts every log back to where it was: no half
 * line is ever left behind by a failure the process survives.
 */
import { closeSync, existsSync, fstatSync, ftruncateSync, statSync } from 'node:fs';
import { APPEND_NO_FOLLOW, openLogFile } from '../fs/open-log-file.js';
import type { CacheDb } from '../cache/cache-db.js';
import { CorruptError } from '../errors.js';
import { appendBytes, extendCrc, flushAppended, extendPrefixWindows, fingerprintPrefix, hashBytes, inodeOf, readPrefixWindows, type PrefixWindows } from '../jsonl/log-io.js';
import type { Durability } from '../fs/durability.js';
import { logPath, mtimeNsOf, writeFileState } from './ingest.js';
import type { Journal, JournalEntry } from './journal.js';

/** Lines staged for one log during a write scope. */
export interface StagedLog {
  collection: string;
  /** Log size and line count when the scope first touched this log (after catch-up). */
  startOffset: number;
  startLines: number;
  /** CRC-32 of the log's first `startOffset` bytes, when known. */
  startCrc: number | null;
  /** The fingerprint the cache recorded for those `startOffset` bytes (null when it has none). */
  startFingerprint: string | null;
  /**
   * True when the cache has committed the log's end at `startOffset` (same inode and
   * fingerprint): a single line there is journaled without a flush. False for a log this
   * write creates, and for one whose tail this write's own catch-up applied (lines
   * another process appended and died before committing): its journal record is flushed
   * like a batch's, as it always was.
   */
  tornTailKnown: boolean;
  lines: string[];
  /** Set once the lines are appended: the log's new consumed end, as written to the cache's `files` row. */
  appended?: AppendedEnd;
}

/** Where a log ends after a commit's append (the `files` row's identity fields). */
interface AppendedEnd {
  ino: string;
  offset: number;
  lines: number;
  fingerprint: string;
  /** CRC-32 of the log up to `offset` (null when the cache knew none for the start). */
  prefixCrc: number | null;
}

interface OpenLog {
  fd: number;
  ino: string;
  /**
   * The fingerprinted windows of the prefix this handle last appended to, so the next
   * append fingerprints the longer prefix without reading the file back. Used only when
   * the cache's row still names that very prefix (same length and fingerprint, checked
   * against the file by the catch-up under the lock); otherwise read again.
   */
  windows?: PrefixWindows;
}

export class LogAppender {
  /** Append handles kept open between writes; checked against the path's inode before each use. */
  private readonly handles = new Map<string, OpenLog>();

  constructor(
    private readonly dir: string,
    private readonly cache: CacheDb,
    private readonly journal: Journal,
    private readonly durability: Durability,
  ) {}

  /**
   * Appends every staged line and records the new consumed offsets in the cache (in the
   * caller's open SQLite transaction). Returns the number of lines written.
   */
  commit(staged: StagedLog[]): number {
    const logs = staged.filter((s) => s.lines.length > 0);
    if (logs.length === 0) return 0;
    const prepared = logs.map((log) => {
      const path = logPath(this.dir, log.collection);
      const { handle, size: sizeAtPath } = this.handle(log.collection);
      const size = sizeAtPath ?? fstatSync(handle.fd).size;
      if (size !== log.startOffset) {
        throw new CorruptError(
          `${log.collection}.jsonl changed outside TaskStore during the write (expected ${log.startOffset} bytes, found ${size}: another program, such as git, may still be writing it); nothing was written`,
          { hint: 'retry the write once the other program is done' },
        );
      }
      return { log, path, handle, data: Buffer.from(log.lines.join('')) };
    });

    const lineCount = logs.reduce((n, l) => n + l.lines.length, 0);
    const flushed = lineCount > 1 || logs.some((l) => !l.tornTailKnown);
    const entries: JournalEntry[] = prepared.map(({ log, handle, data }) => ({
      file: `${log.collection}.jsonl`,
      offset: log.startOffset,
      length: data.length,
      sha1: hashBytes(data),
      // The cache's fingerprint of the log's first startOffset bytes is the file's (this
      // scope's catch-up checked it under the lock) when it committed that end.
      prefix: log.tornTailKnown && log.startFingerprint !== null ? log.startFingerprint : fingerprintPrefix(handle.fd, log.startOffset),
    }));
    this.journal.begin(entries, { flush: flushed, bytes: prepared.map((p) => p.data) });
    const appended: typeof prepared = [];
    try {
      for (const p of prepared) {
        appended.push(p);
        appendBytes(p.handle.fd, p.data, p.path);
      }
      // The bookkeeping runs between the write and the flush, not after: the thread that
      // sleeps in fdatasync wakes on a cold CPU, where the same work takes ~3× as long
      // (docs/benchmarks.md). Nothing here is visible to another process before the
      // cache commits, which happens only after every flush succeeded; the stat stamp
      // taken here is final, as a flush changes no time of the file.
      this.recordAppended(prepared);
      for (const p of prepared) flushAppended(p.handle.fd, this.durability, p.path);
    } catch (err) {
      for (const p of prepared) {
        p.handle.windows = undefined;
        p.log.appended = undefined;
      }
      // A log that could not be cut back keeps its record: the next lock holder cuts it
      // (an unterminated line no record names would be taken for another program's).
      if (this.undo(appended.map((p) => ({ fd: p.handle.fd, offset: p.log.startOffset })))) this.journal.end();
      throw err;
    }
    // Emptied before the cache commits, so that no later lock holder can mistake this
    // finished commit's journal for its own.
    this.journal.end();
    return lineCount;
  }

  /** Records each log's new consumed end in the cache (files row) and the handle's fingerprint windows. */
  private recordAppended(prepared: { log: StagedLog; handle: OpenLog; data: Buffer }[]): void {
    for (const { log, handle, data } of prepared) {
      const offset = log.startOffset + data.length;
      const known = handle.windows;
      handle.windows =
        known !== undefined && known.length === log.startOffset && known.fingerprint === log.startFingerprint
          ? extendPrefixWindows(known, data)
          : readPrefixWindows(handle.fd, offset);
      const prefixCrc = log.startCrc === null ? null : extendCrc(data, log.startCrc);
      log.appended = { ino: handle.ino, offset, lines: log.startLines + log.lines.length, fingerprint: handle.windows.fingerprint, prefixCrc };
      writeFileState(this.cache, {
        collection: log.collection,
        ino: handle.ino,
        offset,
        lines: log.startLines + log.lines.length,
        fingerprint: handle.windows.fingerprint,
        mtime_ns: mtimeNsOf(handle.fd),
        conflict_line: null,
        prefix_crc: prefixCrc,
      });
    }
  }

  /** Cuts logs back after a failure (best effort: the journal covers a crash here). */
  undoCommit(staged: StagedLog[]): void {
    for (const s of staged) {
      const handle = this.handles.get(s.collection);
      if (handle !== undefined) handle.windows = undefined;
    }
    this.undo(
      staged
        .filter((s) => s.lines.length > 0 && this.handles.has(s.collection))
        .map((s) => ({ fd: this.handles.get(s.collection)!.fd, offset: s.startOffset })),
    );
  }

  /** Returns whether every log was cut back. */
  private undo(targets: { fd: number; offset: number }[]): boolean {
    let all = true;
    for (const { fd, offset } of targets) {
      try {
        ftruncateSync(fd, offset);
      } catch {
        // Nothing more can be done in-process; the journal's recovery will.
        all = false;
      }
    }
    return all;
  }

  /**
   * An append handle for the log, reopened if the file was replaced (compaction, checkout)
   * since. A kept handle comes with the file's size from the same stat that found the
   * path still naming its inode (one inode, one size: no fstat needed).
   */
  private handle(collection: string): { handle: OpenLog; size?: number } {
    const path = logPath(this.dir, collection);
    const cached = this.handles.get(collection);
    if (cached !== undefined) {
      let current: { ino: bigint; size: bigint } | undefined;
      try {
        current = statSync(path, { bigint: true, throwIfNoEntry: false });
      } catch {
        current = undefined;
      }
      if (current !== undefined && String(current.ino) === cached.ino) return { handle: cached, size: Number(current.size) };
      closeSync(cached.fd);
      this.handles.delete(collection);
    }
    const created = !existsSync(path);
    // 'a+': appends always go to the end; reads are needed for fingerprints. Never through a symbolic link.
    const fd = openLogFile(path, APPEND_NO_FOLLOW);
    if (created) this.durability.syncDir(this.dir);
    const handle = { fd, ino: inodeOf(fd) };
    this.handles.set(collection, handle);
    return { handle };
  }

  /** Drops a cached handle (after this process replaced the file itself). */
  forget(collection: string): void {
    const cached = this.handles.get(collection);
    if (cached !== undefined) closeSync(cached.fd);
    this.handles.delete(collection);
  }

  close(): void {
    for (const { fd } of this.handles.values()) closeSync(fd);
    this.handles.clear();
  }
}
