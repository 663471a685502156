/**
 * Lock files owned by a process: created with O_EXCL, holding the owner's pid and boot id,
 * removed by the owner when done. A lock whose process is gone (or that was taken before
 * the machine last booted) is taken over by the next process that waits for it, so a
 * killed owner never blocks the next run for good. git-sync's lock and the git setup
 * lock (install/uninstall of the git integration, `init --branch`) are both such files.
 */
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { ioError } from '../errors.js';
import { sleepSync } from './sleep.js';

/**
 * This boot of the machine (Linux; undefined elsewhere). Pids start again at every boot, so
 * after a crash and a reboot the pid in a lock may belong to some unrelated live process:
 * a lock that names another boot is stale whatever its pid.
 */
const BOOT_ID = ((): string | undefined => {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
})();

/** A lock file without a pid this old was never finished: its owner died while creating it. */
const UNFINISHED_LOCK_MS = 10_000;

/** Each file looked at while waiting: its identity (inode, size, time) and since when (monotonic ms) it has been seen so. */
export type Watched = Map<string, { file: string; since: number }>;

/** Creates the lock at `path` for this process; false when it exists (someone holds it). */
export function tryCreateLock(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw ioError('create', path, err);
  }
  try {
    writeSync(fd, `${process.pid}\n${BOOT_ID ?? ''}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * True when `path` has been left alone for `ms`: its file time is that old on the wall
 * clock, or this process has seen it unchanged that long (monotonic clock). A file time
 * in the future (the clock set back since) says nothing about its age: by the wall clock
 * alone such a lock was never stale, and every git-sync failed with sync_locked until
 * the clock caught up.
 */
function untouchedFor(path: string, ms: number, watched: Watched): boolean {
  const st = statSync(path, { throwIfNoEntry: false });
  if (st === undefined) return false;
  const file = `${st.ino}:${st.size}:${st.mtimeMs}`;
  let seen = watched.get(path);
  if (seen?.file !== file) watched.set(path, (seen = { file, since: performance.now() }));
  return Date.now() - st.mtimeMs > ms || performance.now() - seen.since > ms;
}

/** True when the process that holds the lock at `path` is gone. */
export function ownerGone(path: string, watched: Watched): boolean {
  let pid: number;
  let bootId: string | undefined;
  try {
    // "<pid>\n<boot id>\n"; locks of older versions hold the pid alone.
    const [pidText = '', boot = ''] = readFileSync(path, 'utf8').split('\n');
    pid = Number(pidText.trim());
    bootId = boot.trim() || undefined;
  } catch {
    return false; // just released, or being written: look again
  }
  // No pid: the owner is between creating the file and writing it (microseconds), or it
  // died right there (a crash or power cut can leave the file empty): wait that long at most.
  if (!Number.isSafeInteger(pid) || pid <= 0) return untouchedFor(path, UNFINISHED_LOCK_MS, watched);
  if (bootId !== undefined && BOOT_ID !== undefined && bootId !== BOOT_ID) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Removes a lock whose owner is gone, unless another process is taking it over at this
 * moment. Two waiters that found the same dead lock must not both take it: the second
 * would remove the lock the first has just created, and both would run.
 * A takeover is therefore done holding `<lock>.takeover` (O_EXCL), and the owner is
 * checked again under it. True when the dead lock was removed.
 */
export function takeOver(path: string, watched: Watched): boolean {
  const guard = `${path}.takeover`;
  try {
    closeSync(openSync(guard, 'wx', 0o644));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError('create', guard, err);
    // A taker that died in these few microseconds left its guard: stale after a while.
    if (untouchedFor(guard, UNFINISHED_LOCK_MS, watched)) rmSync(guard, { force: true });
    return false;
  }
  try {
    if (!ownerGone(path, watched)) return false; // someone else took it over meanwhile, and runs
    rmSync(path, { force: true });
    return true;
  } finally {
    rmSync(guard, { force: true });
  }
}

/** The locks this process holds, by path, with how many nested calls hold each. */
const held = new Map<string, number>();

/**
 * Runs `body` holding the lock at `path`, blocking (the callers are synchronous) until it
 * is free, up to `timeoutMs`; then `onTimeout` makes the error to throw. Re-entrant within
 * a process: a nested call for the same path runs at once (install-hooks called by
 * git-sync's driver check, say).
 */
export function withLockSync<T>(path: string, timeoutMs: number, onTimeout: () => Error, body: () => T): T {
  const depth = held.get(path);
  if (depth !== undefined) {
    held.set(path, depth + 1);
    try {
      return body();
    } finally {
      held.set(path, depth);
    }
  }
  const deadline = performance.now() + timeoutMs;
  const watched: Watched = new Map();
  for (let wait = 5; !tryCreateLock(path); wait = Math.min(wait * 2, 100)) {
    if (ownerGone(path, watched) && takeOver(path, watched)) continue;
    if (performance.now() > deadline) throw onTimeout();
    sleepSync(wait);
  }
  held.set(path, 1);
  try {
    return body();
  } finally {
    held.delete(path);
    rmSync(path, { force: true });
  }
}
