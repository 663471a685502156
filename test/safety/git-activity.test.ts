/** Writers pause while git holds index.lock in the store's work tree (issue 9 item 2). */
import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CoreStore as Store } from '../../src/index.js';
import { findGitDir, gitBusy } from '../../src/store/git-activity.js';
import { GitRepo } from '../helpers/git-repo.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';

describe('git activity', () => {
  it('finds the git dir of a work tree and of a linked worktree, and none outside git', () => {
    const repo = GitRepo.init();
    repo.commitAll('first');
    mkdirSync(join(repo.dir, 'a', 'b'), { recursive: true });
    expect(findGitDir(join(repo.dir, 'a', 'b'))).toBe(join(repo.dir, '.git'));
    const linked = join(tempDir(), 'wt');
    repo.git('worktree', 'add', '-q', linked);
    expect(findGitDir(linked)).toBe(join(repo.dir, '.git', 'worktrees', 'wt'));
    expect(findGitDir(tempDir())).toBeUndefined();
  });

  it('a write waits while a fresh index.lock exists and goes ahead once it is gone; a stale lock is ignored', async () => {
    const repo = GitRepo.init();
    const store = Store.open(join(repo.dir, '.taskstore'), { durability: 'none', logger: quietLogger() });
    const notes = store.collection({ name: 'notes' });
    const lock = join(repo.dir, '.git', 'index.lock');
    writeFileSync(lock, '');
    expect(gitBusy(join(repo.dir, '.git'))).toBe(true);
    // Another process removes the lock after a moment (a real child, so our blocked write cannot stop it).
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['-e', `setTimeout(() => require('fs').rmSync(${JSON.stringify(lock)}), 300)`]);
    const started = Date.now();
    notes.create({ id: 'a' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await new Promise((r) => child.on('exit', r));
    writeFileSync(lock, '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    expect(gitBusy(join(repo.dir, '.git'))).toBe(false);
    notes.create({ id: 'b' });
    rmSync(lock);
    expect(notes.count()).toBe(2);
    store.close();
  });
});
