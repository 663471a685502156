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
 */
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { LockedError } from '../errors.js';
import { sleepSync } from '../fs/sleep.js';

export const CREATE_LOCK_SUFFIX = '-create.lock';
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
      if (abandoned(lock)) {
        rmSync(lock, { force: true });
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
    try {
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
    try {
      return create();
    } finally {
      rmSync(lock, { force: true });
    }
  }
}

/** True when the lock at `path` was left by a creator that is gone. */
function abandoned(path: string): boolean {
  let text: string;
  let mtimeMs: number;
  try {
    mtimeMs = statSync(path).mtimeMs;
    text = readFileSync(path, 'utf8');
  } catch {
    return false; // removed meanwhile: the next exclusive create tells
  }
  // A time in the future (the clock was set back) tells nothing: the pid decides then.
  if (Date.now() - mtimeMs > STALE_MS) return true;
  const pid = Number(text.trim());
  // Empty: its creator has not written its pid yet (or died right after creating it).
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  return !processAlive(pid);
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
