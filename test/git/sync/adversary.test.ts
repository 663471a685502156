/**
 * Machines converging through one remote, under the things that go wrong on real
 * machines: a git-sync killed part-way, a log cut short, a writer that died mid-line.
 * Real git, real CLI processes, one bare remote and a few clones.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GitSyncError } from '../../../src/index.js';
import { acquireSyncLock } from '../../../src/git/sync/sync-files.js';
import { CLI } from '../../helpers/paths.js';
import { GIT_ENV } from '../../helpers/git-repo.js';
import { branchClone, CLI_ENV, GitRepo, inTreeClone, cli, cliJson, cliOk, isAncestor, makeRemote, openStore, remoteHeads, tempDir, withStore } from './helpers.js';
import { leaveTornWrite } from '../../helpers/torn-write.js';

type Note = { id: string; v?: number; from?: string };

/** Every machine's current notes, as `taskstore list` prints them. */
function notesOf(cloneDir: string): Note[] {
  return cliJson<Note[]>(cloneDir, 'list', 'notes');
}

/**
 * Starts `taskstore git-sync` in `cwd` in a process group of its own, waits until `signal`
 * exists (a hook or driver wrapper creates it at the point to interrupt), then kills the
 * whole group with SIGKILL, git children included: what a crash or `kill -9` does.
 */
