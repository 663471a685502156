/**
 * Replaces a file's content atomically: a reader (git, after the merge driver exits)
 * sees either the old file or the complete new one, never a half-written one, even if
 * the process dies or the disk fills up mid-write.
 *
 * Unique temp file in the same directory (rename is only atomic within a file system),
 * write, fsync, rename over the target, then fsync the directory so the rename itself
 * is durable. The temp file is removed on any failure.
 */
import { closeSync, fstatSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync, fchmodSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { fsyncDirectory } from '../jsonl/log-io.js';

/**
 * Writes `data` (a string, written as UTF-8, or byte chunks written in order) to `path`
 * atomically, keeping the existing file's permission bits.
 */
export function writeFileAtomicSync(path: string, data: string | readonly Uint8Array[]): void {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let mode: number | undefined;
  try {
    mode = statSync(path).mode & 0o7777;
  } catch {
    mode = undefined; // new file: default permissions
  }
  const fd = openSync(temp, 'wx', mode ?? 0o666);
  let renamed = false;
  try {
    try {
      if (mode !== undefined && (fstatSync(fd).mode & 0o7777) !== mode) fchmodSync(fd, mode); // umask may have narrowed it
      for (const chunk of typeof data === 'string' ? [Buffer.from(data, 'utf8')] : data) {
        let written = 0;
        while (written < chunk.length) written += writeSync(fd, chunk, written, chunk.length - written);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
    renamed = true;
    fsyncDirectory(dir);
  } finally {
    if (!renamed) {
      try {
        unlinkSync(temp);
      } catch {
        // already gone
      }
    }
  }
}
