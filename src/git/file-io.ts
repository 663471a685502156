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
