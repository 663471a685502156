/**
 * The write journal: every commit records, before it appends, what it is about to append,
 * so that whoever next takes the write lock can tell a dead TaskStore writer's bytes from
 * another program's.
 *
 * Before appending, the committer writes one journal record: for each log, the offset
 * where its new bytes start, their length and hash, and a fingerprint of the bytes before
 * them. Then it appends and flushes the logs, then empties the journal. Whoever next
 * takes the write lock and finds a non-empty journal finishes the story: if every log
 * holds all of its new bytes, the commit happened (keep it); otherwise the partial bytes
 * are moved aside and every log is cut back to its offset. A journal that is itself
 * incomplete (torn) means no log was touched yet.
 *
 * A record of a commit of up to INLINE_MAX bytes also holds the bytes themselves (after
 * its checksum line): a log's partial bytes are the dead writer's only if they are the
 * start of them. Between the crash and the next lock holder, git may have rewritten the
 * log (the half line discarded with `git checkout`, then a pull): its lines past the
 * record's offset are not the writer's, and are left alone. The record of a larger commit
 * carries the first HEAD_MAX bytes of each log's (`heads`, each with its own sha1): bytes
 * past the offset that do not start as the commit's do are not the writer's either. Only a
 * log whose bytes past the offset match those and run on past them is taken on its length.
 *
 * A commit of several lines (a transaction, a batch, across files) flushes its record
 * before appending: all or none survives a crash of the machine too. A single line only
 * writes it (no flush: a few microseconds, where a flush costs as much as the append's
 * own): a writer killed mid-append leaves it in the page cache, which is what makes its
 * half line recognizably TaskStore's. An unterminated line that no record names is never
 * taken for TaskStore's (see foreign-writes.ts) — also after a power loss that kept the
 * half line but not its unflushed record (then it is kept in the log as a malformed line).
 *
 * The journal file is never deleted nor truncated: a record is written over the previous
 * one, and emptying it writes a newline over its first byte. A file that keeps its size
 * changes no metadata that the log's fdatasync would then have to commit as well
 * (measured on ext4: truncating it at every write cost ~25 µs of a ~270 µs durable write;
 * writing over it ~7 µs). No directory flush is needed per commit either. It is local
 * state, ignored by git.
 */
import { closeSync, existsSync, fstatSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { fingerprintPrefix, hashBytes, readRange } from '../jsonl/log-io.js';
import type { Durability } from '../fs/durability.js';
import { moveTornBytesAside } from '../fs/torn-bytes.js';
import { writeAll } from '../fs/write-all.js';
import { ioError } from '../errors.js';
import { OPEN_OR_CREATE_NO_FOLLOW, openLogFile, READ_NO_FOLLOW, READ_WRITE_NO_FOLLOW } from '../fs/open-log-file.js';
import { collectionOfLogFile } from '../jsonl/collection-name.js';

const JOURNAL_FILE = 'taskstore.journal';
const NEWLINE = 0x0a;
const EMPTIED = Buffer.from('\n');
/**
 * Commits up to this many bytes (all logs together) carry them in their journal record:
 * every usual single-record write. Not more: a batch's record is flushed, and its bytes
 * would be flushed twice.
 */
export const INLINE_MAX = 64 * 1024;
/**
 * How much of each log's bytes a larger commit's record carries: enough to tell the
 * start of its lines (each holds its record's id and stamp) from anything git wrote there.
 */
export const HEAD_MAX = 4 * 1024;

export interface JournalEntry {
  /** Log file name inside the store directory. */
  file: string;
  offset: number;
  length: number;
  sha1: string;
  /** fingerprintPrefix(log, offset): tells whether the log was replaced since. */
  prefix: string;
}

/**
 * A decoded record; `bytes` (each entry's, in order) when the record carries them: all of
 * them, or (a larger commit) the first HEAD_MAX of each.
 */
type DecodedJournal = { kind: 'empty' } | { kind: 'incomplete' } | { kind: 'entries'; entries: JournalEntry[]; bytes?: Buffer[] };

/** The first bytes of one entry's, as a larger commit's record carries them. */
interface HeadPiece {
  length: number;
  sha1: string;
}

/**
 * Encodes entries as one JSON line followed by its sha1, so a torn journal is
 * recognizable; then, when given, each entry's bytes (checked against its sha1 on decode):
 * all of them up to INLINE_MAX in all (`inline`), else each one's first HEAD_MAX (`heads`,
 * which a TaskStore that does not know them ignores: it reads the record without bytes).
 */
export function encodeJournal(entries: JournalEntry[], bytes?: Buffer[]): Buffer {
  let body: string;
  let pieces: Buffer[] = [];
  if (bytes === undefined) {
    body = JSON.stringify({ v: 1, entries });
  } else if (bytes.reduce((n, b) => n + b.length, 0) <= INLINE_MAX) {
    body = JSON.stringify({ v: 1, entries, inline: true });
    pieces = bytes;
  } else {
    pieces = bytes.map((b) => b.subarray(0, HEAD_MAX));
    const heads: HeadPiece[] = pieces.map((p) => ({ length: p.length, sha1: hashBytes(p) }));
    body = JSON.stringify({ v: 1, entries, heads });
  }
  const sum = createHash('sha1').update(body).digest('hex');
  return Buffer.concat([Buffer.from(`${body}\n${sum}\n`), ...pieces]);
}

export function decodeJournal(data: Buffer): DecodedJournal {
  // Emptied (see end()); anything after the first two lines is an earlier, longer record's rest.
  if (data.length === 0 || data[0] === NEWLINE) return { kind: 'empty' };
  const text = data.toString('utf8');
  const lines = text.split('\n');
  const [body, sum] = lines;
  if (body === undefined || sum === undefined || createHash('sha1').update(body).digest('hex') !== sum) {
    return { kind: 'incomplete' };
  }
  let parsed: { entries?: unknown; inline?: unknown; heads?: unknown };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    return { kind: 'incomplete' };
  }
  // Only entries TaskStore could have written: a journal git checked out (local state,
  // but a branch can commit it) naming `../victim` would otherwise have that file cut.
  if (!Array.isArray(parsed.entries) || !parsed.entries.every(isJournalEntry)) return { kind: 'incomplete' };
  const entries = parsed.entries;
  let pieces: HeadPiece[];
  if (parsed.inline === true) {
    pieces = entries;
  } else if (Array.isArray(parsed.heads) && parsed.heads.length === entries.length && parsed.heads.every((h, i) => isHeadPiece(h, entries[i]!))) {
    pieces = parsed.heads;
  } else {
    return { kind: 'entries', entries };
  }
  // The bytes follow the checksum line; a record whose bytes are not all there was cut
  // short while written, before any log was touched.
  let at = Buffer.byteLength(body) + 1 + sum.length + 1;
  const bytes: Buffer[] = [];
  for (const { length, sha1 } of pieces) {
    const piece = data.subarray(at, at + length);
    if (piece.length !== length || hashBytes(piece) !== sha1) return { kind: 'incomplete' };
    bytes.push(piece);
    at += length;
  }
  return { kind: 'entries', entries, bytes };
}

