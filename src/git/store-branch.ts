/**
 * The store branch: the store kept on a branch of its own, checked out in a linked
 * worktree inside the git directory (`<common git dir>/taskstore/<branch>/`) and recorded
 * in the repository's local config (`taskstore.branch`, `taskstore.worktree`). The user's
 * own git commands on their code branches (merge, stash, checkout, rebase) then never
 * touch the store's files, and every worktree of the repository finds the same store.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { realpathOfExistingPart } from '../fs/real-path.js';
import { GitSyncError, ValidationError } from '../errors.js';
import { chompLine, git, runGit } from './git-command.js';
import { getConfig, setLocalConfig } from './git-config.js';
import { effectiveHooksDir, findGitLocation, requireGitLocation, type GitLocation } from './git-dirs.js';
import { withGitSetupLock } from './setup-lock.js';
import { commitIdentityArgs, NO_AUTO_GC, NO_HOOKS, defaultRemote, remoteExists } from './sync/git-facts.js';
import { trackingRefInTheWay } from './sync/fetch-errors.js';
import { argumentTypeError, assertPathArgument, parseOptionsArgument } from '../store/arguments.js';

const STORE_BRANCH_KEY = 'taskstore.branch';
const STORE_WORKTREE_KEY = 'taskstore.worktree';
/** The store directory inside the store branch's worktree. */
const STORE_DIR_NAME = '.taskstore';

export interface StoreBranchSetup {
  /** The branch name (`refs/heads/<branch>`). */
  branch: string;
  /** Absolute path of the linked worktree that has the branch checked out. */
  worktree: string;
  /** Absolute path of the store directory: `<worktree>/.taskstore`. */
  storeDir: string;
  /**
   * How the branch came to be: `existing` (this repository was already set up),
   * `local` (a local branch of that name), `remote` (tracking the remote's branch: a fresh
   * clone), `new` (created here, with an empty first commit).
   */
  origin: 'existing' | 'local' | 'remote' | 'new';
  /** The remote whose branch was used (origin `remote`). */
  remote?: string;
}

/** The configured store branch, as seen from any worktree of the repository. */
export function readStoreBranchConfig(cwd: string): { branch: string; worktree: string; storeDir: string } | undefined {
  const worktree = getConfig(cwd, STORE_WORKTREE_KEY);
  const branch = getConfig(cwd, STORE_BRANCH_KEY);
  if (worktree === undefined || worktree === '' || branch === undefined || branch === '') return undefined;
  return { branch, worktree, storeDir: join(worktree, STORE_DIR_NAME) };
}

/**
 * Creates (or finds again) the store branch and its worktree for the repository that
 * contains `cwd`, and records it in the local config. The branch is, in this order: the
 * local branch of that name; the remote's branch of that name (fetched first, so a fresh
 * clone joins the existing store instead of starting a second history); a new branch
 * whose first commit is empty. Running it again is a no-op. The caller lays out the
 * store in `storeDir`, installs the git integration and calls
 * {@link commitStoreBranchSetup}.
 *
 * @example
 * const setup = setUpStoreBranch({ cwd: process.cwd(), branch: 'taskstore' });
 * // setup.storeDir === '/repo/.git/taskstore/taskstore/.taskstore'
 */
export function setUpStoreBranch(options: { cwd: string; branch: string; remote?: string }): StoreBranchSetup {
  if (options === undefined) throw argumentTypeError('options', 'an object such as { cwd, branch }', options);
  // A misspelt `remote` would otherwise join (or start) the store branch without it.
  parseOptionsArgument(options, ['cwd', 'branch', 'remote']);
  const { branch } = options;
  assertPathArgument('cwd', options.cwd);
  assertBranchName(options.cwd, branch);
  const location = requireGitLocation(options.cwd);
  if (options.remote !== undefined) assertRemoteName(location.workTree, options.remote);
  // Two setups at once both found no branch and both created it: git refused the second.
  return withGitSetupLock(location.commonDir, () => setUpLocked(options, location));
}

