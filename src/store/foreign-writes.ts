/**
 * Logs that another program (git checkout / stash / merge, an editor, a sync tool) is
 * still writing. Such a program writes at its own file offset: if the store cut its
 * incomplete last line away (as if torn by a crash), or appended a line after it, the
 * program's next bytes would land on top — NUL bytes where the store truncated, or the
 * store's just-acknowledged line overwritten.
 *
 * The rule: only bytes a TaskStore writer left may be judged torn. TaskStore appends in
 * place, under the write lock, at the offset the cache recorded; so an incomplete tail
 * that starts exactly at that offset, in the same file (inode and prefix fingerprint),
 * was left by a TaskStore writer that died (we hold the lock: none is running). Any
 * other incomplete tail — or a log that was non-empty and is now empty — belongs to
 * someone else: the store waits (bounded) until it is complete or has been quiet for a
 * while, and meanwhile consumes complete lines only. A quiet foreign tail is never cut:
 * it is finished with a newline (a record without its `\n`) or kept as a malformed line.
 *
 * Pure decisions plus a small bounded wait; the caller holds the write lock.
 */
import { fstatSync, statSync } from 'node:fs';
import { readRange } from '../jsonl/log-io.js';
import { sleepSync } from '../fs/sleep.js';

/** A foreign incomplete tail unchanged for this long is taken as finished (the writer stopped or died). */
export const QUIET_MS = 2000;
/** How long one catch-up waits at most for another program to finish writing a log. */
const SETTLE_MAX_MS = 10_000;
const POLL_MS = 25;

const NEWLINE = 0x0a;

interface KnownEnd {
  /** The log is the file the cache consumed (same inode, same prefix). */
  sameFile: boolean;
  /** Bytes the cache consumed (the end of the last line a TaskStore writer finished). */
  offset: number;
}

/**
 * True when the bytes after `known.offset` are one incomplete line in the same file:
 * what a TaskStore writer that died mid-append leaves.
 */
function tailLeftByTaskStore(fd: number, size: number, known: KnownEnd | undefined): boolean {
  if (known === undefined || !known.sameFile || size <= known.offset) return false;
  return !readRange(fd, known.offset, size - known.offset).includes(NEWLINE);
}

/** Milliseconds since the file last changed (negative mtimes from a clock jump count as "just now"). */
export function quietForMs(fd: number): number {
  return Math.max(0, Date.now() - fstatSync(fd).mtimeMs);
}

/**
 * Waits (at most SETTLE_MAX_MS) while the log looks like another program is in the
 * middle of writing it. Returns 'replaced' when the path now names another file (the
 * caller reopens), 'quiet' when a foreign tail was seen quiet for QUIET_MS, else 'ready'.
 *
 * Quiet is judged by the file's time on the wall clock, or by watching it: unchanged
 * (size and time) for QUIET_MS on the monotonic clock. A file time in the future (the
 * clock set back since the other program wrote) made a tail look busy for ever: the wait
 * ran to its bound, only complete lines were read, and the next catch-up took the tail,
 * which now started where the cache stopped reading, for a dead TaskStore writer's and
 * cut it from the log into `.torn`.
 */
export function waitForForeignWriter(fd: number, path: string, ino: string, known: KnownEnd | undefined, previousOffset: number): 'quiet' | 'ready' | 'replaced' {
  // The bound is timed on the monotonic clock (a wall clock set back would stretch it).
  const started = performance.now();
  let watched: { file: string; since: number } | undefined;
  for (;;) {
    const st = fstatSync(fd);
    const size = st.size;
    const busy = size === 0 ? previousOffset > 0 : !endsWithNewline(fd, size) && !tailLeftByTaskStore(fd, size, known);
    if (!busy) return 'ready';
    const file = `${size}:${st.mtimeMs}`;
    if (watched?.file !== file) watched = { file, since: performance.now() };
    if (quietForMs(fd) >= QUIET_MS || performance.now() - watched.since >= QUIET_MS) return 'quiet';
    if (performance.now() - started >= SETTLE_MAX_MS) return 'ready';
    sleepSync(POLL_MS);
    const now = statSync(path, { bigint: true, throwIfNoEntry: false });
    if (now === undefined || String(now.ino) !== ino) return 'replaced';
  }
}

function endsWithNewline(fd: number, size: number): boolean {
  return readRange(fd, size - 1, 1)[0] === NEWLINE;
}
