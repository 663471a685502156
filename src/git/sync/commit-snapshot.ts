/**
 * Commits a store snapshot on the checked-out branch without touching anything else the
 * user has modified or staged: the tree is built in a private index file
 * (`GIT_INDEX_FILE`) from HEAD plus the snapshot's blobs, the commit is made with
 * `commit-tree`, and HEAD moves only if nobody moved it meanwhile (compare-and-swap).
 * The real index learns only the store's entries, so `git status` stays truthful and the
 * user's next commit does not undo ours.
 */
import { createHash, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { GitSyncError, IoError } from '../../errors.js';
import { chompLine, git, gitBytes, runGit } from '../git-command.js';
import { gitLockAdvice, inspectGitLock, lockInGitError } from '../lock-advice.js';
import { commitIdentityArgs, NO_HOOKS, objectFormat, resolveCommit } from './git-facts.js';
import { assertNoConflictMarkers, assertNoNulBytes, type SnapshotFile } from './store-snapshot.js';
import { recordsLost } from './lost-records.js';
import { shellQuote } from '../shell-quote.js';

interface SnapshotCommitTarget {
  workTree: string;
  /** This work tree's private git dir (the temporary index goes there). */
  gitDir: string;
  /** The store directory's path in the work tree (`.taskstore`), `''` for the root. */
  storeRelative: string;
  message: string;
}

/** The commit made, or undefined when the snapshot equals HEAD. */
interface SnapshotCommitResult {
  commit: string | undefined;
  /** Files whose content the commit changed. */
  paths: string[];
  /**
   * Lines the commit added to each changed log, when that log only grew (the usual,
   * append-only case: counted here without asking git to diff two big blobs). Logs that
   * were rewritten (compaction) are missing: ask `git diff --numstat` for those.
   */
  appendedLines: Map<string, number>;
}

const ATTEMPTS = 5;

/**
 * Commits the snapshot's changed files on top of HEAD. Retries when HEAD moved between
 * reading it and moving it (the user committed at that very moment).
 */
export function commitSnapshot(target: SnapshotCommitTarget, files: readonly SnapshotFile[]): SnapshotCommitResult {
  for (let attempt = 1; ; attempt++) {
    const result = tryCommitSnapshot(target, files);
    if (result !== 'head-moved') return result;
    if (attempt >= ATTEMPTS) {
      throw new IoError(`HEAD kept moving in ${target.workTree} while git-sync committed the store`, {
        data: { reason: 'head_moving' },
        hint: 'let the other git command finish, then run git-sync again',
      });
    }
  }
}

function tryCommitSnapshot(target: SnapshotCommitTarget, files: readonly SnapshotFile[]): SnapshotCommitResult | 'head-moved' {
  const { workTree } = target;
  const head = resolveCommit(workTree, 'HEAD');
  const committed = head === undefined ? new Map<string, { blob: string; size: number }>() : treeBlobs(workTree, head, target.storeRelative);
  const format = objectFormat(workTree);
  const changed = files.filter((file) => committed.get(file.path)?.blob !== blobHash(format, file.content));
  if (changed.length === 0) return { commit: undefined, paths: [], appendedLines: new Map() };
  for (const file of changed) {
    if (file.collection === undefined) continue;
    assertNoConflictMarkers(join(workTree, file.path), file.content);
    assertNoNulBytes(join(workTree, file.path), file.content);
  }
  const appended = new Map<string, number | undefined>();
  for (const file of changed) {
    if (file.collection === undefined) continue;
    const before = committed.get(file.path);
    const added = before === undefined ? countLines(file.content, 0) : appendedSince(format, file.content, before);
    appended.set(file.path, added);
    // Not a plain append (compaction, or damage): it must still hold every record's current version.
    if (before !== undefined && added === undefined) assertNoRecordLost(target, head!, file, before.blob);
  }

  const entries = changed.map((file) => ({ path: file.path, blob: writeBlob(workTree, file) }));
  const indexInfo = entries.map((e) => `100644 ${e.blob}\t${e.path}\0`).join('');
  const tempIndex = join(target.gitDir, `taskstore-sync-${process.pid}-${randomBytes(4).toString('hex')}.index`);
  let tree: string;
  try {
    const env = { ...NO_HOOKS, GIT_INDEX_FILE: tempIndex };
    git(head === undefined ? ['read-tree', '--empty'] : ['read-tree', head], workTree, { env });
    git(['update-index', '-z', '--index-info'], workTree, { env, input: indexInfo });
    tree = chompLine(git(['write-tree'], workTree, { env }));
  } finally {
    rmSync(tempIndex, { force: true });
  }
  const commit = chompLine(
    git([...commitIdentityArgs(workTree), 'commit-tree', tree, ...(head === undefined ? [] : ['-p', head]), '-F', '-'], workTree, {
      input: target.message,
    }),
  );
  // The real index first: should HEAD then refuse to move, the store's lines are merely
  // staged (harmless); the other order could leave an index that reverts them.
  updateRealIndex(workTree, indexInfo);
  const moved = runGit(['update-ref', '-m', 'taskstore git-sync: commit the store', 'HEAD', commit, head ?? ''], workTree);
  if (moved.status !== 0) {
    if (resolveCommit(workTree, 'HEAD') !== head) return 'head-moved';
    const path = lockInGitError(moved.stderr);
    const lock = path === undefined ? undefined : inspectGitLock(path, workTree);
    throw new IoError(`cannot move HEAD in ${workTree}: ${lock === undefined ? moved.stderr.trim() : `its lock file ${lock.path} exists (the store's records are staged, not committed)`}`, {
      data: { reason: 'update_ref_failed', ...(lock === undefined ? {} : { lock: lock.path, lockAgeMs: Math.round(lock.ageMs) }), stderr: moved.stderr },
      ...(lock === undefined ? {} : { hint: gitLockAdvice(lock, workTree, 'run git-sync again') }),
    });
  }
  const appendedLines = new Map<string, number>();
  for (const [path, added] of appended) if (added !== undefined) appendedLines.set(path, added);
  return { commit, paths: changed.map((file) => file.path), appendedLines };
}

/**
 * Throws, committing nothing, when the snapshot of a log lacks a record's current version
 * that HEAD's version of the log has (see lost-records.ts): the file was damaged, and
 * committing it would delete those records on every clone.
 */
function assertNoRecordLost(target: SnapshotCommitTarget, head: string, file: SnapshotFile, blob: string): void {
  const lost = recordsLost(gitBytes(['cat-file', 'blob', blob], target.workTree), file.content);
  if (lost.length === 0) return;
  const path = join(target.workTree, file.path);
  const shown = lost.slice(0, 5).join(', ') + (lost.length > 5 ? ', …' : '');
  throw new GitSyncError(
    `${path} lacks the current version of ${lost.length} record(s) that the last commit has (${shown}): the file lost lines outside TaskStore ` +
      '(cut short by a crash or a kill while git rewrote it, or edited by hand); git-sync committed, merged and pushed nothing, because committing it would delete those records on every clone',
    {
      data: { reason: 'records_lost', file: path, commit: head, lost: lost.length, ids: lost.slice(0, 20) },
      hint:
        `put the committed lines back while no writer runs: \`git -C ${shellQuote(target.workTree)} show ${head.slice(0, 12)}:${shellQuote(file.path)} > /tmp/committed.jsonl\` and ` +
        `\`taskstore merge /dev/null ${shellQuote(path)} /tmp/committed.jsonl\` (the merge driver adds every line the file lacks), then run git-sync again. ` +
        `If the records were removed on purpose, commit the file yourself (\`git -C ${shellQuote(target.workTree)} commit -- ${shellQuote(file.path)}\`) and run git-sync again`,
    },
  );
}

/** Blob ids and sizes of the files under the store directory in `commit`, by path. */
function treeBlobs(workTree: string, commit: string, storeRelative: string): Map<string, { blob: string; size: number }> {
  const out = git(['ls-tree', '-z', '-r', '-l', '--full-tree', commit, '--', ...(storeRelative === '' ? [] : [storeRelative])], workTree);
  const blobs = new Map<string, { blob: string; size: number }>();
  for (const entry of out.split('\0')) {
    const match = /^\d+ blob ([0-9a-f]+) +(\d+)\t(.*)$/s.exec(entry);
    if (match !== null) blobs.set(match[3]!, { blob: match[1]!, size: Number(match[2]) });
  }
  return blobs;
}

/** Lines appended to `before` to make `content`, or undefined when `content` does not start with it. */
function appendedSince(format: 'sha1' | 'sha256', content: Buffer, before: { blob: string; size: number }): number | undefined {
  if (content.length < before.size || blobHash(format, content.subarray(0, before.size)) !== before.blob) return undefined;
  return countLines(content, before.size);
}

function countLines(content: Buffer, from: number): number {
  let lines = 0;
  for (let i = content.indexOf(0x0a, from); i !== -1; i = content.indexOf(0x0a, i + 1)) lines++;
  return lines;
}

/** Git's object id for a blob with this content (`blob <size>\0<content>`), without running git. */
export function blobHash(format: 'sha1' | 'sha256', content: Buffer): string {
  return createHash(format).update(`blob ${content.length}\0`).update(content).digest('hex');
}

function writeBlob(workTree: string, file: SnapshotFile): string {
  // --stdin without --path: the bytes are stored as they are (no clean filter, no CRLF conversion).
  return chompLine(git(['hash-object', '-w', '--stdin'], workTree, { input: file.content }));
}

/** Sets the store's entries in the work tree's own index; waits a little if another git command holds its lock. */
function updateRealIndex(workTree: string, indexInfo: string): void {
  const deadline = performance.now() + 5_000; // monotonic: a wall clock set back would stretch the wait
  for (;;) {
    const run = runGit(['update-index', '-z', '--index-info'], workTree, { env: NO_HOOKS, input: indexInfo });
    if (run.status === 0) return;
    const path = lockInGitError(run.stderr);
    const lock = path === undefined ? undefined : inspectGitLock(path, workTree);
    // A lock no git holds (none works there, and it is older than any git command of
    // TaskStore's takes) will not go away by waiting: say so now, not after 5 s.
    const leftOver = lock?.gitProcesses?.length === 0 && lock.ageMs > 10_000;
    if (!/index\.lock/.test(run.stderr) || leftOver || performance.now() > deadline) {
      // Name the exact lock: in a store branch's worktree it is .git/worktrees/<name>/index.lock,
      // and "remove a stale .git/index.lock" sent the user to a file that was not there.
      if (lock === undefined) {
        throw new IoError(`cannot update the git index in ${workTree}: ${run.stderr.trim()}`, {
          data: { reason: 'index_locked' },
          hint: 'let the other git command finish, then run git-sync again',
        });
      }
      throw new IoError(`cannot update the git index in ${workTree}: its lock file ${lock.path} exists (nothing was committed; the store's records are safe in its logs)`, {
        data: { reason: 'index_locked', lock: lock.path, lockAgeMs: Math.round(lock.ageMs), ...(lock.gitProcesses === undefined ? {} : { gitProcesses: lock.gitProcesses }), stderr: run.stderr },
        hint: gitLockAdvice(lock, workTree, 'run git-sync again'),
      });
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
}
