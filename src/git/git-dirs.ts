import { basename, isAbsolute, join, resolve } from 'node:path';
import { IoError } from '../errors.js';
import { chompLine, git, isGitNotFound, runGit } from './git-command.js';
import { getConfig } from './git-config.js';
import { insideGitRepository } from './git-marker.js';

/** Where git keeps the things TaskStore installs, for one work tree. */
export interface GitLocation {
  /** Root of this work tree (for a linked worktree: the worktree's own root). Hooks run here. */
  workTree: string;
  /** This work tree's private git dir (`.git/worktrees/<name>` in a linked worktree). Git reads no hooks from it. */
  gitDir: string;
  /** The git dir shared by all work trees of the repository: local config and default hooks live here. */
  commonDir: string;
  /** The directory git actually runs hooks from: `core.hooksPath` when set, else `<commonDir>/hooks`. */
  hooksDir: string;
  /** The `core.hooksPath` setting as configured (before resolving), if any. */
  hooksPath: string | undefined;
}

/** git's answer when the directory is simply not in a work tree (as opposed to a broken repository). */
const NOT_IN_WORK_TREE = /not a git repository|must be run in a work tree/i;

/** git's refusal of a repository another user owns (`safe.directory`, git ≥ 2.35.2). */
const DUBIOUS_OWNERSHIP = /dubious ownership/i;

/**
 * Locates the work tree containing `dir` (an existing directory) with the real `git`
 * binary, or returns `undefined` when `dir` is not inside a work tree (a bare repository
 * and the inside of `.git` count as "not inside"). Other git failures (for example
 * "dubious ownership") throw {@link IoError} with git's message: they are not the same
 * as having no repository.
 *
 * @example
 * const loc = findGitLocation(process.cwd());
 * if (loc) console.log(loc.hooksDir); // e.g. /repo/.git/hooks
 */
export function findGitLocation(dir: string): GitLocation | undefined {
  let run;
  try {
    run = runGit(['rev-parse', '--show-toplevel', '--git-dir', '--git-common-dir'], dir);
  } catch (err) {
    // Without git on PATH, a store outside any repository is simply in none: check and
    // status of such a store need no git. Inside one, git is needed to inspect it.
    if (isGitNotFound(err) && !insideGitRepository(dir)) return undefined;
    throw err;
  }
  if (run.status !== 0) {
    if (NOT_IN_WORK_TREE.test(run.stderr)) return undefined;
    throw new IoError(`cannot inspect the git repository at ${dir}: ${run.stderr.trim() || `git exited with status ${run.status}`}`, {
      data: { dir, stderr: run.stderr },
      // The store directory is fine; it is git that will not work in another user's repository.
      ...(DUBIOUS_OWNERSHIP.test(run.stderr)
        ? { hint: "git refuses to work in a repository another user owns; if you trust it, add it to git's safe.directory as git's message says, or run as its owner" }
        : {}),
    });
  }
  const [workTree, gitDir, commonDir] = gitPaths(run.stdout, dir);
  if (!workTree || !gitDir || !commonDir) {
    throw new IoError(`unexpected output from git rev-parse in ${dir}: ${JSON.stringify(run.stdout)}`, { data: { dir } });
  }
  // --git-dir and --git-common-dir may be relative to the directory git ran in.
  const common = resolve(dir, commonDir);
  const hooksPath = configuredHooksPath(dir);
  return {
    workTree,
    gitDir: resolve(dir, gitDir),
    commonDir: common,
    hooksDir: effectiveHooksDir(workTree, common, hooksPath),
    hooksPath,
  };
}

/**
 * The three paths `git rev-parse --show-toplevel --git-dir --git-common-dir` printed, one
 * a line. A path may itself hold a newline (a directory named so): the lines then do not
 * split into three, and the repository was taken for another (`/tmp/a\nb` as `/tmp/a`, so
 * the store was "not in a work tree" and `check` said all was well). Then each is asked
 * alone, where only git's one terminating newline is not part of the path.
 */
function gitPaths(stdout: string, dir: string): string[] {
  const lines = stdout.split('\n');
  if (lines.length === 4 && lines[3] === '') return lines.slice(0, 3);
  return ['--show-toplevel', '--git-dir', '--git-common-dir'].map((flag) => chompLine(git(['rev-parse', flag], dir)));
}

/**
 * Like {@link findGitLocation} but throws {@link IoError} (code `IO`) when `dir` is not
 * inside a git work tree, with a hint saying what to do.
 */
export function requireGitLocation(dir: string): GitLocation {
  const location = findGitLocation(dir);
  if (location === undefined) {
    throw new IoError(`${dir} is not inside a git work tree, so there is nothing to install git integration into`, {
      data: { dir, reason: 'not_a_git_work_tree' },
      hint: notInWorkTreeHint(dir) ?? 'run `git init` first (or point --store at a store inside a git work tree)',
    });
  }
  return location;
}

/**
 * The way out when `dir` (an existing directory) is in a repository git takes for bare
 * although it has a work tree (`core.bare = true` in a clone's config: a script's `git
 * config core.bare true`, a copied config): git refuses every work tree command there, and
 * "run `git init`" would change nothing. Undefined otherwise.
 */
export function notInWorkTreeHint(dir: string): string | undefined {
  let run;
  try {
    run = runGit(['rev-parse', '--is-bare-repository', '--absolute-git-dir'], dir);
  } catch {
    return undefined; // no git program: the usual hint
  }
  const [bare, gitDir] = run.stdout.split('\n');
  if (run.status !== 0 || bare !== 'true' || gitDir === undefined || basename(gitDir) !== '.git') return undefined;
  return `git takes the repository ${gitDir} for a bare one (core.bare = true) although it has a work tree: if it is a normal clone, run \`git --git-dir=${gitDir} config core.bare false\`, then try again`;
}

/**
 * The hooks directory git uses. githooks(5): a relative `core.hooksPath` is relative to
 * the directory hooks run in, which is the work tree root; without it hooks live in the
 * COMMON git dir, so every linked worktree shares them.
 */
export function effectiveHooksDir(workTree: string, commonDir: string, hooksPath: string | undefined): string {
  if (hooksPath === undefined || hooksPath === '') return join(commonDir, 'hooks');
  return isAbsolute(hooksPath) ? hooksPath : resolve(workTree, hooksPath);
}

/** `core.hooksPath` as git sees it from `dir` (`--path` expands `~`), or undefined. */
function configuredHooksPath(dir: string): string | undefined {
  return getConfig(dir, 'core.hooksPath', { path: true });
}
