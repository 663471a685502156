/**
 * The two small files `git-sync` keeps in the work tree's private git dir: a lock, so two
 * syncs of one work tree take turns, and the time of the last successful sync.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { GitSyncError } from '../../errors.js';
import { ownerGone, takeOver, tryCreateLock, type Watched } from '../../fs/pid-lock.js';
import { readTextIfExists, writeFileAtomic } from '../file-io.js';
import { MAX_DATE_MS } from '../../shared/time.js';

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
    // A time a Date can show (the file is ours, but a hand edit or a bad clock can leave 1e400 or -1e20 there).
    return Number.isSafeInteger(value.at) && value.at! >= 0 && value.at! <= MAX_DATE_MS && typeof value.remote === 'string' && typeof value.branch === 'string' && typeof value.head === 'string'
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
    if (tryCreateLock(path)) return () => rmSync(path, { force: true });
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
