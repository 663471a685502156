/**
 * Bytes an interrupted write left at the end of a log are never destroyed: they are
 * appended to `<log>.torn` (flushed first), and only then is the log cut back. A crash
 * between the two leaves the bytes in both places, never in neither.
 */
import { appendFileSync, closeSync, existsSync, fstatSync, ftruncateSync, openSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Durability } from './durability.js';

const TORN_SUFFIX = '.torn';

/**
 * Keeps `bytes` (the log's content from `offset` to its end) in `<path>.torn`, on a line
 * of their own, ending them with a newline when they lack one, then truncates the log
 * (open as `fd`) to `offset`.
 */
export function moveTornBytesAside(fd: number, path: string, offset: number, bytes: Buffer, durability: Durability): void {
  const tornPath = `${path}${TORN_SUFFIX}`;
  const created = !existsSync(tornPath);
  // A move to .torn cut short by a crash left a line without its newline there: the
  // bytes moved again start on a line of their own, not glued to that half copy.
  const lead = !created && endsMidLine(tornPath) ? Buffer.from('\n') : Buffer.alloc(0);
  appendFileSync(tornPath, Buffer.concat([lead, bytes, bytes.at(-1) === 0x0a ? Buffer.alloc(0) : Buffer.from('\n')]));
  durability.syncPath(tornPath);
  // A new file's name is durable only once its directory is: without this, a power loss
  // after the truncate below could leave the bytes in neither place.
  if (created) durability.syncDir(dirname(tornPath));
  ftruncateSync(fd, offset);
  durability.syncFile(fd);
}

/** True when the file is not empty and its last byte is not a newline. */
function endsMidLine(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return false;
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } finally {
    closeSync(fd);
  }
}
