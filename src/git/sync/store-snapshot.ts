/**
 * The bytes `git-sync` commits: a copy of the store's committed files taken while the
 * store's write lock is held, so no writer is half-way through a line. Logs are cut after
 * their last newline all the same (an unterminated tail is another program's line still
 * being written; a crashed TaskStore writer's torn line was set aside when the lock was
 * taken): only complete lines are ever committed.
 */
import { closeSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { DECODE_CHUNK_BYTES, decodeLineChunks } from '../../jsonl/line-chunks.js';
import { join } from 'node:path';
import { ConflictMarkersError, GitSyncError, ioError } from '../../errors.js';
import { openLogFile, READ_NO_FOLLOW } from '../../fs/open-log-file.js';
import { collectionOfLogFile } from '../../jsonl/collection-name.js';
import { isConflictMarker } from '../../jsonl/line-codec.js';

/** The store's files that belong in git besides the logs. */
const COMMITTED_FILES = ['.version', '.gitignore'];

export interface SnapshotFile {
  /** Path relative to the work tree root, `/`-separated (what git calls the file). */
  path: string;
  /** The collection, for a log. */
  collection?: string;
  content: Buffer;
}

/**
 * Reads every committed file of the store in `storeDir` (`storeRelative` is its path in
 * the work tree: `.taskstore` usually). Call it with the store's write lock held.
 */
export function takeStoreSnapshot(storeDir: string, storeRelative: string): SnapshotFile[] {
  const prefix = storeRelative === '' ? '' : `${storeRelative}/`;
  let entries: string[];
  try {
    entries = readdirSync(storeDir);
  } catch (err) {
    throw ioError('list the store directory', storeDir, err);
  }
  const files: SnapshotFile[] = [];
  for (const name of entries.sort()) {
    const collection = collectionOfLogFile(name);
    const isLog = collection !== undefined;
    if (!isLog && !COMMITTED_FILES.includes(name)) continue;
    const path = join(storeDir, name);
    const content = readNoFollow(path, isLog);
    if (content === undefined) continue;
    if (isLog) {
      files.push({ path: `${prefix}${name}`, collection, content: completeLines(content) });
    } else {
      files.push({ path: `${prefix}${name}`, content });
    }
  }
  return files;
}

/**
 * The bytes of the file at `path`, never read through a symbolic link: git checks links
 * out too, and a link committed as `notes.jsonl -> ~/.ssh/id_rsa` would otherwise have the
 * file it names committed and pushed. Such a link fails with the store's own error (an
 * `IoError` naming it, `data.errno: 'ELOOP'`); a dangling link, like a missing file or a
 * directory, is skipped (the store reads it as no log either). Undefined when skipped.
 */
function readNoFollow(path: string, isLog: boolean): Buffer | undefined {
  let fd: number;
  try {
    fd = openLogFile(path, READ_NO_FOLLOW, isLog ? 'its logs' : "the store's files");
  } catch (err) {
    const errno = (err as { data?: { errno?: string } }).data?.errno;
    if (errno === 'ELOOP' && !existsSync(path)) return undefined;
    if ((err as { cause?: NodeJS.ErrnoException }).cause?.code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return readFileSync(fd);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
    throw ioError('read', path, err);
  } finally {
    closeSync(fd);
  }
}

/** The content up to and including its last newline. */
export function completeLines(content: Buffer): Buffer {
  const end = content.lastIndexOf(0x0a);
  return end === content.length - 1 ? content : content.subarray(0, end + 1);
}

/**
 * Throws {@link ConflictMarkersError} when the log holds a conflict marker line: such a
 * file is an unresolved merge, and committing it would break every clone that pulls it.
 */
export function assertNoConflictMarkers(file: string, content: Buffer, chunkBytes = DECODE_CHUNK_BYTES): void {
  // In pieces that start at line starts: a log over ~512 MiB is more than one string holds.
  let linesBefore = 0;
  for (const text of decodeLineChunks(content, 0, chunkBytes)) {
    const lines = text.split('\n');
    // Cheap scan first: markers are rare, and a 100 MB log should not be split into lines for nothing.
    if (/(^|\n)(<{7}|={7}|>{7}|\|{7})/.test(text)) {
      for (let i = 0; i < lines.length; i++) {
        if (isConflictMarker(lines[i]!)) throw new ConflictMarkersError(file, linesBefore + i + 1);
      }
    }
    linesBefore += lines.length - 1;
  }
}

/**
 * Throws `GitSyncError` (`nul_bytes`, naming the file and line) when the log holds a NUL
 * byte. TaskStore never writes one: it is the trace of a write clobbered while another
 * program was writing the file, and the pre-commit hook refuses to commit it. git-sync
 * runs git with the hooks standing aside, so it makes that check itself.
 */
export function assertNoNulBytes(file: string, content: Buffer): void {
  const at = content.indexOf(0);
  if (at === -1) return;
  let line = 1;
  for (let i = content.indexOf(0x0a); i !== -1 && i < at; i = content.indexOf(0x0a, i + 1)) line++;
  throw new GitSyncError(`${file} line ${line} holds a NUL byte: a write was clobbered while another program was writing the file; git-sync committed, merged and pushed nothing`, {
    data: { reason: 'nul_bytes', file, line },
    hint: 'remove the NUL bytes from that line (or the line itself: `taskstore check` names it as malformed), then run git-sync again; the store keeps working meanwhile',
  });
}
