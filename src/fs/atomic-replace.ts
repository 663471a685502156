/**
 * Replaces a file's content atomically: a reader (git, another process, the next start
 * after a crash) sees either the old file or the complete new one, never a half-written
 * one, even if the process dies or the disk fills up mid-write.
 *
 * The recipe, the one copy of it: a temp file with a unique name in the same directory
 * (rename is only atomic within a file system; pid plus random bytes, so two processes
 * or two calls in the same millisecond never share one), every byte written, the file
 * flushed, renamed over the target, then the directory flushed so the rename itself is
 * durable. On any failure the temp file is removed and the target is untouched.
 *
 * Temp names are `.<name>.<pid>.<hex>.tmp`: hidden, ignored by the store's .gitignore
 * (`.*.tmp`), and recognizable after a crash (stale-temps.ts removes those of dead
 * processes next to the logs).
 */
import { closeSync, existsSync, fchmodSync, fstatSync, linkSync, openSync, readSync, realpathSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { FSYNC, type Durability } from './durability.js';
import { writeAll } from './write-all.js';

interface AtomicReplaceOptions {
  /**
   * Permission bits of the new file: a number, or `'keep'` for those of the file being
   * replaced (the default permissions when there is none). Applied exactly, whatever the
   * umask. Default: the default permissions (0o666 minus the umask).
   */
  mode?: number | 'keep';
  /** When `path` is a symlink, replace the file it points to, so the link survives. Default: false. */
  followSymlink?: boolean;
  /** Whether to flush the file and the directory. Default: {@link FSYNC}. */
  durability?: Durability;
}

const COPY_CHUNK = 1 << 20;

/** A fresh temp name beside `target`: `.<name>.<pid>.<12 hex>.tmp`. */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Replaces `path` with what `fill` writes to the temp file's descriptor (opened for
 * writing, positioned at 0). Errors are thrown as they come (the caller knows what it
 * was doing and labels them).
 */
export function atomicReplace(path: string, fill: (fd: number) => void, options: AtomicReplaceOptions = {}): void {
  const durability = options.durability ?? FSYNC;
  const target = options.followSymlink === true ? resolveLink(path) : path;
  const mode = options.mode === 'keep' ? existingMode(target) : options.mode;
  const temp = tempPathFor(target);
  const fd = openSync(temp, 'wx', mode ?? 0o666);
  let renamed = false;
  try {
    try {
      // openSync's mode is narrowed by the umask.
      if (mode !== undefined && (fstatSync(fd).mode & 0o7777) !== mode) fchmodSync(fd, mode);
      fill(fd);
      durability.syncFile(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
    renamed = true;
    durability.syncDir(dirname(target));
  } finally {
    if (!renamed) removeQuietly(temp);
  }
}

/** Replaces `path` with `data`: a string (written as UTF-8), bytes, or byte chunks written in order. */
export function atomicWriteFile(path: string, data: string | Uint8Array | readonly Uint8Array[], options: AtomicReplaceOptions = {}): void {
  const chunks = typeof data === 'string' ? [Buffer.from(data, 'utf8')] : data instanceof Uint8Array ? [data] : data;
  atomicReplace(path, (fd) => {
    for (const chunk of chunks) writeAll(fd, chunk);
  }, options);
}

/**
 * Creates `path` with `data`, whole or not at all, unless it exists: true when this call
 * created it, false when it was there (also when another process created it a moment
 * before: exactly one of several callers racing to create it gets true). The temp file
 * is hard-linked to `path`, which, unlike rename, fails when `path` exists. Where the file
 * system has no hard links, it falls back to a rename after an existence check (two
 * callers at the same instant may then both get true; the file is whole either way).
 */
export function atomicCreateFile(path: string, data: string, options: Pick<AtomicReplaceOptions, 'durability'> = {}): boolean {
  const durability = options.durability ?? FSYNC;
  const temp = tempPathFor(path);
  const fd = openSync(temp, 'wx', 0o666);
  try {
    try {
      writeAll(fd, Buffer.from(data, 'utf8'));
      durability.syncFile(fd);
    } finally {
      closeSync(fd);
    }
    let created: boolean;
    try {
      linkSync(temp, path);
      created = true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
      if (existsSync(path)) return false;
      renameSync(temp, path);
      created = true;
    }
    durability.syncDir(dirname(path));
    return created;
  } finally {
    removeQuietly(temp);
  }
}

/**
 * Replaces `to` with a copy of the file `from` (a path, or a descriptor open for reading,
 * left open), read to its end. Returns the bytes copied.
 */
export function atomicCopyFile(from: string | number, to: string, options: AtomicReplaceOptions = {}): number {
  const source = typeof from === 'number' ? from : openSync(from, 'r');
  let copied = 0;
  try {
    atomicReplace(to, (fd) => {
      const buf = Buffer.allocUnsafe(COPY_CHUNK);
      for (;;) {
        const n = readSync(source, buf, 0, buf.length, copied);
        if (n === 0) break;
        writeAll(fd, buf.subarray(0, n));
        copied += n;
      }
    }, options);
  } finally {
    if (typeof from !== 'number') closeSync(source);
  }
  return copied;
}

function resolveLink(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path; // does not exist yet: create it at `path`
  }
}

function existingMode(path: string): number | undefined {
  try {
    return statSync(path).mode & 0o7777;
  } catch {
    return undefined; // new file: default permissions
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
