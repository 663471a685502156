/**
 * Flushing by path: a file written by a call that gives no descriptor (appendFileSync),
 * and a directory, whose entry for a created or renamed file is only durable once the
 * directory itself is flushed.
 */
import { closeSync, fsyncSync, openSync } from 'node:fs';

/** Flushes a file's data and metadata to disk, by path. Throws what open or fsync throws. */
export function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Flushes a directory so that a file created or renamed in it survives a crash. Never
 * throws: some file systems cannot fsync a directory (EINVAL), and the files' own data
 * is flushed separately.
 */
export function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Not supported here; nothing more can be done.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
