/**
 * The two small files `git-sync` keeps in the work tree's private git dir: a lock, so two
 * syncs of one work tree take turns, and the time of the last successful sync.
 */
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { GitSyncError, ioError } from '../../errors.js';
import { readTextIfExists, writeFileAtomic } from '../file-io.js';

const LOCK_FILE = 'taskstore-sync.lock';
const LAST_SYNC_FILE = 'taskstore-last-sync.json';

/** What the last successful git-sync in this work tree did. */
interface LastSync {
  /** When it finished, Unix ms. */
  at: number;
  remote: string;
  branch: string;
  head: string;
}

export function readLastSync(gitDir: string): LastSync | undefined {
  const text = readTextIfExists(join(gitDir, LAST_SYNC_FILE));
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Partial<LastSync>;
    return typeof value.at === 'number' && typeof value.remote === 'string' && typeof value.branch === 'string' && typeof value.head === 'string'
      ? (value as LastSync)
      : undefined;
  } catch {
    return undefined; // unreadable: as if never synced
  }
}

export function writeLastSync(gitDir: string, value: LastSync): void {
  writeFileAtomic(join(gitDir, LAST_SYNC_FILE), `${JSON.stringify(value)}\n`, 0o644);
}

/**
 * Takes the sync lock of the work tree (`<git dir>/taskstore-sync.lock`, created with
 * O_EXCL, holding the owner's pid and boot), waiting up to `timeoutMs` for another sync to finish.
 * A lock whose process is gone (or that was taken before the machine last booted) is taken over, and
 * `onTakeOver` is told. Returns the release function.
 */
export async function acquireSyncLock(gitDir: string, timeoutMs: number, onTakeOver?: () => void): Promise<() => void> {
  const path = join(gitDir, LOCK_FILE);
  const deadline = performance.now() + timeoutMs; // monotonic: a wall clock set back would stretch the wait
  const watched: Watched = new Map();
  for (let wait = 20; ; wait = Math.min(wait * 2, 500)) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      try {
        writeSync(fd, `${process.pid}\n${BOOT_ID ?? ''}\n`);
      } finally {
        closeSync(fd);
      }
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError('create', path, err);
    }
    if (ownerGone(path, watched) && takeOver(path, watched)) {
      // The previous git-sync died part-way: the caller cleans up after it (interrupted-sync.ts).
      onTakeOver?.();
      continue;
    }
    if (performance.now() > deadline) {
      throw new GitSyncError(`another git-sync of this work tree is running (lock ${path})`, {
        data: { reason: 'sync_locked', lock: path },
        hint: 'wait for it to finish; if no git-sync is running, delete the lock file',
      });
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/**
 * Removes a lock whose owner is gone, unless another process is taking it over at this
 * moment. Two git-syncs that found the same dead lock must not both take it: the second
 * would remove the lock the first has just created, and both would run, the second
 * cleaning up "after a dead run" (removing git's locks) under the first one's live git.
 * A takeover is therefore done holding `<lock>.takeover` (O_EXCL), and the owner is
 * checked again under it. True when the dead lock was removed.
 */
function takeOver(path: string, watched: Watched): boolean {
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
type Watched = Map<string, { file: string; since: number }>;

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

function ownerGone(path: string, watched: Watched): boolean {
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
