/**
 * A git-sync killed part-way (SIGKILL, a crash, a power cut) leaves git's state behind:
 * a stale `index.lock` or `HEAD.lock` (killed while git held them), the merge driver's
 * `.merge_file_*` temporaries, git-sync's private index file, or, killed inside `git
 * merge` just before the merge commit, `MERGE_HEAD` with a fully merged index. Every
 * later git-sync then stopped on the lock or on "a merge is in progress", and the clone
 * fell behind for good.
 *
 * Two signs say the previous git-sync died: its sync lock was left by a process that is
 * gone (sync-files.ts), and the marker (`<git dir>/taskstore-sync-merging`, naming the
 * commit it merges) that git-sync writes before `git merge` and removes afterwards,
 * whatever the outcome. This module finishes what the dead run left.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { chompLine, git } from '../git-command.js';
import { readTextIfExists, writeFileAtomic } from '../file-io.js';
import { gitProcessesIn } from '../../fs/git-processes.js';
import { sleepSync } from '../../fs/sleep.js';
import { GitSyncError } from '../../errors.js';
import { commitIdentityArgs, isAncestor, NO_HOOKS, resolveCommit, unmergedPaths } from './git-facts.js';

const MARKER = 'taskstore-sync-merging';

/** Records that git-sync is about to merge `commit` (call it right before `git merge`). */
export function markMergeStarted(gitDir: string, commit: string): void {
  writeFileAtomic(join(gitDir, MARKER), `${commit}\n`, 0o644);
}

/** The merge finished, stopped on a conflict or was refused: nothing to recover. */
export function markMergeEnded(gitDir: string): void {
  rmSync(join(gitDir, MARKER), { force: true });
}

/** What recovering an interrupted git-sync did, for the progress display. */
interface Recovery {
  /** The interrupted merge's commit, made now (undefined when there was nothing to finish). */
  finished?: string;
  /** Leftovers removed: stale git locks, the driver's temporaries, git-sync's private index. */
  removed: string[];
}

/** A lock file younger than this may belong to a git that is running (another git in the repository): waited for first. */
const LOCK_SETTLE_MS = 1_000;
/**
 * The longest recovery waits for a git that outlived the dead git-sync and still works in
 * the store branch's worktree (its merge of big logs can take this long): then git-sync
 * stops and names it.
 */
const ORPHAN_GIT_WAIT_MS = 120_000;
const ORPHAN_GIT_POLL_MS = 50;

/**
 * When the previous git-sync died (`previousDied`: its sync lock was taken over; or the
 * merge marker is there), puts the work tree back into a state git-sync can continue
 * from, and returns what it did; undefined when nothing was interrupted. Call it holding
 * the sync lock (no other git-sync runs).
 *
 * - `storeBranch`: the store branch's worktree is TaskStore's alone (only git-sync runs
 *   git there), so a leftover `index.lock` or `HEAD.lock` there, or the branch's ref lock,
 *   is the dead run's and is removed (after it has been left alone for a second, so that a git
 *   command running in the repository, such as a `git gc` packing refs, finishes first, and
 *   once no git works in that worktree: the dead run's `git merge` may outlive it),
 *   and so are the driver's `.merge_file_*` temporaries at the worktree's root. In a work
 *   tree of the user's, a lock may be a running git of theirs: left alone (git-sync then
 *   stops on it, naming it).
 * - git-sync's private index files (`taskstore-sync-*.index`) are removed.
 * - On a store branch, a merge that got as far as `MERGE_HEAD` (index fully merged, no
 *   conflicts: git-sync removes its marker when it stops on a conflict) is committed as
 *   git would have: the index's tree, parents HEAD and `MERGE_HEAD`. In the user's work
 *   tree it is left to them (git-sync stops on "a merge is in progress"): what they
 *   staged since would go into that commit.
 *
 * Logs that git's checkout had begun to rewrite may be cut short: the snapshot's check
 * (see lost-records.ts) refuses to commit such a log, so nothing cut short is committed.
 */
