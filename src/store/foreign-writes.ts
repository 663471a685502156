/**
 * Logs that another program (git checkout / stash / merge, an editor, a sync tool, a
 * script appending records) is still writing. Such a program writes at its own file
 * offset: if the store cut its incomplete last line away (as if torn by a crash), or
 * appended a line after it, the program's next bytes would land on top — NUL bytes where
 * the store truncated, the rest of its line glued to the store's next one, or the
 * store's just-acknowledged line overwritten.
 *
 * The rule: only bytes a TaskStore writer left may be judged torn, and only on evidence.
 * Every TaskStore commit records in the write journal what it is about to append (offset,
 * length, hash) before appending; the next lock holder finds a dead writer's record there
 * and moves its partial bytes to `.torn` before any log is read (journal.ts). So every
 * incomplete tail a catch-up finds belongs to someone else — also one that starts
 * exactly where the cache stopped reading, which is where any program appending in
 * place starts. The store waits (bounded) until it is complete or has been quiet for a
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
 * ran to its bound, and only complete lines were read, at every catch-up.
 */
export function waitForForeignWriter(fd: number, path: string, ino: string, previousOffset: number): 'quiet' | 'ready' | 'replaced' {
  // The bound is timed on the monotonic clock (a wall clock set back would stretch it).
  const started = performance.now();
  let watched: { file: string; since: number } | undefined;
  for (;;) {
    const st = fstatSync(fd);
    const size = st.size;
    const busy = size === 0 ? previousOffset > 0 : !endsWithNewline(fd, size);
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
