/** Writers pause while git holds index.lock in the store's work tree (issue 9 item 2). */
import { mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine as Store } from '../../src/store/engine.js';
import { findGitDir, gitBusy, gitDirToWatch, RECENT_START_MS } from '../../src/store/git-activity.js';
import { GitRepo } from '../helpers/git-repo.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';

/** A repository with a worktree inside its git directory, as `taskstore init --branch` makes, and a store dir there. */
function storeBranchWorktree(): { workTree: string; gitDir: string; storeDir: string } {
  const repo = GitRepo.init();
  repo.commitAll('first');
  const workTree = join(repo.dir, '.git', 'taskstore', 'ts');
  repo.git('worktree', 'add', '-q', '--detach', workTree);
  return { workTree, gitDir: join(repo.dir, '.git', 'worktrees', 'ts'), storeDir: join(workTree, '.taskstore') };
}

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
    // Under the git directory but no store-branch worktree there: nothing to watch (not the repository's own git dir).
    expect(gitDirToWatch(join(repo.dir, '.git', 'taskstore', 'main', '.taskstore'))).toBeUndefined();
    expect(gitDirToWatch(join(repo.dir, '.taskstore'))).toEqual({ gitDir: join(repo.dir, '.git'), storeBranch: false });
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

  it('a write also waits briefly after git starts a merge, reset or stash (a fresh ORIG_HEAD or refs/stash); a catch-up does not', () => {
    const repo = GitRepo.init();
    const store = Store.open(join(repo.dir, '.taskstore'), { durability: 'none', logger: quietLogger() });
    const notes = store.collection({ name: 'notes' });
    notes.create({ id: 'a' });
    const gitDir = join(repo.dir, '.git');
    writeFileSync(join(gitDir, 'ORIG_HEAD'), '0'.repeat(40) + '\n');
    expect(gitBusy(gitDir)).toBe(true);
    let started = Date.now();
    expect(store.refresh()).toBe(0);
    writeFileSync(join(repo.dir, '.taskstore', 'notes.jsonl'), '{"id":"x","updated_at":1}\n', { flag: 'a' });
    expect(store.refresh()).toBe(1);
    expect(Date.now() - started).toBeLessThan(RECENT_START_MS);
    writeFileSync(join(gitDir, 'ORIG_HEAD'), '1'.repeat(40) + '\n'); // git starts another merge
    started = Date.now();
    notes.create({ id: 'b' });
    // It waited until ORIG_HEAD was RECENT_START_MS old (the margin covers coarse file times).
    expect(Date.now() - started).toBeGreaterThanOrEqual(RECENT_START_MS - 500);
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(gitDir, 'ORIG_HEAD'), old, old);
    expect(gitBusy(gitDir)).toBe(false);
    store.close();
  });

  it('on a store branch, a write holding the lock waits for a git that outlived a killed git-sync, and appends to the log that git wrote', async () => {
    // git-sync holds the store's lock while its `git merge` runs; SIGKILL frees the lock
    // but not the merge, whose checkout then replaced the logs: a write acknowledged in
    // between was gone (found in the soak test of two clones with git-sync killed mid-merge).
    const { workTree, gitDir, storeDir } = storeBranchWorktree();
    expect(gitDirToWatch(storeDir)).toEqual({ gitDir, storeBranch: true, workTree });
    const store = Store.open(storeDir, { durability: 'none', logger: quietLogger() });
    const notes = store.collection({ name: 'notes' });
    notes.create({ id: 'a' });
    // git-sync's own merges write ORIG_HEAD in the worktree's git dir: no pause for that.
    writeFileSync(join(gitDir, 'ORIG_HEAD'), '0'.repeat(40) + '\n');
    expect(gitBusy(gitDir, false)).toBe(false);
    let started = Date.now();
    notes.create({ id: 'b' });
    expect(Date.now() - started).toBeLessThan(RECENT_START_MS);
    // The orphaned merge: it holds index.lock, read the log before, and writes it back merged
    // (its own version plus the other clone's line, by rename as git does), then exits.
    const log = join(storeDir, 'notes.jsonl');
    const lock = join(gitDir, 'index.lock');
    writeFileSync(lock, '');
    const merged = readFileSync(log, 'utf8') + '{"id":"theirs","updated_at":5}\n';
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [
      '-e',
      `const fs = require('fs'); setTimeout(() => { fs.writeFileSync(${JSON.stringify(log + '.tmp')}, ${JSON.stringify(merged)}); fs.renameSync(${JSON.stringify(log + '.tmp')}, ${JSON.stringify(log)}); fs.rmSync(${JSON.stringify(lock)}); }, 300)`,
    ]);
    started = Date.now();
    notes.create({ id: 'c' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await new Promise((r) => child.on('exit', r));
    expect(store.refresh()).toBeGreaterThanOrEqual(0);
    expect(
      notes
        .list()
        .map((r) => r.id)
        .sort(),
    ).toEqual(['a', 'b', 'c', 'theirs']);
    expect(readFileSync(log, 'utf8')).toContain('"id":"c"');
    store.close();
  });

  it.runIf(process.platform === 'linux')('on a store branch, a write waits for an orphaned git whose index.lock is older than any fresh lock (a long merge), and refuses rather than append under it', async () => {
    // The dead git-sync's `git merge` takes index.lock when it starts and writes nothing to
    // it until its merge driver is done, which on big logs takes longer than a lock is
    // "fresh": judged by its age alone, the write went ahead, and the merge's checkout
    // then replaced the log it had appended to (the record was left in .rescued only).
    const { workTree, gitDir, storeDir } = storeBranchWorktree();
    const store = Store.open(storeDir, { durability: 'none', logger: quietLogger() });
    const notes = store.collection({ name: 'notes' });
    notes.create({ id: 'a' });
    const log = join(storeDir, 'notes.jsonl');
    const lock = join(gitDir, 'index.lock');
    // The orphan: a live git working in the worktree, its index.lock taken 30 s ago.
    const { spawn } = await import('node:child_process');
    const orphan = spawn('git', ['hash-object', '--stdin'], { cwd: workTree, stdio: ['pipe', 'ignore', 'ignore'] });
    // The merge read the log when it started, and writes it back merged (by rename, as git does).
    const merged = readFileSync(log, 'utf8') + '{"id":"theirs","updated_at":5}\n';
    const replacer = (delayMs: number) =>
      spawn(process.execPath, [
        '-e',
        `const fs = require('fs'); setTimeout(() => { fs.writeFileSync(${JSON.stringify(log + '.tmp')}, ${JSON.stringify(merged)}); fs.renameSync(${JSON.stringify(log + '.tmp')}, ${JSON.stringify(log)}); fs.rmSync(${JSON.stringify(lock)}); }, ${delayMs})`,
      ]);
    try {
      await new Promise((r) => orphan.once('spawn', r));
      writeFileSync(lock, '');
      const old = new Date(Date.now() - 30_000);
      utimesSync(lock, old, old);
      utimesSync(gitDir, old, old);
      // Its merge is done in 300 ms: the write waits, then appends to the log it wrote.
      const child = replacer(300);
      notes.create({ id: 'c' });
      await new Promise((r) => child.on('exit', r));
      store.refresh();
      expect(notes.list().map((r) => r.id).sort()).toEqual(['a', 'c', 'theirs']);
      expect(readFileSync(log, 'utf8')).toContain('"id":"c"');
      // A merge that goes on past the wait: the write is refused, nothing written.
      writeFileSync(lock, '');
      utimesSync(lock, old, old);
      utimesSync(gitDir, old, old);
      const before = readFileSync(log, 'utf8');
      expect(() => notes.create({ id: 'd' })).toThrow(/git \(pid \d+[ )].*still works in .*nothing was written/);
      expect(readFileSync(log, 'utf8')).toBe(before);
      rmSync(lock);
      notes.create({ id: 'd' });
      expect(notes.get('d')).toBeDefined();
    } finally {
      orphan.stdin!.destroy();
      orphan.kill('SIGKILL');
      store.close();
    }
  });
});