async function killGitSyncAt(cwd: string, signal: string): Promise<void> {
  const child = spawn(process.execPath, [CLI, 'git-sync'], { cwd, detached: true, stdio: 'ignore', env: { ...process.env, ...CLI_ENV } });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const deadline = Date.now() + 20_000;
  while (!existsSync(signal)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('git-sync never reached the point to interrupt');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  process.kill(-child.pid!, 'SIGKILL');
  await exited;
}

/**
 * Kills a git-sync of clone `a` while its commit moves HEAD (git holds HEAD.lock and the
 * branch's ref lock then: reference-transaction "prepared"); returns the store worktree's git dir.
 */
async function killGitSyncMovingHead(a: { clone: GitRepo; storeDir: string }): Promise<string> {
  const reached = join(tempDir('taskstore-signal-'), 'reached');
  const hook = join(a.clone.dir, '.git', 'hooks', 'reference-transaction');
  writeFileSync(hook, `#!/bin/sh\n[ "$1" = prepared ] || exit 0\nif grep -q ' HEAD$'; then touch '${reached}'; sleep 60; fi\nexit 0\n`);
  chmodSync(hook, 0o755);
  await killGitSyncAt(a.clone.dir, reached);
  rmSync(hook);
  return a.clone.git('-C', join(a.storeDir, '..'), 'rev-parse', '--absolute-git-dir').trim();
}

/** Two machines whose store branches diverged: a has `aId` unsynced, b pushed `b1`. */
async function diverged(aId: string): Promise<{ remote: ReturnType<typeof makeRemote>; a: ReturnType<typeof branchClone>; b: ReturnType<typeof branchClone> }> {
  const remote = makeRemote();
  const a = branchClone(remote);
  cliOk(a.clone.dir, 'git-sync');
  const b = branchClone(remote);
  await withStore(a.storeDir, (store) => store.collection<Note>({ name: 'notes' }).create({ id: aId }));
  await withStore(b.storeDir, async (store) => {
    store.collection<Note>({ name: 'notes' }).create({ id: 'b1' });
    await store.gitSync();
  });
  return { remote, a, b };
}

/** Both machines synced once more: same records, check clean, the remote only ever moved forward. */
function expectConverged(remote: ReturnType<typeof makeRemote>, a: ReturnType<typeof branchClone>, b: ReturnType<typeof branchClone>, ids: string[]): void {
  cliOk(b.clone.dir, 'git-sync');
  expect(notesOf(a.clone.dir).map((n) => n.id).sort()).toEqual([...ids].sort());
  expect(notesOf(b.clone.dir)).toEqual(notesOf(a.clone.dir));
  for (const dir of [a.clone.dir, b.clone.dir]) expect(cli(dir, 'check').status).toBe(0);
  const heads = remoteHeads(remote, 'taskstore');
  for (const old of heads.slice(1)) expect(isAncestor(remote, old, heads[0]!)).toBe(true);
}

describe('git-sync against damage', () => {
  it('a log cut short (a git-sync killed while git rewrote it) is not committed: records_lost, nothing pushed, every machine keeps the records; the hint restores them', async () => {
    const remote = makeRemote();
    const a = branchClone(remote);
    await withStore(a.storeDir, async (store) => {
      const notes = store.collection<Note>({ name: 'notes' });
      for (let i = 1; i <= 5; i++) notes.create({ id: `a${i}`, v: i });
      await store.gitSync();
    });
    const b = branchClone(remote);
    await withStore(b.storeDir, async (store) => {
      store.collection<Note>({ name: 'notes' }).create({ id: 'b1', from: 'b' });
      await store.gitSync();
    });
    const remoteHead = remote.git('rev-parse', 'taskstore').trim();

    // What a kill (or a power cut) in the middle of git's checkout leaves: the log's first
    // bytes only, the last line half written.
    const log = join(a.storeDir, 'notes.jsonl');
    const full = readFileSync(log, 'utf8');
    const cut = full.indexOf('\n', full.indexOf('\n') + 1) + 20;
    writeFileSync(log, full.slice(0, cut));

    const result = cli(a.clone.dir, 'git-sync');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('lacks the current version of 3 record(s) that the last commit has (a3, a4, a5)');
    const error = await withStore(a.storeDir, (store) => store.gitSync().then(() => undefined, (err: unknown) => err));
    expect(error).toBeInstanceOf(GitSyncError);
    expect((error as GitSyncError).data).toMatchObject({ reason: 'records_lost', lost: 3, ids: ['a3', 'a4', 'a5'] });
    // Nothing committed on top of the damage, nothing pushed: b and the remote keep everything.
    expect(remote.git('rev-parse', 'taskstore').trim()).toBe(remoteHead);
    cliOk(b.clone.dir, 'git-sync');
    expect(notesOf(b.clone.dir).map((n) => n.id).sort()).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'b1']);

    // The hint's recipe puts the committed lines back; then the machines converge.
    const worktree = join(a.storeDir, '..');
    const committed = join(tempDir('taskstore-committed-'), 'committed.jsonl');
    writeFileSync(committed, a.clone.git('-C', worktree, 'show', 'HEAD:.taskstore/notes.jsonl'));
    expect(cli(a.clone.dir, 'merge', '/dev/null', log, committed).status).toBe(0);
    cliOk(a.clone.dir, 'git-sync');
    cliOk(b.clone.dir, 'git-sync');
    const expected = ['a1', 'a2', 'a3', 'a4', 'a5', 'b1'];
    expect(notesOf(a.clone.dir).map((n) => n.id).sort()).toEqual(expected);
    expect(notesOf(b.clone.dir)).toEqual(notesOf(a.clone.dir));
  });

  it("a writer that died mid-line does not stop an open store's git-sync: the torn bytes go to .torn under the lock, the merge runs, nothing is lost", async () => {
    const remote = makeRemote();
    const a = branchClone(remote);
    // An orchestrator keeps its store open and syncs now and then; agents write from other processes.
    const store = openStore(a.storeDir);
    try {
      const notes = store.collection<Note>({ name: 'notes' });
      notes.create({ id: 'a1', v: 1 });
      await store.gitSync();
      const b = branchClone(remote);
      await withStore(b.storeDir, async (other) => {
        other.collection<Note>({ name: 'notes' }).create({ id: 'b1', from: 'b' });
        await other.gitSync();
      });
      // An agent killed in the middle of its append: its journal record, half a line, no newline, its cache never committed.
      leaveTornWrite(a.storeDir, 'notes', '{"id":"half","v":1,"updated_at":1}\n', 17);

      const report = await store.gitSync();
      expect(report.recordsChanged.merged).toBe(1);
      expect(readFileSync(join(a.storeDir, 'notes.jsonl.torn'), 'utf8')).toBe('{"id":"half","v":\n');
      expect(notes.list({ orderBy: 'id' }).map((n) => n.id)).toEqual(['a1', 'b1']);
      expect(remote.git('show', 'taskstore:.taskstore/notes.jsonl')).not.toContain('half');
      cliOk(b.clone.dir, 'git-sync');
      expect(notesOf(b.clone.dir)).toEqual(notesOf(a.clone.dir));
      // The torn bytes are kept for inspection (check reports exactly them), never committed.
      const check = cli(a.clone.dir, 'check').stdout;
      expect(check).toContain('torn_line (notes): notes.jsonl.torn holds 1 line(s)');
      expect(cli(b.clone.dir, 'check').status).toBe(0);
    } finally {
      store.close();
    }
  });

  it('a git-sync killed inside git merge just before the merge commit (MERGE_HEAD written) is finished by the next git-sync, with the writes made since', async () => {
    const { remote, a, b } = await diverged('a1');
    const reached = join(tempDir('taskstore-signal-'), 'reached');
    // git runs prepare-commit-msg after writing MERGE_HEAD and the merged index, before the commit.
    const hook = join(a.clone.dir, '.git', 'hooks', 'prepare-commit-msg');
    writeFileSync(hook, `#!/bin/sh\ntouch '${reached}'\nsleep 60\n`);
    chmodSync(hook, 0o755);
    await killGitSyncAt(a.clone.dir, reached);
    rmSync(hook);
    const worktree = join(a.storeDir, '..');
    expect(a.clone.tryGit('-C', worktree, 'rev-parse', '-q', '--verify', 'MERGE_HEAD').status).toBe(0);
    // A writer goes on after the crash.
    await withStore(a.storeDir, (store) => store.collection<Note>({ name: 'notes' }).create({ id: 'a2' }));

    cliOk(a.clone.dir, 'git-sync');
    expect(a.clone.tryGit('-C', worktree, 'rev-parse', '-q', '--verify', 'MERGE_HEAD').status).not.toBe(0);
    expect(a.clone.git('-C', worktree, 'status', '--porcelain')).toBe('');
    expect(remote.git('log', '--format=%s', '--merges', 'taskstore').trim()).toBe('taskstore: merge origin/taskstore');
    expectConverged(remote, a, b, ['a1', 'a2', 'b1']);
  });

  it("in the user's own work tree (an in-tree store) a merge left by a killed git-sync is not committed by the next one: what the user staged since stays out of the remote", async () => {
    const remote = makeRemote();
    const a = inTreeClone(remote);
    cliOk(a.dir, 'init', '--hooks');
    a.commitAll('store setup');
    a.git('push', '-q', 'origin', 'main');
    const b = inTreeClone(remote);
    await withStore(join(b.dir, '.taskstore'), async (store) => {
      store.collection<Note>({ name: 'notes' }).create({ id: 'b1' });
      await store.gitSync();
    });
    await withStore(join(a.dir, '.taskstore'), (store) => store.collection<Note>({ name: 'notes' }).create({ id: 'a1' }));
    const reached = join(tempDir('taskstore-signal-'), 'reached');
    const hook = join(a.dir, '.git', 'hooks', 'prepare-commit-msg');
    writeFileSync(hook, `#!/bin/sh\ntouch '${reached}'\nsleep 60\n`);
    chmodSync(hook, 0o755);
    await killGitSyncAt(a.dir, reached);
    rmSync(hook);
    a.write('secret.txt', 'not for the remote\n');
    a.git('add', 'secret.txt');
    const remoteHead = remote.git('rev-parse', 'main').trim();

    const again = cli(a.dir, 'git-sync');
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('a merge is in progress');
    expect(remote.git('rev-parse', 'main').trim()).toBe(remoteHead);
    expect(remote.git('ls-tree', '-r', '--name-only', 'main')).not.toContain('secret.txt');
  });

  it("a git-sync killed while the merge driver ran (index.lock held, the driver's temporaries about) is recovered by the next git-sync on the store branch", async () => {
    const { remote, a, b } = await diverged('pause-here');
    const reached = join(tempDir('taskstore-signal-'), 'reached');
    const driver = a.clone.git('config', 'merge.taskstore.driver').trim();
    // The real driver, preceded by a pause when it merges the record that marks the moment.
    a.clone.git('config', 'merge.taskstore.driver', `grep -q pause-here %A && { touch '${reached}'; sleep 60; }; ${driver}`);
    await killGitSyncAt(a.clone.dir, reached);
    a.clone.git('config', 'merge.taskstore.driver', driver);
    const worktree = join(a.storeDir, '..');
    const gitDir = a.clone.git('-C', worktree, 'rev-parse', '--absolute-git-dir').trim();
    expect(existsSync(join(gitDir, 'index.lock'))).toBe(true);
    expect(readdirSync(worktree).some((name) => name.startsWith('.merge_file_'))).toBe(true);
    await withStore(a.storeDir, (store) => store.collection<Note>({ name: 'notes' }).create({ id: 'a2' }));

    cliOk(a.clone.dir, 'git-sync');
    expect(existsSync(join(gitDir, 'index.lock'))).toBe(false);
    expect(readdirSync(worktree).filter((name) => name.startsWith('.merge_file_'))).toEqual([]);
    expect(a.clone.git('-C', worktree, 'status', '--porcelain')).toBe('');
    expectConverged(remote, a, b, ['pause-here', 'a2', 'b1']);
  });

  it('a git-sync killed alone (its git merge lives on, holding index.lock untouched) is waited for by the next git-sync, which does not take the lock from the live git', async () => {
    const { remote, a, b } = await diverged('pause-here');
    const signals = tempDir('taskstore-signal-');
    const [reached, held, done] = ['reached', 'held', 'done'].map((name) => join(signals, name)) as [string, string, string];
    const worktree = join(a.storeDir, '..');
    const gitDir = a.clone.git('-C', worktree, 'rev-parse', '--absolute-git-dir').trim();
    const driver = a.clone.git('config', 'merge.taskstore.driver').trim();
    // The real driver after a pause of 4 s (a big log's merge); at its end, whether the
    // merge's index.lock is still its own.
    a.clone.git('config', 'merge.taskstore.driver', `grep -q pause-here %A && { touch '${reached}'; sleep 4; [ -e '${join(gitDir, 'index.lock')}' ] && touch '${held}'; touch '${done}'; }; ${driver}`);
    const child = spawn(process.execPath, [CLI, 'git-sync'], { cwd: a.clone.dir, detached: true, stdio: 'ignore', env: { ...process.env, ...CLI_ENV } });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    while (!existsSync(reached)) await new Promise((resolve) => setTimeout(resolve, 10));
    process.kill(child.pid!, 'SIGKILL'); // git-sync only: an OOM kill, not a kill of its group
    await exited;
    // Past the second after which a lock nobody touches looked left over.
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    expect(existsSync(join(gitDir, 'index.lock'))).toBe(true);
    expect(existsSync(done)).toBe(false);

    const again = cli(a.clone.dir, 'git-sync');
    a.clone.git('config', 'merge.taskstore.driver', driver);
    expect(again.status, again.stderr).toBe(0);
    expect(existsSync(done)).toBe(true); // it waited for the orphaned merge to end
    expect(existsSync(held)).toBe(true); // before the fix: its lock was removed under it
    expect(a.clone.git('-C', worktree, 'status', '--porcelain')).toBe('');
    expectConverged(remote, a, b, ['pause-here', 'b1']);
  });

  it('a git-sync killed while it moved HEAD (HEAD.lock and the branch ref lock left behind) is cleaned up after by the next git-sync on the store branch', async () => {
    const { remote, a, b } = await diverged('a1');
    const gitDir = await killGitSyncMovingHead(a);
    expect(existsSync(join(gitDir, 'HEAD.lock'))).toBe(true);

    cliOk(a.clone.dir, 'git-sync');
    expect(existsSync(join(gitDir, 'HEAD.lock'))).toBe(false);
    expect(existsSync(join(a.clone.dir, '.git', 'refs', 'heads', 'taskstore.lock'))).toBe(false);
    expect(readdirSync(gitDir).filter((name) => name.endsWith('.index'))).toEqual([]);
    expectConverged(remote, a, b, ['a1', 'b1']);
  });

  it('the locks a killed git-sync left, with file times an hour in the future (the clock set back since), are removed after a second of watching, not once the clock catches up', async () => {
    const { remote, a, b } = await diverged('a1');
    const gitDir = await killGitSyncMovingHead(a);
    const locks = [join(gitDir, 'HEAD.lock'), join(a.clone.dir, '.git', 'refs', 'heads', 'taskstore.lock')];
    // Written before the clock was set back by an hour: to the wall clock they look fresh.
    const future = new Date(Date.now() + 3600_000);
    for (const lock of locks) utimesSync(lock, future, future);

    const started = performance.now();
    cliOk(a.clone.dir, 'git-sync'); // before the fix: waited an hour (runCli gives up after 30 s)
    expect(performance.now() - started).toBeLessThan(25_000);
    for (const lock of locks) expect(existsSync(lock)).toBe(false);
    expectConverged(remote, a, b, ['a1', 'b1']);
  });

  it('a fresh clone that has not joined the store branch is told to (`init --branch`), and a plain `init` there warns that its store would be a separate one', () => {
    const remote = makeRemote();
    const a = branchClone(remote);
    cliOk(a.clone.dir, 'git-sync');
    const fresh = GitRepo.clone(remote.dir);
    const list = cli(fresh.dir, 'list', 'notes');
    expect(list.status).toBe(1);
    expect(list.stderr).toContain('the remote branch origin/taskstore holds this repository\'s store: run `taskstore init --branch taskstore` to join it');
    const init = cli(fresh.dir, 'init');
    expect(init.status).toBe(0);
    expect(init.stderr).toContain('the remote branch origin/taskstore holds this repository\'s store');
    expect(init.stderr).toContain('taskstore init --branch taskstore');
    // A repository without a store branch keeps the plain hint.
    const plain = GitRepo.clone(makeRemote().dir);
    expect(cli(plain.dir, 'list', 'notes').stderr).toContain('run `taskstore init` to create one here');
  });

  it('a single-branch clone (--depth 1, --single-branch, as CI checks out) joins the remote store branch with init --branch and converges', async () => {
    const remote = makeRemote();
    const a = branchClone(remote);
    await withStore(a.storeDir, async (store) => {
      store.collection<Note>({ name: 'notes' }).create({ id: 'a1' });
      await store.gitSync();
    });
    const dir = tempDir('taskstore-clone-');
    execFileSync('git', ['clone', '-q', '--depth', '1', `file://${remote.dir}`, dir], { env: GIT_ENV, stdio: 'pipe' });
    const ci = new GitRepo(dir);
    const setup = cliJson<{ storeDir: string; origin: string }>(ci.dir, 'init', '--branch', 'taskstore');
    expect(setup.origin).toBe('remote');
    expect(notesOf(ci.dir).map((n) => n.id)).toEqual(['a1']);
    await withStore(setup.storeDir, (store) => store.collection<Note>({ name: 'notes' }).create({ id: 'ci1' }));
    cliOk(ci.dir, 'git-sync');
    expect(cliJson(ci.dir, 'status').upstream).toBe('origin/taskstore');
    cliOk(a.clone.dir, 'git-sync');
    expect(notesOf(a.clone.dir).map((n) => n.id).sort()).toEqual(['a1', 'ci1']);
    expect(notesOf(ci.dir)).toEqual(notesOf(a.clone.dir));
  });

  it('compaction on one machine while another appends still syncs (every current version kept), and both converge', async () => {
    const remote = makeRemote();
    const a = branchClone(remote);
    await withStore(a.storeDir, async (store) => {
      const notes = store.collection<Note>({ name: 'notes' });
      for (let i = 1; i <= 3; i++) notes.create({ id: `n${i}`, v: 0 });
      await store.gitSync();
    });
    const b = branchClone(remote);
    await withStore(a.storeDir, async (store) => {
      const notes = store.collection<Note>({ name: 'notes' });
      for (let v = 1; v <= 3; v++) notes.patch('n1', { v });
      notes.delete('n3');
      await store.gitSync();
    });
    cliOk(b.clone.dir, 'git-sync');
    cliOk(b.clone.dir, 'compact', 'notes');
    await withStore(a.storeDir, (store) => store.collection<Note>({ name: 'notes' }).patch('n2', { v: 7, from: 'a' }));
    cliOk(b.clone.dir, 'git-sync');
    cliOk(a.clone.dir, 'git-sync');
    cliOk(b.clone.dir, 'git-sync');
    expect(notesOf(a.clone.dir)).toEqual(notesOf(b.clone.dir));
    expect(notesOf(a.clone.dir).map((n) => [n.id, n.v])).toEqual([
      ['n1', 3],
      ['n2', 7],
    ]);
    for (const dir of [a.clone.dir, b.clone.dir]) expect(cli(dir, 'check').status).toBe(0);
  });
});

