/**
 * Store discovery's question to git: does the repository around this directory keep its
 * store on a store branch? Kept apart from the rest of the git integration so the CLI can
 * ask it on every start: it costs a few stats, plus one `git config` run only inside a
 * git repository.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { gitEnv } from './git-command.js';

/**
 * The store directory of the repository's store branch (`<taskstore.worktree>/.taskstore`)
 * as seen from `cwd` (the main work tree, any linked worktree, or the store's own
 * worktree), or undefined when `cwd` is not in a git repository that has one. Git errors
 * count as "none": discovery then goes on walking up for `.taskstore/`.
 */
export function findStoreBranchDir(cwd: string): string | undefined {
  if (!insideGitRepository(cwd)) return undefined;
  const run = spawnSync('git', ['config', '--get', 'taskstore.worktree'], { cwd, env: gitEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  if (run.error !== undefined || run.status !== 0) return undefined;
  const worktree = run.stdout.replace(/\n$/, '');
  return worktree === '' ? undefined : join(worktree, '.taskstore');
}

/** A `.git` (directory or file) at or above `start`: the only case in which asking git is worth a process. */
function insideGitRepository(start: string): boolean {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return true;
    if (dirname(dir) === dir) return false;
  }
}
