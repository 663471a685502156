/**
 * writeSync may write fewer bytes than asked (a signal, a full pipe, some file systems):
 * every caller that means "all of it" loops here instead of trusting one call.
 */
import { writeSync } from 'node:fs';

/**
 * Writes every byte of `data` to `fd`: at the current position (or the end, for a file
 * opened for appending) when `position` is undefined, else at `position` onwards.
 */
export function writeAll(fd: number, data: Uint8Array, position?: number): void {
  let written = 0;
  while (written < data.length) {
    written +=
      position === undefined
        ? writeSync(fd, data, written, data.length - written)
        : writeSync(fd, data, written, data.length - written, position + written);
  }
}
