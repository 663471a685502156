/**
 * The setup commands run at the same time as each other: two agents' setup scripts
 * running `install-hooks` or `init --branch` at the same moment, an operator's
 * `uninstall-hooks` while a script installs. Each test first forces the interleaving that
 * broke (one command paused inside a git call by a `git` wrapper on PATH, the other run to
 * its end meanwhile), then races whole commands started at the same instant.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GIT_ENV, GitRepo } from '../helpers/git-repo.js';
import { CLI } from '../helpers/paths.js';
import { raceChildren } from '../helpers/race-children.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

const ON_GO = new URL('../fixtures/cli-on-go.mjs', import.meta.url).pathname;
const HOOKS = ['pre-commit', 'pre-applypatch', 'post-merge', 'post-rebase', 'post-rewrite', 'pre-push', 'post-checkout'];
const USER_HOOK = '#!/bin/sh\necho user-hook-line\n';
const REAL_GIT = spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim();

/**
 * A `git` on PATH that, for the one call whose arguments contain `match`, first creates
 * `reached`, then sleeps a second (holding `hold`, a lock file of git's, when given), then
 * runs the real git: the test starts the rival command once `reached` exists.
 */
function slowGitEnv(dir: string, match: string, hold?: string): { env: NodeJS.ProcessEnv; reached: string } {
  const bin = join(dir, 'slow-git-bin');
  const reached = join(dir, 'slow-git-reached');
  spawnSync('mkdir', ['-p', bin]);
  writeFileSync(
    join(bin, 'git'),
    `#!/bin/sh\ncase " $* " in *${JSON.stringify(match).slice(1, -1)}*) : > '${reached}'; ${hold ? `: > '${hold}';` : ''} sleep 1; ${hold ? `rm -f '${hold}';` : ''} ;; esac\nexec '${REAL_GIT}' "$@"\n`,
  );
  chmodSync(join(bin, 'git'), 0o755);
  return { env: { ...GIT_ENV, PATH: `${bin}:${process.env.PATH}` }, reached };
}

interface Run {
  status: number | null;
  stderr: string;
}

function startCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = GIT_ENV): Promise<Run> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stderr })));
}

function runCliSync(args: string[], cwd: string): Run {
  const run = spawnSync(process.execPath, [CLI, ...args], { cwd, env: GIT_ENV, encoding: 'utf8' });
  return { status: run.status, stderr: run.stderr };
}

/** A repository with a store and a user pre-commit hook of its own (whose line must survive everything). */
function repoWithStore(): GitRepo {
  const repo = GitRepo.init();
  expect(runCliSync(['init'], repo.dir).status).toBe(0);
  writeFileSync(join(repo.dir, '.git/hooks/pre-commit'), USER_HOOK, { mode: 0o755 });
  return repo;
}

/** 'installed' or 'uninstalled' when the repository is wholly in that state; otherwise what is inconsistent. */
function integrationState(repo: GitRepo): string {
  const attributes = existsSync(join(repo.dir, '.gitattributes')) ? readFileSync(join(repo.dir, '.gitattributes'), 'utf8') : '';
  const attributeLines = attributes.split('\n').filter((l) => l.includes('merge=taskstore')).length;
  const config = repo.tryGit('config', '--local', '--get-regexp', '^merge\\.taskstore\\.').stdout.trim().split('\n').filter(Boolean).length;
  const blocks = HOOKS.map((hook) => {
    const path = join(repo.dir, '.git/hooks', hook);
    return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l === '# >>> taskstore >>>').length : 0;
  });
  const userLine = readFileSync(join(repo.dir, '.git/hooks/pre-commit'), 'utf8').includes('echo user-hook-line');
  const sections = readFileSync(join(repo.dir, '.git/config'), 'utf8').split('\n').filter((l) => l.trim() === '[merge "taskstore"]').length;
  const facts = `attributes lines ${attributeLines}, config keys ${config}, config sections ${sections}, hook blocks ${blocks.join(',')}, user line ${userLine}`;
  if (!userLine) return facts;
  if (attributeLines === 1 && config === 2 && sections === 1 && blocks.every((b) => b === 1)) return 'installed';
  if (attributeLines === 0 && config === 0 && sections === 0 && blocks.every((b) => b === 0)) return 'uninstalled';
  return facts;
}

