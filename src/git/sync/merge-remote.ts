/**
 * git-sync's merge step: git's own merge of the fetched commit, the driver doing the
 * store's logs. Run it holding the store's write lock, right after committing the store,
 * so that git never finds an uncommitted line in a log it rewrites.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { GitSyncError, IoError, MergeConflictError } from '../../errors.js';
import { chompLine, git, runGit } from '../git-command.js';
import { commitIdentityArgs, NO_AUTO_GC, NO_HOOKS, WAIT_FOR_REF_LOCKS } from './git-facts.js';
import { getConfig } from '../git-config.js';
import { gitLockAdvice, inspectGitLock, lockInGitError, lockLeftOver, type GitLockState } from '../lock-advice.js';
import { collectionOfLogFile } from '../../jsonl/collection-name.js';
import { spellControls } from '../../jsonl/control-chars.js';
import { isConflictMarker } from '../../jsonl/line-codec.js';

interface MergeResult {
  /** HEAD before and after. */
  before: string;
  after: string;
  /** A merge commit was made (false for a fast-forward). */
  mergeCommit: boolean;
}

/**
 * Merges `remoteHead` into HEAD (fast-forward when possible). On conflicts the work tree
 * is left mid-merge and {@link MergeConflictError} names the files; when git refuses to
 * start (local changes in the way) {@link GitSyncError} says so.
 * `allowUnrelated`: two clones that each started the store branch before either pushed
 * hold two histories of the same store; the driver merges them record by record.
 */
export function mergeRemote(workTree: string, remoteHead: string, label: string, allowUnrelated: boolean): MergeResult {
  const before = chompLine(git(['rev-parse', 'HEAD'], workTree));
  refuseLeftOverRefLocks(workTree, label);
  const run = runGit(
    [
      ...NO_AUTO_GC,
      // git merge moves the branch last, after the work tree and index hold the result, and
      // waits only 100 ms for a ref lock: a lock a gc of the user's own git commands held a
      // moment longer left the merge checked out with HEAD not moved. A left-over lock was
      // refused above.
      ...WAIT_FOR_REF_LOCKS,
      'merge',
      '--quiet',
      '--ff',
      '--no-edit',
      '--no-verify',
      '--no-autostash',
      ...(allowUnrelated ? ['--allow-unrelated-histories'] : []),
      '-m',
      `taskstore: merge ${label}`,
      remoteHead,
    ],
    workTree,
    { env: NO_HOOKS },
  );
  if (run.status !== 0) {
    const lockPath = lockInGitError(run.stderr);
    if (lockPath !== undefined && resolveHead(workTree) === before) {
      const lock = inspectGitLock(lockPath, workTree) ?? { path: lockPath, ageMs: 0, gitProcesses: undefined };
      const state =
        'git merge checked the merge out but could not move HEAD, so the work tree and index hold the merged files on top of the old HEAD; ' +
        "the next git-sync commits the store's files as they are, the merged records with them, and merges again";
      throw refLocked(workTree, label, lock, run.stderr, state);
    }
    const conflicted = git(['diff', '--name-only', '-z', '--diff-filter=U'], workTree).split('\0').filter((p) => p !== '');
    if (conflicted.length > 0) {
      const unmerged = conflicted.filter((path) => !holdsConflictMarker(join(workTree, path)));
      if (unmerged.length > 0) throw driverRefused(workTree, label, conflicted, unmerged, run.stderr);
      throw new MergeConflictError(`merging ${label} left conflicts in ${conflicted.join(', ')} (in ${workTree})`, conflicted, {
        data: { workTree },
        hint:
          `the work tree is left mid-merge and nothing was pushed. In ${workTree}: edit each file, keep the lines you want between <<<<<<< / ======= / >>>>>>> and delete the markers, ` +
          '`git add` the files and `git commit`, then run git-sync again; or give up this merge with `git merge --abort`',
      });
    }
    if (indexDiffersFromHead(workTree)) return mergeBesideIndex(workTree, before, remoteHead, label, allowUnrelated);
    throw new GitSyncError(`git refused to merge ${label} in ${workTree}: ${(run.stderr.trim() || run.stdout.trim()).split('\n').slice(0, 6).join(' ')}`, {
      data: { reason: 'merge_refused', stderr: run.stderr },
      hint: 'commit or stash the changes git names, then run git-sync again (the store changes are committed and nothing is lost); a store branch (`taskstore init --branch NAME`) avoids sharing the work tree with your own changes',
    });
  }
  const after = chompLine(git(['rev-parse', 'HEAD'], workTree));
  // A fast-forward lands on the remote's commit, which may itself be a merge another clone
  // made: not one made here (counted as one, a sync that made nothing reported a commit).
  if (after === remoteHead) return { before, after, mergeCommit: false };
  const parents = chompLine(git(['rev-list', '--parents', '-n', '1', after], workTree)).split(' ').length - 1;
  return { before, after, mergeCommit: parents > 1 };
}