function setUpLocked(options: { cwd: string; branch: string; remote?: string }, location: GitLocation): StoreBranchSetup {
  const { branch } = options;
  const existing = readStoreBranchConfig(options.cwd);
  if (existing !== undefined && existing.branch !== branch) {
    throw new ValidationError(`this repository already keeps its store on the branch ${existing.branch} (worktree ${existing.worktree})`, {
      field: 'branch',
      data: { configured: existing.branch, worktree: existing.worktree },
      hint: `use \`taskstore init --branch ${existing.branch}\`, or remove the setting first with \`git config --unset ${STORE_BRANCH_KEY}\` and \`git config --unset ${STORE_WORKTREE_KEY}\``,
    });
  }
  const cwd = location.workTree;
  const standard = join(location.commonDir, 'taskstore', branch);
  const worktree = storeWorktreePath(location, existing, branch);
  if (existing !== undefined && worktree !== existing.worktree) {
    if (existsSync(join(standard, '.git'))) relinkWorktree(cwd, location.commonDir, standard);
    if (!existsSync(existing.worktree) && isRegisteredWorktree(cwd, existing.worktree)) git(['worktree', 'prune'], cwd);
  }
  const storeDir = join(worktree, STORE_DIR_NAME);
  if (existing !== undefined && checkedOutBranch(worktree) === branch) {
    if (worktree !== existing.worktree) setLocalConfig(cwd, STORE_WORKTREE_KEY, worktree);
    return { branch, worktree, storeDir, origin: 'existing' };
  }

  let origin: StoreBranchSetup['origin'];
  let remote: string | undefined;
  if (refExists(cwd, `refs/heads/${branch}`)) {
    origin = 'local';
  } else {
    remote = options.remote ?? defaultRemote(cwd);
    if (remote !== undefined && fetchRemoteBranch(cwd, remote, branch)) {
      // Not `--track`: git refuses it ("not a branch") when the remote's fetch refspec does
      // not cover the branch, as in every single-branch clone (`--depth`, `--single-branch`,
      // a CI checkout). The upstream is the same two config keys git-sync reads.
      git(['branch', '--quiet', '--no-track', branch, `refs/remotes/${remote}/${branch}`], cwd, { env: NO_HOOKS });
      setLocalConfig(cwd, `branch.${branch}.remote`, remote);
      setLocalConfig(cwd, `branch.${branch}.merge`, `refs/heads/${branch}`);
      origin = 'remote';
    } else {
      remote = undefined;
      createEmptyBranch(cwd, branch);
      origin = 'new';
    }
  }
  if (!existsSync(worktree) && isRegisteredWorktree(cwd, worktree)) {
    // The directory was deleted by hand: git still lists it and refuses to add it again.
    git(['worktree', 'prune'], cwd);
  }
  git(['worktree', 'add', '--quiet', worktree, branch], cwd, { env: NO_HOOKS });
  setLocalConfig(cwd, STORE_BRANCH_KEY, branch);
  setLocalConfig(cwd, STORE_WORKTREE_KEY, worktree);
  return { branch, worktree, storeDir, origin, ...(remote === undefined ? {} : { remote }) };
}

/**
 * Where the store branch's worktree is (or will be): the one config names, unless that
 * lies outside the git directory (then the standard place, `<common dir>/taskstore/<branch>`).
 */
function storeWorktreePath(location: GitLocation, existing: ReturnType<typeof readStoreBranchConfig>, branch: string): string {
  const standard = join(location.commonDir, 'taskstore', branch);
  // The repository was moved or copied: config names the old place (nothing, or the
  // original's worktree), while the worktree came along inside the git directory, with
  // the store's uncommitted lines. Created anew at the old place, it hid them and wrote
  // outside the repository (or into the original's).
  if (existing !== undefined && !isInside(location.commonDir, existing.worktree)) return standard;
  return existing?.worktree ?? standard;
}

/**
 * The hooks directory git will run hooks from in the store branch's worktree, before
 * {@link setUpStoreBranch} creates it: that worktree's own when it exists, else
 * `core.hooksPath` resolved against where it will be (a relative one names a directory
 * in each worktree: githooks(5)), or the common dir's `hooks/`.
 */
export function storeBranchHooksDir(location: GitLocation, branch: string): string {
  assertBranchName(location.workTree, branch);
  const worktree = storeWorktreePath(location, readStoreBranchConfig(location.workTree), branch);
  const own = existsSync(worktree) ? findGitLocation(worktree) : undefined;
  if (own !== undefined && own.workTree === realpathOfExistingPart(worktree)) return own.hooksDir;
  return effectiveHooksDir(worktree, location.commonDir, location.hooksPath);
}

/**
 * Commits what setting up the store added to the store branch (`.gitattributes`,
 * `.taskstore/.version` and `.taskstore/.gitignore`) when anything is new. Returns the
 * commit, or undefined when there was nothing to commit. The logs are not committed here:
 * `init --branch` run again took every line written since, unlocked and unchecked (a
 * writer's half line, say), past the pre-commit hook; git-sync commits them safely.
 */
export function commitStoreBranchSetup(worktree: string): string | undefined {
  assertPathArgument('worktree', worktree, 'the path of the store branch\'s worktree');
  const files = ['.gitattributes', `${STORE_DIR_NAME}/.version`, `${STORE_DIR_NAME}/.gitignore`];
  // Two setups committing at once met at the worktree's index.lock.
  // (Asked of git directly: a worktree that does not exist gets git's own error, naming it.)
  const commonDir = resolve(worktree, chompLine(git(['rev-parse', '--git-common-dir'], worktree)));
  return withGitSetupLock(commonDir, () => commitLocked(worktree, files));
}

function commitLocked(worktree: string, files: string[]): string | undefined {
  git(['add', '--', ...files], worktree, { env: NO_HOOKS });
  if (runGit(['diff', '--cached', '--quiet', '--', ...files], worktree).status === 0) return undefined;
  git([...NO_AUTO_GC, ...commitIdentityArgs(worktree), 'commit', '--quiet', '--no-verify', '-m', 'taskstore: set up the store branch', '--', ...files], worktree, { env: NO_HOOKS });
  return chompLine(git(['rev-parse', 'HEAD'], worktree));
}

