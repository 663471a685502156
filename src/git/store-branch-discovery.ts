/**
 * Store discovery's question to git: does the repository around this directory keep its
 * store on a store branch? Kept apart from the rest of the git integration so the CLI can
 * ask it on every start: it costs a few stats, plus one `git config` run only inside a
 * git repository (and one `git rev-parse` where a store branch is configured).
 */
import { spawnSync } from 'node:child_process';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { IoError } from '../errors.js';
import { realpathOfExistingPart } from '../fs/real-path.js';
import { gitEnv } from './git-command.js';
import { insideGitRepository } from './git-marker.js';
import { assertPathArgument } from '../store/arguments.js';

/**
 * The store directory of the repository's store branch (`<taskstore.worktree>/.taskstore`)
 * as seen from `cwd` (the main work tree, any linked worktree, or the store's own
 * worktree), or undefined when `cwd` is not in a git repository that has one. Git errors
 * count as "none": discovery then goes on walking up for `.taskstore/`.
 */
export function findStoreBranchDir(cwd: string): string | undefined {
  assertPathArgument('cwd', cwd);
  if (!insideGitRepository(cwd)) return undefined;
  const run = spawnSync('git', ['config', '--get', 'taskstore.worktree'], { cwd, env: gitEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  if (run.error !== undefined || run.status !== 0) return undefined;
  const worktree = run.stdout.replace(/\n$/, '');
  if (worktree === '') return undefined;
  refuseWorktreeOutsideRepository(cwd, worktree);
  return join(worktree, '.taskstore');
}

/**
 * `init --branch` puts the store's worktree inside the repository's git directory, and
 * config names it by its absolute path. A repository copied (`cp -a`) or moved since keeps
 * that config: the path then names the original's worktree, whose store the copy read and
 * wrote as its own, or nothing at all. Throws {@link IoError} naming both, with the way out
 * (`init --branch`, which links the worktree that came along with the git directory).
 */
function refuseWorktreeOutsideRepository(cwd: string, worktree: string): void {
  const run = spawnSync('git', ['rev-parse', '--git-common-dir'], { cwd, env: gitEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  if (run.error !== undefined || run.status !== 0) return;
  const commonDir = realpathOfExistingPart(resolve(cwd, run.stdout.replace(/\n$/, '')));
  const rel = relative(commonDir, realpathOfExistingPart(worktree));
  if (rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel)) return;
  throw new IoError(
    `git config taskstore.worktree names ${worktree}, which is not inside this repository's git directory ${commonDir}: ` +
      'the repository was moved or copied since `taskstore init --branch`, and that path holds another repository\'s store, or none',
    {
      data: { reason: 'store_branch_elsewhere', worktree, commonDir },
      hint: 'run `taskstore init --branch $(git config taskstore.branch)` to use the store branch of this repository again',
    },
  );
}


/**
 * The remote branches (`origin/taskstore`, as `{ remote, branch }`) that hold a store
 * branch: a tree of only `.gitattributes` and `.taskstore/` (with its `.version`), which
 * is what `taskstore init --branch` commits. A fresh clone has them as remote-tracking
 * refs before anyone ran `init --branch` in it; a plain `taskstore init` there would
 * start a second store that no other clone ever sees. Only asked on the way to an error
 * or a note, never on a normal start: two or three git processes.
 */
export function remoteStoreBranches(cwd: string): { remote: string; branch: string }[] {
  assertPathArgument('cwd', cwd);
  if (!insideGitRepository(cwd)) return [];
  const run = (args: string[], input?: string): string | undefined => {
    const result = spawnSync('git', args, { cwd, env: gitEnv(), encoding: 'utf8', input: input ?? '', stdio: ['pipe', 'pipe', 'ignore'] });
    return result.error === undefined && result.status === 0 ? result.stdout : undefined;
  };
  const refs = (run(['for-each-ref', '--format=%(refname)', 'refs/remotes']) ?? '').split('\n').filter((ref) => ref !== '' && !ref.endsWith('/HEAD'));
  if (refs.length === 0) return [];
  const checks = (run(['cat-file', '--batch-check'], refs.map((ref) => `${ref}:.taskstore/.version\n`).join('')) ?? '').split('\n');
  const remotes = (run(['remote']) ?? '').split('\n').filter((r) => r !== '');
  const found: { remote: string; branch: string }[] = [];
  refs.forEach((ref, i) => {
    if (!/ blob \d+$/.test(checks[i] ?? '')) return;
    const top = (run(['ls-tree', '--name-only', ref]) ?? '').split('\n').filter((name) => name !== '');
    if (top.some((name) => name !== '.gitattributes' && name !== '.taskstore')) return; // a code branch with an in-tree store
    // A remote's name may hold a slash too: the longest remote name the ref starts with.
    const name = ref.slice('refs/remotes/'.length);
    const remote = remotes.filter((r) => name.startsWith(`${r}/`)).sort((x, y) => y.length - x.length)[0];
    if (remote !== undefined) found.push({ remote, branch: name.slice(remote.length + 1) });
  });
  return found;
}