function resolveHead(workTree: string): string | undefined {
  const run = runGit(['rev-parse', '--verify', '-q', 'HEAD'], workTree);
  return run.status === 0 ? chompLine(run.stdout) : undefined;
}

/**
 * Fails, before git merge changes anything, when the lock of the branch's ref or of the
 * work tree's HEAD is left over from a git that was killed (old, no git working there):
 * git merge would check the merge out and then fail to move HEAD. A younger lock is
 * waited for (core.filesRefLockTimeout).
 */
function refuseLeftOverRefLocks(workTree: string, label: string): void {
  const branch = runGit(['symbolic-ref', '-q', 'HEAD'], workTree);
  const refs = ['HEAD', ...(branch.status === 0 ? [chompLine(branch.stdout)] : [])];
  const paths = runGit(['rev-parse', ...refs.flatMap((ref) => ['--git-path', `${ref}.lock`])], workTree);
  if (paths.status !== 0) return;
  for (const line of paths.stdout.split('\n')) {
    if (line === '') continue;
    const lock = inspectGitLock(isAbsolute(line) ? line : join(workTree, line), workTree);
    if (lock !== undefined && lockLeftOver(lock)) throw refLocked(workTree, label, lock, '', 'nothing was merged or changed');
  }
}

/** The error of a merge stopped by a ref lock: as the commit's (`update_ref_failed`), naming the exact file. */
function refLocked(workTree: string, label: string, lock: GitLockState, stderr: string, state: string): IoError {
  return new IoError(`cannot merge ${label} in ${workTree}: git cannot move HEAD while its lock file ${lock.path} exists (${state})`, {
    data: { reason: 'update_ref_failed', lock: lock.path, lockAgeMs: Math.round(lock.ageMs), ...(lock.gitProcesses === undefined ? {} : { gitProcesses: lock.gitProcesses }), stderr },
    hint: gitLockAdvice(lock, workTree, 'run git-sync again'),
  });
}

/**
 * A conflicted file without a single marker line is one the merge driver refused (exit 2:
 * an unreadable side, out of memory): git left ours in the work tree as it was. The usual
 * advice (resolve the markers, `git add`, `git commit`) would commit ours alone and drop
 * every line the other side added, so the error says what happened and where the other
 * side is, with the driver's own words (git passes its stderr through).
 */
function driverRefused(workTree: string, label: string, conflicted: string[], unmerged: string[], stderr: string): MergeConflictError {
  const reasons = stderr
    .split('\n')
    .filter((line) => line.startsWith('taskstore-merge: '))
    .slice(0, 3)
    .map((line) => spellControls(line.trim()));
  const files = unmerged.join(', ');
  return new MergeConflictError(
    `merging ${label} left conflicts in ${conflicted.join(', ')} (in ${workTree}): the merge driver could not merge ${files}, which ${unmerged.length === 1 ? 'holds' : 'hold'} this clone's side unchanged, without conflict markers and without the other side's lines${reasons.length > 0 ? ` (${reasons.join('; ')})` : ''}`,
    conflicted,
    {
      data: { workTree, unmerged },
      hint:
        `the work tree is left mid-merge and nothing was pushed. Committing ${files} as it is would drop the other side's records: its version is \`git show :3:<file>\` (the common base \`git show :1:<file>\`). ` +
        'Fix what the driver names, then merge the file again with `git checkout --merge -- <file>`, or add the lines of both sides to the file by hand; then `git add` and `git commit`, and run git-sync again. Or give up this merge with `git merge --abort`',
    },
  );
}

/** True when the file at `path` has a git conflict marker line (read as bytes: it may not be valid UTF-8). */
function holdsConflictMarker(path: string): boolean {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch {
    return true; // deleted on one side, or not a file: git's own conflict, left to the usual advice
  }
  if (!/(^|\n)(<{7}|={7}|>{7}|\|{7})/.test(text)) return false;
  return text.split('\n').some((line) => isConflictMarker(line));
}

