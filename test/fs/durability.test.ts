/** The durability object, fsync by path, write-all and moving torn bytes aside, on real files. */
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { durabilityFor, FSYNC, NO_FSYNC, type Durability } from '../../src/fs/durability.js';
import { fsyncDirectory, fsyncFile } from '../../src/fs/sync.js';
import { moveTornBytesAside } from '../../src/fs/torn-bytes.js';
import { rescueVanished } from '../../src/store/rescue.js';
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

/** FSYNC, with every flush written down in order (what was flushed, not a stand-in for it). */
function recordingDurability(): { durability: Durability; calls: string[] } {
  const calls: string[] = [];
  const durability: Durability = {
    enabled: true,
    syncFile: (fd) => {
      calls.push('file');
      FSYNC.syncFile(fd);
    },
    syncData: (fd) => {
      calls.push('data');
      FSYNC.syncData(fd);
    },
    syncPath: (path) => {
      calls.push(`path ${path}`);
      FSYNC.syncPath(path);
    },
    syncDir: (dir) => {
      calls.push(`dir ${dir}`);
      FSYNC.syncDir(dir);
    },
  };
  return { durability, calls };
}

describe('side files are durable by name as well as by content', () => {
  it('a new <log>.torn has its directory flushed before the log is cut back; an existing one does not need it', () => {
    const dir = tempDir();
    const log = join(dir, 'notes.jsonl');
    writeFileSync(log, '{"id":"a"}\n{"id":"b","ti');
    const fd = openSync(log, 'r+');
    const first = recordingDurability();
    const second = recordingDurability();
    try {
      moveTornBytesAside(fd, log, 11, Buffer.from('{"id":"b","ti'), first.durability);
      writeFileSync(log, '{"id":"a"}\n{"id":"c');
      moveTornBytesAside(fd, log, 11, Buffer.from('{"id":"c'), second.durability);
    } finally {
      closeSync(fd);
    }
    expect(first.calls).toEqual([`path ${log}.torn`, `dir ${dir}`, 'file']);
    expect(second.calls).toEqual([`path ${log}.torn`, 'file']);
  });

  it('a new <log>.rescued has its directory flushed; appending to an existing one does not', () => {
    const dir = tempDir();
    const log = join(dir, 'notes.jsonl');
    const first = recordingDurability();
    const second = recordingDurability();
    expect(rescueVanished(dir, 'notes.jsonl', log, [{ updatedAt: 1, text: '{"id":"a","updated_at":1}' }], first.durability)).toBe(1);
    expect(rescueVanished(dir, 'notes.jsonl', log, [{ updatedAt: 2, text: '{"id":"b","updated_at":2}' }], second.durability)).toBe(1);
    expect(first.calls).toEqual([`path ${log}.rescued`, `dir ${dir}`]);
    expect(second.calls).toEqual([`path ${log}.rescued`]);
    expect(readFileSync(`${log}.rescued`, 'utf8')).toBe('{"id":"a","updated_at":1}\n{"id":"b","updated_at":2}\n');
  });
});
