/**
 * Rewrites one log keeping only the lines asked for. The rewrite is atomic: a unique
 * temp file in the same directory, flushed, then renamed over the log, then the
 * directory flushed. A crash leaves either the old log or the new one, never a mix.
 */
import { closeSync, fstatSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fsyncDirectory, readLinesFrom } from '../jsonl/log-io.js';
import { ioError } from '../errors.js';

export interface CompactResult {
  linesBefore: number;
  linesAfter: number;
  bytesBefore: number;
  bytesAfter: number;
}

const FLUSH_AT = 1 << 20;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Keeps the lines whose 1-based numbers are in `keep`, in their order, byte for byte. */
export function compactLog(path: string, keep: Set<number>, durable: boolean, onProgress?: (bytesDone: number) => void): CompactResult {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const source = openSync(path, 'r');
  let target: number | undefined;
  try {
    target = openSync(temp, 'wx');
    const out = target;
    const bytesBefore = fstatSync(source).size;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let bytesAfter = 0;
    let linesAfter = 0;
    const flush = (): void => {
      const data = Buffer.concat(pending);
      let written = 0;
      while (written < data.length) written += writeSync(out, data, written, data.length - written);
      pending = [];
      pendingBytes = 0;
    };
    let reported = 0;
    const read = readLinesFrom(source, 0, 1, (line) => {
      if (onProgress !== undefined && line.offset - reported >= FLUSH_AT) {
        reported = line.offset;
        onProgress(line.offset);
      }
      if (!keep.has(line.lineNo)) {
        // A leading byte-order mark belongs to the file, not to the first record: keep it.
        if (line.lineNo === 1 && line.raw.subarray(0, 3).equals(BOM)) {
          pending.push(BOM);
          pendingBytes += BOM.length;
          bytesAfter += BOM.length;
        }
        return;
      }
      // Copy: the line's bytes are a view into a reused read buffer.
      pending.push(Buffer.from(line.raw), Buffer.from('\n'));
      pendingBytes += line.raw.length + 1;
      bytesAfter += line.raw.length + 1;
      linesAfter++;
      if (pendingBytes >= FLUSH_AT) flush();
    });
    flush();
    if (durable) fsyncSync(out);
    closeSync(out);
    target = undefined;
    renameSync(temp, path);
    if (durable) fsyncDirectory(dirname(path));
    return { linesBefore: read.lines, linesAfter, bytesBefore, bytesAfter };
  } catch (err) {
    if (target !== undefined) closeSync(target);
    rmSync(temp, { force: true });
    throw ioError('compact', path, err);
  } finally {
    closeSync(source);
  }
}
