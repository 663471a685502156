/**
 * The cache's creation lock (src/cache/create-lock.ts): one process at a time sets aside
 * a deleted database's side files and creates the new one. Real files and real child
 * processes: a creator that holds the lock, one that died holding it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { abandoned, CREATE_LOCK_SUFFIX, removeAbandoned, withCreateLock } from '../../src/cache/create-lock.js';
import { LockedError, Store } from '../../src/index.js';
import { quietLogger } from '../helpers/logger.js';
import { tempDir } from '../helpers/temp.js';

/** A store whose cache files were deleted (as `git clean -fdX` does), with one record in its log. */
function storeWithoutCache(): { dir: string; db: string; lock: string } {
  const dir = join(tempDir('taskstore-create-lock-'), '.taskstore');
  const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
  store.collection({ name: 'notes' }).create({ id: 'n1' });
  store.close();
  const db = join(dir, 'taskstore.db');
  for (const suffix of ['', '-wal', '-shm']) rmSync(db + suffix, { force: true });
  return { dir, db, lock: db + CREATE_LOCK_SUFFIX };
}

/**
 * Starts a process that takes the creation lock of `db` as a creator does (exclusive
 * create, its pid), holds it `holdMs`, then prints whether the file was still its own
 * and removes it.
 */
async function holdLock(lock: string, holdMs: number): Promise<{ done: Promise<string> }> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const fs = require('fs'); const fd = fs.openSync(${JSON.stringify(lock)}, 'wx'); fs.writeSync(fd, process.pid + '\\n'); fs.closeSync(fd);
       setTimeout(() => { process.stdout.write(fs.existsSync(${JSON.stringify(lock)}) ? 'kept' : 'taken'); fs.rmSync(${JSON.stringify(lock)}, { force: true }); }, ${holdMs});`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const done = new Promise<string>((resolve) => child.on('exit', () => resolve(out)));
  while (!existsSync(lock)) await new Promise((r) => setTimeout(r, 5));
  return { done };
}

describe('the cache creation lock', () => {
  it('a process that finds the cache deleted waits for the one creating it, then opens the new file without removing it', async () => {
    const { dir, lock } = storeWithoutCache();
    const holder = await holdLock(lock, 600);
    const started = performance.now();
    const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
    const waited = performance.now() - started;
    try {
      expect(waited).toBeGreaterThanOrEqual(300); // before the lock: it went ahead at once, beside the other creator
      expect(await holder.done).toBe('kept');
      expect(store.collection({ name: 'notes' }).get('n1')).toMatchObject({ id: 'n1' });
      expect(existsSync(lock)).toBe(false);
    } finally {
      store.close();
    }
  });

  it("a creator that died holding it (its pid gone) does not stop the next open", () => {
    const { dir, lock } = storeWithoutCache();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(lock, `${dead.stdout}\n`);
    const started = performance.now();
    const store = Store.open(dir, { durability: 'none', logger: quietLogger(), lockTimeoutMs: 5_000 });
    try {
      expect(performance.now() - started).toBeLessThan(4_000);
      expect(store.collection({ name: 'notes' }).get('n1')).toMatchObject({ id: 'n1' });
      expect(existsSync(lock)).toBe(false);
    } finally {
      store.close();
    }
  });

  it('a lock file older than any creation takes is left over, whoever it names; a fresh one of a live process is waited for, up to the timeout (LOCKED)', () => {
    const { db, lock } = storeWithoutCache();
    writeFileSync(lock, `${process.pid}\n`); // alive, and in this process: only its age can tell
    expect(() => withCreateLock(db, 200, () => 'created')).toThrow(LockedError);
    expect(existsSync(lock)).toBe(true);
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    expect(withCreateLock(db, 200, () => 'created')).toBe('created');
    expect(existsSync(lock)).toBe(false);
    // A time ahead (the clock set back since it was written) is not "old": the pid decides.
    writeFileSync(lock, `${process.pid}\n`);
    const ahead = new Date(Date.now() + 3_600_000);
    utimesSync(lock, ahead, ahead);
    expect(() => withCreateLock(db, 100, () => 'created')).toThrow(LockedError);
    rmSync(lock);
  });

  it('is released when the creation fails, so the next open is not kept waiting', () => {
    const { db, lock } = storeWithoutCache();
    expect(() =>
      withCreateLock(db, 200, () => {
        expect(existsSync(lock)).toBe(true);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(existsSync(lock)).toBe(false);
  });

  it('two waiters that judged the same lock abandoned: the later one does not remove the lock the earlier one has made since', () => {
    const { lock } = storeWithoutCache();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(lock, `${dead.stdout}\n`);
    // Both waiters read the dead creator's file before either removed it.
    const seenByFirst = abandoned(lock);
    const seenBySecond = abandoned(lock);
    expect(seenByFirst).toBeDefined();
    expect(seenBySecond).toEqual(seenByFirst);
    removeAbandoned(lock, seenByFirst!);
    expect(existsSync(lock)).toBe(false);
    // The first creates its own lock (its inode number may well be the dead one's, reused).
    writeFileSync(lock, `${process.pid}\n`);
    removeAbandoned(lock, seenBySecond!);
    expect(readFileSync(lock, 'utf8')).toBe(`${process.pid}\n`);
    rmSync(lock);
  });

  it('while another waiter holds the takeover guard the lock is left to it; a guard left by a killed waiter is removed once old', () => {
    const { db, lock } = storeWithoutCache();
    const guard = lock + '.takeover';
    writeFileSync(lock, '999999999\n'); // no such pid
    writeFileSync(guard, '');
    removeAbandoned(lock, abandoned(lock)!);
    expect(existsSync(lock)).toBe(true);
    const old = new Date(Date.now() - 60_000);
    utimesSync(guard, old, old);
    expect(withCreateLock(db, 2_000, () => 'created')).toBe('created');
    expect(existsSync(lock)).toBe(false);
    expect(existsSync(guard)).toBe(false);
  });

  it('a creator removes only its own lock: one taken over while it was stopped is the new creator\'s', () => {
    const { db, lock } = storeWithoutCache();
    withCreateLock(db, 200, () => {
      // Another process judged this one's lock abandoned (stopped past the stale age) and made its own.
      rmSync(lock);
      writeFileSync(lock, `${process.ppid}\n`);
    });
    expect(readFileSync(lock, 'utf8')).toBe(`${process.ppid}\n`);
    rmSync(lock);
  });
});
