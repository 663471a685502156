/**
 * A store branch's worktree with git's lock left behind by a git that was killed, and
 * git's automatic gc there: built CLI, real git, real killed processes.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GIT_ENV } from '../../helpers/git-repo.js';
import { waitFor } from '../../helpers/wait-for.js';
import { gitProcessesIn } from '../../../src/fs/git-processes.js';
import { branchClone, cli, cliJson, cliOk, join, makeRemote } from './helpers.js';

/** The store worktree (the store directory's parent) and its private git dir. */
function storeWorktree(storeDir: string): { workTree: string; lock: string } {
  const workTree = join(storeDir, '..');
  const gitDir = readFileSync(join(workTree, '.git'), 'utf8').replace(/^gitdir: /, '').trim();
  return { workTree, lock: join(gitDir, 'index.lock') };
}

/**
 * Makes `lock` appear in the clone for `holdMs` (as a git gc --auto of the user's own git
 * command in the main worktree takes a ref's lock while it packs refs or expires reflogs),
 * while git-sync is about to move the branch: created by one of git's own hooks the first
 * time git-sync's git runs it, removed by a process other than git. `post-index-change`
 * runs as git-sync builds its commit (moments before its update-ref); `reference-transaction`
 * once its fetch has updated the tracking ref (before git merge). Returns the file the
 * hook touches when it has run.
 */
function lockOnce(clone: { dir: string }, hookName: 'post-index-change' | 'reference-transaction', lock: string, holdMs: number): string {
  const ran = join(clone.dir, '.git', 'lock-hook-ran');
  const hook = join(clone.dir, '.git', 'hooks', hookName);
  writeFileSync(
    hook,
    [
      '#!/bin/sh',
      ...(hookName === 'reference-transaction' ? ['[ "$1" = committed ] || exit 0', 'grep -q " refs/remotes/origin/" || exit 0'] : []),
      `[ -e '${ran}' ] && exit 0`,
      `: > '${ran}'`,
      `: > '${lock}'`,
      `( sleep ${holdMs / 1000}; rm -f '${lock}' ) </dev/null >/dev/null 2>&1 &`,
      '',
    ].join('\n'),
  );
  chmodSync(hook, 0o755);
  return ran;
}

