/**
 * `git-sync`: commit the store, fetch, merge with the record merge driver, push; on a
 * rejected push, fetch-merge-push again after a jittered wait. Never force-pushes and
 * never rewrites a commit that may have been published: the only ways HEAD moves are a
 * new commit on top of it, a merge and a fast-forward.
 *
 * Lock discipline: the store's write lock is held only for the local steps that must not
 * race a writer (snapshot + commit + merge), never across the network. Writers wait
 * for those steps, and then append to the merged files.
 */
import { GitSyncError, ValidationError } from '../../errors.js';
import { chompLine, git, runGit, runGitAsync } from '../git-command.js';
import { requireStoreInRepo } from '../store-location.js';
import { readStoreBranchConfig } from '../store-branch.js';
import { commitSnapshot } from './commit-snapshot.js';
import { assertDriverStillInEffect, ensureMergeDriver } from './ensure-driver.js';
import { withGitSetupLock } from '../setup-lock.js';
import { mergeRemote, restoreCommittedBytes } from './merge-remote.js';
import { currentBranch, defaultRemote, isAncestor, NO_AUTO_GC, NO_HOOKS, WAIT_FOR_REF_LOCKS, numstat, rebasingBranch, remoteExists, resolveCommit, unmergedPaths, upstreamOf } from './git-facts.js';
import { backoffMs, pushOutcome, refLockInPushError, refNameTaken } from './push-outcome.js';
import { trackingRefInTheWay } from './fetch-errors.js';
import { assertPushedLogsResolved, assertRemoteLogsResolved } from './log-markers.js';
import { assertMergeableHistory } from './unrelated-history.js';
import { takeStoreSnapshot } from './store-snapshot.js';
import { markMergeEnded, markMergeStarted, recoverInterruptedSync } from './interrupted-sync.js';
import { acquireSyncLock, writeLastSync } from './sync-files.js';
import { collectionOfLogFile } from '../../jsonl/collection-name.js';
import { describeValue, parseOptionsArgument } from '../../store/arguments.js';
import { MAX_SYNC_RETRIES } from '../../shared/sync-limits.js';
import { describeThrown, progressCallback, type Logger } from '../../store/options.js';

export interface GitSyncOptions {
  /** The remote (default: the branch's upstream remote, else `origin`, else the only remote). */
  remote?: string;
  /** The remote branch (default: the branch's upstream branch, else the checked-out branch's name). */
  branch?: string;
  /** Message of the commit that records the store's changes (default `taskstore: sync`). */
  message?: string;
  /** How many times a rejected push is retried from the fetch (default 10). */
  retries?: number;
  /**
   * Told about each step, for a progress display. What it throws stops the sync at that
   * step and rejects with it, except at `done`: the sync has completed then, so it resolves
   * and the throw is logged through the store's logger.
   */
  onProgress?: (event: GitSyncProgress) => void;
  /** Longest wait for another git-sync of the same work tree (default 120 s). */
  lockTimeoutMs?: number;
}

export interface GitSyncProgress {
  step: 'install' | 'fetch' | 'commit' | 'merge' | 'push' | 'retry' | 'done';
  message: string;
}

/** Lines added to one collection's log: by the store's own commits, and by the merges. */
export interface CollectionChange {
  committed: number;
  merged: number;
}

export interface GitSyncReport {
  /** The work tree that was synced. */
  workTree: string;
  /** The checked-out branch. */
  localBranch: string;
  remote: string;
  /** The remote branch. */
  branch: string;
  /** Commits made: store commits and merge commits. */
  commits: number;
  commitIds: string[];
  /** Pushes that were rejected because another clone pushed first, each followed by a new fetch and merge. */
  retries: number;
  /** False when the remote already had everything. */
  pushed: boolean;
  /** HEAD afterwards (equal to the remote branch). */
  head: string;
  /** Record lines committed from this clone and received from the remote, in total and per collection. */
  recordsChanged: { committed: number; merged: number; byCollection: Record<string, CollectionChange> };
  /** Git integration items installed first because this clone lacked them (a fresh clone); usually empty. */
  installed: string[];
  ms: number;
}

