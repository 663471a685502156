/**
 * Opening a log without following a symbolic link. A log is a file git checks out, and
 * git checks out symbolic links too: a repository holding `.taskstore/notes.jsonl ->
 * ~/.bashrc` would have TaskStore append records (text an agent or a remote branch chose)
 * to whatever the link names. O_NOFOLLOW makes opening such a link fail (ELOOP), which
 * is reported as what it is. The store directory itself may still be a link.
 *
 * Reads follow the same rule: a copy of the store (`backup`, the read-only snapshot a CLI
 * read command answers from, the snapshot `git-sync` commits) read through such a link
 * would copy, and `git-sync` would commit and push, whatever file the link names
 * (`notes.jsonl -> ~/.ssh/id_rsa`).
 */
import { constants, openSync } from 'node:fs';
import { IoError, ioError } from '../errors.js';

/** `fs.openSync` flags: 'a+' (append, read, create) and 'r+' (read, write), neither following a final symbolic link. */
export const APPEND_NO_FOLLOW = constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0);
export const READ_WRITE_NO_FOLLOW = constants.O_RDWR | (constants.O_NOFOLLOW ?? 0);
/** `fs.openSync` flags: 'r' (read only), not following a final symbolic link. */
export const READ_NO_FOLLOW = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0);
/**
 * `fs.openSync` flags: read and write, creating a missing file but never emptying one (two
 * processes may both find it missing: the second must not empty what the first wrote),
 * not following a final symbolic link.
 */
export const OPEN_OR_CREATE_NO_FOLLOW = constants.O_RDWR | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0);

/** The IoError for a store file that is a symbolic link; `what` names the kind of file (`its logs`, `its cache`). */
export function symbolicLinkError(
  path: string,
  what: string,
  { cause, hint = 'replace the link with the file itself (or remove it), then retry; nothing was written' }: { cause?: unknown; hint?: string } = {},
): IoError {
  return new IoError(`cannot open ${path}: it is a symbolic link, and TaskStore does not follow links for ${what} (one committed to git could point anywhere)`, {
    ...(cause === undefined ? {} : { cause }),
    data: { path, errno: 'ELOOP' },
    hint,
  });
}

/**
 * The IoError for a store file that is a directory. Git checks out a directory of that
 * name as readily as a file (a branch that committed `notes.jsonl/…`); the generic
 * message and hint would send the user to the store's permissions.
 */
export function directoryError(path: string, what: string, cause: unknown): IoError {
  return new IoError(`cannot open ${path}: it is a directory, where the store keeps a file (one of ${what})`, {
    cause,
    data: { path, errno: 'EISDIR' },
    hint: 'move or rename that directory (TaskStore never creates one of that name), then retry; nothing was written',
  });
}

/**
 * Opens the log at `path` with `flags`; an IoError (naming a symbolic link as one) when it
 * cannot. `what` names the kind of file in that message (`its logs`, `the store's files`).
 */
export function openLogFile(path: string, flags: number, what = 'its logs'): number {
  try {
    return openSync(path, flags, 0o666);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw symbolicLinkError(path, what, { cause: err });
    if ((err as NodeJS.ErrnoException).code === 'EISDIR') throw directoryError(path, what, err);
    throw ioError('open', path, err);
  }
}