function assertBranchName(cwd: string, branch: string): void {
  if (typeof branch !== 'string') throw argumentTypeError('branch', 'a git branch name', branch);
  // NUL cannot go to git as an argument (node threw a raw TypeError): no branch name holds one.
  if (branch === '' || branch.startsWith('-') || branch.includes('\0') || runGit(['check-ref-format', '--branch', branch], cwd).status !== 0) {
    throw new ValidationError(`${JSON.stringify(branch)} is not a valid git branch name`, {
      field: 'branch',
      hint: 'use a plain branch name such as `taskstore` or `state/taskstore`',
    });
  }
}

/**
 * `remote` goes to `git fetch` as an argument: one that starts with `-` is read as an
 * option (`--upload-pack=<command>` ran the command), and any other name git does not
 * know is a URL or a path to fetch from. It must name one of the repository's remotes,
 * as gitSync's `remote` must.
 */
function assertRemoteName(cwd: string, remote: unknown): void {
  if (typeof remote !== 'string') throw argumentTypeError('remote', 'the name of a git remote', remote);
  if (remote.startsWith('-') || !remoteExists(cwd, remote)) {
    throw new ValidationError(`there is no git remote named ${JSON.stringify(remote)}`, {
      field: 'remote',
      hint: 'name one of the remotes `git remote` lists, or add it with `git remote add <name> <url>`',
    });
  }
}

function refExists(cwd: string, ref: string): boolean {
  return runGit(['rev-parse', '--quiet', '--verify', `${ref}^{commit}`], cwd).status === 0;
}

/** The branch checked out in `worktree`, or undefined when it is not a work tree (or is detached). */
function checkedOutBranch(worktree: string): string | undefined {
  if (!existsSync(worktree)) return undefined;
  const run = runGit(['symbolic-ref', '--quiet', '--short', 'HEAD'], worktree);
  return run.status === 0 ? chompLine(run.stdout) : undefined;
}

/** True when `child` is inside the directory `parent` (real paths compared). */
function isInside(parent: string, child: string): boolean {
  const rel = relative(realpathOfExistingPart(parent), realpathOfExistingPart(child));
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * Links the worktree at `worktree` (inside `commonDir`, moved or copied along with it) to
 * this repository again. Its `.git` file still names its admin directory at the old place:
 * gone after a move, the original's after a copy, where `git worktree repair` alone would
 * follow it and point the ORIGINAL's worktree here. So the file is pointed at the admin
 * directory of the same name in this repository first, then git repairs the link back.
 */
function relinkWorktree(cwd: string, commonDir: string, worktree: string): void {
  const dotGit = join(worktree, '.git');
  const pointer = /^gitdir: (.+?)\r?\n?$/.exec(readFileSync(dotGit, 'utf8'));
  if (pointer === null) return;
  const admin = join(commonDir, 'worktrees', basename(pointer[1]!));
  if (!existsSync(join(admin, 'gitdir'))) return;
  writeFileSync(dotGit, `gitdir: ${admin}\n`);
  git(['worktree', 'repair', worktree], cwd);
}

function isRegisteredWorktree(cwd: string, worktree: string): boolean {
  const list = runGit(['worktree', 'list', '--porcelain'], cwd);
  return list.stdout.split('\n').some((line) => line === `worktree ${worktree}`);
}

/**
 * Fetches the remote's branch into its remote-tracking ref. False when the remote has no
 * such branch; any other failure (remote unreachable) throws: creating a new, unrelated
 * store history next to one we could not see would split the store.
 */
function fetchRemoteBranch(cwd: string, remote: string, branch: string): boolean {
  const run = runGit([...NO_AUTO_GC, 'fetch', '--quiet', '--no-tags', remote, `+refs/heads/${branch}:refs/remotes/${remote}/${branch}`], cwd, { env: NO_HOOKS });
  if (run.status === 0) return true;
  if (/couldn't find remote ref/i.test(run.stderr)) return false;
  const inTheWay = trackingRefInTheWay(run.stderr, remote, branch, `refs/remotes/${remote}/${branch}`, 'run init --branch again');
  if (inTheWay !== undefined) throw inTheWay;
  throw new GitSyncError(`cannot fetch the branch ${branch} from the remote ${remote}: ${run.stderr.trim()}`, {
    data: { reason: 'fetch_failed', remote, branch },
    hint: `make the remote reachable and retry: a clone must join the existing store branch, not start a second one`,
  });
}

/** A branch whose only commit is empty: the store branch shares no history with the code. */
function createEmptyBranch(cwd: string, branch: string): void {
  const emptyTree = chompLine(git(['hash-object', '-w', '-t', 'tree', '--stdin'], cwd, { input: '' }));
  const commit = chompLine(git([...commitIdentityArgs(cwd), 'commit-tree', emptyTree, '-m', 'taskstore: start the store branch'], cwd));
  git(['branch', '--quiet', branch, commit], cwd);
}