/** What git-sync needs from the store it syncs. */
interface SyncedStore {
  /** Absolute store directory. */
  dir: string;
  /** Runs `fn` holding the store's cross-process write lock. */
  withWriteLock<R>(fn: () => R): R;
  /** Told what a progress callback threw after the sync completed. */
  logger: Pick<Logger, 'error'>;
}

const DEFAULT_SYNC_RETRIES = 10;
const DEFAULT_MESSAGE = 'taskstore: sync';

/**
 * Synchronises the store's branch with the remote. Resolves with a report; rejects with
 * `MergeConflictError` (code `MERGE_CONFLICT`; the work tree is left mid-merge and nothing
 * is pushed) or `GitSyncError` (code `GIT_SYNC`, `data.reason` says why).
 *
 * @example
 * const report = await gitSync(store, { retries: 10 });
 * console.log(`${report.commits} commits, ${report.retries} retries`);
 */
export async function gitSync(store: SyncedStore, options: GitSyncOptions = {}): Promise<GitSyncReport> {
  const started = performance.now(); // a duration: monotonic (a wall clock set back made it negative)
  const retries = checkOptions(options);
  const progress = progressCallback(options.onProgress, store.logger, 'git-sync') ?? (() => {});
  const located = requireStoreInRepo({ storeDir: store.dir });
  const { workTree, gitDir, commonDir } = located.git;
  const target = resolveTarget(workTree, options);
  const { remote, branch, localBranch } = target;

  let previousDied = false;
  const release = await acquireSyncLock(gitDir, options.lockTimeoutMs ?? 120_000, () => (previousDied = true));
  try {
    const storeBranch = readStoreBranchConfig(workTree)?.branch === localBranch;
    const recovered = recoverInterruptedSync(workTree, gitDir, storeBranch, localBranch, previousDied);
    if (recovered !== undefined && (recovered.finished !== undefined || recovered.removed.length > 0)) {
      progress({
        step: 'merge',
        message: `the previous git-sync died part-way: ${[
          ...(recovered.finished === undefined ? [] : [`finished its merge (${recovered.finished.slice(0, 12)})`]),
          ...(recovered.removed.length === 0 ? [] : [`removed ${recovered.removed.length} leftover file(s)`]),
        ].join(', ')}`,
      });
    }
    if (resolveCommit(workTree, 'MERGE_HEAD') !== undefined) {
      throw new GitSyncError(`a merge is in progress in ${workTree}`, {
        data: { reason: 'merge_in_progress' },
        hint: `finish it (resolve, \`git add\`, \`git commit\`) or abandon it (\`git merge --abort\`) in ${workTree}, then run git-sync again`,
      });
    }
    // A cherry-pick, revert, rebase or stash pop stopped on a conflict: git merge would refuse, and
    // its conflicted files would be reported as this sync's merge conflict, with the wrong way out.
    const unmerged = unmergedPaths(workTree);
    if (unmerged.length > 0) {
      throw new GitSyncError(`${workTree} has unmerged files (${unmerged.slice(0, 5).join(', ')}${unmerged.length > 5 ? ', …' : ''}): a git operation stopped on a conflict; git-sync changed nothing`, {
        data: { reason: 'unmerged_files', files: unmerged },
        hint: `\`git status\` in ${workTree} names the operation: resolve the files, \`git add\` them and continue it (e.g. \`git cherry-pick --continue\`, \`git rebase --continue\`), or abort it; then run git-sync again`,
      });
    }
    const installed = ensureMergeDriver(store.dir, () => progress({ step: 'install', message: 'this clone lacks the taskstore merge driver: installing it' }));
    const report: GitSyncReport = {
      workTree,
      localBranch,
      remote,
      branch,
      commits: 0,
      commitIds: [],
      retries: 0,
      pushed: false,
      head: '',
      recordsChanged: { committed: 0, merged: 0, byCollection: {} },
      installed,
      ms: 0,
    };
    if (recovered?.finished !== undefined) {
      report.commits++;
      report.commitIds.push(recovered.finished);
    }
    const trackingRef = `refs/remotes/${remote}/${branch}`;
    // Every head the remote branch had at our fetches: one alone means nobody else pushed meanwhile.
    const remoteHeadsSeen = new Set<string | undefined>();
    let lastRejection = '';

    for (;;) {
      progress({ step: 'fetch', message: `fetching ${branch} from ${remote}` });
      const remoteHead = await fetchBranch(workTree, remote, branch, trackingRef);
      remoteHeadsSeen.add(remoteHead);
      const merging = remoteHead !== undefined && !isAncestor(workTree, remoteHead, 'HEAD');
      // Before anything changes: markers someone pushed must not reach this store, nor be pushed on.
      if (merging) assertRemoteLogsResolved(workTree, resolveCommit(workTree, 'HEAD') ?? emptyTree(workTree), remoteHead, located.relative, `${remote}/${branch}`);
      // A branch of another history (the code's `main` named by mistake) is not merged.
      if (merging) assertMergeableHistory(workTree, remoteHead, located.relative, storeBranch, `${remote}/${branch}`);
      const commitAndMerge = (): void =>
        store.withWriteLock(() => {
          assertStillOn(workTree, localBranch);
          // The driver was in effect when git-sync started; an uninstall-hooks since (it
          // takes the setup lock, held here from now until the merge is done) removed it.
          if (merging) assertDriverStillInEffect(store.dir);
          commitStore(located, options.message ?? DEFAULT_MESSAGE, report, progress);
          // Only as decided before the locks: a merge is made holding the setup lock, the driver checked.
          if (merging && remoteHead !== undefined && !isAncestor(workTree, remoteHead, 'HEAD')) {
            progress({ step: 'merge', message: `merging ${remote}/${branch}` });
            // Marked, so that a git-sync killed inside git merge is finished by the next one (interrupted-sync.ts).
            markMergeStarted(gitDir, remoteHead);
            let merged: ReturnType<typeof mergeRemote>;
            try {
              merged = mergeRemote(workTree, remoteHead, `${remote}/${branch}`, storeBranch);
              restoreCommittedBytes(workTree, merged.before, merged.after, located.relative);
            } finally {
              markMergeEnded(gitDir);
            }
            countLines(report, numstat(workTree, [merged.before, merged.after, '--', located.relative === '' ? '.' : located.relative]), 'merged');
            if (merged.mergeCommit) {
              report.commits++;
              report.commitIds.push(merged.after);
            }
          }
          // Read under the lock: what is pushed is what was just committed and merged, even if HEAD moves next.
          report.head = chompLine(git(['rev-parse', 'HEAD'], workTree));
        });
      // A merge holds the git setup lock (taken before the store's lock, as no setup command
      // takes the store's): install-hooks and uninstall-hooks wait for it rather than change
      // the driver, the attributes or the hooks while git merges the logs.
      if (merging) withGitSetupLock(commonDir, commitAndMerge);
      else commitAndMerge();

      if (report.head === remoteHead) break; // the remote has it all
      // The pre-push hook's check, which git-sync's push skips: never publish an unresolved merge.
      assertPushedLogsResolved(workTree, remoteHead ?? emptyTree(workTree), report.head, located.relative, `${remote}/${branch}`, workTree);
      progress({ step: 'push', message: `pushing to ${remote}/${branch}` });
      const { outcome, stderr } = await push(workTree, remote, branch, report.head);
      if (outcome !== 'rejected') {
        report.pushed = outcome === 'pushed';
        // The tracking ref follows what we pushed even when the remote's fetch refspec would not update it.
        runGit([...WAIT_FOR_REF_LOCKS, 'update-ref', '-m', 'taskstore git-sync: pushed', trackingRef, report.head], workTree);
        break;
      }
      lastRejection = stderr;
      if (report.retries >= retries) {
        const lock = refLockInPushError(lastRejection);
        if (lock !== undefined && remoteHeadsSeen.size === 1) {
          // Not a race: the remote's branch never moved, and its ref lock stayed. A push that crashed there left it.
          throw new GitSyncError(`the remote ${remote} could not update ${branch} ${report.retries + 1} times while nobody else pushed: its lock file ${lock} exists`, {
            data: { reason: 'remote_ref_locked', remote, branch, lock, retries: report.retries, stderr: lastRejection },
            hint: `a push that crashed on the remote can leave ${lock} behind: if no push to ${remote} is running, delete that file on the remote (or ask whoever runs it), then run git-sync again; the store changes are committed locally and nothing is lost`,
          });
        }
        throw new GitSyncError(`the push to ${remote}/${branch} was rejected ${report.retries + 1} times: other clones kept pushing first`, {
          data: { reason: 'push_rejected', remote, branch, retries: report.retries },
          hint: 'run git-sync again (or with a higher --retries); the store changes are committed locally and nothing is lost',
        });
      }
      report.retries++;
      const wait = backoffMs(report.retries);
      progress({ step: 'retry', message: `push rejected (someone pushed first); retry ${report.retries}/${retries} in ${wait} ms` });
      await new Promise((resolve) => setTimeout(resolve, wait));
    }

    if (target.upstream === undefined) {
      // Remember where this branch syncs to, so `status` can say ahead/behind and plain git pull works.
      runGit(['config', `branch.${localBranch}.remote`, remote], workTree);
      runGit(['config', `branch.${localBranch}.merge`, `refs/heads/${branch}`], workTree);
    }
    writeLastSync(gitDir, { at: Date.now(), remote, branch, head: report.head });
    report.ms = Math.round(performance.now() - started);
    // Everything is committed, merged and pushed by now: what the callback throws cannot
    // stop anything, and rejecting would report a completed sync as failed (a caller would
    // retry it, and the store would not refresh with what the merge brought). Logged instead.
    try {
      progress({ step: 'done', message: `synced with ${remote}/${branch}` });
    } catch (err) {
      store.logger.error(
        `git-sync with ${remote}/${branch} completed (${report.pushed ? 'pushed' : 'nothing to push'}, HEAD ${report.head.slice(0, 12)}), but its onProgress callback threw at the 'done' step: ${describeThrown(err)}`,
      );
    }
    return report;
  } finally {
    release();
  }
}