/** The first bytes of `entry`'s, no more than it appends. */
function isHeadPiece(value: unknown, entry: JournalEntry): value is HeadPiece {
  if (typeof value !== 'object' || value === null) return false;
  const h = value as Record<string, unknown>;
  return Number.isSafeInteger(h.length) && (h.length as number) >= 0 && (h.length as number) <= entry.length && typeof h.sha1 === 'string';
}

/** A journal entry naming one of the store's logs (a plain `<collection>.jsonl`, no path) with whole-number offsets. */
function isJournalEntry(value: unknown): value is JournalEntry {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Record<string, unknown>;
  return (
    typeof e.file === 'string' &&
    collectionOfLogFile(e.file) !== undefined &&
    Number.isSafeInteger(e.offset) &&
    (e.offset as number) >= 0 &&
    Number.isSafeInteger(e.length) &&
    (e.length as number) >= 0 &&
    typeof e.sha1 === 'string' &&
    typeof e.prefix === 'string'
  );
}

interface RecoveryOutcome {
  action: 'none' | 'kept' | 'rolled-back' | 'discarded-stale';
  files: string[];
}

export class Journal {
  private fd: number;
  /** The inode `fd` has open: the path may come to name another file (see {@link recover}). */
  private ino: bigint;
  private readonly path: string;
  private readonly probe = Buffer.alloc(1);

  constructor(
    private readonly dir: string,
    private readonly durability: Durability,
  ) {
    this.path = join(dir, JOURNAL_FILE);
    this.fd = this.open();
    this.ino = fstatSync(this.fd, { bigint: true }).ino;
  }

  private open(): number {
    const created = !existsSync(this.path);
    // Never through a symbolic link: writing the journal would overwrite the file it names.
    // Never emptied either: another process that also found it missing may have created
    // it and recorded a commit since.
    const fd = openLogFile(this.path, OPEN_OR_CREATE_NO_FOLLOW, "the store's files");
    if (created) this.durability.syncDir(this.dir);
    return fd;
  }

  /**
   * Opens the file the path names now if it is not the one open: the journal is
   * git-ignored local state that `git clean -fdX` deletes under a process that keeps the
   * store open. Its records would go on into the deleted file, where no other process
   * looks: a transaction it was killed in the middle of was left half applied.
   */
  private reopenIfReplaced(): void {
    if (statSync(this.path, { bigint: true, throwIfNoEntry: false })?.ino === this.ino) return;
    const fd = this.open();
    closeSync(this.fd);
    this.fd = fd;
    this.ino = fstatSync(fd, { bigint: true }).ino;
  }

