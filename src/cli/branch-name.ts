import { spawnSync } from 'node:child_process';
import { UsageError } from './errors.js';
import { visible } from './terminal-safe.js';

/**
 * A branch named on the command line (`init --branch`, `git-sync --branch`) that git
 * cannot take (`a..b`, `x:y`, `-f`): a usage error (exit 2) like every other malformed
 * option value, refused before anything runs. The library refuses it too, with
 * VALIDATION (exit 1), the code of a failure. Git's own `check-ref-format` decides, so
 * the CLI never refuses a name git accepts; without git the library reports that.
 */
export function assertBranchArgument(cwd: string, option: string, branch: string): void {
  const run = branch.startsWith('-') ? undefined : spawnSync('git', ['check-ref-format', '--branch', branch], { cwd, stdio: 'ignore' });
  if (run !== undefined && (run.error !== undefined || run.status === 0)) return;
  throw new UsageError(`${option} ${visible(JSON.stringify(branch), true)} is not a valid git branch name`, {
    hint: 'use a plain branch name such as `taskstore` or `state/taskstore`',
  });
}

/** `git-sync --remote -x` would reach git as an option: refused here, as the library does (exit 1 there). */
export function assertRemoteArgument(remote: string): void {
  if (!remote.startsWith('-')) return;
  throw new UsageError(`--remote ${visible(JSON.stringify(remote), true)} is not a remote name`, { hint: 'name a remote (`git remote` lists them)' });
}
