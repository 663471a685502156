/**
 * What a failed `git fetch` of a store branch tells the user. One failure has a cause
 * the plain "check that the remote is reachable" hides: a remote-tracking ref of a
 * branch since deleted on the remote (`origin/taskstore/old`) leaves no room for
 * `origin/taskstore` (a ref cannot be both a file and a folder), so the fetch fails
 * however reachable the remote is.
 */
import { GitSyncError } from '../../errors.js';
import { refNameTaken } from './push-outcome.js';

/** The error for a fetch stopped by a stale remote-tracking ref in the way, or undefined when that is not why it failed. */
export function trackingRefInTheWay(stderr: string, remote: string, branch: string, trackingRef: string, retry: string): GitSyncError | undefined {
  const taken = refNameTaken(stderr);
  if (taken === undefined || !taken.startsWith('refs/remotes/')) return undefined;
  return new GitSyncError(`git fetch from ${remote} cannot store ${branch} as ${trackingRef}: the remote-tracking branch ${taken} is in its way; nothing was changed`, {
    data: { reason: 'fetch_failed', remote, branch, conflictingRef: taken, stderr },
    hint: `if ${taken.replace(/^refs\/remotes\//, '')} no longer exists on ${remote}, remove it with \`git remote prune ${remote}\` (or \`git update-ref -d ${taken}\`), then ${retry}`,
  });
}
