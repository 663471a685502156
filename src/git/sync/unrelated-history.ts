/**
 * The check before git-sync merges a remote branch that shares no commit with HEAD.
 *
 * On a store branch such a merge is expected: two clones that each ran `init --branch`
 * before either pushed hold two histories of one store, and the driver merges them. But
 * `git-sync --branch main` (a slip, or a script's wrong variable) names the code branch,
 * which shares no history with the store branch either: merged, the code landed in the
 * store's worktree and the store's whole history was pushed onto the code branch, where
 * only a force-push takes it out again. So an unrelated remote branch is merged only
 * when it holds nothing but a store (the store directory and `.gitattributes`).
 *
 * In the user's own work tree (an in-tree store) git refuses unrelated histories itself;
 * checked here too, so that git-sync stops before committing anything, with its reason.
 */
import { GitSyncError } from '../../errors.js';
import { git, runGit } from '../git-command.js';

/** Paths of `commit`'s tree outside a store branch's files, at most `limit` of them. */
function pathsOutsideStore(workTree: string, commit: string, storeRelative: string, limit: number): string[] {
  const inStore = (path: string): boolean => path === '.gitattributes' || path === storeRelative || path.startsWith(`${storeRelative}/`);
  const outside: string[] = [];
  for (const path of git(['ls-tree', '-r', '--name-only', '-z', commit], workTree).split('\0')) {
    if (path === '' || inStore(path)) continue;
    outside.push(path);
    if (outside.length >= limit) break;
  }
  return outside;
}

/**
 * Throws GitSyncError (`unrelated_history`) when `remoteHead` shares no commit with HEAD
 * and is not another history of this store: in a work tree of the user's, always; on a
 * store branch, when its tree holds files outside the store. Nothing has changed yet.
 */
export function assertMergeableHistory(workTree: string, remoteHead: string, storeRelative: string, storeBranch: boolean, label: string): void {
  const head = runGit(['rev-parse', '--verify', '-q', 'HEAD'], workTree);
  if (head.status !== 0) return; // an unborn branch: the merge only checks the remote out
  if (runGit(['merge-base', 'HEAD', remoteHead], workTree).status === 0) return;
  if (!storeBranch) {
    throw new GitSyncError(`${label} shares no history with ${workTree}'s branch: it is not the branch this store syncs with; git-sync changed nothing`, {
      data: { reason: 'unrelated_history', remoteHead },
      hint: 'name the remote branch that holds this store with --branch (and the remote with --remote); `git branch -vv` shows what the branch tracks',
    });
  }
  const outside = pathsOutsideStore(workTree, remoteHead, storeRelative === '' ? '.taskstore' : storeRelative, 6);
  if (outside.length === 0) return;
  const shown = outside.slice(0, 5).join(', ') + (outside.length > 5 ? ', …' : '');
  throw new GitSyncError(
    `${label} shares no history with the store branch and holds files outside the store (${shown}): it is not a store branch, and merging it would bring them into the store and push the store's history onto it; git-sync changed nothing`,
    {
      data: { reason: 'unrelated_history', remoteHead, files: outside.slice(0, 5) },
      hint: "name the remote branch that holds this store with --branch (by default git-sync uses the store branch's upstream, else its own name)",
    },
  );
}