interface SyncTarget {
  localBranch: string;
  upstream: { remote: string; branch: string } | undefined;
  remote: string;
  branch: string;
}

/** The checked-out branch and the remote branch it syncs with, from the options and the branch's upstream. */
function resolveTarget(workTree: string, options: GitSyncOptions): SyncTarget {
  const localBranch = currentBranch(workTree);
  if (localBranch === undefined) {
    const rebasing = rebasingBranch(workTree);
    if (rebasing !== undefined) {
      throw new GitSyncError(`a rebase${rebasing === '' ? '' : ` of ${rebasing}`} is in progress in ${workTree} (HEAD is detached until it ends): git-sync changed nothing`, {
        data: { reason: 'rebase_in_progress', ...(rebasing === '' ? {} : { branch: rebasing }) },
        hint: `finish it (resolve, \`git add\`, \`git rebase --continue\`) or abandon it (\`git rebase --abort\`) in ${workTree}, then run git-sync again`,
      });
    }
    throw new GitSyncError(`${workTree} has a detached HEAD: git-sync commits on a branch`, {
      data: { reason: 'detached_head' },
      hint: 'check out a branch (git switch <branch>) and run git-sync again',
    });
  }
  const upstream = upstreamOf(workTree, localBranch);
  const remote = options.remote ?? upstream?.remote ?? defaultRemote(workTree);
  if (remote === undefined || !remoteExists(workTree, remote)) {
    throw new GitSyncError(remote === undefined ? `${workTree} has no git remote to sync with` : `there is no git remote named ${remote}`, {
      data: { reason: 'no_remote', ...(remote === undefined ? {} : { remote }) },
      hint: 'add one with `git remote add origin <url>`, or pass --remote NAME',
    });
  }
  const branch = options.branch ?? (upstream !== undefined && upstream.remote === remote ? upstream.branch : localBranch);
  if (runGit(['check-ref-format', '--branch', branch], workTree).status !== 0 || branch.startsWith('-')) {
    throw new ValidationError(`${JSON.stringify(branch)} is not a valid branch name`, { field: 'branch' });
  }
  return { localBranch, upstream, remote, branch };
}

