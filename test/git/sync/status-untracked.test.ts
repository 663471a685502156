/**
 * `syncStatus()` (and `taskstore status`) counts the lines of logs git does not track yet.
 * It read each one whole: the log's size in memory, and a log over 2 GiB (the most
 * `readFileSync` reads) could not be read at all, so it was left out of the report
 * without a word. Now it reads a chunk at a time. Checked by watching the reads, since
 * a 2 GiB log in a test would fill the machine's page cache.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { syncStatus } from '../../../src/index.js';
import { GitRepo } from '../../helpers/git-repo.js';

const whole = vi.hoisted(() => ({ paths: [] as string[] }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const readFileSync = ((path: unknown, ...rest: unknown[]) => {
    if (typeof path === 'string') whole.paths.push(path);
    return (fs.readFileSync as (...args: unknown[]) => unknown)(path, ...rest);
  }) as typeof fs.readFileSync;
  return { ...fs, default: { ...fs, readFileSync }, readFileSync };
});

describe('status beside untracked logs', () => {
  it('counts their lines without reading any of them whole', () => {
    const repo = GitRepo.init();
    const dir = join(repo.dir, '.taskstore');
    mkdirSync(dir);
    const write = (name: string, text: string): void => {
      const fd = openSync(join(dir, name), 'w');
      writeSync(fd, text);
      closeSync(fd);
    };
    write('small.jsonl', '{"id":"a","updated_at":1}\n{"id":"b","updated_at":2}\n');
    // Past one read's chunk (1 MiB), the last line without its line end (not counted, as before).
    write('big.jsonl', `${'{"id":"a","updated_at":1,"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}\n'.repeat(40_000)}{"id":"z"`);
    write('empty.jsonl', '');
    whole.paths.length = 0;
    const status = syncStatus(dir);
    expect(status.uncommitted).toEqual({ small: { added: 2, removed: 0 }, big: { added: 40_000, removed: 0 } });
    expect(whole.paths.filter((path) => path.endsWith('.jsonl'))).toEqual([]);
  });
});
