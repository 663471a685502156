/**
 * Disk trouble with a real file system that refuses: a size-limited tmpfs (ENOSPC) and a
 * read-only remount (EROFS). Mounting needs root, which the CI machine and the
 * developers' machines have; elsewhere these tests are reported as skipped.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { TaskStoreError } from '../../src/index.js';
import { Engine as Store } from '../../src/store/engine.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';

const mounts: string[] = [];

function mountTmpfs(sizeKiB: number): string | undefined {
  const dir = join(tempDir(), 'mnt');
  mkdirSync(dir);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch {
    return undefined;
  }
  mounts.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of mounts.splice(0)) execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
});

const canMount = (() => {
  if (process.getuid?.() !== 0) return false;
  try {
    const probe = mountTmpfs(64);
    return probe !== undefined;
  } catch {
    return false;
  }
})();

/** Fills the file system until only `leaveBytes` remain free. */
function fillUntil(dir: string, leaveBytes: number): string {
  const stats = statfsSync(dir);
  const free = stats.bavail * stats.bsize;
  const filler = join(dir, 'filler');
  writeFileSync(filler, Buffer.alloc(Math.max(0, free - leaveBytes)));
  return filler;
}

function codeOf(fn: () => unknown): { code?: string; message?: string } {
  try {
    fn();
  } catch (err) {
    return { code: (err as TaskStoreError).code, message: (err as Error).message };
  }
  return {};
}

describe.skipIf(!canMount)('a file system that refuses', () => {
  it('disk full: the write fails with IO, leaves no half line, and the store works once space is freed', () => {
    const mnt = mountTmpfs(1024)!;
    const dir = join(mnt, '.taskstore');
    const store = Store.open(dir, { logger: quietLogger() });
    const notes = store.collection({ name: 'notes' });
    const bulk = store.collection({ name: 'bulk', indexes: ['n'] });
    notes.create({ id: 'before', body: 'x' });
    const logBefore = readFileSync(join(dir, 'notes.jsonl'));
    const indexesOf = (table: string) => {
      const db = new Database(join(dir, 'taskstore.db'), { readonly: true });
      try {
        return db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? ORDER BY name").pluck().all(table);
      } finally {
        db.close();
      }
    };
    const bulkIndexes = indexesOf('c_bulk');
    const filler = fillUntil(mnt, 12 * 1024);
    const failures = [
      codeOf(() => notes.create({ id: 'big', body: 'y'.repeat(200 * 1024) })),
      codeOf(() => notes.createMany(Array.from({ length: 50 }, (_, i) => ({ id: `m${i}`, body: 'z'.repeat(4096) })))),
      // A batch large enough to load in bulk (the table's indexes dropped, then built again).
      codeOf(() => bulk.createMany(Array.from({ length: 1_500 }, (_, i) => ({ id: `b${i}`, n: i % 7, body: 'w'.repeat(100) })))),
    ];
    for (const failure of failures) {
      expect(failure.code).toBe('IO');
      expect(failure.message).toMatch(/disk is full/);
    }
    expect(readFileSync(join(dir, 'notes.jsonl'))).toEqual(logBefore);
    expect(notes.get('big')).toBeUndefined();
    expect(notes.get('m0')).toBeUndefined();
    expect(bulk.count()).toBe(0);
    expect(indexesOf('c_bulk')).toEqual(bulkIndexes);
    expect(bulkIndexes).toContain('c_bulk__f_n');
    rmSync(filler);
    expect(bulk.createMany(Array.from({ length: 1_500 }, (_, i) => ({ id: `b${i}`, n: i % 7 })))).toHaveLength(1_500);
    expect(bulk.count({ where: { n: 3 } })).toBe(214);
    expect(indexesOf('c_bulk')).toEqual(bulkIndexes);
    notes.create({ id: 'after', body: 'ok' });
    store.close();
    const reopened = Store.open(dir, { logger: quietLogger() });
    expect(reopened.collection({ name: 'notes' }).list({ orderBy: 'id' }).map((r) => r.id)).toEqual(['after', 'before']);
    expect(reopened.check().ok).toBe(true);
    reopened.close();
  });

  it('read-only file system: opening fails with IO naming the path, and nothing changes', () => {
    const mnt = mountTmpfs(1024)!;
    const store = Store.open(join(mnt, '.taskstore'), { logger: quietLogger() });
    store.collection({ name: 'notes' }).create({ id: 'a' });
    store.close();
    // A read-only view of the same files (a remount would be refused while files are open).
    const view = join(tempDir(), 'ro');
    mkdirSync(view);
    execFileSync('mount', ['--bind', mnt, view], { stdio: 'pipe' });
    mounts.unshift(view);
    execFileSync('mount', ['-o', 'remount,bind,ro', view], { stdio: 'pipe' });
    const dir = join(view, '.taskstore');
    const logBefore = readFileSync(join(dir, 'notes.jsonl'));
    const reopen = codeOf(() => Store.open(dir, { logger: quietLogger() }));
    expect(reopen.code).toBe('IO');
    expect(reopen.message).toContain(dir);
    // The message names the real cause: a read-only file system, not a permission problem.
    expect(reopen.message).toMatch(/the file system is read-only \(EROFS\)/);
    expect(reopen.message).not.toMatch(/permission/);
    expect(readFileSync(join(dir, 'notes.jsonl'))).toEqual(logBefore);
  });
});
