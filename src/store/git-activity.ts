/**
 * Writers pause while git is working in the store's work tree.
 *
 * Git rewrites tracked files in place of the old ones during merge, checkout, stash,
 * rebase, reset and pull. A line appended while git has read a log but not yet written
 * its version back is gone from the file (the rescue net keeps it, see rescue.ts, but
 * the writer's record then stays out of the store until `taskstore rescue`). Git holds
 * `<gitdir>/index.lock` for the whole of each such step, so a write first waits (bounded)
 * until no fresh `index.lock` is there. A lock older than STALE_MS is a leftover of a
 * crashed git and is ignored. The wait happens before the store's own write lock is
 * taken, so git hooks that run TaskStore never wait behind it; on a store branch, with
 * the lock held (see {@link GitWatch}).
 *
 * No git is spawned: the git dir is found by walking up to `.git` (a directory, or a
 * file `gitdir: <path>` in a linked worktree).
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { LockedError } from '../errors.js';
import { describeProcesses, gitProcessesIn } from '../fs/git-processes.js';
import { sleepSync } from '../fs/sleep.js';

/** The longest a write waits for one git operation. */
const GIT_WAIT_MAX_MS = 5000;
/** An index.lock not touched for this long belongs to a git that died. */
const STALE_MS = 10_000;
const POLL_MS = 5;
/**
 * Files git writes when a multi-step operation starts: `ORIG_HEAD` (merge, pull, reset,
 * rebase) and `refs/stash` (stash). Between its steps git holds no lock (a refused merge
 * snapshots the dirty file, tries, then restores the snapshot), so a write also waits
 * while one of these is younger than RECENT_START_MS.
 */
const STARTED_MARKERS = ['ORIG_HEAD', 'refs/stash'];
export const RECENT_START_MS = 1500;

/** Where a store's writers look for git activity. */
export interface GitWatch {
  gitDir: string;
  /**
   * The store is on its own store branch (`taskstore init --branch`), in a worktree inside
   * the git directory where only TaskStore's git-sync runs git, holding the store's write
   * lock. A git found working there outlived a git-sync that was killed (SIGKILL, an OOM
   * kill): the lock died with git-sync, its `git merge` child did not, and that merge's
   * checkout still replaces the logs. Writers check for it holding the write lock (a git
   * of a live git-sync never runs while they hold it), and only its `index.lock`: each
   * git-sync's merges write `ORIG_HEAD`, which must not pause every writer after a sync.
   */
  storeBranch: boolean;
  /** On a store branch, that worktree: where such a git runs (see {@link waitForOrphanGit}). */
  workTree?: string;
}

/**
 * The git dir whose activity writes to the store in `storeDir` must wait for, or
 * undefined outside git. For a store on its store branch, the git dir of that worktree
 * only (not the repository's, where the user's own git commands run).
 */
export function gitDirToWatch(storeDir: string): GitWatch | undefined {
  const dir = resolve(storeDir);
  if (dir.split(sep).includes('.git')) {
    const workTree = dirname(dir);
    const gitDir = linkedGitDir(workTree);
    return gitDir === undefined ? undefined : { gitDir, storeBranch: true, workTree };
  }
  const gitDir = findGitDir(storeDir);
  return gitDir === undefined ? undefined : { gitDir, storeBranch: false };
}

/** The git dir a linked worktree's `.git` file at `workTree` names, if there is one. */
function linkedGitDir(workTree: string): string | undefined {
  const dotGit = join(workTree, '.git');
  if (statSync(dotGit, { throwIfNoEntry: false })?.isFile() !== true) return undefined;
  const match = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(dotGit, 'utf8'));
  if (match === null) return undefined;
  return isAbsolute(match[1]!) ? match[1]! : resolve(workTree, match[1]!);
}

/** The git dir of the work tree containing `dir`, or undefined outside git. */
export function findGitDir(dir: string): string | undefined {
  for (let current = resolve(dir); ; current = dirname(current)) {
    const dotGit = join(current, '.git');
    const st = statSync(dotGit, { throwIfNoEntry: false });
    if (st?.isDirectory()) return dotGit;
    if (st?.isFile()) {
      const linked = linkedGitDir(current);
      if (linked !== undefined) return linked;
    }
    if (dirname(current) === current) return undefined;
  }
}