/**
 * Fails, changing nothing, when HEAD is no longer on the branch git-sync resolved at the
 * start: another process ran `git checkout` / `git switch` while the fetch ran (no lock
 * of ours stops it). Committing and merging now would land on the other branch and push
 * its content to the remote branch. Call it holding the store's write lock, before the
 * commit: the commit and merge then act on HEAD as checked here.
 */
function assertStillOn(workTree: string, localBranch: string): void {
  const current = currentBranch(workTree);
  if (current === localBranch) return;
  const now = current === undefined ? 'a detached HEAD' : `branch ${current}`;
  throw new GitSyncError(`${workTree} switched from branch ${localBranch} to ${now} while git-sync ran: it stopped, nothing was committed or merged on ${now} and nothing was pushed`, {
    data: { reason: 'branch_changed', expected: localBranch, current: current ?? null },
    hint:
      `another process checked out ${now} in ${workTree}; when it is done, switch back (\`git switch ${localBranch}\`) and run git-sync again` +
      (current === undefined ? '' : ` (or run it as is to sync ${current})`),
  });
}

/** Adds the lines of each changed log to the report's totals. */
function countLines(report: GitSyncReport, changes: Map<string, { added: number }>, key: keyof CollectionChange): void {
  for (const [path, { added }] of changes) {
    const collection = collectionOfLogFile(path);
    if (collection === undefined || added === 0) continue;
    // Own properties only: `constructor` is a valid collection name, and `??=` would find Object there.
    const totals = report.recordsChanged.byCollection;
    const entry = Object.hasOwn(totals, collection) ? totals[collection]! : (totals[collection] = { committed: 0, merged: 0 });
    entry[key] += added;
    report.recordsChanged[key] += added;
  }
}

