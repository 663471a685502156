/** The durability object, fsync by path, write-all and moving torn bytes aside, on real files. */
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { durabilityFor, FSYNC, NO_FSYNC } from '../../src/fs/durability.js';
import { fsyncDirectory, fsyncFile } from '../../src/fs/sync.js';
import { moveTornBytesAside } from '../../src/fs/torn-bytes.js';
import { writeAll } from '../../src/fs/write-all.js';
import { tempDir } from '../helpers/temp.js';

describe('durabilityFor', () => {
  it("maps 'fsync' to flushing and 'none' to skipping, one shared object each", () => {
    expect(durabilityFor('fsync')).toBe(FSYNC);
    expect(durabilityFor('none')).toBe(NO_FSYNC);
    expect(FSYNC.enabled).toBe(true);
    expect(NO_FSYNC.enabled).toBe(false);
  });

  it('flushes real descriptors, files and directories (and a closed descriptor fails only when flushing)', () => {
    const dir = tempDir();
    const file = join(dir, 'f');
    writeFileSync(file, 'x');
    const fd = openSync(file, 'r+');
    FSYNC.syncFile(fd);
    FSYNC.syncData(fd);
    closeSync(fd);
    FSYNC.syncPath(file);
    FSYNC.syncDir(dir);
    expect(() => FSYNC.syncData(fd)).toThrow(/EBADF/);
    expect(() => NO_FSYNC.syncData(fd)).not.toThrow();
    expect(() => NO_FSYNC.syncPath(join(dir, 'missing'))).not.toThrow();
  });
});

describe('fsyncFile and fsyncDirectory', () => {
  it('fsyncFile reports a missing file; fsyncDirectory never throws', () => {
    const dir = tempDir();
    expect(() => fsyncFile(join(dir, 'missing'))).toThrow(/ENOENT/);
    expect(() => fsyncDirectory(join(dir, 'missing'))).not.toThrow();
  });
});

describe('writeAll', () => {
  it('writes at the position given, or at the current position', () => {
    const dir = tempDir();
    const file = join(dir, 'f');
    writeFileSync(file, 'abcdefgh');
    const fd = openSync(file, 'r+');
    try {
      writeAll(fd, Buffer.from('XY'), 3);
      writeAll(fd, Buffer.from('12'));
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(file, 'utf8')).toBe('12cXYfgh');
  });
});

describe('moveTornBytesAside', () => {
  it('appends the bytes (newline-terminated) to <log>.torn, then cuts the log back', () => {
    const dir = tempDir();
    const log = join(dir, 'notes.jsonl');
    writeFileSync(log, '{"id":"a"}\n{"id":"b","ti');
    writeFileSync(`${log}.torn`, 'earlier\n');
    const fd = openSync(log, 'r+');
    try {
      moveTornBytesAside(fd, log, 11, Buffer.from('{"id":"b","ti'), FSYNC);
      // Bytes that already end a line get no second newline.
      writeFileSync(log, '{"id":"a"}\n{"id":"c"}\n');
      moveTornBytesAside(fd, log, 11, Buffer.from('{"id":"c"}\n'), NO_FSYNC);
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(log, 'utf8')).toBe('{"id":"a"}\n');
    expect(readFileSync(`${log}.torn`, 'utf8')).toBe('earlier\n{"id":"b","ti\n{"id":"c"}\n');
  });
});
