/**
 * `store.backup(dest)`: a copy of the store's committed files (every `<collection>.jsonl`
 * and `.version`) that is itself a store. The copy is taken holding the store's write
 * lock, so it is a consistent snapshot: no commit lands half way through it. Each file is
 * copied atomically and durably (fs/atomic-replace.ts), then the destination directory
 * is flushed. The cache, journal and other local state are not copied: opening the
 * backup rebuilds them from the logs. A file that is a symbolic link is refused, never
 * copied through (an `IoError` naming it). A backup that fails part way removes what it
 * copied (and the directories it created): a partial copy would open as a store.
 */
import { closeSync, existsSync, mkdirSync, readdirSync, realpathSync, rmdirSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { AlreadyExistsError, ValidationError, ioError } from '../errors.js';
import { atomicCopyFile } from '../fs/atomic-replace.js';
import { realpathOfExistingPart } from '../fs/real-path.js';
import { FSYNC } from '../fs/durability.js';
import { openLogFile, READ_NO_FOLLOW } from '../fs/open-log-file.js';
import { collectionOfLogFile } from '../jsonl/collection-name.js';

export interface BackupReport {
  /** Absolute path of the backup directory. */
  dest: string;
  /** The files copied, sorted by name, with their sizes in bytes. */
  files: { name: string; bytes: number }[];
}

/**
 * Backs up the store in `dir` (absolute) into `dest` (resolved against the current
 * directory), copying while `withWriteLock` holds the store's write lock. A backup is
 * always flushed to disk, whatever the store's `durability` option: it exists to survive.
 */
export function backupStore(dir: string, dest: string, withWriteLock: <R>(copy: () => R) => R): BackupReport {
  if (typeof dest !== 'string' || dest === '') throw new TypeError('backup() expects the path of a new or empty directory');
  const target = resolve(dest);
  if (target === resolve(dir)) throw new AlreadyExistsError('the backup destination is the store itself', { hint: 'name another directory', data: { dest: target } });
  refuseInsideStore(dir, target);
  const created = prepareDestination(target);
  const files: BackupReport['files'] = [];
  try {
    withWriteLock(() => {
      for (const name of storeFileNames(dir)) files.push({ name, bytes: copyInto(dir, target, name) });
    });
    FSYNC.syncDir(target);
  } catch (err) {
    // A partial copy opens as a store that lacks the files not copied, without a word:
    // what this backup wrote is removed, so that nothing looks like a backup but a whole one.
    removePartialBackup(target, files.map((f) => f.name), created);
    throw err;
  }
  return { dest: target, files };
}

/** Removes the files a failed backup copied, then the directories it created (only while empty). */
function removePartialBackup(dest: string, names: string[], created: string | undefined): void {
  for (const name of names) rmSync(join(dest, name), { force: true });
  if (created === undefined) return;
  for (let path = dest; ; path = dirname(path)) {
    try {
      rmdirSync(path);
    } catch {
      return; // not empty (something else was put there meanwhile): left as it is
    }
    if (path === created || dirname(path) === path) return;
  }
}

/**
 * A backup inside the store's own directory would be committed with the store (git
 * tracks the directory), a second copy of every record in the repository. Compared by
 * real paths, so a symbolic link to the store, or one inside it, is caught too; the part
 * of `target` that does not exist yet is taken as written.
 */
function refuseInsideStore(dir: string, target: string): void {
  const store = realpathSync(dir);
  const real = realpathOfExistingPart(target);
  if (real === store || real.startsWith(store + sep)) {
    throw new ValidationError(`the backup destination ${target} is inside the store directory ${dir}`, {
      hint: 'name a directory outside the store: a backup inside it would be committed with the store',
      data: { dest: target },
    });
  }
}

/** The committed files of a store: `.version` and the logs, sorted. */
function storeFileNames(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (err) {
    throw ioError('read', dir, err);
  }
  // existsSync follows a link: a dangling one is no file, for the backup as for the store.
  return entries.filter((entry) => (entry === '.version' || collectionOfLogFile(entry) !== undefined) && existsSync(join(dir, entry))).sort();
}

/**
 * Copies one file, never through a symbolic link (as the store never opens a log through
 * one): a link committed to git (`notes.jsonl -> ~/.ssh/id_rsa`) would otherwise put the
 * file it names into the backup.
 */
function copyInto(dir: string, dest: string, name: string): number {
  const target = join(dest, name);
  const source = openLogFile(join(dir, name), READ_NO_FOLLOW, name === '.version' ? "the store's files" : 'its logs');
  try {
    return atomicCopyFile(source, target, { durability: FSYNC });
  } catch (err) {
    throw ioError('copy to', target, err);
  } finally {
    closeSync(source);
  }
}

/**
 * Accepts a missing or empty directory (creating it); refuses a file or a directory with
 * anything in it. Returns the first directory it created (`dest` or a parent), if any.
 */
function prepareDestination(dest: string): string | undefined {
  let entries: string[] | undefined;
  try {
    entries = readdirSync(dest);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new AlreadyExistsError(`the backup destination ${dest} is a file`, { hint: 'name a new or empty directory', data: { dest } });
    if (code !== 'ENOENT') throw ioError('read', dest, err);
  }
  if (entries !== undefined && entries.length > 0) {
    throw new AlreadyExistsError(`the backup destination ${dest} is not empty`, {
      hint: `name a new or empty directory (e.g. ${basename(dest)}-${new Date().toISOString().slice(0, 10)})`,
      data: { dest },
    });
  }
  let created: string | undefined;
  try {
    created = mkdirSync(dest, { recursive: true });
  } catch (err) {
    throw ioError('create the backup directory', dest, err);
  }
  // The new directory's entry in its parent, so the backup does not vanish in a crash.
  if (entries === undefined) FSYNC.syncDir(dirname(dest));
  return created;
}
