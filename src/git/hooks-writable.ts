/**
 * Whether TaskStore may write the hooks it is about to change: checked before anything is
 * written, so an install or uninstall that cannot finish changes nothing.
 */
import { accessSync, constants, existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ioError, IoError } from '../errors.js';
import type { HookName } from './hook-block.js';

/**
 * Refuses a hooks directory TaskStore cannot write in (another user's, a read-only
 * `core.hooksPath`): found at the first hook, the failure left an install with the
 * `.gitattributes` line and the driver config in place and no hook, and an uninstall
 * with them removed and every block still there. Checked where the writes of `hooks` go
 * (a hook file is replaced by a rename in its directory): the hooks directory (or, when it
 * is still to be created, its nearest existing parent) and, for a hook that is a link,
 * the directory of the file it names.
 */
export function refuseUnwritableHooks(hooksDir: string, hooks: readonly HookName[]): void {
  if (hooks.length === 0) return;
  const dirs = new Set([nearestExisting(hooksDir)]);
  for (const hook of hooks) {
    const file = realFile(join(hooksDir, hook));
    if (file !== undefined) dirs.add(dirname(file));
  }
  for (const dir of dirs) {
    try {
      accessSync(dir, constants.W_OK | constants.X_OK);
    } catch (err) {
      throw new IoError(ioError('write the hooks in', dir, err).message, {
        cause: err,
        data: { path: dir, hooksDir },
        hint: 'nothing was changed; make that directory writable for you (or point core.hooksPath at one that is), then run the command again',
      });
    }
  }
}

function nearestExisting(path: string): string {
  let dir = path;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** The real path of the file at `path` (links followed), or undefined when there is none. */
export function realFile(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined; // missing, or a dangling link (install refuses that with its own message)
  }
}