export function recoverInterruptedSync(workTree: string, gitDir: string, storeBranch: boolean, branch: string, previousDied: boolean): Recovery | undefined {
  const marker = readTextIfExists(join(gitDir, MARKER));
  if (marker === undefined && !previousDied) return undefined;
  const recovery: Recovery = { removed: [] };
  for (const name of readdirSync(gitDir)) {
    if (!/^taskstore-sync-.*\.index$/.test(name)) continue;
    rmSync(join(gitDir, name), { force: true });
    recovery.removed.push(join(gitDir, name));
  }
  if (storeBranch) {
    for (const lock of [gitPath(workTree, 'index.lock'), gitPath(workTree, 'HEAD.lock'), gitPath(workTree, `refs/heads/${branch}.lock`)]) {
      if (removeStaleLock(lock, workTree)) recovery.removed.push(lock);
    }
    for (const name of readdirSync(workTree)) {
      if (!name.startsWith('.merge_file_')) continue;
      rmSync(join(workTree, name), { force: true });
      recovery.removed.push(join(workTree, name));
    }
  }
  // Only on a store branch: in a work tree of the user's, the index may hold what they
  // staged since the crash, which a merge commit made from it would carry to the remote.
  const mergeHead = marker === undefined || !storeBranch ? undefined : resolveCommit(workTree, 'MERGE_HEAD');
  // And only the merge git-sync started (the marker names the commit it merged).
  if (mergeHead !== undefined && mergeHead === marker?.trim() && unmergedPaths(workTree).length === 0) {
    if (!isAncestor(workTree, mergeHead, 'HEAD')) recovery.finished = commitIndexAsMerge(workTree, mergeHead);
    // The merge commit exists now (made here, or by git just before it died): end git's merge state, leaving index and files as they are.
    git(['merge', '--quit'], workTree, { env: NO_HOOKS });
  }
  markMergeEnded(gitDir);
  return recovery;
}

/**
 * Removes a lock file once it has been left alone for LOCK_SETTLE_MS and no git works in
 * `workTree` any more; true when one was removed. Left alone means: its time is that old
 * on the wall clock, or it stayed the same file, size and time while this process watched
 * it that long (monotonic clock). A file time in the future (the clock was set back since
 * the dead run wrote it) tells nothing about its age: judged by the wall clock alone, the
 * lock looked fresh, and this waited until the clock caught up (an hour back, an hour's
 * hang). A git still running there (see git-processes.ts: the dead git-sync's merge,
 * which holds its lock untouched until it is done) is waited for, at most
 * ORPHAN_GIT_WAIT_MS; where the system cannot list processes, age alone decides.
 */
function removeStaleLock(path: string, workTree: string): boolean {
  let watched: { file: string; since: number } | undefined;
  let gitSeenSince: number | undefined;
  for (;;) {
    const st = statSync(path, { throwIfNoEntry: false });
    if (st === undefined) return false;
    const file = `${st.ino}:${st.size}:${st.mtimeMs}`;
    if (watched?.file !== file) watched = { file, since: performance.now() };
    const age = Math.max(Date.now() - st.mtimeMs, performance.now() - watched.since);
    if (age < LOCK_SETTLE_MS) {
      sleepSync(LOCK_SETTLE_MS - age + 10);
      continue;
    }
    const running = gitProcessesIn(workTree) ?? [];
    if (running.length === 0) {
      rmSync(path, { force: true });
      return true;
    }
    gitSeenSince ??= performance.now();
    if (performance.now() - gitSeenSince >= ORPHAN_GIT_WAIT_MS) {
      throw new GitSyncError(`git (pid ${running.join(', ')}) still works in ${workTree} and holds ${path}, ${Math.round(ORPHAN_GIT_WAIT_MS / 1000)} s after the previous git-sync died; git-sync changed nothing`, {
        data: { reason: 'git_running', pids: running, lock: path },
        hint: 'a git started by the git-sync that died is still running there: let it finish (or stop it), then run git-sync again',
      });
    }
    sleepSync(ORPHAN_GIT_POLL_MS);
  }
}

/** Commits the (fully merged) index with parents HEAD and `mergeHead`, with git's prepared message; returns the commit. */
function commitIndexAsMerge(workTree: string, mergeHead: string): string {
  const head = chompLine(git(['rev-parse', 'HEAD'], workTree));
  const tree = chompLine(git(['write-tree'], workTree));
  const prepared = readTextIfExists(gitPath(workTree, 'MERGE_MSG')) ?? '';
  const message = prepared
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .join('\n')
    .trim();
  const commit = chompLine(
    git([...commitIdentityArgs(workTree), 'commit-tree', tree, '-p', head, '-p', mergeHead, '-F', '-'], workTree, {
      input: message === '' ? 'taskstore: merge (finished after an interrupted git-sync)' : message,
    }),
  );
  git(['update-ref', '-m', 'taskstore git-sync: finish an interrupted merge', 'HEAD', commit, head], workTree);
  return commit;
}

function gitPath(workTree: string, name: string): string {
  const path = chompLine(git(['rev-parse', '--git-path', name], workTree));
  return isAbsolute(path) ? path : join(workTree, path);
}
