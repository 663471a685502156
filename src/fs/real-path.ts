/**
 * Real paths (symbolic links resolved) of paths that may not exist yet: a store directory
 * about to be created, a backup destination. Used to compare two paths for containment,
 * which their spelled forms (`.taskstore` and a link to it) would get wrong.
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** realpath of the longest existing prefix of `path`, with the missing rest appended (`path` itself when nothing of it resolves). */
export function realpathOfExistingPart(path: string): string {
  const missing: string[] = [];
  let dir = path;
  for (;;) {
    try {
      return join(realpathSync(dir), ...missing.reverse());
    } catch {
      const parent = dirname(dir);
      if (parent === dir) return path;
      missing.push(basename(dir));
      dir = parent;
    }
  }
}