/**
 * True while a live git process holds the index lock of `gitDir`, or (with
 * `startMarkers`) just started a merge, reset or stash.
 */
export function gitBusy(gitDir: string, startMarkers = true): boolean {
  const now = Date.now();
  // Creating index.lock or writing ORIG_HEAD (through ORIG_HEAD.lock) changes the git dir's
  // own mtime: a git dir untouched for STALE_MS has no fresh marker, one stat says so.
  const dir = statSync(gitDir, { throwIfNoEntry: false });
  if (dir === undefined || now - dir.mtimeMs > STALE_MS) return false;
  const lock = statSync(join(gitDir, 'index.lock'), { throwIfNoEntry: false });
  // A lock dated more than STALE_MS ahead was written before the clock was set back: no
  // git that is running now made it (a git creating it now dates it now). Counted as
  // fresh, it made every write wait GIT_WAIT_MAX_MS until the clock caught up.
  if (lock !== undefined && Math.abs(now - lock.mtimeMs) < STALE_MS) return true;
  if (!startMarkers) return false;
  for (const marker of STARTED_MARKERS) {
    const st = statSync(join(gitDir, marker), { throwIfNoEntry: false });
    // File times and Date.now() come from different clocks: a just-written file may look a
    // little in the future. Far in the future (a clock jump) does not count.
    const age = st === undefined ? Infinity : now - st.mtimeMs;
    if (st !== undefined && age > -2000 && age < RECENT_START_MS) return true;
  }
  return false;
}

/** Waits while git is busy in `gitDir` (at most GIT_WAIT_MAX_MS); returns the milliseconds waited. */
export function waitWhileGitBusy(gitDir: string, startMarkers = true): number {
  // Monotonic: a wall clock set back while waiting would stretch the wait until it caught up.
  const started = performance.now();
  while (gitBusy(gitDir, startMarkers) && performance.now() - started < GIT_WAIT_MAX_MS) sleepSync(POLL_MS);
  return performance.now() - started;
}

/**
 * On a store branch, with the write lock held: waits while a git that outlived a killed
 * git-sync works in the worktree (see {@link GitWatch}). Such a git takes index.lock when
 * its merge starts and leaves it untouched until its merge driver is done, which on big
 * logs takes longer than STALE_MS: judged by its age alone the lock looked left over, the
 * write appended, and the merge's checkout then replaced the log (the line was left in
 * `.rescued` only). So a lock of any age counts while the system lists a git working in
 * the worktree (git-processes.ts). One still there after GIT_WAIT_MAX_MS refuses the
 * write (LockedError, nothing written); a fresh lock no listed git holds is waited for
 * as long, then ignored, as before.
 */
export function waitForOrphanGit(watch: GitWatch): void {
  const started = performance.now();
  for (;;) {
    const lock = join(watch.gitDir, 'index.lock');
    // No lock, nothing to wait for (gitBusy without start markers looks at the lock alone):
    // the usual write on a store branch costs this one stat.
    if (statSync(lock, { throwIfNoEntry: false }) === undefined) return;
    const pids = watch.workTree !== undefined ? (gitProcessesIn(watch.workTree) ?? []) : [];
    if (pids.length === 0 && !gitBusy(watch.gitDir, false)) return;
    if (performance.now() - started >= GIT_WAIT_MAX_MS) {
      if (pids.length === 0) return;
      throw new LockedError(
        `git (${describeProcesses(pids)}) still works in ${watch.workTree} and ${lock} exists, ${Math.round(GIT_WAIT_MAX_MS / 1000)} s after this write started waiting for it; nothing was written`,
        {
          hint:
            'a git is still working there (a merge a killed git-sync started, or a git command run there by hand): retry once it is done (or stop it); ' +
            `once no git works there any more, a lock still there is left over from a git that was killed: remove it (rm ${JSON.stringify(lock)})`,
        },
      );
    }
    sleepSync(POLL_MS);
  }
}
