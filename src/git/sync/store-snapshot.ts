/**
 * The bytes `git-sync` commits: a copy of the store's committed files taken while the
 * store's write lock is held, so no writer is half-way through a line. Logs are cut after
 * their last newline all the same (an unterminated tail is a crashed writer's torn line,
 * which the store sets aside itself): only complete lines are ever committed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConflictMarkersError, ioError } from '../../errors.js';
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
    let content: Buffer;
    try {
      content = readFileSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EISDIR') continue;
      throw ioError('read', path, err);
    }
    if (isLog) {
      files.push({ path: `${prefix}${name}`, collection, content: completeLines(content) });
    } else {
      files.push({ path: `${prefix}${name}`, content });
    }
  }
  return files;
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
export function assertNoConflictMarkers(file: string, content: Buffer): void {
  const text = content.toString('utf8');
  // Cheap scan first: markers are rare, and a 100 MB log should not be split into lines for nothing.
  if (!/(^|\n)(<{7}|={7}|>{7}|\|{7})/.test(text)) return;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (isConflictMarker(lines[i]!)) throw new ConflictMarkersError(file, i + 1);
  }
}
