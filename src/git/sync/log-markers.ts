/**
 * Keeps unresolved merges (logs with git conflict marker lines) from travelling through
 * git-sync in either direction. It runs git with TaskStore's hooks standing aside, so it
 * makes the pre-push hook's check itself, on every commit it would push; and it refuses to
 * bring in a remote commit whose logs hold markers (someone without the hooks pushed an
 * unresolved merge): the merge driver passes such lines through, so merging would put the
 * markers into this clone's logs — the store then refuses the collection — and push them on.
 */
import { GitSyncError } from '../../errors.js';
import { collectionOfLogFile } from '../../jsonl/collection-name.js';
import { isConflictMarker } from '../../jsonl/line-codec.js';
import { git, runGit } from '../git-command.js';

/** Lines that may be markers (no record line starts with these); {@link isConflictMarker} decides. */
const MAYBE_MARKER = '^(<{7}|={7}|>{7}|[|]{7})';

interface MarkerHit {
  file: string;
  line: number;
}

/**
 * The first conflict marker line in `commit`'s store logs, searching only the logs that
 * differ from `base` (a commit, or the empty tree): a sync that moves nothing costs one
 * `git diff`. Reads git objects only.
 */
function findConflictMarker(workTree: string, base: string, commit: string, storeRelative: string): MarkerHit | undefined {
  const changed = git(['diff', '--name-only', '-z', '--no-renames', base, commit, '--', storeRelative === '' ? '.' : storeRelative], workTree)
    .split('\0')
    .filter((path) => path !== '' && collectionOfLogFile(path) !== undefined && isDirectlyIn(path, storeRelative));
  if (changed.length === 0) return undefined;
  // -z: "<rev>:<path>\0<line>\0<text>\n" per match; status 1 means no match.
  const run = runGit(['grep', '-n', '-z', '-I', '--no-color', '-E', '-e', MAYBE_MARKER, commit, '--', ...changed.map((p) => `:(literal)${p}`)], workTree);
  if (run.status > 1) throw new GitSyncError(`git grep failed in ${workTree}: ${run.stderr.trim()}`, { data: { reason: 'merge_refused', stderr: run.stderr } });
  for (const match of run.stdout.split('\n')) {
    const [where = '', lineNo = '', ...text] = match.split('\0');
    if (isConflictMarker(text.join('\0'))) return { file: where.slice(commit.length + 1), line: Number(lineNo) };
  }
  return undefined;
}

/**
 * Throws `GitSyncError` (`remote_conflict_markers`, naming the file and line) when a log
 * that `remoteHead` changes relative to `head` (HEAD, or the empty tree on an unborn
 * branch) holds a conflict marker line in `remoteHead`. Changes nothing.
 */
export function assertRemoteLogsResolved(workTree: string, head: string, remoteHead: string, storeRelative: string, label: string): void {
  const hit = findConflictMarker(workTree, head, remoteHead, storeRelative);
  if (hit === undefined) return;
  throw new GitSyncError(`${label} holds an unresolved merge: ${hit.file} line ${hit.line} is a git conflict marker (in commit ${remoteHead.slice(0, 12)}); git-sync did not merge it, so nothing was changed or pushed`, {
    data: { reason: 'remote_conflict_markers', ...hit, commit: remoteHead },
    hint: `someone pushed a log with <<<<<<< / ======= / >>>>>>> lines to ${label}: in a clone that has it, keep the lines wanted between the markers, delete the markers, commit and push; then run git-sync again (your store changes are safe and are synced then)`,
  });
}

/**
 * Throws `GitSyncError` (`conflict_markers`, naming the file and line) when `head`, about
 * to be pushed, holds a conflict marker line in a log that differs from `remoteHead` (the
 * empty tree when the remote has no branch yet): a merge resolved by hand and committed
 * past the pre-commit hook (`--no-verify`). Nothing is pushed.
 */
export function assertPushedLogsResolved(workTree: string, remoteHead: string, head: string, storeRelative: string, label: string, workTreeLabel: string): void {
  const hit = findConflictMarker(workTree, remoteHead, head, storeRelative);
  if (hit === undefined) return;
  throw new GitSyncError(`${hit.file} line ${hit.line} is a git conflict marker in a commit on ${workTreeLabel}: an unresolved merge was committed, so nothing was pushed to ${label}`, {
    data: { reason: 'conflict_markers', ...hit, commit: head },
    hint: `in ${workTreeLabel}: keep the lines wanted between the <<<<<<< / ======= / >>>>>>> lines, delete the markers, commit, then run git-sync again`,
  });
}

/** True when `path` is a file directly inside the store directory (logs live there, not in subdirectories). */
function isDirectlyIn(path: string, storeRelative: string): boolean {
  const rest = storeRelative === '' ? path : path.startsWith(`${storeRelative}/`) ? path.slice(storeRelative.length + 1) : undefined;
  return rest !== undefined && !rest.includes('/');
}
