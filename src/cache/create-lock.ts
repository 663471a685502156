/**
 * One process at a time creates the cache database. A cache deleted while processes use
 * it (`rm`, `git clean -fdX`) is recreated by the first of them to write again, and
 * often by several at once. Each one found the file gone, set aside the deleted
 * database's `-wal` and `-shm` (see cache-db.ts), and opened the path, which created it.
 * Without an order between them, a second process could remove the database, WAL and
 * WAL index that a first one had just created and was writing through: for the length of
 * that write two processes held a write lock, each on its own file, and a claim could go
 * to both.
 *
 * The lock is a file created exclusively next to the database (`taskstore.db-create.lock`,
 * git-ignored with every `*.lock`) holding the creator's pid, removed when the database
 * is open. A process that finds it waits; the file of a creator that died (its pid is
 * gone, or it is older than STALE_MS, which no creation takes) is removed.
 *
 * Removing an abandoned lock is itself a race: two waiters that both judged it abandoned
 * would each remove "it", and the second would remove the lock the first had just made
 * (both then create, side by side). So a file is identified by its inode and its mtime in
 * nanoseconds (an inode number is reused at once by the next file), and removed only by a
 * process that holds a second exclusive file, `…-create.lock.takeover`, and finds the same
 * file still there. That guard is held for a stat and an unlink; one left by a process
 * killed in that moment is removed after STALE_MS.
 */
import { closeSync, fstatSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { LockedError } from '../errors.js';
import { sleepSync } from '../fs/sleep.js';

export const CREATE_LOCK_SUFFIX = '-create.lock';
const TAKEOVER_SUFFIX = '.takeover';
/** Creating and opening a database takes milliseconds: a lock this old was left by a crash. */
const STALE_MS = 10_000;
const POLL_MS = 5;

/**
 * Runs `create` holding the creation lock of the database at `path`, waiting for another
 * creator at most `timeoutMs` (then LOCKED). Where no lock file can be made (a read-only
 * store), `create` runs without it: it cannot create a database there either.
 */
export function withCreateLock<T>(path: string, timeoutMs: number, create: () => T): T {
  const lock = path + CREATE_LOCK_SUFFIX;
  // Monotonic: a wall clock set back while waiting must not stretch the wait.
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    let fd: number;
    try {
      // O_CREAT | O_EXCL: exactly one process creates it (and a link at the path is never followed).
      fd = openSync(lock, 'wx', 0o644);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM') return create();
      if (code !== 'EEXIST') throw err;
      const left = abandoned(lock);
      if (left) {
        removeAbandoned(lock, left);
        continue;
      }
      if (performance.now() >= deadline) {
        throw new LockedError(`timed out waiting for another process to create the store cache (${lock} exists)`, {
          hint: 'another process is recreating the cache; retry, or remove that file if no TaskStore process runs',
        });
      }
      sleepSync(POLL_MS);
      continue;
    }
    let own: FileIdentity;
    try {
      writeSync(fd, `${process.pid}\n`);
      own = identity(fstatSync(fd, { bigint: true }));
    } finally {
      closeSync(fd);
    }
    try {
      return create();
    } finally {
      // Only our own file: one taken over while this process was stopped (SIGSTOP, a
      // suspended laptop) past STALE_MS is another creator's now.
      removeIfSame(lock, own);
    }
  }
}

/** Which file a path named: an inode number alone is reused by the next file created. */
export interface FileIdentity {
  ino: bigint;
  mtimeNs: bigint;
}

function identity(stats: { ino: bigint; mtimeNs: bigint }): FileIdentity {
  return { ino: stats.ino, mtimeNs: stats.mtimeNs };
}

function sameFile(path: string, file: FileIdentity): boolean {
  const now = statSync(path, { bigint: true, throwIfNoEntry: false });
  return now !== undefined && now.ino === file.ino && now.mtimeNs === file.mtimeNs;
}

function removeIfSame(path: string, file: FileIdentity): void {
  if (sameFile(path, file)) rmSync(path, { force: true });
}

/**
 * The file at `path` when it was left by a creator that is gone (its identity, to remove
 * exactly that file), or undefined.
 */
export function abandoned(path: string): FileIdentity | undefined {
  let text: string;
  let file: FileIdentity;
  let mtimeMs: number;
  try {
    const stats = statSync(path, { bigint: true });
    file = identity(stats);
    mtimeMs = Number(stats.mtimeMs);
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined; // removed meanwhile: the next exclusive create tells
  }
  // A time in the future (the clock was set back) tells nothing: the pid decides then.
  if (Date.now() - mtimeMs > STALE_MS) return file;
  const pid = Number(text.trim());
  // Empty: its creator has not written its pid yet (or died right after creating it).
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  return processAlive(pid) ? undefined : file;
}

/**
 * Removes the abandoned lock `file` at `lock` if it is still there, holding the takeover
 * guard. A waiter that cannot take the guard does nothing: the one that holds it is
 * removing the same file, and the caller's next exclusive create tells what happened.
 */
export function removeAbandoned(lock: string, file: FileIdentity): void {
  const guard = lock + TAKEOVER_SUFFIX;
  let fd: number;
  try {
    fd = openSync(guard, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const stats = statSync(guard, { throwIfNoEntry: false });
    if (stats !== undefined && Date.now() - stats.mtimeMs > STALE_MS) rmSync(guard, { force: true });
    return;
  }
  closeSync(fd);
  try {
    removeIfSame(lock, file);
  } finally {
    rmSync(guard, { force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, as another user's process.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
