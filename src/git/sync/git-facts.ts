/**
 * Small questions asked of git by `git-sync`, `status` and the store branch setup. Each
 * is one git call; none changes anything.
 */
import { chompLine, git, runGit } from '../git-command.js';
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { getConfig } from '../git-config.js';
import { readTextIfExists } from '../file-io.js';

/**
 * Environment for every git command TaskStore runs on its own behalf: TaskStore's hook
 * blocks stand aside (`git-sync` holds the store's write lock while it merges, so a
 * post-merge `taskstore sync` would only wait for it; and it checks what the pre-push
 * block checks itself). Other hooks in the same files still run.
 */
export const NO_HOOKS: Readonly<Record<string, string>> = { TASKSTORE_SKIP_HOOKS: '1' };

/**
 * `-c` options for the git commands of TaskStore's that would start git's automatic
 * maintenance (`git fetch` and `git merge` run `git maintenance run --auto`, older gits
 * `git gc --auto`). That gc detaches and keeps running in the directory git-sync ran it
 * in, packing refs and expiring reflogs while git-sync goes on: its `update-ref` of the
 * branch met gc's ref locks and failed, and on a store branch the gc was a git working in
 * the store's worktree, which writers facing a left-over `index.lock` took for a git-sync's
 * orphaned merge and waited for, then refused. The repository's objects are packed by
 * the automatic gc of your own git commands (or `git gc`), as before.
 */
export const NO_AUTO_GC: readonly string[] = ['-c', 'maintenance.auto=false', '-c', 'gc.auto=0'];

/**
 * `-c user.name=… -c user.email=…` when git has no identity to commit with (a fresh
 * machine or CI runner), so the store's own commits do not fail on it; empty otherwise,
 * and the user's identity is used.
 */
export function commitIdentityArgs(cwd: string): string[] {
  if (runGit(['var', 'GIT_COMMITTER_IDENT'], cwd).status === 0 && runGit(['var', 'GIT_AUTHOR_IDENT'], cwd).status === 0) return [];
  return ['-c', 'user.name=TaskStore', '-c', 'user.email=taskstore@localhost'];
}

/** Object formats by repository: a repository never changes its format, so asking once per process is enough. */
const formats = new Map<string, 'sha1' | 'sha256'>();

/** The remote to use when none is named: `origin` if it exists, else the only remote, else undefined. */
export function defaultRemote(cwd: string): string | undefined {
  const remotes = git(['remote'], cwd).split('\n').filter((name) => name !== '');
  if (remotes.includes('origin')) return 'origin';
  return remotes.length === 1 ? remotes[0] : undefined;
}

export function remoteExists(cwd: string, remote: string): boolean {
  return git(['remote'], cwd).split('\n').includes(remote);
}

/** The checked-out branch (short name), or undefined on a detached HEAD. */
export function currentBranch(cwd: string): string | undefined {
  const run = runGit(['symbolic-ref', '--quiet', '--short', 'HEAD'], cwd);
  return run.status === 0 ? chompLine(run.stdout) : undefined;
}

/** The commit a ref or revision names, or undefined when it does not exist (an unborn branch's HEAD). */
export function resolveCommit(cwd: string, rev: string): string | undefined {
  const run = runGit(['rev-parse', '--quiet', '--verify', `${rev}^{commit}`], cwd);
  return run.status === 0 ? chompLine(run.stdout) : undefined;
}

/** The branch's upstream as configured (`branch.<b>.remote` / `.merge`), if any. */
export function upstreamOf(cwd: string, branch: string): { remote: string; branch: string } | undefined {
  const remote = getConfig(cwd, `branch.${branch}.remote`);
  const merge = getConfig(cwd, `branch.${branch}.merge`);
  if (remote === undefined || merge === undefined || remote === '.') return undefined;
  return { remote, branch: merge.replace(/^refs\/heads\//, '') };
}

/**
 * The branch a rebase in progress is rebasing (`main`), '' when it rebases a detached
 * HEAD, undefined when no rebase is in progress. A rebase detaches HEAD until it ends.
 */
export function rebasingBranch(cwd: string): string | undefined {
  for (const dir of ['rebase-merge', 'rebase-apply']) {
    const gitPath = chompLine(git(['rev-parse', '--git-path', dir], cwd)); // relative to cwd unless absolute
    const path = isAbsolute(gitPath) ? gitPath : join(cwd, gitPath);
    if (!existsSync(path)) continue;
    const headName = readTextIfExists(join(path, 'head-name'))?.trim() ?? '';
    return headName.startsWith('refs/heads/') ? headName.slice('refs/heads/'.length) : '';
  }
  return undefined;
}

/** Paths the index holds unmerged (a conflict a merge, cherry-pick, revert, rebase or stash pop stopped on). */
export function unmergedPaths(cwd: string): string[] {
  const paths = new Set<string>();
  // -z: "<mode> <object> <stage>\t<path>\0", one entry per stage.
  for (const entry of git(['ls-files', '-u', '-z'], cwd).split('\0')) {
    const tab = entry.indexOf('\t');
    if (tab !== -1) paths.add(entry.slice(tab + 1));
  }
  return [...paths];
}

/** True when `ancestor` is an ancestor of (or equal to) `descendant`. */
export function isAncestor(cwd: string, ancestor: string, descendant: string): boolean {
  return runGit(['merge-base', '--is-ancestor', ancestor, descendant], cwd).status === 0;
}

/** `sha1` or `sha256`: how this repository names objects. */
export function objectFormat(cwd: string): 'sha1' | 'sha256' {
  let format = formats.get(cwd);
  if (format === undefined) {
    const run = runGit(['rev-parse', '--show-object-format'], cwd);
    format = run.status === 0 && chompLine(run.stdout) === 'sha256' ? 'sha256' : 'sha1';
    formats.set(cwd, format);
  }
  return format;
}

/** Lines added and removed per path between two commits (or a commit and the work tree), from `git diff --numstat`. */
export function numstat(cwd: string, args: readonly string[]): Map<string, { added: number; removed: number }> {
  const out = git(['diff', '--numstat', '-z', '--no-renames', ...args], cwd);
  const result = new Map<string, { added: number; removed: number }>();
  // -z: "<added>\t<removed>\t<path>\0" ('-' for binary files)
  for (const entry of out.split('\0')) {
    const match = /^(\d+|-)\t(\d+|-)\t(.*)$/s.exec(entry);
    if (match === null) continue;
    result.set(match[3]!, { added: match[1] === '-' ? 0 : Number(match[1]), removed: match[2] === '-' ? 0 : Number(match[2]) });
  }
  return result;
}