describe('the git-sync lock after a crash, taken over by two at once', () => {
  it('a dead lock is not taken over while another process is taking it over (its .takeover guard is fresh), and is once the guard is gone', async () => {
    const gitDir = tempDir('taskstore-lock-');
    const lock = join(gitDir, 'taskstore-sync.lock');
    writeFileSync(lock, `${deadPid()}\n`);
    // Another git-sync found the same dead lock an instant earlier and is replacing it.
    writeFileSync(`${lock}.takeover`, '');
    let tookOver = false;
    await expect(acquireSyncLock(gitDir, 300, () => (tookOver = true))).rejects.toBeInstanceOf(GitSyncError);
    expect(tookOver).toBe(false);
    expect(readFileSync(lock, 'utf8')).toBe(`${deadPid()}\n`);
    rmSync(`${lock}.takeover`);
    const release = await acquireSyncLock(gitDir, 1_000, () => (tookOver = true));
    expect(tookOver).toBe(true);
    expect(readFileSync(lock, 'utf8').split('\n')[0]).toBe(String(process.pid));
    expect(existsSync(`${lock}.takeover`)).toBe(false);
    release();
  });
});

let exitedPid: number | undefined;
/** The pid of a process that has exited (and, so soon after, not been reused). */
function deadPid(): number {
  exitedPid ??= spawnSync(process.execPath, ['-e', '']).pid!;
  return exitedPid;
}

