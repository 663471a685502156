/**
 * A git-sync killed (SIGKILL, a crash, a power cut) while its `git merge` ran leaves git's
 * state of that merge behind: `MERGE_HEAD` with a fully merged index (git writes it just
 * before making the merge commit), or, earlier, a stale `index.lock` and the merge
 * driver's `.merge_file_*` temporaries. Every later git-sync then stopped on "a merge is
 * in progress" (or on the lock), and the clone fell behind for good.
 *
 * git-sync writes a marker (`<git dir>/taskstore-sync-merging`, naming the commit it
 * merges) before `git merge` and removes it afterwards, whatever the outcome. A marker
 * found at the start of a sync therefore means exactly one thing: the previous git-sync
 * died in its merge. This module finishes what it left.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { chompLine, git } from '../git-command.js';
import { readTextIfExists, writeFileAtomic } from '../file-io.js';
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

/** What recovering an interrupted merge did, for the progress display. */
interface Recovery {
  /** The interrupted merge's commit, made now (undefined when there was nothing to finish). */
  finished?: string;
  /** Leftovers removed: the stale index lock, the driver's temporary files. */
  removed: string[];
}

/**
 * When the previous git-sync died in its merge, puts the work tree back into a state
 * git-sync can continue from, and returns what it did; undefined when no merge was
 * interrupted. Call it holding the sync lock (no other git-sync runs).
 *
 * - A merge that got as far as `MERGE_HEAD` (index fully merged, no conflicts: git-sync
 *   never leaves a conflicted merge without telling, and removes its marker then) is
 *   committed as git would have: the index's tree, parents HEAD and `MERGE_HEAD`.
 * - `storeBranch`: the store branch's worktree is TaskStore's alone (only git-sync runs
 *   git there), so a leftover `index.lock` is the dead merge's and is removed, and so are
 *   the driver's `.merge_file_*` temporaries at the worktree's root. In a work tree of
 *   the user's, a lock may be a running git of theirs: left alone (git-sync then stops
 *   on it, naming it).
 *
 * Logs that git's checkout had begun to rewrite may be cut short: the snapshot's check
 * (see lost-records.ts) refuses to commit such a log, so nothing cut short is committed.
 */
export function recoverInterruptedMerge(workTree: string, gitDir: string, storeBranch: boolean): Recovery | undefined {
  const marker = readTextIfExists(join(gitDir, MARKER));
  if (marker === undefined) return undefined;
  const recovery: Recovery = { removed: [] };
  if (storeBranch) {
    const lock = gitPath(workTree, 'index.lock');
    if (existsSync(lock)) {
      rmSync(lock, { force: true });
      recovery.removed.push(lock);
    }
    for (const name of readdirSync(workTree)) {
      if (!name.startsWith('.merge_file_')) continue;
      rmSync(join(workTree, name), { force: true });
      recovery.removed.push(join(workTree, name));
    }
  }
  const mergeHead = resolveCommit(workTree, 'MERGE_HEAD');
  if (mergeHead !== undefined && unmergedPaths(workTree).length === 0) {
    if (!isAncestor(workTree, mergeHead, 'HEAD')) recovery.finished = commitIndexAsMerge(workTree, mergeHead);
    // The merge commit exists now (made here, or by git just before it died): end git's merge state, leaving index and files as they are.
    git(['merge', '--quit'], workTree, { env: NO_HOOKS });
  }
  markMergeEnded(gitDir);
  return recovery;
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
