/**
 * `store.syncStatus()` / `taskstore status`: how far this clone's store is from the
 * remote, without touching the network or anything else (the remote-tracking ref as of
 * the last fetch is what "behind" is counted against).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { runGit } from '../git-command.js';
import { gitIntegrationStatus } from '../status.js';
import { locateStore } from '../store-location.js';
import { readStoreBranchConfig } from '../store-branch.js';
import { currentBranch, numstat, resolveCommit, upstreamOf } from './git-facts.js';
import { readLastSync } from './sync-files.js';
import { collectionOfLogFile } from '../../jsonl/collection-name.js';

export interface SyncStatus {
  /** The store is inside a git work tree; when false every other field is empty. */
  inGitRepo: boolean;
  workTree: string | null;
  /** The checked-out branch (null when detached or outside git). */
  branch: string | null;
  /** The configured store branch (`taskstore.branch`) when this store is on it, else null. */
  storeBranch: string | null;
  /** `remote/branch` this branch syncs with (its upstream), or null when none is set yet. */
  upstream: string | null;
  /** Commits on HEAD the upstream lacks, and the reverse, as of the last fetch (null without an upstream ref). */
  ahead: number | null;
  behind: number | null;
  /** Lines added to (and removed from) each collection's log since HEAD: what the next git-sync commits. */
  uncommitted: Record<string, { added: number; removed: number }>;
  /** Total uncommitted lines added over all collections. */
  uncommittedLines: number;
  /**
   * Files under the store directory that git does not track yet (ignored files aside),
   * logs aside (`uncommitted` counts those): `.version` and `.gitignore` right after
   * `init`, until the first commit or git-sync, which commits them. Paths relative to the
   * work tree. While the store's `.version` is among them the store is not in git at all,
   * whatever `uncommitted` says.
   */
  untrackedFiles: string[];
  /** Git merges the store's logs with the TaskStore driver (attribute line + driver config present). */
  driverInstalled: boolean;
  /** Every TaskStore hook is installed. */
  hooksInstalled: boolean;
  /** Hooks that are not. */
  hooksMissing: string[];
  /** Hooks (of hooksMissing) git cannot start, their `#!` line ending in a carriage return: `check`'s `hooks_not_runnable`. */
  hooksNotRunnable: string[];
  /**
   * Installed hooks whose TaskStore block is not what this version's `install-hooks`
   * writes (an older version wrote it, or it was edited): `check`'s `hooks_outdated`.
   */
  hooksOutdated: string[];
  /** Installed hooks whose TaskStore block a newer TaskStore wrote: `check`'s `hooks_newer`. */
  hooksNewer: string[];
  /** When the last git-sync in this work tree finished (Unix ms), or null. */
  lastSyncAt: number | null;
}

const EMPTY: SyncStatus = {
  inGitRepo: false,
  workTree: null,
  branch: null,
  storeBranch: null,
  upstream: null,
  ahead: null,
  behind: null,
  uncommitted: {},
  uncommittedLines: 0,
  untrackedFiles: [],
  driverInstalled: false,
  hooksInstalled: false,
  hooksMissing: [],
  hooksNotRunnable: [],
  hooksOutdated: [],
  hooksNewer: [],
  lastSyncAt: null,
};

/**
 * Reads the sync state of the store in `storeDir`. Never throws because the store is
 * outside git: it then reports `inGitRepo: false`.
 * @example const { ahead, behind, uncommittedLines } = syncStatus('.taskstore');
 */
