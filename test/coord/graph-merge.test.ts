/**
 * Readiness and claims after real merges: two clones of one remote, each with its store
 * open in this process, edit the task graph concurrently; `git pull` merges the logs
 * through the installed merge driver and hooks. Then the clone's live store, the same
 * store after a full rebuild (`sync()`), a store opened on the logs with no cache at all,
 * and the rule of docs/records.md stated over the merged log text must all agree: ready
 * specs, what the next claim takes, cycles, and check()'s view of the graph.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/index.js';
import { openStore } from '../cli/run-cli.js';
import { GIT_ENV, GitRepo } from '../helpers/git-repo.js';
import { CLI } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';
import { expected } from './readiness-oracle.js';

const open: Store[] = [];
afterEach(() => {
  for (const store of open.splice(0)) store.close();
});

function cli(repo: GitRepo, ...args: string[]): string {
  return execFileSync(process.execPath, [CLI, ...args], { cwd: repo.dir, env: { ...GIT_ENV, TASKSTORE_DIR: '' }, encoding: 'utf8', stdio: 'pipe' });
}

function storeOf(repo: GitRepo): Store {
  const store = openStore(join(repo.dir, '.taskstore'));
  open.push(store);
  return store;
}

interface Clones {
  a: GitRepo;
  b: GitRepo;
  storeA: Store;
  storeB: Store;
}

/** Clone A seeds the store with `seed` and pushes; clone B clones it. Both have the driver and hooks. */
function clones(seed: (store: Store) => void): Clones {
  const remote = GitRepo.init({ bare: true });
  const a = GitRepo.init();
  cli(a, 'init', '--hooks');
  const storeA = storeOf(a);
  storeA.createPrd({ id: 'prd', title: 'P', status: 'active' });
  seed(storeA);
  a.commitAll('seed');
  a.git('remote', 'add', 'origin', remote.dir);
  a.git('push', '-q', '-u', 'origin', 'main');
  const b = GitRepo.clone(remote.dir);
  cli(b, 'install-hooks');
  return { a, b, storeA, storeB: storeOf(b) };
}

function publish(repo: GitRepo, message: string): void {
  repo.commitAll(message);
  const pull = repo.tryGit('pull', '-q', '--no-rebase', '--no-edit', 'origin', 'main');
  expect(pull.status, pull.stderr).toBe(0);
  repo.git('push', '-q', 'origin', 'HEAD:main');
}

function answers(store: Store) {
  // The next claim, asked without writing one: in a transaction rolled back at once.
  let next: string | undefined;
  try {
    store.transaction(() => {
      next = store.claimNextReadyTaskSpec('probe')?.id;
      throw new Error('probe only');
    });
  } catch (err) {
    if ((err as Error).message !== 'probe only') throw err;
  }
  const graph = store.check().problems.filter((p) => p.kind === 'cache_drift' || p.kind === 'dependency_cycle');
  return { ready: store.listReadyTaskSpecs().map((s) => s.id), next, cycles: store.findDependencyCycles(), graph };
}

/** Every view of clone `repo`'s store agrees with the rule over its merged logs; returns the answers. */
function agree(repo: GitRepo, live: Store) {
  const dir = join(repo.dir, '.taskstore');
  const now = Date.now();
  const want = expected(dir, now);
  const got = answers(live);
  expect({ ready: got.ready, next: got.next, cycles: got.cycles }).toEqual({ ready: want.ready, next: want.next, cycles: want.cycles });
  expect(got.graph.filter((p) => p.kind === 'cache_drift')).toEqual([]);
  // The same store rebuilt from its logs.
  live.sync();
  expect(answers(live)).toEqual(got);
  // A store that never saw the history: the logs copied without the cache.
  const copy = join(tempDir(), '.taskstore');
  cpSync(dir, copy, { recursive: true });
  for (const f of ['taskstore.db', 'taskstore.db-wal', 'taskstore.db-shm']) rmSync(join(copy, f), { force: true });
  const fresh = openStore(copy);
  try {
    expect(answers(fresh)).toEqual(got);
  } finally {
    fresh.close();
  }
  return got;
}

const spec = (store: Store, id: string, fields: Record<string, unknown> = {}) =>
  store.createTaskSpec({ id, prd_id: 'prd', phase_name: id, ...fields } as Parameters<Store['createTaskSpec']>[0]);

