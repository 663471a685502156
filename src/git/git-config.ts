import { IoError } from '../errors.js';
import { sleepSync } from '../fs/sleep.js';
import { chompLine, git, runGit } from './git-command.js';

/**
 * Reads one git config value, or `undefined` when it is not set. `scope: 'local'` reads
 * only the repository's own config file (`<common dir>/config`), which is what
 * install/uninstall own; the default reads the effective value from every level, which is
 * what git itself will use during a merge.
 */
export function getConfig(cwd: string, key: string, options: { scope?: 'local' | 'effective'; path?: boolean } = {}): string | undefined {
  const args = ['config', ...(options.scope === 'local' ? ['--local'] : []), ...(options.path ? ['--path'] : []), '--get', key];
  const run = runGit(args, cwd);
  if (run.status === 1) return undefined; // git's "key not set"
  if (run.status !== 0) {
    throw new IoError(`cannot read git config ${key} in ${cwd}: ${run.stderr.trim() || `exit status ${run.status}`}`, {
      data: { cwd, key, stderr: run.stderr },
    });
  }
  return chompLine(run.stdout);
}

/** Sets a key in the repository's local config (shared by all linked worktrees), replacing every existing value. */
export function setLocalConfig(cwd: string, key: string, value: string): void {
  writeConfig(['config', '--local', '--replace-all', key, value], cwd);
}

/** How long a config write waits for another git process's `config.lock`. */
const CONFIG_LOCK_WAIT_MS = 5_000;

/**
 * Runs a `git config` write, again while git cannot lock the config file: git does not
 * wait for `config.lock` but fails at once, and any git process of the repository (in any
 * of its worktrees: the config is shared) may hold it for a moment. A lock still there
 * after {@link CONFIG_LOCK_WAIT_MS} fails with git's message.
 */
function writeConfig(args: string[], cwd: string): void {
  const deadline = performance.now() + CONFIG_LOCK_WAIT_MS;
  for (let wait = 5; ; wait = Math.min(wait * 2, 200)) {
    const run = runGit(args, cwd);
    if (run.status === 0) return;
    if (!/could not lock config file/i.test(run.stderr) || performance.now() > deadline) {
      git(args, cwd); // once more, to throw git's own error (or succeed, the lock just gone)
      return;
    }
    sleepSync(wait);
  }
}

/** Removes every value of `key` from the local config. Returns false when it was not set. */
export function unsetLocalConfig(cwd: string, key: string): boolean {
  if (getConfig(cwd, key, { scope: 'local' }) === undefined) return false;
  writeConfig(['config', '--local', '--unset-all', key], cwd);
  return true;
}

/**
 * Removes the `[section]` header from the local config when no key is left in it, so an
 * uninstall leaves the config file as it was before the install. A section that still
 * holds someone else's keys is kept.
 */
export function removeLocalSectionIfEmpty(cwd: string, section: string): void {
  const prefix = `${section}.`;
  const keys = runGit(['config', '--local', '--name-only', '--list'], cwd);
  if (keys.status !== 0) return;
  const remaining = keys.stdout.split('\n').filter((name) => name.toLowerCase().startsWith(prefix.toLowerCase()));
  if (remaining.length > 0) return;
  // Fails (harmlessly) when git already dropped the empty header itself.
  runGit(['config', '--local', '--remove-section', section], cwd);
}

/** Every value of `key` in the local config, in file order (`-z`: a value may hold a newline). */
export function getAllLocalConfig(cwd: string, key: string): string[] {
  const run = runGit(['config', '--local', '-z', '--get-all', key], cwd);
  if (run.status === 1) return []; // not set
  if (run.status !== 0) {
    throw new IoError(`cannot read git config ${key} in ${cwd}: ${run.stderr.trim() || `exit status ${run.status}`}`, { data: { cwd, key, stderr: run.stderr } });
  }
  return run.stdout.split('\0').filter((value) => value !== '');
}

/** Adds one more value of `key` to the local config, keeping the others. */
export function addLocalConfig(cwd: string, key: string, value: string): void {
  writeConfig(['config', '--local', '--add', key, value], cwd);
}

/** Removes the values of `key` equal to `value` from the local config, keeping the others. */
export function unsetLocalConfigValue(cwd: string, key: string, value: string): void {
  // The value argument is an extended regex: matched whole, every character literally.
  writeConfig(['config', '--local', '--unset-all', key, `^${value.replace(/[.[\]()*+?{}|^$\\]/g, '\\$&')}$`], cwd);
}