describe('setup commands run at the same time', () => {
  it('install-hooks while another install-hooks holds git\'s config lock: both succeed, installed once', async () => {
    const repo = repoWithStore();
    const slow = slowGitEnv(repo.dir, 'merge.taskstore.name', join(repo.dir, '.git/config.lock'));
    const first = startCli(['install-hooks'], repo.dir, slow.env);
    await waitFor('the first install to reach git config', () => existsSync(slow.reached), 15_000);
    const second = await startCli(['install-hooks'], repo.dir);
    const done = await first;
    expect(second.stderr).toBe('');
    expect(second.status).toBe(0);
    expect(done.status).toBe(0);
    expect(integrationState(repo)).toBe('installed');
  });

  it('install-hooks while some other git process holds the config lock for a while: it waits, then installs', async () => {
    const repo = repoWithStore();
    const lock = join(repo.dir, '.git/config.lock');
    writeFileSync(lock, '');
    const slow = slowGitEnv(repo.dir, 'merge.taskstore.name');
    const install = startCli(['install-hooks'], repo.dir, slow.env);
    await waitFor('the install to reach git config', () => existsSync(slow.reached), 15_000);
    // Each call naming the key sleeps 1 s: the read, then the write, which finds the lock.
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    rmSync(lock);
    const done = await install;
    expect(done.stderr).toBe('');
    expect(done.status).toBe(0);
    expect(integrationState(repo)).toBe('installed');
  }, 30_000);

  it('a config lock nobody releases: install-hooks gives up after a few seconds, naming the lock, with a hint about it', () => {
    const repo = repoWithStore();
    writeFileSync(join(repo.dir, '.git/config.lock'), '');
    const run = runCliSync(['install-hooks'], repo.dir);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('could not lock config file .git/config: File exists');
    expect(run.stderr).toContain(
      `hint: another git command holds ${join(repo.dir, '.git/config.lock')}: retry when it is done; if no git command is running, a git that was killed left it behind: remove it, then retry\n`,
    );
  }, 20_000);

  it('a setup lock left by a killed process does not block: install-hooks takes it over', () => {
    const repo = repoWithStore();
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    writeFileSync(join(repo.dir, '.git/taskstore-setup.lock'), `${dead.stdout.trim()}\n`);
    const run = runCliSync(['install-hooks'], repo.dir);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(integrationState(repo)).toBe('installed');
    expect(existsSync(join(repo.dir, '.git/taskstore-setup.lock'))).toBe(false);
  });

  it('uninstall-hooks while install-hooks is half way: the repository ends wholly in one state', async () => {
    const repo = repoWithStore();
    expect(runCliSync(['install-hooks'], repo.dir).status).toBe(0);
    // The driver name is set again, then (paused) the driver, hooks: the uninstall ran in between.
    repo.git('config', '--local', '--unset', 'merge.taskstore.name');
    const slow = slowGitEnv(repo.dir, 'merge.taskstore.name');
    const install = startCli(['install-hooks'], repo.dir, slow.env);
    await waitFor('the install to reach git config', () => existsSync(slow.reached), 15_000);
    const uninstall = await startCli(['uninstall-hooks'], repo.dir);
    expect((await install).status).toBe(0);
    expect(uninstall.status).toBe(0);
    expect(['installed', 'uninstalled']).toContain(integrationState(repo));
  });

  it('install-hooks and uninstall-hooks started together, 6 rounds of 4: every command succeeds, one consistent state', async () => {
    const repo = repoWithStore();
    for (let round = 0; round < 6; round++) {
      const runs = await raceChildren(ON_GO, [
        [repo.dir, 'install-hooks'],
        [repo.dir, 'uninstall-hooks'],
        [repo.dir, 'install-hooks'],
        [repo.dir, 'uninstall-hooks'],
      ]);
      for (const run of runs) expect(run.stderr).toBe('');
      expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0]);
      expect(['installed', 'uninstalled']).toContain(integrationState(repo));
    }
  }, 60_000);

  it('init --branch while another init --branch is creating the branch: both succeed on one branch', async () => {
    const repo = GitRepo.init();
    repo.commitAll('first');
    const slow = slowGitEnv(repo.dir, 'commit-tree');
    const first = startCli(['init', '--branch', 'store'], repo.dir, slow.env);
    await waitFor('the first init to reach git commit-tree', () => existsSync(slow.reached), 15_000);
    const second = await startCli(['init', '--branch', 'store'], repo.dir);
    const done = await first;
    expect(second.stderr).toBe('');
    expect(second.status).toBe(0);
    expect(done.status).toBe(0);
    // One start commit and one setup commit, one worktree for the branch.
    expect(repo.git('rev-list', '--count', 'store').trim()).toBe('2');
    expect(repo.git('worktree', 'list', '--porcelain').split('\n').filter((l) => l === 'branch refs/heads/store')).toHaveLength(1);
    expect(runCliSync(['check'], repo.dir).status).toBe(0);
  }, 30_000);

  it('three init --branch started together on a fresh repository all succeed, and one of them says it created the store', async () => {
    const repo = GitRepo.init();
    repo.commitAll('first');
    const runs = await raceChildren(ON_GO, [0, 1, 2].map(() => [repo.dir, '--json', 'init', '--branch', 'store']));
    for (const run of runs) expect(run.stderr).toBe('');
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0]);
    // A script seeds a new store when `created` is true: once.
    const created = runs.map((run) => (JSON.parse(run.lines.join('\n')) as { created: boolean }).created);
    expect(created.filter(Boolean), JSON.stringify(created)).toHaveLength(1);
    expect(repo.git('rev-list', '--count', 'store').trim()).toBe('2');
    expect(runCliSync(['check'], repo.dir).status).toBe(0);
  }, 30_000);
});
