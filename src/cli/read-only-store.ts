/**
 * Reading a store that cannot be written: a read-only mount, or a checkout the user has
 * no write permission on. The store keeps its cache, journal and lock next to the logs,
 * so it cannot open such a directory in place. A read command instead copies the logs
 * (and `.version`) into a private temporary directory, answers from a cache built there,
 * and removes it afterwards. Nothing in the store directory is touched. Messages name
 * the store's own paths, not the copy's.
 */
import { accessSync, closeSync, constants, copyFileSync, existsSync, lstatSync, mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLogFile, READ_NO_FOLLOW } from '../fs/open-log-file.js';
import { collectionOfLogFile } from '../jsonl/collection-name.js';

/** Why `dir` cannot be written: `EROFS` (read-only file system), `EACCES` / `EPERM` (permissions), or undefined when it can. */
export function unwritableReason(dir: string): string | undefined {
  try {
    accessSync(dir, constants.W_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'EROFS' || code === 'EACCES' || code === 'EPERM' ? code : undefined;
  }
}

/** In words, for messages. */
export function describeUnwritable(code: string): string {
  return code === 'EROFS' ? 'it is on a read-only file system' : 'you have no write permission on it';
}

/** Local state of a store that is rebuilt, never copied. */
const LOCAL_STATE = /^taskstore\.(db|db-.*|journal)$|\.lock$|\.tmp$/;

export interface StoreSnapshot {
  /** The temporary directory holding the copy. */
  dir: string;
  /** Removes it. */
  remove(): void;
}

/**
 * Copies the committed files of the store in `dir` (its `*.jsonl` logs, `.version`, and
 * the `.torn` / other side files `check` reports) into a new temporary directory.
 *
 * A symbolic link is never read through, as the store never opens a log through one (a
 * link committed to git could name `~/.ssh/id_rsa`, whose text the read would show): a
 * log that is a link to an existing file fails with the store's own error (an `IoError`
 * naming the link, `data.errno: 'ELOOP'`); a dangling one is absent, as for the store;
 * any other link is left out of the copy.
 */
export function snapshotStore(dir: string): StoreSnapshot {
  const copy = mkdtempSync(join(tmpdir(), 'taskstore-readonly-'));
  const remove = (): void => rmSync(copy, { recursive: true, force: true });
  try {
    for (const entry of readdirSync(dir)) {
      if (LOCAL_STATE.test(entry)) continue;
      const from = join(dir, entry);
      const st = lstatSync(from);
      if (st.isSymbolicLink()) {
        if (collectionOfLogFile(entry) !== undefined && existsSync(from)) closeSync(openLogFile(from, READ_NO_FOLLOW));
        continue;
      }
      if (!st.isFile()) continue;
      copyFileSync(from, join(copy, entry), constants.COPYFILE_FICLONE);
      // The original's times, not the copy's: an incomplete last line another program left
      // is waited for while its file changed in the last 2 s (the store's "quiet" rule),
      // and a fresh copy made every read of such a store wait those 2 s for nothing.
      utimesSync(join(copy, entry), st.atime, st.mtime);
    }
  } catch (err) {
    remove();
    throw err;
  }
  return { dir: copy, remove };
}
