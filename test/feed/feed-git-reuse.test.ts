/**
 * The change feed under git operations that replace a log by a new file which gets the
 * old file's inode number back, or the whole store directory. Real git, a real
 * `taskstore watch` process, writes by real CLI processes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/index.js';
import { CLI } from '../helpers/paths.js';
import { GitRepo } from '../helpers/git-repo.js';
import { waitFor } from '../helpers/wait-for.js';

/**
 * A git repository with a committed store of one PRD, a CLI that writes to it, and a
 * `taskstore --json watch --collection prds` process following it, already delivering:
 * it is live once a write made after it started arrives (`ready` PRDs, created until one does).
 */
async function watchedRepo(): Promise<{
  repo: GitRepo;
  dir: string;
  cli: (...args: string[]) => string;
  out: () => string;
  stop: () => Promise<string>;
}> {
  const repo = GitRepo.init();
  const dir = join(repo.dir, '.taskstore');
  const cli = (...args: string[]): string => {
    const r = spawnSync(process.execPath, [CLI, '--store', dir, ...args], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.trim();
  };
  cli('init');
  cli('create-prd', 'base');
  repo.commitAll('base');
  const watcher = spawn(process.execPath, [CLI, '--store', dir, '--json', 'watch', '--collection', 'prds'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  watcher.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  watcher.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
  /** Stops the watcher; resolves to what it wrote on stderr. */
  const stop = async (): Promise<string> => {
    watcher.kill('SIGTERM');
    await new Promise((resolve) => watcher.once('exit', resolve));
    return err;
  };
  try {
    let tries = 0;
    await waitFor('the watcher', () => {
      if (!out.includes('"title":"ready"')) cli('create-prd', 'ready', '--description', String(++tries));
      return out.includes('"title":"ready"');
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { repo, dir, cli, out: () => out, stop };
}

describe('change feed: git stash and stash pop under a watcher', () => {
  it('the records stash took away come back once, as the differences (every version was delivered again, a deleted record created and deleted anew)', async () => {
    const { repo, dir, cli, out, stop } = await watchedRepo();
    let err = '';
    const changes = (): Change[] => out().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Change);
    const titled = (title: string): Change | undefined => changes().find((c) => c.record.title === title);
    try {
      // Uncommitted lines: a PRD created, updated and deleted; one created and updated twice.
      const gone = cli('create-prd', 'gone');
      cli('update', gone, '--set', 'review_passes=1');
      cli('delete', gone, '--force');
      const kept = cli('create-prd', 'kept');
      cli('update', kept, '--set', 'review_passes=1');
      cli('update', kept, '--set', 'review_passes=2');
      await waitFor('the writes', () => changes().filter((c) => c.id === kept).length === 3);
      const log = join(dir, 'prds.jsonl');
      // Every `ready` PRD the wait above made, from the log: the first may have been
      // committed before the watcher subscribed, so it was never delivered (taking the
      // list from the delivered changes missed it, now and then, and its return on
      // `stash pop` looked like a stranger's).
      const ready = [
        ...new Set(
          readFileSync(log, 'utf8')
            .split('\n')
            .filter((line) => line.includes('"title":"ready"'))
            .map((line) => (JSON.parse(line) as { id: string }).id),
        ),
      ];
      const name = (id: string): string => (id === gone ? 'gone' : id === kept ? 'kept' : ready.includes(id) ? 'ready' : id);
      const ino = statSync(log).ino;

      const before = changes().length;
      repo.git('stash', '-q');
      // stash took the lines away: `kept` vanished (a delete with its last version), and so
      // did `ready`, which was never committed either; `gone` was deleted already.
      await waitFor('the stash', () => changes().length >= before + 1 + ready.length);
      const afterStash = changes().length;
      repo.git('stash', 'pop', '-q');
      // The popped log is the stashed one plus those lines: on this machine's file systems
      // git's new file gets the old inode number, so it looks like an append.
      const reused = statSync(log).ino === ino;
      cli('create-prd', 'marker');
      await waitFor('the marker', () => titled('marker') !== undefined);
      const popped = changes().slice(afterStash).filter((c) => c.record.title !== 'marker');
      expect(popped.map((c) => `${name(c.id)} ${c.op}`).sort(), `inode reused: ${reused}`).toEqual([...ready.map(() => 'ready create'), 'kept create'].sort());
      expect(popped.find((c) => c.id === kept)!.record).toMatchObject({ review_passes: 2 });
    } finally {
      err = await stop();
    }
    expect(err).toBe('');
  }, 60_000);
});

describe('change feed: the store directory replaced under a watcher', () => {
  it('rm -rf .taskstore and git checkout: later writes arrive at once again, not at the next 2 s safety poll', async () => {
    const { repo, dir, cli, out, stop } = await watchedRepo();
    let err = '';
    const titled = (title: string): boolean => out().includes(`"title":${JSON.stringify(title)}`);
    const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
    try {
      // Moved away in one step, then removed: an `rm -rf` in place raced the watcher, which
      // reopens the cache it sees deleted, and failed with ENOTEMPTY now and then.
      const gone = `${dir}.removed`;
      renameSync(dir, gone);
      rmSync(gone, { recursive: true, force: true });
      repo.git('checkout', '--', '.taskstore');
      // Past the next safety poll (every 2 s), which looks at the restored directory.
      await sleep(2_500);
      // Writes 0.7 s apart: at the 2 s polls alone at most one of them could arrive
      // within 0.6 s (it waited for the next poll, up to 2 s).
      const late: string[] = [];
      for (let i = 0; i < 3; i++) {
        cli('create-prd', `after-${i}`);
        const t0 = performance.now();
        await waitFor(`after-${i}`, () => titled(`after-${i}`));
        const ms = performance.now() - t0;
        if (ms > 600) late.push(`after-${i}: ${Math.round(ms)} ms`);
        await sleep(700);
      }
      expect(late).toEqual([]);
    } finally {
      err = await stop();
    }
    expect(err).toBe('');
  }, 60_000);
});
