/**
 * A store branch's worktree with git's lock left behind by a git that was killed, and
 * git's automatic gc there: built CLI, real git, real killed processes.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
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
});