export function syncStatus(storeDir: string): SyncStatus {
  const located = locateStore({ storeDir });
  if (located.git === undefined || located.relative === undefined) return { ...EMPTY, uncommitted: {}, untrackedFiles: [], hooksMissing: [], hooksNotRunnable: [], hooksOutdated: [], hooksNewer: [] };
  const { workTree, gitDir } = located.git;
  const branch = currentBranch(workTree) ?? null;
  const configured = readStoreBranchConfig(workTree);
  const upstream = branch === null ? undefined : upstreamOf(workTree, branch);
  const upstreamRef = upstream === undefined ? undefined : resolveCommit(workTree, `refs/remotes/${upstream.remote}/${upstream.branch}`);
  let ahead: number | null = null;
  let behind: number | null = null;
  if (upstreamRef !== undefined && resolveCommit(workTree, 'HEAD') !== undefined) {
    const counts = runGit(['rev-list', '--left-right', '--count', `HEAD...${upstreamRef}`], workTree);
    const [left, right] = counts.stdout.trim().split(/\s+/).map(Number);
    if (counts.status === 0 && left !== undefined && right !== undefined) [ahead, behind] = [left, right];
  }
  const { uncommitted, untrackedFiles } = uncommittedChanges(workTree, located.relative);
  const integration = gitIntegrationStatus({ storeDir, probeDriver: false });
  return {
    inGitRepo: true,
    workTree,
    branch,
    storeBranch: configured !== undefined && configured.branch === branch ? configured.branch : null,
    upstream: upstream === undefined ? null : `${upstream.remote}/${upstream.branch}`,
    ahead,
    behind,
    uncommitted,
    uncommittedLines: Object.values(uncommitted).reduce((n, c) => n + c.added, 0),
    untrackedFiles,
    driverInstalled: integration.attributesLine && integration.driverConfigured,
    hooksInstalled: integration.hooksMissing.length === 0,
    hooksMissing: integration.hooksMissing,
    hooksNotRunnable: integration.hooksNotRunnable,
    hooksOutdated: integration.hooksOutdated,
    hooksNewer: integration.hooksNewer,
    lastSyncAt: readLastSync(gitDir)?.at ?? null,
  };
}

/**
 * Per collection: lines of the work tree's logs that HEAD lacks (tracked logs by diff, new
 * logs by counting); and the store's other files that git does not track yet.
 */
function uncommittedChanges(workTree: string, storeRelative: string): { uncommitted: Record<string, { added: number; removed: number }>; untrackedFiles: string[] } {
  const scope = storeRelative === '' ? '.' : storeRelative;
  const result: Record<string, { added: number; removed: number }> = {};
  const note = (path: string, change: { added: number; removed: number }): void => {
    const collection = collectionOfLogFile(path);
    if (collection === undefined || (change.added === 0 && change.removed === 0)) return;
    result[collection] = change;
  };
  if (resolveCommit(workTree, 'HEAD') !== undefined) {
    for (const [path, change] of numstat(workTree, ['HEAD', '--', scope])) note(path, change);
  }
  const untracked = runGit(['ls-files', '-z', '--others', '--exclude-standard', '--', scope], workTree);
  const untrackedFiles: string[] = [];
  for (const path of untracked.stdout.split('\0')) {
    if (path === '') continue;
    if (collectionOfLogFile(path) === undefined) {
      untrackedFiles.push(path);
      continue;
    }
    const lines = countLines(join(workTree, path));
    if (lines !== undefined) note(path, { added: lines, removed: 0 });
  }
  return { uncommitted: result, untrackedFiles };
}

const COUNT_CHUNK = 1 << 20;

/**
 * The `\n`s in a file, read a chunk at a time: an untracked log may be as large as a
 * store gets, and read whole it took its size in memory (and one over 2 GiB could not be
 * read at all, so it was left out of the report without a word). Undefined when the file
 * cannot be read (gone since git listed it).
 */
function countLines(path: string): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const chunk = Buffer.allocUnsafe(COUNT_CHUNK);
    let lines = 0;
    for (let position = 0; ; ) {
      const n = readSync(fd, chunk, 0, COUNT_CHUNK, position);
      if (n === 0) return lines;
      position += n;
      const data = n === COUNT_CHUNK ? chunk : chunk.subarray(0, n);
      for (let i = data.indexOf(0x0a); i !== -1; i = data.indexOf(0x0a, i + 1)) lines++;
    }
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
