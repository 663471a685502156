/**
 * Rewrites one log keeping only the lines asked for. The rewrite is atomic (see
 * fs/atomic-replace.ts): a crash leaves either the old log or the new one, never a mix.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { readLinesFrom } from '../jsonl/log-io.js';
import { startsWithUtf8Bom, UTF8_BOM } from '../jsonl/utf8-bom.js';
import { atomicReplace } from '../fs/atomic-replace.js';
import type { Durability } from '../fs/durability.js';
import { writeAll } from '../fs/write-all.js';
import { CorruptError, ioError } from '../errors.js';

interface CompactResult {
  linesBefore: number;
  linesAfter: number;
  bytesBefore: number;
  bytesAfter: number;
}

const FLUSH_AT = 1 << 20;

/**
 * Keeps the lines whose 1-based numbers are in `keep`, in their order, byte for byte.
 * Lines after the first `knownLines` (the lines the cache had read when `keep` was
 * chosen) were appended since by another program, which does not wait for TaskStore's
 * lock: they are kept, and so are the bytes of an incomplete last line.
 */
export function compactLog(
  path: string,
  keep: Set<number>,
  knownLines: number,
  durability: Durability,
  onProgress?: (bytesDone: number) => void,
  knownIno?: string,
): CompactResult {
  const source = openSync(path, 'r');
  // What the caller's onProgress throws is the caller's to see as it is: wrapped with the
  // file-system failures below, it read "IoError: cannot compact notes.jsonl: stop".
  let thrownByCallback: { value: unknown } | undefined;
  const report =
    onProgress &&
    ((bytesDone: number): void => {
      try {
        onProgress(bytesDone);
      } catch (err) {
        thrownByCallback = { value: err };
        throw err;
      }
    });
  try {
    // `keep` holds line numbers of the file the cache read: another file (git renamed a
    // new one over the log since) would lose the wrong lines.
    if (knownIno !== undefined && String(fstatSync(source, { bigint: true }).ino) !== knownIno) throw replacedError(path);
    const bytesBefore = fstatSync(source).size;
    let linesBefore = 0;
    let bytesAfter = 0;
    let linesAfter = 0;
    atomicReplace(
      path,
      (out) => {
        let pending: Buffer[] = [];
        let pendingBytes = 0;
        const flush = (): void => {
          writeAll(out, Buffer.concat(pending));
          pending = [];
          pendingBytes = 0;
        };
        let reported = 0;
        const read = readLinesFrom(source, 0, 1, (line) => {
          if (report !== undefined && line.offset - reported >= FLUSH_AT) {
            reported = line.offset;
            report(line.offset);
          }
          if (!keep.has(line.lineNo) && line.lineNo <= knownLines) {
            // A leading byte-order mark belongs to the file, not to the first record: keep it.
            if (line.lineNo === 1 && startsWithUtf8Bom(line.raw)) {
              pending.push(UTF8_BOM);
              pendingBytes += UTF8_BOM.length;
              bytesAfter += UTF8_BOM.length;
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
        if (read.unterminated !== undefined) {
          pending.push(read.unterminated);
          bytesAfter += read.unterminated.length;
        }
        flush();
        linesBefore = read.lines;
        bytesAfter += keepLateBytes(path, source, read.endOffset + (read.unterminated?.length ?? 0), out);
      },
      { durability },
    );
    return { linesBefore, linesAfter, bytesBefore, bytesAfter };
  } catch (err) {
    if (thrownByCallback !== undefined) throw thrownByCallback.value;
    if (err instanceof CorruptError) throw err;
    throw ioError('compact', path, err);
  } finally {
    closeSync(source);
  }
}

function replacedError(path: string): CorruptError {
  return new CorruptError(`${basename(path)} was replaced by another program during the compaction (such as git); the compaction was abandoned and the new file left as it is`, {
    hint: 'run compact again once git (or the other program) is done',
    data: { path },
  });
}

/**
 * Just before the rewrite is renamed over the log: a program that does not take
 * TaskStore's lock (git checkout or merge, an editor) may have replaced the log since it
 * was opened, or appended past the end the rewrite read. The rename would throw either
 * away. A replaced log is refused (nothing changed; the next catch-up reads the new file,
 * and compacting again works on it); bytes appended are copied as they are. Returns how
 * many were.
 */
function keepLateBytes(path: string, source: number, readEnd: number, out: number): number {
  const opened = fstatSync(source, { bigint: true });
  const now = statSync(path, { bigint: true, throwIfNoEntry: false });
  if (now === undefined || now.ino !== opened.ino || now.dev !== opened.dev) throw replacedError(path);
  let copied = 0;
  const buf = Buffer.allocUnsafe(1 << 16);
  for (;;) {
    const n = readSync(source, buf, 0, buf.length, readEnd + copied);
    if (n === 0) return copied;
    writeAll(out, buf.subarray(0, n));
    copied += n;
  }
}
