/**
 * Whether a directory can be inside a git repository at all, answered with stats only
 * (no git process): store discovery asks it on every CLI start.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** A `.git` (directory or file) at or above `start`, or `GIT_DIR` naming a repository elsewhere. */
export function insideGitRepository(start: string): boolean {
  if (process.env.GIT_DIR !== undefined) return true;
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return true;
    if (dirname(dir) === dir) return false;
  }
}
