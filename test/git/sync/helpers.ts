/**
 * Throwaway setups for git-sync tests: a bare remote, clones with the store in the work
 * tree or on a store branch, and the CLI run against them. Real git throughout.
 */
import { join } from 'node:path';
import { GIT_ENV, GIT_IDENTITY, GitRepo } from '../../helpers/git-repo.js';
import { runCli, runJson, type CliResult } from '../../cli/run-cli.js';
import { tempDir } from '../../helpers/temp.js';
import { Store } from '../../../src/index.js';

// In-process git calls (store.gitSync) inherit this process's environment: give them the
// same fixed identity and no user or system config as the git helper's.
for (const key of ['GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL', 'GIT_CONFIG_NOSYSTEM', 'GIT_CONFIG_GLOBAL', 'GIT_TERMINAL_PROMPT']) {
  process.env[key] = GIT_ENV[key];
}

/** The CLI environment for a test: the fixed git identity, no TASKSTORE_DIR. */
export const CLI_ENV: Record<string, string | undefined> = { ...GIT_IDENTITY };

export function cli(cwd: string, ...args: string[]): CliResult {
  return runCli(args, { cwd, env: CLI_ENV });
}

export function cliOk(cwd: string, ...args: string[]): string {
  const result = cli(cwd, ...args);
  if (result.status !== 0) throw new Error(`taskstore ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return result.stdout.trim();
}

export function cliJson<T = any>(cwd: string, ...args: string[]): T {
  return runJson<T>(args, { cwd, env: CLI_ENV });
}

/** A bare remote whose `main` has one code commit, and which keeps a reflog of every ref update. */
export function makeRemote(): GitRepo {
  const remote = GitRepo.init({ bare: true });
  remote.git('config', 'core.logAllRefUpdates', 'always');
  const seed = GitRepo.clone(remote.dir);
  seed.write('README.md', '# project\n');
  seed.commitAll('code');
  seed.git('push', '-q', 'origin', 'HEAD:main');
  return remote;
}

/** A clone of the remote with the store in its work tree (`.taskstore/`, git integration installed and committed). */
export function inTreeClone(remote: GitRepo): GitRepo {
  const clone = GitRepo.clone(remote.dir);
  clone.git('config', 'user.name', 'Test');
  clone.git('config', 'user.email', 'test@example.com');
  return clone;
}

/** A clone of the remote with the store branch `branch` set up (joining the remote's if it has one). Returns the clone and its store directory. */
export function branchClone(remote: GitRepo, branch = 'taskstore'): { clone: GitRepo; storeDir: string; setup: any } {
  const clone = GitRepo.clone(remote.dir);
  const setup = cliJson<{ storeDir: string }>(clone.dir, 'init', '--branch', branch);
  return { clone, storeDir: setup.storeDir, setup };
}

export function openStore(dir: string): Store {
  return Store.open(dir, { durability: 'none', logger: { debug() {}, info() {}, warn() {}, error() {} } });
}

export async function withStore<R>(dir: string, fn: (store: Store) => R | Promise<R>): Promise<R> {
  const store = openStore(dir);
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

/** Every commit the remote's branch ever pointed at, newest first (from its reflog). */
export function remoteHeads(remote: GitRepo, branch: string): string[] {
  return remote.git('reflog', 'show', '--format=%H', `refs/heads/${branch}`).split('\n').filter((l) => l !== '');
}

export function isAncestor(repo: GitRepo, ancestor: string, descendant: string): boolean {
  return repo.tryGit('merge-base', '--is-ancestor', ancestor, descendant).status === 0;
}

export { GitRepo, tempDir, join };
