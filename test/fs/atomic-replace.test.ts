/**
 * The one atomic-replace recipe (src/fs), on real files: complete content, permission
 * bits, symlinks, and no temp file left behind whatever fails.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { atomicCopyFile, atomicReplace, atomicWriteFile, tempPathFor } from '../../src/fs/atomic-replace.js';
import { NO_FSYNC } from '../../src/fs/durability.js';
import { writeAll } from '../../src/fs/write-all.js';
import { tempDir } from '../helpers/temp.js';

describe('atomicWriteFile', () => {
  it('replaces the content and keeps the permission bits', () => {
    const dir = tempDir();
    const file = join(dir, 'f.jsonl');
    writeFileSync(file, 'old\n');
    chmodSync(file, 0o640);
    atomicWriteFile(file, 'new ✓\n', { mode: 'keep' });
    expect(readFileSync(file, 'utf8')).toBe('new ✓\n');
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir)).toEqual(['f.jsonl']);
  });

  it('throws and leaves nothing behind when the directory does not exist', () => {
    const dir = tempDir();
    expect(() => atomicWriteFile(join(dir, 'missing', 'f.jsonl'), 'x', { mode: 'keep' })).toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('writes every chunk in order, and a large buffer whole', () => {
    const dir = tempDir();
    const file = join(dir, 'big.bin');
    const big = Buffer.alloc(5 * 1024 * 1024 + 17, 0xab);
    atomicWriteFile(file, [Buffer.from('head\n'), big, Buffer.from('tail')]);
    const back = readFileSync(file);
    expect(back.length).toBe(5 + big.length + 4);
    expect(back.subarray(0, 5).toString()).toBe('head\n');
    expect(back.subarray(-4).toString()).toBe('tail');
    expect(back.subarray(5, 5 + big.length).equals(big)).toBe(true);
    expect(readdirSync(dir)).toEqual(['big.bin']);
  });

  it('sets an explicit mode exactly, whatever the umask', () => {
    const dir = tempDir();
    const file = join(dir, 'hook');
    const umask = process.umask(0o077);
    try {
      atomicWriteFile(file, '#!/bin/sh\n', { mode: 0o755 });
    } finally {
      process.umask(umask);
    }
    expect(statSync(file).mode & 0o777).toBe(0o755);
  });

  it('writes through a symlink to its target when asked, and replaces the link otherwise', () => {
    const dir = tempDir();
    const target = join(dir, 'real.txt');
    const link = join(dir, 'link.txt');
    writeFileSync(target, 'old');
    symlinkSync('real.txt', link);
    atomicWriteFile(link, 'through', { followSymlink: true });
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('real.txt');
    expect(readFileSync(target, 'utf8')).toBe('through');
    atomicWriteFile(link, 'replaced');
    expect(lstatSync(link).isSymbolicLink()).toBe(false);
    expect(readFileSync(link, 'utf8')).toBe('replaced');
    expect(readFileSync(target, 'utf8')).toBe('through');
    expect(readdirSync(dir).sort()).toEqual(['link.txt', 'real.txt']);
  });

  it('fails on a rename onto a directory, removing its temp file and leaving the directory as it was', () => {
    const dir = tempDir();
    const target = join(dir, 'taken');
    mkdirSync(target);
    writeFileSync(join(target, 'inside'), 'keep me');
    expect(() => atomicWriteFile(target, 'x')).toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
    expect(readdirSync(dir)).toEqual(['taken']);
    expect(readFileSync(join(target, 'inside'), 'utf8')).toBe('keep me');
  });
});

describe('atomicReplace', () => {
  it('keeps the old file whole and removes the temp when the writer throws half way', () => {
    const dir = tempDir();
    const file = join(dir, 'log.jsonl');
    writeFileSync(file, '{"id":"a"}\n');
    expect(() =>
      atomicReplace(file, (fd) => {
        writeAll(fd, Buffer.from('{"id":"half'));
        throw new Error('disk full (simulated)');
      }),
    ).toThrow('disk full (simulated)');
    expect(readFileSync(file, 'utf8')).toBe('{"id":"a"}\n');
    expect(readdirSync(dir)).toEqual(['log.jsonl']);
  });

  it('writes at the temp file start, with or without flushes', () => {
    const dir = tempDir();
    const file = join(dir, 'f');
    for (const durability of [undefined, NO_FSYNC]) {
      atomicReplace(file, (fd) => writeAll(fd, Buffer.from(`with ${durability?.enabled ?? 'default'}`)), { durability });
      expect(readFileSync(file, 'utf8')).toBe(`with ${durability?.enabled ?? 'default'}`);
    }
    expect(readdirSync(dir)).toEqual(['f']);
  });
});

describe('atomicCopyFile', () => {
  it('copies every byte and returns the count; a missing source changes nothing', () => {
    const dir = tempDir();
    const from = join(dir, 'from.bin');
    const data = Buffer.alloc(3 * 1024 * 1024 + 5);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
    writeFileSync(from, data);
    const to = join(dir, 'to.bin');
    expect(atomicCopyFile(from, to)).toBe(data.length);
    expect(readFileSync(to).equals(data)).toBe(true);
    expect(() => atomicCopyFile(join(dir, 'nope'), to)).toThrow(/ENOENT/);
    expect(readFileSync(to).equals(data)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['from.bin', 'to.bin']);
  });
});

describe('tempPathFor', () => {
  it('names a hidden temp beside the target, unique per call, in the shape stale-temp cleanup knows', () => {
    const names = new Set<string>();
    for (let i = 0; i < 100; i++) names.add(tempPathFor('/s/notes.jsonl'));
    expect(names.size).toBe(100);
    for (const name of names) expect(name).toMatch(new RegExp(`^/s/\\.notes\\.jsonl\\.${process.pid}\\.[0-9a-f]{12}\\.tmp$`));
    expect(existsSync('/s')).toBe(false);
  });
});