  /**
   * Records a commit about to happen (`bytes`: what it appends to each entry's log); with
   * `flush` (the default), returns once it is on disk, else once other processes can read it.
   */
  begin(entries: JournalEntry[], { flush = true, bytes }: { flush?: boolean; bytes?: Buffer[] } = {}): void {
    const data = encodeJournal(entries, bytes);
    try {
      writeAll(this.fd, data, 0);
      if (flush) this.durability.syncData(this.fd);
    } catch (err) {
      throw ioError('write the transaction journal', this.path, err);
    }
  }

  /**
   * Marks the commit finished. Not flushed on purpose: if the emptying is lost in a crash,
   * recovery finds every log complete and keeps the transaction, which is the right answer.
   */
  end(): void {
    writeAll(this.fd, EMPTIED, 0);
  }

  /** True when no commit is recorded: the file is empty or starts with a newline. */
  isEmpty(): boolean {
    return readSync(this.fd, this.probe, 0, 1, 0) === 0 || this.probe[0] === NEWLINE;
  }

  /**
   * Finishes or undoes an interrupted commit. Call with the write lock held, before
   * reading any log, and before {@link begin}: it makes sure the file open is the one at
   * the journal's path.
   */
  recover(onWarning: (message: string) => void): RecoveryOutcome {
    this.reopenIfReplaced();
    if (this.isEmpty()) return { action: 'none', files: [] };
    const decoded = decodeJournal(readRange(this.fd, 0, fstatSync(this.fd).size));
    if (decoded.kind !== 'entries') {
      this.end();
      return { action: 'none', files: [] };
    }
    const logs = decoded.entries.map((entry) => ({ entry, path: join(this.dir, entry.file) }));
    const facts = logs.map(({ entry, path }, i) => inspectLog(path, entry, decoded.bytes?.[i]));
    if (facts.some((f) => f === 'replaced')) {
      // A log was rewritten since (git checkout, pull, restore): its offset no longer means
      // anything. A log still as the commit found it holds the commit's bytes all the same:
      // a partial one is cut back (its torn line would otherwise be taken for another program's).
      logs.forEach(({ entry, path }, i) => facts[i] === 'partial' && rollBack(path, entry, this.durability));
      onWarning(`discarded an interrupted transaction journal: ${logs.filter((_, i) => facts[i] === 'replaced').map((l) => l.entry.file).join(', ')} changed since`);
      this.end();
      return { action: 'discarded-stale', files: logs.map((l) => l.entry.file) };
    }
    if (facts.every((f) => f === 'complete')) {
      this.end();
      return { action: 'kept', files: logs.map((l) => l.entry.file) };
    }
    const cut = logs.filter(({ entry, path }) => rollBack(path, entry, this.durability));
    // A writer killed before its first byte reached a log left nothing behind to speak of.
    if (cut.length > 0) {
      const only = logs.length === 1 ? logs[0]!.entry.file : undefined;
      onWarning(
        only !== undefined
          ? `${only} ended with an incomplete write (a TaskStore writer interrupted by a crash); its bytes were moved to ${only}.torn`
          : `rolled back a transaction interrupted by a crash in ${logs.map((l) => l.entry.file).join(', ')}; its partial lines were moved to *.jsonl.torn`,
      );
    }
    this.end();
    return { action: 'rolled-back', files: logs.map((l) => l.entry.file) };
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * What became of one log of the commit: 'complete' (all of its bytes are there),
 * 'partial' (the log ends inside them: the dead writer's), or 'replaced' (rewritten by
 * another program since: what follows the offset is not, or not only, the writer's).
 * `bytes`, when the record holds them (all, or the first HEAD_MAX), tell a start of them
 * from anything else.
 */
function inspectLog(path: string, entry: JournalEntry, bytes: Buffer | undefined): 'complete' | 'partial' | 'replaced' {
  if (!existsSync(path)) return entry.offset === 0 ? 'partial' : 'replaced';
  const fd = openLogFile(path, READ_NO_FOLLOW);
  try {
    const size = fstatSync(fd).size;
    if (size < entry.offset || fingerprintPrefix(fd, entry.offset) !== entry.prefix) return 'replaced';
    const end = entry.offset + entry.length;
    if (size >= end) return hashBytes(readRange(fd, entry.offset, entry.length)) === entry.sha1 ? 'complete' : 'replaced';
    if (bytes === undefined) return 'partial';
    const known = Math.min(size - entry.offset, bytes.length);
    return readRange(fd, entry.offset, known).equals(bytes.subarray(0, known)) ? 'partial' : 'replaced';
  } finally {
    closeSync(fd);
  }
}

/**
 * Cuts a log back to where the interrupted commit began, keeping the cut bytes in
 * `<log>.torn`. Returns whether there was anything to cut.
 */
function rollBack(path: string, entry: JournalEntry, durability: Durability): boolean {
  if (!existsSync(path)) return false;
  const fd = openLogFile(path, READ_WRITE_NO_FOLLOW);
  try {
    const size = fstatSync(fd).size;
    if (size <= entry.offset) return false;
    moveTornBytesAside(fd, path, entry.offset, readRange(fd, entry.offset, size - entry.offset), durability);
    return true;
  } finally {
    closeSync(fd);
  }
}
