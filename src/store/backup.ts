/**
 * `store.backup(dest)`: a copy of the store's committed files (every `<collection>.jsonl`
 * and `.version`) that is itself a store. The copy is taken holding the store's write
 * lock, so it is a consistent snapshot: no commit lands half way through it. Each file is
 * copied atomically and durably (fs/atomic-replace.ts), then the destination directory
 * is flushed. The cache, journal and other local state are not copied: opening the
 * backup rebuilds them from the logs. A file that is a symbolic link is refused, never
 * copied through (an `IoError` naming it). A partial copy would open as a store that
 * lacks the files not copied, without a word: so the files are copied into a hidden
 * directory beside the destination, which is renamed to the destination once complete
 * (a process killed part way leaves that hidden directory, never a partial backup), and
 * a backup that fails part way removes it (and the directories it created).
 */
import { chmodSync, closeSync, existsSync, mkdirSync, readdirSync, realpathSync, renameSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { AlreadyExistsError, IoError, ValidationError, ioError } from '../errors.js';
import { argumentTypeError } from './arguments.js';
import { atomicCopyFile, tempPathFor } from '../fs/atomic-replace.js';
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
  // A NUL character is no path (Node refuses it): said as Store.open says it, not as an
  // IoError blaming the file system ("cannot look at the backup destination").
  if (typeof dest !== 'string' || dest === '' || dest.includes('\0')) throw argumentTypeError('dest', 'the path of a new or empty directory (non-empty, without NUL)', dest);
  const target = resolve(dest);
  if (target === resolve(dir)) throw new AlreadyExistsError('the backup destination is the store itself', { hint: 'name another directory', data: { dest: target } });
  refuseInsideStore(dir, target);
  const created = prepareDestination(target);
  const files: BackupReport['files'] = [];
  // Beside the destination (the same file system, so the rename below is atomic), hidden.
  const staging = tempPathFor(target);
  try {
    fsStep('create the backup directory', staging, () => {
      mkdirSync(staging);
      // The destination keeps its permissions (an existing empty directory's, else the default).
      chmodSync(staging, statSync(target).mode & 0o7777);
    });
    withWriteLock(() => {
      for (const name of storeFileNames(dir)) files.push({ name, bytes: copyInto(dir, staging, name, target) });
    });
    FSYNC.syncDir(staging);
    // Over the empty destination directory: only a whole copy ever appears there.
    try {
      renameSync(staging, target);
    } catch (err) {
      // Another backup to the same destination (two scripts at once) got there first: the
      // destination is no longer empty, which is what a second backup is told, not a
      // file-system failure with advice about permissions.
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') throw notEmpty(target);
      throw destinationError('move the backup into', target, err);
    }
    FSYNC.syncDir(dirname(target));
  } catch (err) {
    // Nothing looks like a backup but a whole one: what this backup wrote is removed.
    rmSync(staging, { recursive: true, force: true });
    removePartialBackup(target, created);
    throw err;
  }
  return { dest: target, files };
}

function fsStep(what: string, path: string, step: () => void): void {
  try {
    step();
  } catch (err) {
    throw destinationError(what, path, err);
  }
}

/**
 * An IoError about the destination side of a backup, with a hint about the destination:
 * without one, front ends fall back to theirs for IO, which points at the store directory
 * (the CLI said to check that the store is writable when the destination's parent was not).
 */
function destinationError(what: string, path: string, err: unknown): IoError {
  const base = ioError(what, path, err);
  return new IoError(base.message, {
    cause: err,
    data: base.data,
    hint: base.hint ?? 'name a backup destination you may create and write (its parent directory must be writable), or fix its permissions',
  });
}

/** Removes the directories a failed backup created (only while empty). */
function removePartialBackup(dest: string, created: string | undefined): void {
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
 * Copies one file into the staging directory (errors name its place in `dest`), never through a symbolic link (as the store never opens a log through
 * one): a link committed to git (`notes.jsonl -> ~/.ssh/id_rsa`) would otherwise put the
 * file it names into the backup.
 */
function copyInto(dir: string, staging: string, name: string, dest: string): number {
  const source = openLogFile(join(dir, name), READ_NO_FOLLOW, name === '.version' ? "the store's files" : 'its logs');
  try {
    return atomicCopyFile(source, join(staging, name), { durability: FSYNC });
  } catch (err) {
    throw destinationError('copy to', join(dest, name), err);
  } finally {
    closeSync(source);
  }
}

function notEmpty(dest: string): AlreadyExistsError {
  return new AlreadyExistsError(`the backup destination ${dest} is not empty`, {
    hint: `name a new or empty directory (e.g. ${basename(dest)}-${new Date().toISOString().slice(0, 10)})`,
    data: { dest },
  });
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
    if (code !== 'ENOENT') throw destinationError('look at the backup destination', dest, err);
  }
  if (entries !== undefined && entries.length > 0) throw notEmpty(dest);
  let created: string | undefined;
  try {
    created = mkdirSync(dest, { recursive: true });
  } catch (err) {
    throw destinationError('create the backup directory', dest, err);
  }
  // The new directory's entry in its parent, so the backup does not vanish in a crash.
  if (entries === undefined) FSYNC.syncDir(dirname(dest));
  return created;
}