describe('the store branch worktree and git locks', () => {
  it('a git killed mid-commit there leaves index.lock: git-sync fails at once naming that file and how to recover, check reports it, writes go on', async () => {
    const remote = makeRemote();
    const { clone, storeDir } = branchClone(remote);
    const { workTree, lock } = storeWorktree(storeDir);
    cliOk(clone.dir, 'create-prd', 'before');
    cliOk(clone.dir, 'git-sync');

    // `git commit -a` holds the index lock while its editor runs: kill git there, as a crash would.
    const git = spawn('git', ['commit', '-a', '--allow-empty', '-q'], {
      cwd: workTree,
      env: { ...GIT_ENV, GIT_EDITOR: 'sleep 30; :' },
      stdio: 'ignore',
      detached: true, // its own process group, so the editor goes with it
    });
    await waitFor('git commit to take the index lock', () => existsSync(lock), 10_000);
    // While that git lives, the lock is its: check does not call it left over.
    expect(cli(clone.dir, '--json', 'check').status).toBe(0);
    process.kill(-git.pid!, 'SIGKILL');
    await new Promise((resolve) => git.on('exit', resolve));
    await waitFor('the killed git to be gone', () => (gitProcessesIn(workTree) ?? []).length === 0, 10_000);
    expect(existsSync(lock)).toBe(true);
    // As the crash leaves it a minute later.
    const minuteAgo = new Date(Date.now() - 60_000);
    utimesSync(lock, minuteAgo, minuteAgo);

    // Writes go on, without waiting for the lock.
    const started = performance.now();
    cliOk(clone.dir, 'create-prd', 'after the crash');
    expect(performance.now() - started).toBeLessThan(4_000);

    const check = cli(clone.dir, '--json', 'check');
    expect(check.status).toBe(1);
    const problems = (JSON.parse(check.stdout) as { problems: { kind: string; message: string }[] }).problems;
    expect(problems.map((p) => p.kind)).toEqual(['git_lock_left']);
    expect(problems[0]!.message).toContain(`git's lock file ${lock} is in the store branch's worktree, so git-sync cannot commit the store`);
    expect(problems[0]!.message).toMatch(/no git process \(of this user\) works in .*left over from a git that was killed: remove it \(`rm .*index\.lock`\), then run `taskstore git-sync`$/);

    const syncStarted = performance.now();
    const sync = cli(clone.dir, 'git-sync');
    expect(sync.status).not.toBe(0);
    // At once: waiting does not make a dead git's lock go away.
    expect(performance.now() - syncStarted).toBeLessThan(4_000);
    expect(sync.stderr).toContain(`its lock file ${lock} exists (nothing was committed`);
    expect(sync.stderr).toContain(`remove it (\`rm ${lock}\`), then run git-sync again`);
    expect(sync.stderr).not.toContain('.git/index.lock');
    expect(existsSync(lock)).toBe(true); // never removed by TaskStore

    rmSync(lock);
    expect(cliJson(clone.dir, 'git-sync').pushed).toBe(true);
    expect(clone.git('show', 'refs/remotes/origin/taskstore:.taskstore/prds.jsonl')).toContain('after the crash');
    expect(cli(clone.dir, 'check').status).toBe(0);

    // A HEAD.lock left the same way stops the commit's update-ref: reported too.
    const headLock = join(lock, '..', 'HEAD.lock');
    writeFileSync(headLock, '');
    utimesSync(headLock, minuteAgo, minuteAgo);
    const headCheck = cli(clone.dir, 'check');
    expect(headCheck.status).toBe(1);
    expect(headCheck.stdout).toContain(`git_lock_left: git's lock file ${headLock} is in the store branch's worktree`);
    rmSync(headLock);
  });

  it("git-sync starts no automatic gc in the store worktree (gc.auto=1): nothing keeps running there after it, nothing is packed behind its back", () => {
    const remote = makeRemote();
    const { clone, storeDir } = branchClone(remote);
    const other = branchClone(remote);
    const { workTree } = storeWorktree(storeDir);
    clone.git('config', 'gc.auto', '1');
    // gc --auto counts loose objects in objects/17/ against ceil(gc.auto / 256): put two there.
    let found = 0;
    for (let i = 0; found < 2; i++) {
      const content = `loose ${i}\n`;
      if (!createHash('sha1').update(`blob ${content.length}\0${content}`).digest('hex').startsWith('17')) continue;
      execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: clone.dir, env: GIT_ENV, input: content });
      found++;
    }
    const packs = join(clone.dir, '.git', 'objects', 'pack');
    const packsBefore = readdirSync(packs).filter((name) => name.endsWith('.pack')).length;
    for (let round = 0; round < 2; round++) {
      // Something to fetch and merge (both run git's auto maintenance), and something to commit.
      cliOk(other.clone.dir, 'create-prd', `other ${round}`);
      cliOk(other.clone.dir, 'git-sync');
      cliOk(clone.dir, 'create-prd', `mine ${round}`);
      const sync = cliJson(clone.dir, 'git-sync');
      expect(sync.pushed).toBe(true);
      expect(gitProcessesIn(workTree)).toEqual([]);
      expect(existsSync(join(clone.dir, '.git', 'gc.pid'))).toBe(false);
    }
    expect(readdirSync(packs).filter((name) => name.endsWith('.pack')).length).toBe(packsBefore);
    expect(clone.git('show', 'refs/remotes/origin/taskstore:.taskstore/prds.jsonl')).toMatch(/other 1[^]*mine 1|mine 1[^]*other 1/);
  });

  it("a ref lock a git gc holds for a moment (the branch's, the worktree's HEAD.lock) does not fail git-sync's commit or merge: it waits for it", () => {
    const remote = makeRemote();
    const { clone, storeDir } = branchClone(remote);
    const other = branchClone(remote);
    const { lock } = storeWorktree(storeDir);
    const branchLock = join(clone.dir, '.git', 'refs', 'heads', 'taskstore.lock');
    const headLock = join(lock, '..', 'HEAD.lock');

    // The commit's update-ref meets the branch's lock, then the worktree's HEAD.lock.
    for (const held of [branchLock, headLock]) {
      cliOk(clone.dir, 'create-prd', `mine ${held}`);
      const ran = lockOnce(clone, 'post-index-change', held, 700);
      const sync = cli(clone.dir, '--json', 'git-sync');
      expect(existsSync(ran)).toBe(true);
      expect({ held, status: sync.status, stderr: sync.stderr }).toEqual({ held, status: 0, stderr: '' });
      expect(JSON.parse(sync.stdout)).toMatchObject({ pushed: true, commits: 1 });
      rmSync(ran);
      rmSync(join(clone.dir, '.git', 'hooks', 'post-index-change'));
    }

    // git merge (a fast-forward) meets the branch's lock: nothing to commit, something to merge.
    cliOk(other.clone.dir, 'create-prd', 'theirs');
    cliOk(other.clone.dir, 'git-sync');
    const ran = lockOnce(clone, 'reference-transaction', branchLock, 700);
    const merged = cli(clone.dir, '--json', 'git-sync');
    expect(existsSync(ran)).toBe(true);
    expect({ status: merged.status, stderr: merged.stderr }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(merged.stdout)).toMatchObject({ recordsChanged: { merged: 1 } });
    expect(readFileSync(join(storeDir, 'prds.jsonl'), 'utf8')).toContain('theirs');
    expect(clone.git('-C', join(storeDir, '..'), 'status', '--porcelain')).toBe('');
    expect(existsSync(branchLock)).toBe(false);
  });

  it("a branch ref lock left over (old, no git working) stops git-sync's merge at once, naming the file, before git merge touches the worktree", () => {
    const remote = makeRemote();
    const { clone, storeDir } = branchClone(remote);
    const other = branchClone(remote);
    cliOk(clone.dir, 'git-sync');
    cliOk(other.clone.dir, 'create-prd', 'theirs');
    cliOk(other.clone.dir, 'git-sync');
    const workTree = join(storeDir, '..');
    const head = clone.git('rev-parse', 'taskstore');
    const branchLock = join(clone.dir, '.git', 'refs', 'heads', 'taskstore.lock');
    writeFileSync(branchLock, '');
    const minuteAgo = new Date(Date.now() - 60_000);
    utimesSync(branchLock, minuteAgo, minuteAgo);

    const started = performance.now();
    const sync = cli(clone.dir, 'git-sync');
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(sync.status).toBe(1);
    expect(sync.stderr).toContain(`its lock file ${branchLock} exists`);
    expect(sync.stderr).toContain(`remove it (\`rm ${branchLock}\`), then run git-sync again`);
    expect(existsSync(branchLock)).toBe(true); // never removed by TaskStore
    expect(clone.git('rev-parse', 'taskstore')).toBe(head);
    expect(clone.git('-C', workTree, 'status', '--porcelain')).toBe('');
    expect(existsSync(join(storeDir, 'prds.jsonl'))).toBe(false); // the merge would bring it

    rmSync(branchLock);
    expect(cliJson(clone.dir, 'git-sync')).toMatchObject({ recordsChanged: { merged: 1 } });
  });

  it('a young ref lock that stays: git-sync waits about 5 s for it, then fails naming the file, saying a git elsewhere may hold it', () => {
    const remote = makeRemote();
    const { clone } = branchClone(remote);
    cliOk(clone.dir, 'create-prd', 'mine');
    const branchLock = join(clone.dir, '.git', 'refs', 'heads', 'taskstore.lock');
    writeFileSync(branchLock, '');
    const started = performance.now();
    const sync = cli(clone.dir, 'git-sync');
    const took = performance.now() - started;
    expect(sync.status).toBe(1);
    expect(took).toBeGreaterThan(4_500);
    expect(took).toBeLessThan(15_000);
    expect(sync.stderr).toContain(`its lock file ${branchLock} exists (the store's records are staged, not committed)`);
    expect(sync.stderr).toMatch(/so a git elsewhere in the repository \(a `git gc --auto` your own git command started, say\) may still hold it: wait a little, then run git-sync again/);
    expect(existsSync(branchLock)).toBe(true); // never removed by TaskStore
    rmSync(branchLock);
    expect(cliJson(clone.dir, 'git-sync').pushed).toBe(true);
  });
});
