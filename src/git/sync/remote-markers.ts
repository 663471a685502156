/**
 * Refuses to bring in a remote commit whose store logs hold git conflict markers: someone
 * without TaskStore's hooks committed an unresolved merge and pushed it. The merge driver
 * passes such lines through, so merging would put the markers into this clone's logs —
 * the store then refuses the collection until someone resolves it — and git-sync would
 * push the merge on, which the pre-push hook it stands in for refuses.
 */
import { GitSyncError } from '../../errors.js';
import { collectionOfLogFile } from '../../jsonl/collection-name.js';
import { isConflictMarker } from '../../jsonl/line-codec.js';
import { git, runGit } from '../git-command.js';

/** Lines that may be markers (no record line starts with these); {@link isConflictMarker} decides. */
const MAYBE_MARKER = '^(<{7}|={7}|>{7}|[|]{7})';

/**
 * Throws `GitSyncError` (`remote_conflict_markers`, naming the file and line) when a log
 * in the store directory that `remoteHead` changes relative to `head` (HEAD, or the empty
 * tree on an unborn branch) holds a conflict
 * marker line in `remoteHead`. Reads git objects only; changes nothing. Only the logs that
 * differ are searched, so a sync that brings in nothing new costs one `git diff`.
 */
export function assertRemoteLogsResolved(workTree: string, head: string, remoteHead: string, storeRelative: string, label: string): void {
  const changed = git(['diff', '--name-only', '-z', '--no-renames', head, remoteHead, '--', storeRelative === '' ? '.' : storeRelative], workTree)
    .split('\0')
    .filter((path) => path !== '' && collectionOfLogFile(path) !== undefined && isDirectlyIn(path, storeRelative));
  if (changed.length === 0) return;
  // -z: "<rev>:<path>\0<line>\0<text>\n" per match; status 1 means no match.
  const run = runGit(['grep', '-n', '-z', '-I', '--no-color', '-E', '-e', MAYBE_MARKER, remoteHead, '--', ...changed.map((p) => `:(literal)${p}`)], workTree);
  if (run.status > 1) throw new GitSyncError(`git grep failed in ${workTree}: ${run.stderr.trim()}`, { data: { reason: 'merge_refused', stderr: run.stderr } });
  for (const match of run.stdout.split('\n')) {
    const [where = '', lineNo = '', ...text] = match.split('\0');
    if (!isConflictMarker(text.join('\0'))) continue;
    const file = where.slice(remoteHead.length + 1);
    throw new GitSyncError(`${label} holds an unresolved merge: ${file} line ${lineNo} is a git conflict marker (in commit ${remoteHead.slice(0, 12)}); git-sync did not merge it, so nothing was changed or pushed`, {
      data: { reason: 'remote_conflict_markers', file, line: Number(lineNo), commit: remoteHead },
      hint: `someone pushed a log with <<<<<<< / ======= / >>>>>>> lines to ${label}: in a clone that has it, keep the lines wanted between the markers, delete the markers, commit and push; then run git-sync again (your store changes are safe and are synced then)`,
    });
  }
}

/** True when `path` is a file directly inside the store directory (logs live there, not in subdirectories). */
function isDirectlyIn(path: string, storeRelative: string): boolean {
  const rest = storeRelative === '' ? path : path.startsWith(`${storeRelative}/`) ? path.slice(storeRelative.length + 1) : undefined;
  return rest !== undefined && !rest.includes('/');
}