/** True when the index holds changes that are not committed (the user staged something). */
function indexDiffersFromHead(workTree: string): boolean {
  return runGit(['diff', '--cached', '--quiet', 'HEAD', '--'], workTree).status === 1;
}

/**
 * The merge for a work tree whose index holds the user's staged changes, where `git
 * merge` refuses to start: the merge is computed without the index (`git merge-tree`,
 * which also uses the merge driver), committed with `commit-tree`, and checked out the
 * way `git checkout` carries local changes along (`read-tree -m -u HEAD <merge>`): staged
 * and modified files that the merge does not touch stay exactly as they were. When the
 * merge conflicts, or touches a file the user changed, nothing is changed and git-sync
 * says what to do.
 */
function mergeBesideIndex(workTree: string, head: string, remoteHead: string, label: string, allowUnrelated: boolean): MergeResult {
  const computed = runGit(
    ['merge-tree', '--write-tree', '-z', '--name-only', '--no-messages', ...(allowUnrelated ? ['--allow-unrelated-histories'] : []), head, remoteHead],
    workTree,
    { env: NO_HOOKS },
  );
  const [tree = '', ...conflicted] = computed.stdout.split('\0').filter((p) => p !== '');
  if (computed.status === 1) {
    throw new MergeConflictError(`merging ${label} conflicts in ${conflicted.join(', ')} (in ${workTree})`, conflicted, {
      data: { workTree, midMerge: false },
      hint: 'your staged changes keep git from starting this merge in the work tree, so nothing was changed or pushed: commit or stash them, run git-sync again, then resolve the conflict it leaves',
    });
  }
  if (computed.status !== 0 || !/^[0-9a-f]+$/.test(tree)) {
    throw new GitSyncError(`git merge-tree failed in ${workTree}: ${computed.stderr.trim()}`, { data: { reason: 'merge_refused', stderr: computed.stderr } });
  }
  const commit = chompLine(
    git([...commitIdentityArgs(workTree), 'commit-tree', tree, '-p', head, '-p', remoteHead, '-F', '-'], workTree, { input: `taskstore: merge ${label}` }),
  );
  runGit(['update-index', '-q', '--refresh'], workTree, { env: NO_HOOKS }); // stat info only: read-tree trusts it
  const checkout = runGit(['read-tree', '-m', '-u', head, commit], workTree, { env: NO_HOOKS });
  if (checkout.status !== 0) {
    throw new GitSyncError(`the merge of ${label} changes files you have changed in ${workTree}: ${checkout.stderr.trim().split('\n').slice(0, 4).join(' ')}`, {
      data: { reason: 'merge_refused', stderr: checkout.stderr },
      hint: 'commit or stash those changes, then run git-sync again (the store changes are committed and nothing is lost); a store branch (`taskstore init --branch NAME`) avoids sharing the work tree with your own changes',
    });
  }
  git([...WAIT_FOR_REF_LOCKS, 'update-ref', '-m', `taskstore git-sync: merge ${label}`, 'HEAD', commit, head], workTree);
  return { before: head, after: commit, mergeCommit: true };
}

/**
 * After a merge moved HEAD from `before` to `after`, writes the store's logs that it
 * changed again with their committed bytes, when `core.autocrlf=true` (the Git for
 * Windows default) made the merge's checkout turn every `\n` into `\r\n`. git-sync commits
 * the store's bytes as they are, so its next commit would otherwise rewrite every line of
 * those logs as CRLF and push that to every clone. Only the logs are touched (they equal
 * `after` right after the merge, under the store's write lock); the user's files keep
 * git's conversion.
 */
export function restoreCommittedBytes(workTree: string, before: string, after: string, storeRelative: string): void {
  if (before === after || !/^(true|yes|on|1)$/i.test(getConfig(workTree, 'core.autocrlf') ?? '')) return;
  const logs = git(['diff', '--name-only', '-z', '--no-renames', before, after, '--', storeRelative === '' ? '.' : storeRelative], workTree)
    .split('\0')
    .filter((path) => path !== '' && collectionOfLogFile(path) !== undefined);
  if (logs.length === 0) return;
  git(['-c', 'core.autocrlf=false', 'checkout', after, '--', ...logs.map((path) => `:(literal)${path}`)], workTree, { env: NO_HOOKS });
}
