/**
 * Pure rules of the push loop: what a `git push --porcelain` said, and how long to wait
 * before trying again.
 */

type PushOutcome = 'pushed' | 'up-to-date' | 'rejected' | 'failed';

/**
 * Reads git's porcelain push report for one ref. `rejected` means someone pushed first
 * (non-fast-forward, "fetch first", or the remote losing a race on its ref lock): fetch,
 * merge and try again. `failed` is anything else (a hook declined, no permission, no
 * network), which retrying will not fix.
 */
export function pushOutcome(status: number, stdout: string, stderr: string): PushOutcome {
  // The remote cannot create the branch beside one whose name is a prefix of it (or the
  // other way round): its "failed to update ref" says so too, but no retry can fix that.
  if (status !== 0 && refNameTaken(stderr) !== undefined) return 'failed';
  // Porcelain lines: "<flag>\t<from>:<to>\t<summary> (<reason>)"; flag '!' = rejected, '=' = up to date.
  const refLine = stdout.split('\n').find((line) => /^[ +\-*=!]\t/.test(line));
  if (refLine !== undefined) {
    const flag = refLine[0];
    if (flag === '=') return 'up-to-date';
    if (flag !== '!') return status === 0 ? 'pushed' : 'failed';
    if (/\[rejected\]/.test(refLine) || /\[remote rejected\].*(failed to update ref|cannot lock ref|incorrect old value|reference already exists)/i.test(refLine)) {
      return 'rejected';
    }
    return 'failed';
  }
  if (status === 0) return 'pushed';
  return /\b(fetch first|non-fast-forward|failed to update ref|cannot lock ref)\b/i.test(stderr) ? 'rejected' : 'failed';
}

interface BackoffOptions {
  /** First wait, before jitter (default 50 ms). */
  baseMs?: number;
  /** Longest wait (default 2,000 ms). */
  capMs?: number;
}

/**
 * The wait before retry number `attempt` (1-based): exponential from `baseMs`, capped at
 * `capMs`, with "equal jitter" (half fixed, half random) so that clones which collided
 * once do not collide again in lockstep. `random` returns [0, 1).
 */
export function backoffMs(attempt: number, random: () => number = Math.random, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 50;
  const cap = options.capMs ?? 2_000;
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * The ref lock file named in a push's stderr when the remote could not lock the branch
 * because the lock file exists (`cannot lock ref …: Unable to create '…/refs/heads/B.lock':
 * File exists`): another push at that very moment, or one that crashed there and left it.
 */
export function refLockInPushError(stderr: string): string | undefined {
  const match = /Unable to create '([^'\n]+\.lock)': File exists/.exec(stderr);
  return match?.[1];
}

/**
 * The remote branch whose name keeps the pushed one from being created, when the push
 * failed on it (`'refs/heads/taskstore/old' exists; cannot create 'refs/heads/taskstore'`:
 * git stores refs as files, so `a` and `a/b` cannot both exist).
 */
export function refNameTaken(stderr: string): string | undefined {
  const match = /'([^'\n]+)' exists; cannot create '[^'\n]+'/.exec(stderr) ?? /cannot process '[^'\n]+' and '([^'\n]+)' at the same time/.exec(stderr);
  return match?.[1];
}
