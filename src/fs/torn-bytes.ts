/**
 * Bytes an interrupted write left at the end of a log are never destroyed: they are
 * appended to `<log>.torn` (flushed first), and only then is the log cut back. A crash
 * between the two leaves the bytes in both places, never in neither.
 */
import { appendFileSync, existsSync, ftruncateSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Durability } from './durability.js';

const TORN_SUFFIX = '.torn';

/**
 * Keeps `bytes` (the log's content from `offset` to its end) in `<path>.torn`, ending them
 * with a newline when they lack one, then truncates the log (open as `fd`) to `offset`.
 */
export function moveTornBytesAside(fd: number, path: string, offset: number, bytes: Buffer, durability: Durability): void {
  const tornPath = `${path}${TORN_SUFFIX}`;
  const created = !existsSync(tornPath);
  appendFileSync(tornPath, bytes.at(-1) === 0x0a ? bytes : Buffer.concat([bytes, Buffer.from('\n')]));
  durability.syncPath(tornPath);
  // A new file's name is durable only once its directory is: without this, a power loss
  // after the truncate below could leave the bytes in neither place.
  if (created) durability.syncDir(dirname(tornPath));
  ftruncateSync(fd, offset);
  durability.syncFile(fd);
}
