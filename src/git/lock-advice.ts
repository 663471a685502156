/**
 * A lock file git left in a work tree's git dir (`index.lock`, `HEAD.lock`): how old it
 * is, whether a git process still works there, and what the user should do about it.
 * A git killed mid-command (SIGKILL, an OOM kill, a power cut) leaves its lock behind,
 * and every later git command that needs it fails until someone removes it. TaskStore
 * never removes such a lock on its own here: a live git may hold it (a long merge holds
 * index.lock untouched for many seconds), and removing it lets two gits write one index.
 */
import { statSync } from 'node:fs';
import { describeProcesses, gitProcessesIn } from '../fs/git-processes.js';
import { shellQuote } from './shell-quote.js';

export interface GitLockState {
  /** The lock file's absolute path. */
  path: string;
  /** Milliseconds since it was last modified (0 for a time in the future: a clock set back tells nothing). */
  ageMs: number;
  /** The pids of git processes working in the work tree; undefined where the system does not list processes. */
  gitProcesses: number[] | undefined;
}

/** The state of the lock at `path` (absolute), or undefined when there is none. */
export function inspectGitLock(path: string, workTree: string): GitLockState | undefined {
  const st = statSync(path, { throwIfNoEntry: false });
  if (st === undefined) return undefined;
  return { path, ageMs: Math.max(0, Date.now() - st.mtimeMs), gitProcesses: gitProcessesIn(workTree) };
}

/** `42 s`, `7 min`, `3 h`, `2 days`. */
export function formatAge(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} days`;
}

/**
 * One sentence on what the lock is and how to go on, ending in `then <retry>`, for a
 * message that names the lock file: the exact file in the `rm` command (in a linked
 * worktree it is `.git/worktrees/<name>/index.lock`, not `.git/index.lock`) and, where
 * the system lists processes, the gits working there.
 */
export function gitLockAdvice(lock: GitLockState, workTree: string, retry: string): string {
  const remove = `remove it (\`rm ${shellQuote(lock.path)}\`), then ${retry}`;
  const age = formatAge(lock.ageMs);
  if (lock.gitProcesses === undefined) {
    return `the lock was last touched ${age} ago; if no git command is running in ${workTree} (a git that was killed leaves its lock behind), ${remove}`;
  }
  if (lock.gitProcesses.length > 0) {
    return `git is working in ${workTree} (${describeProcesses(lock.gitProcesses)}) and may hold the lock: let it finish (do not remove the lock while it runs), then ${retry}`;
  }
  return `no git process (of this user) works in ${workTree}, so the lock (last touched ${age} ago) is left over from a git that was killed: ${remove}`;
}

/** The lock file git names in a "Unable to create '<path>': File exists" failure, if it does. */
export function lockInGitError(stderr: string): string | undefined {
  return /Unable to create '(.+?\.lock)': File exists/.exec(stderr)?.[1];
}
