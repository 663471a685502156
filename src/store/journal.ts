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
import { closeSync, existsSync, fstatSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { fingerprintPrefix, hashBytes, readRange } from '../jsonl/log-io.js';
import type { Durability } from '../fs/durability.js';
import { moveTornBytesAside } from '../fs/torn-bytes.js';
import { writeAll } from '../fs/write-all.js';
import { ioError } from '../errors.js';
import { CREATE_NO_FOLLOW, openLogFile, READ_NO_FOLLOW, READ_WRITE_NO_FOLLOW } from '../fs/open-log-file.js';
import { collectionOfLogFile } from '../jsonl/collection-name.js';

const JOURNAL_FILE = 'taskstore.journal';
const NEWLINE = 0x0a;
const EMPTIED = Buffer.from('\n');

export interface JournalEntry {
  /** Log file name inside the store directory. */
  file: string;
  offset: number;
  length: number;
  sha1: string;
  /** fingerprintPrefix(log, offset): tells whether the log was replaced since. */
  prefix: string;
}

type DecodedJournal = { kind: 'empty' } | { kind: 'incomplete' } | { kind: 'entries'; entries: JournalEntry[] };

/** Encodes entries as one JSON line followed by its sha1, so a torn journal is recognizable. */
export function encodeJournal(entries: JournalEntry[]): Buffer {
  const body = JSON.stringify({ v: 1, entries });
  const sum = createHash('sha1').update(body).digest('hex');
  return Buffer.from(`${body}\n${sum}\n`);
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
  try {
    const parsed = JSON.parse(body) as { entries?: unknown };
    // Only entries TaskStore could have written: a journal git checked out (local state,
    // but a branch can commit it) naming `../victim` would otherwise have that file cut.
    return Array.isArray(parsed.entries) && parsed.entries.every(isJournalEntry) ? { kind: 'entries', entries: parsed.entries } : { kind: 'incomplete' };
  } catch {
    return { kind: 'incomplete' };
  }
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
  private readonly fd: number;
  private readonly path: string;
  private readonly probe = Buffer.alloc(1);

  constructor(
    private readonly dir: string,
    private readonly durability: Durability,
  ) {
    this.path = join(dir, JOURNAL_FILE);
    const created = !existsSync(this.path);
    // Never through a symbolic link: writing the journal would overwrite the file it names.
    this.fd = openLogFile(this.path, created ? CREATE_NO_FOLLOW : READ_WRITE_NO_FOLLOW, "the store's files");
    if (created) durability.syncDir(dir);
  }

  /**
   * Records a commit about to happen; with `flush` (the default), returns once it is on
   * disk, else once other processes can read it.
   */
  begin(entries: JournalEntry[], { flush = true }: { flush?: boolean } = {}): void {
    const data = encodeJournal(entries);
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

  /** Finishes or undoes an interrupted commit. Call with the write lock held, before reading any log. */
  recover(onWarning: (message: string) => void): RecoveryOutcome {
    if (this.isEmpty()) return { action: 'none', files: [] };
    const decoded = decodeJournal(readRange(this.fd, 0, fstatSync(this.fd).size));
    if (decoded.kind !== 'entries') {
      this.end();
      return { action: 'none', files: [] };
    }
    const logs = decoded.entries.map((entry) => ({ entry, path: join(this.dir, entry.file) }));
    const facts = logs.map(({ entry, path }) => inspectLog(path, entry));
    if (facts.some((f) => f === 'replaced')) {
      // A log was rewritten since (git checkout, restore): its offset no longer means
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

function inspectLog(path: string, entry: JournalEntry): 'complete' | 'partial' | 'replaced' {
  if (!existsSync(path)) return entry.offset === 0 ? 'partial' : 'replaced';
  const fd = openLogFile(path, READ_NO_FOLLOW);
  try {
    const size = fstatSync(fd).size;
    if (size < entry.offset || fingerprintPrefix(fd, entry.offset) !== entry.prefix) return 'replaced';
    if (size >= entry.offset + entry.length && hashBytes(readRange(fd, entry.offset, entry.length)) === entry.sha1) {
      return 'complete';
    }
    return 'partial';
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