type LocatedStore = ReturnType<typeof requireStoreInRepo>;

/** Commits a snapshot of the store (call it holding the store's write lock) and records it in the report. */
function commitStore(located: LocatedStore, message: string, report: GitSyncReport, progress: (event: GitSyncProgress) => void): void {
  const { workTree, gitDir } = located.git;
  const before = resolveCommit(workTree, 'HEAD');
  const made = commitSnapshot({ workTree, gitDir, storeRelative: located.relative, message }, takeStoreSnapshot(located.storeDir, located.relative));
  if (made.commit === undefined) return;
  progress({ step: 'commit', message: `committed ${made.paths.length} store file(s)` });
  report.commits++;
  report.commitIds.push(made.commit);
  const changes = new Map([...made.appendedLines].map(([path, added]) => [path, { added }]));
  const rewritten = made.paths.filter((path) => collectionOfLogFile(path) !== undefined && !made.appendedLines.has(path));
  if (rewritten.length > 0) {
    for (const [path, change] of numstat(workTree, [before ?? emptyTree(workTree), made.commit, '--', ...rewritten])) changes.set(path, change);
  }
  countLines(report, changes, 'committed');
}

/** Pushes `head` to the remote branch (never forced): pushed, up to date, or rejected because someone pushed first. */
async function push(workTree: string, remote: string, branch: string, head: string): Promise<{ outcome: 'pushed' | 'up-to-date' | 'rejected'; stderr: string }> {
  const run = await runGitAsync(['push', '--porcelain', remote, `${head}:refs/heads/${branch}`], workTree, { env: NO_HOOKS });
  const outcome = pushOutcome(run.status, run.stdout, run.stderr);
  const taken = outcome === 'failed' ? refNameTaken(run.stderr) : undefined;
  if (taken !== undefined) {
    throw new GitSyncError(`the remote ${remote} cannot hold a branch ${branch} beside its ${taken.replace(/^refs\/heads\//, '')}: one branch name is a folder of the other`, {
      data: { reason: 'push_failed', remote, branch, conflictingRef: taken, stderr: run.stderr },
      hint: `sync with another remote branch (--branch NAME), or delete or rename ${taken} on ${remote}; the store changes are committed locally and nothing is lost`,
    });
  }
  if (outcome === 'failed') {
    throw new GitSyncError(`git push to ${remote} failed: ${(run.stderr.trim() || run.stdout.trim()).split('\n').slice(-3).join(' ')}`, {
      data: { reason: 'push_failed', remote, branch, stderr: run.stderr },
      hint: 'fix the cause above and run git-sync again; the store changes are committed locally and nothing is lost',
    });
  }
  return { outcome, stderr: run.stderr };
}

