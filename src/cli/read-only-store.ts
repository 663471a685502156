/**
 * Reading a store that cannot be written: a read-only mount, or a checkout the user has
 * no write permission on. The store keeps its cache, journal and lock next to the logs,
 * so it cannot open such a directory in place. A read command instead copies the logs
 * (and `.version`) into a private temporary directory, answers from a cache built there,
 * and removes it afterwards. Nothing in the store directory is touched. Messages name
 * the store's own paths, not the copy's.
 */
import { accessSync, constants, copyFileSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
 */
export function snapshotStore(dir: string): StoreSnapshot {
  const copy = mkdtempSync(join(tmpdir(), 'taskstore-readonly-'));
  const remove = (): void => rmSync(copy, { recursive: true, force: true });
  try {
    for (const entry of readdirSync(dir)) {
      if (LOCAL_STATE.test(entry)) continue;
      const from = join(dir, entry);
      if (!statSync(from).isFile()) continue;
      copyFileSync(from, join(copy, entry), constants.COPYFILE_FICLONE);
    }
  } catch (err) {
    remove();
    throw err;
  }
  return { dir: copy, remove };
}
