/**
 * The git setup lock: `<common git dir>/taskstore-setup.lock`. Installing and removing the
 * git integration, and setting up the store branch, each read files and config, decide,
 * then write several of them (`.gitattributes`, `merge.taskstore.*`, seven hooks, a
 * branch and its worktree). Two such runs at once — two agents' setup scripts, or
 * `install-hooks` beside `uninstall-hooks` — interleaved those steps: git refused the
 * second config write (`could not lock config file`) or the second `git branch`, and an
 * install racing an uninstall left a mix of both (hooks and driver config installed, the
 * `.gitattributes` line removed). Held around each whole run, in the common git dir that
 * every linked worktree shares, the runs take turns and each sees the other's result.
 */
import { join } from 'node:path';
import { LockedError } from '../errors.js';
import { withLockSync } from '../fs/pid-lock.js';

const SETUP_LOCK_FILE = 'taskstore-setup.lock';

/** How long a setup run waits for another one (which may be fetching the store branch from a slow remote). */
const SETUP_LOCK_TIMEOUT_MS = 120_000;

/** Runs `body` holding the setup lock of the repository whose common git dir is `commonDir`. */
export function withGitSetupLock<T>(commonDir: string, body: () => T): T {
  const path = join(commonDir, SETUP_LOCK_FILE);
  return withLockSync(
    path,
    SETUP_LOCK_TIMEOUT_MS,
    () =>
      new LockedError(`another taskstore process has been setting up the git integration for over ${SETUP_LOCK_TIMEOUT_MS / 1000} s (lock ${path})`, {
        data: { lock: path },
        hint: 'wait for it to finish (init, install-hooks, uninstall-hooks, git-sync) and retry; if none is running, delete the lock file',
      }),
    body,
  );
}
