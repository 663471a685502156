import { chmodSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { ioError } from '../errors.js';
import { atomicWriteFile } from '../fs/atomic-replace.js';

/** The file's text, or `undefined` when it does not exist. */
export function readTextIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError('read', path, err);
  }
}

/**
 * The file's bytes as a string of one character per byte (latin1), or `undefined` when it
 * does not exist. For line edits of a file that need not be UTF-8 (a `.gitattributes` with
 * a Latin-1 comment): read as UTF-8, every byte that is not became U+FFFD on the way back.
 * Anything compared with or put into it goes through {@link byteText} first, and it is
 * written back with {@link writeByteTextAtomic}, so every other byte stays as it was.
 */
export function readByteTextIfExists(path: string): string | undefined {
  return readBytesIfExists(path)?.toString('latin1');
}

/** `text` as a byte string (its UTF-8 bytes, one character each), to edit one read by {@link readByteTextIfExists}. */
export function byteText(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** {@link writeFileAtomic} of a byte string (see {@link readByteTextIfExists}). */
export function writeByteTextAtomic(path: string, content: string, mode: number): void {
  try {
    atomicWriteFile(path, Buffer.from(content, 'latin1'), { mode, followSymlink: true });
  } catch (err) {
    throw ioError('write', path, err);
  }
}

/** The file's bytes, or `undefined` when it does not exist (a hook may not be text). */
export function readBytesIfExists(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError('read', path, err);
  }
}

/** The file's permission bits, or `undefined` when it does not exist. */
export function fileMode(path: string): number | undefined {
  try {
    return statSync(path).mode & 0o7777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError('stat', path, err);
  }
}

/**
 * Replaces the file's content atomically and durably (see fs/atomic-replace.ts) with
 * the given permission bits. A symlinked hook or `.gitattributes` is written through to
 * its target, so the link itself survives.
 */
export function writeFileAtomic(path: string, content: string, mode: number): void {
  try {
    atomicWriteFile(path, content, { mode, followSymlink: true });
  } catch (err) {
    throw ioError('write', path, err);
  }
}

export function setMode(path: string, mode: number): void {
  try {
    chmodSync(path, mode);
  } catch (err) {
    throw ioError('change the permissions of', path, err);
  }
}

export function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError('delete', path, err);
  }
}
