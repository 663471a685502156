import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { IoError } from '../errors.js';
import { findGitLocation, notInWorkTreeHint, type GitLocation } from './git-dirs.js';
import { realpathOfExistingPart } from '../fs/real-path.js';
import { argumentTypeError, assertPathArgument, parseOptionsArgument } from '../store/arguments.js';

/** Where a store directory sits in its git work tree. */
interface StoreInRepo {
  /** Absolute store directory, with symlinks in its existing part resolved (git reports real paths). */
  storeDir: string;
  /** The work tree containing the store, or undefined when the store is not in one. */
  git: GitLocation | undefined;
  /**
   * The store directory relative to the work tree root, with `/` separators (`.taskstore`
   * usually; `''` when the store is the root itself). Undefined outside a work tree.
   */
  relative: string | undefined;
}

/**
 * The options object of an exported git-integration function: an object holding only
 * `allowed` keys, and a `cwd` that is a path. A misspelt `cwd` (`cdw`) would otherwise
 * resolve a relative `storeDir` against the process's directory: the hooks and config of
 * another repository installed, changed or removed.
 */
export function checkGitOptions(options: unknown, allowed: readonly string[]): void {
  if (options === undefined) throw argumentTypeError('options', `an object such as { ${allowed[0]}: … }`, options);
  parseOptionsArgument(options, allowed);
  const { cwd } = options as { cwd?: unknown };
  if (cwd !== undefined) assertPathArgument('cwd', cwd);
}

/**
 * Resolves `storeDir` (relative to `cwd`) and finds the git work tree that contains it.
 * The repository is located from the store's own directory, not from `cwd`: the hooks
 * and the driver belong to the repository the store's files are committed in. The store
 * directory need not exist yet (`init` may install before creating it): its nearest
 * existing parent is asked instead.
 */
export function locateStore(options: { storeDir: string; cwd?: string }): StoreInRepo {
  // NUL used to pass: `syncStatus('a\0b')` answered "not in git", install named a path with a space.
  assertPathArgument('storeDir', options.storeDir, 'the path of the store directory');
  const storeDir = realpathOfExistingPart(resolve(options.cwd ?? process.cwd(), options.storeDir));
  const probe = nearestExistingDirectory(storeDir);
  const git = findGitLocation(probe);
  if (git === undefined) return { storeDir, git: undefined, relative: undefined };
  const rel = relative(realpathOfExistingPart(git.workTree), storeDir);
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    // Only reachable through unusual layouts (e.g. a store inside the .git directory).
    return { storeDir, git: undefined, relative: undefined };
  }
  return { storeDir, git, relative: rel.split(sep).join('/') };
}

/** Like {@link locateStore}, but the store must be inside a git work tree. */
export function requireStoreInRepo(options: { storeDir: string; cwd?: string }): StoreInRepo & { git: GitLocation; relative: string } {
  const located = locateStore(options);
  if (located.git === undefined || located.relative === undefined) {
    throw new IoError(`the store directory ${located.storeDir} is not inside a git work tree`, {
      data: { storeDir: located.storeDir, reason: 'not_a_git_work_tree' },
      hint: notInWorkTreeHint(nearestExistingDirectory(located.storeDir)) ?? 'run `git init` in the project first, or use a store directory inside a git work tree',
    });
  }
  return { ...located, git: located.git, relative: located.relative };
}

function nearestExistingDirectory(path: string): string {
  let dir = path;
  while (!isDirectory(dir)) {
    if (existsSync(dir)) {
      throw new IoError(`${dir} exists but is not a directory`, { data: { path: dir } });
    }
    const parent = dirname(dir);
    if (parent === dir) return dir;
    dir = parent;
  }
  return dir;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
