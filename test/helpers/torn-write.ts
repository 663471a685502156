/**
 * What a TaskStore writer killed in the middle of appending a line leaves on disk: its
 * record in the write journal (what it was about to append, written before the append),
 * then the first bytes of the line. (test/reliability/crash-points.test.ts makes the same
 * state with a real process killed mid-write.)
 */
import { appendFileSync, closeSync, existsSync, fstatSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { Journal } from '../../src/store/journal.js';
import { fingerprintPrefix, hashBytes } from '../../src/jsonl/log-io.js';
import { NO_FSYNC } from '../../src/fs/durability.js';

/** Appends the first `written` bytes of `line` (a whole line, newline included) to the collection's log, as a dying writer would. */
export function leaveTornWrite(dir: string, collection: string, line: string | Buffer, written: number): void {
  const file = `${collection}.jsonl`;
  const path = join(dir, file);
  const data = typeof line === 'string' ? Buffer.from(line) : line;
  let offset = 0;
  let prefix = fingerprintPrefix(-1, 0);
  if (existsSync(path)) {
    const fd = openSync(path, 'r');
    try {
      offset = fstatSync(fd).size;
      prefix = fingerprintPrefix(fd, offset);
    } finally {
      closeSync(fd);
    }
  }
  const journal = new Journal(dir, NO_FSYNC);
  try {
    journal.begin([{ file, offset, length: data.length, sha1: hashBytes(data), prefix }], { flush: false, bytes: [data] });
  } finally {
    journal.close();
  }
  appendFileSync(path, data.subarray(0, written));
}
