/**
 * The hooks directory install had to create (a `core.hooksPath` naming a directory that
 * did not exist, say `.githooks`), remembered so uninstall can take it away again once it
 * is empty: uninstall removed the hook files and left the empty directory behind, in the
 * work tree for a relative `core.hooksPath`. Only a directory install created is ever
 * removed, and only while it is empty: a directory that was there before install (the
 * user's, however empty) is not recorded, and one the user has put files into stays.
 *
 * Recorded in the repository's local config, one `taskstore.createdHooksDir` value per
 * directory (each linked worktree with a relative `core.hooksPath` gets its own).
 */
import { mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import { dirname, isAbsolute, relative, sep } from 'node:path';
import { ioError } from '../errors.js';
import { addLocalConfig, getAllLocalConfig, removeLocalSectionIfEmpty, unsetLocalConfigValue } from './git-config.js';

const CREATED_KEY = 'taskstore.createdHooksDir';

/**
 * Creates `hooksDir` (and missing parents) when it does not exist, and records the
 * topmost directory created. `cwd` is any directory of the repository.
 */
export function ensureHooksDirectory(cwd: string, hooksDir: string): void {
  let created: string | undefined;
  try {
    created = mkdirSync(hooksDir, { recursive: true });
  } catch (err) {
    throw ioError('create the hooks directory', hooksDir, err);
  }
  if (created !== undefined && !getAllLocalConfig(cwd, CREATED_KEY).includes(created)) addLocalConfig(cwd, CREATED_KEY, created);
}

/**
 * After uninstall emptied `hooksDir`: removes it, and the empty parents up to the
 * directory install recorded creating, and forgets that record once the directory is
 * gone. Returns the topmost directory removed, or undefined (not created by install, or
 * not empty: other hooks, other stores' blocks, the user's files).
 */
export function removeCreatedHooksDirectory(cwd: string, hooksDir: string): string | undefined {
  const created = getAllLocalConfig(cwd, CREATED_KEY).find((dir) => isSameOrInside(dir, hooksDir));
  if (created === undefined) return undefined;
  let removed: string | undefined;
  for (let dir = hooksDir; ; dir = dirname(dir)) {
    if (!removeIfEmpty(dir)) break;
    removed = dir;
    if (dir === created) break;
  }
  if (!exists(created)) {
    unsetLocalConfigValue(cwd, CREATED_KEY, created);
    removeLocalSectionIfEmpty(cwd, 'taskstore');
  }
  return removed;
}

/** Removes `dir` when it exists and is empty; true when it is gone afterwards because of this call. */
function removeIfEmpty(dir: string): boolean {
  try {
    if (readdirSync(dir).length > 0) return false;
    rmdirSync(dir);
    return true;
  } catch {
    return false; // gone, not a directory, or filled meanwhile: nothing of ours to remove
  }
}

function exists(dir: string): boolean {
  try {
    readdirSync(dir);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

function isSameOrInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