describe('the task graph after real merges of two clones', () => {
  it('each clone adds one dependency; together they form a cycle: nothing in it is ready, both clones say so', () => {
    const { a, b, storeA, storeB } = clones((s) => {
      spec(s, 'x');
      spec(s, 'y');
      spec(s, 'z', { dependencies: ['x'] });
      spec(s, 'free');
    });
    storeA.updateTaskSpec('x', { ...storeA.getTaskSpec('x')!, dependencies: ['y'] });
    publish(a, 'x needs y');
    storeB.updateTaskSpec('y', { ...storeB.getTaskSpec('y')!, dependencies: ['x'] });
    expect(storeB.listReadyTaskSpecs().map((s) => s.id)).toEqual(['x', 'free']); // before the pull
    publish(b, 'y needs x');
    const got = agree(b, storeB);
    expect(got.ready).toEqual(['free']);
    expect(got.cycles).toEqual([['x', 'y']]);
    expect(got.graph.map((p) => p.kind)).toEqual(['dependency_cycle']);
    expect(a.tryGit('pull', '-q', '--no-rebase', '--no-edit', 'origin', 'main').status).toBe(0);
    expect(agree(a, storeA)).toEqual(got);
  });

  it('one clone deletes a complete spec that the other makes a new spec depend on: the new spec waits, check() names it', () => {
    const { a, b, storeA, storeB } = clones((s) => {
      spec(s, 'base', { status: 'complete' });
      spec(s, 'other');
    });
    storeA.collection({ name: 'task_specs' }).delete('base');
    publish(a, 'drop base');
    spec(storeB, 'needs-base', { dependencies: ['base'] });
    expect(storeB.listReadyTaskSpecs().map((s) => s.id)).toEqual(['other', 'needs-base']);
    publish(b, 'needs base');
    const got = agree(b, storeB);
    expect(got.ready).toEqual(['other']);
    expect(storeB.check().problems.filter((p) => p.kind === 'dangling_reference').map((p) => p.id)).toEqual(['needs-base']);
    // Recreating the spec it names (complete) makes it ready, live and rebuilt alike.
    spec(storeB, 'base', { status: 'complete' });
    expect(agree(b, storeB).ready).toEqual(['other', 'needs-base']);
  });

  it('one clone completes a spec while the other makes a spec depend on it: after the merge the dependent is ready and is the next claim', () => {
    const { a, b, storeA, storeB } = clones((s) => {
      spec(s, 'first');
      spec(s, 'second');
    });
    const claimed = storeA.claimNextReadyTaskSpec('loop-a')!;
    expect(claimed.id).toBe('first');
    const exec = storeA.createExecution({ ts_id: 'first', worktree_path: '/w', branch_name: 'b' });
    storeA.completeExecution(exec);
    publish(a, 'first done');
    storeB.updateTaskSpec('second', { ...storeB.getTaskSpec('second')!, dependencies: ['first'] });
    expect(storeB.listReadyTaskSpecs().map((s) => s.id)).toEqual(['first']);
    publish(b, 'second needs first');
    const got = agree(b, storeB);
    expect(got).toMatchObject({ ready: ['second'], next: 'second' });
    expect(storeB.claimNextReadyTaskSpec('loop-b')!.id).toBe('second');
    expect(storeB.claimNextReadyTaskSpec('loop-c')).toBeUndefined();
  });

  it('one clone claims a spec while the other reopens its dependency: after the merge the spec stays held, and only the reopened dependency is claimable', () => {
    const { a, b, storeA, storeB } = clones((s) => {
      spec(s, 'dep', { status: 'complete' });
      spec(s, 'work', { dependencies: ['dep'] });
    });
    expect(storeA.claimNextReadyTaskSpec('loop-a')!.id).toBe('work');
    publish(a, 'claim work');
    storeB.updateTaskSpec('dep', { ...storeB.getTaskSpec('dep')!, status: 'pending' });
    publish(b, 'reopen dep');
    const got = agree(b, storeB);
    expect(got).toMatchObject({ ready: ['dep'], next: 'dep' });
    expect(storeB.getTaskSpec('work')).toMatchObject({ status: 'running', assigned_to: 'loop-a' });
    expect(() => storeB.claimTaskSpec('work', 'loop-b')).toThrow(/loop-a holds it/);
    // Released by its holder, it waits for the reopened dependency instead of being ready.
    storeB.releaseTaskSpecClaim('work', 'loop-a');
    expect(agree(b, storeB).ready).toEqual(['dep']);
  });

  it('both clones edit one spec: one its dependencies, the other its status; the merged version has both and readiness follows it', () => {
    const { a, b, storeA, storeB } = clones((s) => {
      spec(s, 'p', { status: 'complete' });
      spec(s, 'q');
      spec(s, 'r', { status: 'blocked' });
    });
    storeA.updateTaskSpec('r', { ...storeA.getTaskSpec('r')!, dependencies: ['p', 'q'] });
    publish(a, 'r needs p and q');
    storeB.updateTaskSpec('r', { ...storeB.getTaskSpec('r')!, status: 'pending' });
    storeB.updateTaskSpec('q', { ...storeB.getTaskSpec('q')!, status: 'complete' });
    publish(b, 'r pending, q done');
    expect(storeB.getTaskSpec('r')).toMatchObject({ status: 'pending', dependencies: ['p', 'q'] });
    expect(agree(b, storeB)).toMatchObject({ ready: ['r'], next: 'r' });
  });
});
