/**
 * The git-sync lock (`<git dir>/taskstore-sync.lock`) left behind by a crash: real files,
 * real pids. A lock whose owner cannot be running any more is taken over at once.
 */
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireSyncLock } from '../../../src/git/sync/sync-files.js';
import { GitSyncError } from '../../../src/index.js';
import { tempDir } from '../../helpers/temp.js';

const lockOf = (dir: string): string => join(dir, 'taskstore-sync.lock');

describe('git-sync lock after a crash', () => {
  it('a lock written before the machine last booted is stale even when its pid now belongs to a running process (pids restart at boot)', async () => {
    const gitDir = tempDir('taskstore-lock-');
    // A crash mid-sync, then a reboot: the pid in the lock is reused by some live process (here: this one).
    writeFileSync(lockOf(gitDir), `${process.pid}\n00000000-0000-0000-0000-000000000000\n`);
    const release = await acquireSyncLock(gitDir, 1_000);
    expect(readFileSync(lockOf(gitDir), 'utf8').split('\n')[0]).toBe(String(process.pid));
    release();
  });

  it('an empty lock long untouched (the owner died between creating it and writing its pid; a power cut) is taken over', async () => {
    const gitDir = tempDir('taskstore-lock-');
    writeFileSync(lockOf(gitDir), '');
    const longAgo = new Date(Date.now() - 10 * 60_000);
    utimesSync(lockOf(gitDir), longAgo, longAgo);
    const release = await acquireSyncLock(gitDir, 1_000);
    release();
  });

  it('a lock held by a running process of this boot is still respected', async () => {
    const gitDir = tempDir('taskstore-lock-');
    const release = await acquireSyncLock(gitDir, 1_000);
    await expect(acquireSyncLock(gitDir, 200)).rejects.toBeInstanceOf(GitSyncError);
    release();
    (await acquireSyncLock(gitDir, 200))();
  });
});