function checkOptions(options: GitSyncOptions): number {
  if (options === null || typeof options !== 'object') throw new ValidationError('gitSync options must be an object');
  // A misspelt `remote` or `branch` would otherwise sync with the default one.
  parseOptionsArgument(options, ['remote', 'branch', 'message', 'retries', 'onProgress', 'lockTimeoutMs']);
  const retries = options.retries ?? DEFAULT_SYNC_RETRIES;
  if (!Number.isSafeInteger(retries) || retries < 0 || retries > MAX_SYNC_RETRIES) {
    throw new ValidationError(`retries must be an integer from 0 to ${MAX_SYNC_RETRIES} (got ${describeValue(options.retries)})`, { field: 'retries' });
  }
  for (const key of ['remote', 'branch', 'message'] as const) {
    const value: unknown = options[key];
    if (value !== undefined && (typeof value !== 'string' || value.trim() === '' || value.includes('\0'))) {
      throw new ValidationError(`${key} must be a non-empty string`, { field: key });
    }
  }
  if (options.remote?.startsWith('-')) throw new ValidationError(`${JSON.stringify(options.remote)} is not a remote name`, { field: 'remote' });
  // Unchecked, NaN or a string made the deadline NaN: a wait that never gave up behind
  // another git-sync's lock; a negative one gave up at once.
  const { lockTimeoutMs } = options;
  if (lockTimeoutMs !== undefined && (!Number.isSafeInteger(lockTimeoutMs) || lockTimeoutMs < 0)) {
    throw new ValidationError(`lockTimeoutMs must be a non-negative integer number of milliseconds (got ${describeValue(lockTimeoutMs)})`, { field: 'lockTimeoutMs' });
  }
  return retries;
}

/** Fetches the remote branch into its tracking ref; undefined when the remote has no such branch yet. */
async function fetchBranch(workTree: string, remote: string, branch: string, trackingRef: string): Promise<string | undefined> {
  const run = await runGitAsync([...NO_AUTO_GC, ...WAIT_FOR_REF_LOCKS, 'fetch', '--quiet', '--no-tags', '--no-write-fetch-head', remote, `+refs/heads/${branch}:${trackingRef}`], workTree, {
    env: NO_HOOKS,
  });
  if (run.status === 0) return resolveCommit(workTree, trackingRef);
  if (/couldn't find remote ref/i.test(run.stderr)) return undefined;
  const inTheWay = trackingRefInTheWay(run.stderr, remote, branch, trackingRef, 'run git-sync again');
  if (inTheWay !== undefined) throw inTheWay;
  throw new GitSyncError(`git fetch from ${remote} failed: ${run.stderr.trim()}`, {
    data: { reason: 'fetch_failed', remote, branch, stderr: run.stderr },
    hint: 'check that the remote is reachable, then run git-sync again; nothing was changed',
  });
}

function emptyTree(workTree: string): string {
  return chompLine(git(['hash-object', '-w', '-t', 'tree', '--stdin'], workTree, { input: '' }));
}
