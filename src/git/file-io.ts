import { chmodSync, closeSync, fsyncSync, openSync, readFileSync, realpathSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ioError } from '../errors.js';

/** The file's text, or `undefined` when it does not exist. */
export function readTextIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
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
 * Replaces the file's content atomically (unique temp file in the same directory, fsync,
 * rename) with the given permission bits. A symlinked hook or `.gitattributes` is
 * written through to its target, so the link itself survives.
 */
export function writeFileAtomic(path: string, content: string, mode: number): void {
  let target = path;
  try {
    target = realpathSync(path);
  } catch {
    // does not exist yet: create it at `path`
  }
  const temp = join(dirname(target), `.${basename(target)}.taskstore-${process.pid}-${Date.now()}.tmp`);
  try {
    const fd = openSync(temp, 'wx', mode);
    try {
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(temp, mode); // openSync's mode is filtered by the umask
    renameSync(temp, target);
  } catch (err) {
    rmSync(temp, { force: true });
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
