/**
 * The case the `prev` chain's splicing exists for, end to end with real git: a merge by
 * TaskStore's merge driver brings a version of a record older than the one the branch
 * already has, after it in the log. The post-merge hook catches the cache up (the merged
 * log extends what was consumed, so by its tail, row by row); a store that stayed open
 * catches up on refresh(); a fresh rebuild reads the merged log whole. In each, history(id)
 * must be every version of id in the log, in log order.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { parseLine } from '../../src/jsonl/line-codec.js';
import { CLI } from '../helpers/paths.js';
import { GIT_ENV, GitRepo } from '../helpers/git-repo.js';
import { quietLogger } from '../helpers/logger.js';

function versionsInLog(dir: string, coll: string, id: string): unknown[] {
  return readFileSync(join(dir, `${coll}.jsonl`), 'utf8')
    .split('\n')
    .map(parseLine)
    .filter((p) => p.kind === 'record' && p.record.id === id)
    .map((p) => (p as { record: unknown }).record);
}

/** Waits until Date.now() has moved past `t` (stamps are milliseconds). */
function after(t: number): void {
  while (Date.now() <= t) {
    // spin: at most a millisecond
  }
}

describe('history after a merge by the TaskStore driver', () => {
  it('holds the older version the merge appended after the newer one, live, after refresh and rebuilt', () => {
    const repo = GitRepo.init();
    const cli = (...args: string[]) =>
      execFileSync(process.execPath, [CLI, ...args], { cwd: repo.dir, env: { ...GIT_ENV, TASKSTORE_DIR: '' }, encoding: 'utf8', stdio: 'pipe' }).trim();
    cli('init', '--hooks');
    const dir = join(repo.dir, '.taskstore');
    const open = () => Store.open(dir, { durability: 'none', logger: quietLogger() });

    let store = open();
    const notes = () => store.collection<{ v: string }>({ name: 'notes' });
    notes().create({ id: 'x', v: 'base' });
    notes().create({ id: 'y', v: 'base' });
    store.close();
    repo.commitAll('base');

    // The feature branch's versions are older than main's: written first.
    repo.git('checkout', '-q', '-b', 'feature');
    store = open();
    const featureAt = notes().update('x', { v: 'feature' }).updated_at;
    notes().delete('y');
    store.close();
    repo.commitAll('feature');

    repo.git('checkout', '-q', 'main');
    after(featureAt);
    store = open();
    notes().update('x', { v: 'main 1' });
    notes().update('x', { v: 'main 2' });
    notes().update('y', { v: 'main' });
    store.close();
    repo.commitAll('main');

    // A store that stays open across the merge.
    const stayed = open();
    const before = stayed.collection<{ v: string }>({ name: 'notes' });
    expect(before.history('x').map((r) => r.v)).toEqual(['base', 'main 1', 'main 2']);

    const merge = repo.tryGit('merge', '--no-edit', 'feature');
    expect(merge.status, merge.stderr).toBe(0);
    const merged = versionsInLog(dir, 'notes', 'x') as { v: string }[];
    // The merge put the feature's (older) version after main's newer ones.
    expect(merged.map((r) => r.v)).toEqual(['base', 'main 1', 'main 2', 'feature']);

    // What the post-merge hook's catch-up left in the cache (nothing is new to a store opened now).
    const fresh = open();
    try {
      for (const id of ['x', 'y']) expect(fresh.collection({ name: 'notes' }).history(id), `${id} as the hook left it`).toEqual(versionsInLog(dir, 'notes', id));
    } finally {
      fresh.close();
    }

    try {
      stayed.refresh();
      for (const id of ['x', 'y']) expect(before.history(id), id).toEqual(versionsInLog(dir, 'notes', id));
      expect(before.get('x')?.v).toBe('main 2');
      expect(before.get('y')?.v).toBe('main');
      stayed.sync();
      for (const id of ['x', 'y']) expect(before.history(id), `${id} after sync`).toEqual(versionsInLog(dir, 'notes', id));
    } finally {
      stayed.close();
    }
  });
});
