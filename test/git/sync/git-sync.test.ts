/**
 * git-sync between clones of one bare remote, with real git, the built merge driver and
 * real writer processes.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GitSyncError, IoError, Store } from '../../../src/index.js';
import { quietLogger } from '../../helpers/logger.js';
import { startWriter } from '../../reliability/writers.js';
import { CLI, DIST } from '../../helpers/paths.js';
import { branchClone, CLI_ENV, cli, cliJson, cliOk, inTreeClone, makeRemote, openStore, tempDir, withStore, type GitRepo } from './helpers.js';

type Note = { id: string; a?: string; b?: string; title?: string };

/** Every line of a log as committed in `rev`, parsed; fails on a half or malformed line. */
function committedLines(repo: GitRepo, rev: string, path: string): Record<string, unknown>[] {
  const text = repo.git('show', `${rev}:${path}`);
  expect(text.endsWith('\n'), `${rev}:${path} ends with a newline`).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function currentNotes(storeDir: string): Note[] {
  const store = openStore(storeDir);
  try {
    return store.collection<Note>({ name: 'notes' }).list({ orderBy: 'id' }) as Note[];
  } finally {
    store.close();
  }
}

describe('git-sync', () => {
  it('two clones editing different fields of one record converge after A-B-A syncs', async () => {
    const remote = makeRemote();
    const a = branchClone(remote);
    await withStore(a.storeDir, async (store) => {
      store.collection<Note>({ name: 'notes' }).create({ id: 'n1', a: 'base', b: 'base' });
      await store.gitSync();
    });
    const b = branchClone(remote);
    await withStore(a.storeDir, (store) => store.collection<Note>({ name: 'notes' }).patch('n1', { a: 'from A' }));
    await withStore(b.storeDir, (store) => store.collection<Note>({ name: 'notes' }).patch('n1', { b: 'from B' }));

    const first = await withStore(a.storeDir, (store) => store.gitSync());
    expect(first).toMatchObject({ pushed: true, commits: 1, retries: 0 });
    const second = await withStore(b.storeDir, (store) => store.gitSync());
    expect(second.pushed).toBe(true);
    expect(second.commits).toBe(2); // its own change, then the merge
    expect(second.recordsChanged.byCollection.notes!.committed).toBe(1);
    expect(second.recordsChanged.byCollection.notes!.merged).toBeGreaterThanOrEqual(1);
    const third = await withStore(a.storeDir, (store) => store.gitSync());
    expect(third.pushed).toBe(false); // a fast-forward: A had nothing new
    // Fast-forwarded onto B's merge commit: A made no commit of its own.
    expect(third).toMatchObject({ commits: 0, commitIds: [] });
    expect(third.recordsChanged.merged).toBeGreaterThanOrEqual(1);

    const expected = [{ id: 'n1', a: 'from A', b: 'from B' }];
    expect(currentNotes(a.storeDir)).toMatchObject(expected);
    expect(currentNotes(b.storeDir)).toMatchObject(expected);
    const head = remote.git('rev-parse', 'taskstore').trim();
    expect(a.clone.git('rev-parse', 'taskstore').trim()).toBe(head);
    expect(b.clone.git('rev-parse', 'taskstore').trim()).toBe(head);
    // Record-level merge: no line twice, no conflict markers, both sides' versions kept.
    const lines = readFileSync(join(a.storeDir, 'notes.jsonl'), 'utf8').split('\n').filter(Boolean);
    expect(new Set(lines).size).toBe(lines.length);
    expect(lines.some((l) => l.includes('"a":"from A"') && l.includes('"b":"base"'))).toBe(true);
    expect(lines.some((l) => l.includes('"b":"from B"') && l.includes('"a":"base"'))).toBe(true);
    // status agrees: nothing to commit, level with the remote, and a last sync time.
    const status = await withStore(a.storeDir, (store) => store.syncStatus());
    expect(status).toMatchObject({ ahead: 0, behind: 0, uncommittedLines: 0, driverInstalled: true, hooksInstalled: true, storeBranch: 'taskstore' });
    expect(status.lastSyncAt).toBeGreaterThan(Date.now() - 600_000);
  });

  it('a fresh clone without the merge driver installs it first and merges record by record', async () => {
    const remote = makeRemote();
    const a = inTreeClone(remote);
    cliOk(a.dir, 'init', '--hooks');
    const storeA = join(a.dir, '.taskstore');
    await withStore(storeA, (store) => store.collection<Note>({ name: 'notes' }).create({ id: 'n1', a: 'base', b: 'base' }));
    a.commitAll('store');
    a.git('push', '-q', 'origin', 'main');

    const b = inTreeClone(remote); // .gitattributes names the driver; the clone's config has none
    expect(b.tryGit('config', 'merge.taskstore.driver').status).toBe(1);
    const storeB = join(b.dir, '.taskstore');
    await withStore(storeA, (store) => store.collection<Note>({ name: 'notes' }).patch('n1', { a: 'from A' }));
    await withStore(storeB, (store) => store.collection<Note>({ name: 'notes' }).patch('n1', { b: 'from B' }));
    await withStore(storeA, (store) => store.gitSync());

    const report = cliJson(b.dir, 'git-sync');
    expect(report.installed).toContain('git config merge.taskstore.driver');
    expect(b.git('config', 'merge.taskstore.driver')).toContain('merge-main.js');
    expect(report.pushed).toBe(true);
    const merged = readFileSync(join(storeB, 'notes.jsonl'), 'utf8');
    expect(merged).not.toMatch(/^(<<<<<<<|=======|>>>>>>>)/m);
    expect(currentNotes(storeB)).toMatchObject([{ id: 'n1', a: 'from A', b: 'from B' }]);
    await withStore(storeA, (store) => store.gitSync());
    expect(currentNotes(storeA)).toEqual(currentNotes(storeB));
  });

  it("commits only the store: the user's modified and staged files stay out and stay as they were", async () => {
    const remote = makeRemote();
    const a = inTreeClone(remote);
    cliOk(a.dir, 'init', '--hooks');
    a.commitAll('store setup');
    a.write('README.md', '# project, modified\n');
    a.write('src/new.ts', 'export const x = 1;\n');
    a.git('add', 'src/new.ts');
    a.write('src/new.ts', 'export const x = 2;\n'); // staged one version, modified again
    const storeA = join(a.dir, '.taskstore');
    const before = a.git('status', '--porcelain');
    await withStore(storeA, async (store) => {
      store.collection<Note>({ name: 'notes' }).create({ id: 'n1', title: 'x' });
      const report = await store.gitSync({ message: 'sync the store' });
      expect(report.commits).toBe(1);
    });
    expect(a.git('show', '--format=%s', '--name-only', 'HEAD').trim().split('\n')).toEqual(['sync the store', '', '.taskstore/notes.jsonl']);
    expect(a.git('status', '--porcelain')).toBe(before);
    expect(a.git('show', ':src/new.ts')).toBe('export const x = 1;\n'); // the staged version is still staged
    expect(a.read('src/new.ts')).toBe('export const x = 2;\n');
    expect(remote.git('ls-tree', '-r', '--name-only', 'main').split('\n')).not.toContain('src/new.ts');
    expect(remote.git('show', 'main:README.md')).toBe('# project\n');
    expect(a.git('diff', '--cached', '--name-only', 'HEAD', '--', '.taskstore')).toBe(''); // the index knows the store commit

    // The remote moved on: git merge would refuse to start over staged changes; git-sync
    // merges beside the index and carries the user's staged and modified files along.
    const b = inTreeClone(remote);
    await withStore(join(b.dir, '.taskstore'), async (store) => {
      store.collection<Note>({ name: 'notes' }).create({ id: 'n2', title: 'y' });
      await store.gitSync();
    });
    await withStore(storeA, (store) => store.collection<Note>({ name: 'notes' }).create({ id: 'n3', title: 'z' }));
    const merged = cliJson(a.dir, 'git-sync');
    expect(merged).toMatchObject({ pushed: true, commits: 2 });
    expect(a.git('status', '--porcelain')).toBe(before);
    expect(a.git('show', ':src/new.ts')).toBe('export const x = 1;\n');
    expect(a.read('src/new.ts')).toBe('export const x = 2;\n');
    expect(a.git('rev-list', '--parents', '-n', '1', 'HEAD').trim().split(' ')).toHaveLength(3);
    expect(remote.git('rev-parse', 'main')).toBe(a.git('rev-parse', 'HEAD'));
    expect(remote.git('ls-tree', '-r', '--name-only', 'main').split('\n')).not.toContain('src/new.ts');
    expect(currentNotes(storeA).map((n) => n.id)).toEqual(['n1', 'n2', 'n3']);

    // A remote change to a file the user has modified: nothing is changed, the remote neither.
    b.git('pull', '-q', '--no-rebase', 'origin', 'main');
    b.write('README.md', '# project, from B\n');
    b.commitAll('readme from B');
    b.git('push', '-q', 'origin', 'main');
    const remoteHead = remote.git('rev-parse', 'main');
    const headA = a.git('rev-parse', 'HEAD');
    const refused = cli(a.dir, 'git-sync');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('README.md');
    expect(remote.git('rev-parse', 'main')).toBe(remoteHead);
    expect(a.git('rev-parse', 'HEAD')).toBe(headA);
    expect(a.git('status', '--porcelain')).toBe(before);
    expect(a.read('README.md')).toBe('# project, modified\n');
  });

  it('counts committed lines for appended logs, and syncs a log that compaction rewrote', async () => {
    const remote = makeRemote();
    const a = branchClone(remote);
    await withStore(a.storeDir, async (store) => {
      const notes = store.collection<Note>({ name: 'notes' });
      const events = store.collection<Note>({ name: 'events' });
      for (let i = 0; i < 5; i++) notes.create({ id: `n${i}`, title: 'v1' });
      for (let i = 0; i < 5; i++) notes.patch(`n${i}`, { title: 'v2' });
      events.create({ id: 'e1', title: 'x' });
      expect(store.syncStatus()).toMatchObject({
        uncommitted: { notes: { added: 10, removed: 0 }, events: { added: 1, removed: 0 } },
        uncommittedLines: 11,
        upstream: null,
        ahead: null,
        lastSyncAt: null,
      });
      // A collection may be named like a property every object inherits.
      store.collection<Note>({ name: 'constructor' }).create({ id: 'c1', title: 'x' });
      const first = await store.gitSync();
      expect(first.recordsChanged).toEqual({
        committed: 12,
        merged: 0,
        byCollection: { notes: { committed: 10, merged: 0 }, events: { committed: 1, merged: 0 }, constructor: { committed: 1, merged: 0 } },
      });
      expect(Object.hasOwn(Object, 'committed')).toBe(false);
      notes.create({ id: 'n9', title: 'v1' });
      store.compact('notes');
      const second = await store.gitSync();
      expect(second.commits).toBe(1);
      expect(second.pushed).toBe(true);
    });
    const local = readFileSync(join(a.storeDir, 'notes.jsonl'), 'utf8');
    expect(local.trim().split('\n')).toHaveLength(6);
    expect(remote.git('show', 'taskstore:.taskstore/notes.jsonl')).toBe(local);
  });

  it('never commits the file a log links to: a log that became a symbolic link (notes.jsonl -> ~/.ssh/id_rsa) fails the sync naming it, and nothing reaches the remote', async () => {
    const remote = makeRemote();
    const a = branchClone(remote);
    const store = openStore(a.storeDir);
    try {
      store.collection({ name: 'notes' }).create({ id: 'n1' });
      await store.gitSync();
      const pushed = remote.git('rev-parse', 'taskstore').trim();
      // A checkout or pull brings the link while the store is open; another collection gets a write.
      const secret = join(tempDir(), 'id_rsa');
      writeFileSync(secret, '-----BEGIN OPENSSH PRIVATE KEY-----\n');
      rmSync(join(a.storeDir, 'notes.jsonl'));
      symlinkSync(secret, join(a.storeDir, 'notes.jsonl'));
      store.collection({ name: 'other' }).create({ id: 'o1' });
      const err = await store.gitSync().then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(IoError);
      expect(err).toMatchObject({ data: { errno: 'ELOOP', path: join(a.storeDir, 'notes.jsonl') } });
      expect((err as Error).message).toContain('notes.jsonl: it is a symbolic link, and TaskStore does not follow links for its logs');
      expect(remote.git('rev-parse', 'taskstore').trim()).toBe(pushed);
      expect(a.clone.git('log', '-p', '--all')).not.toContain('PRIVATE KEY');
    } finally {
      store.close();
    }
  });

  it('shows progress on a terminal and prints one summary line', async () => {
    const remote = makeRemote();
    const a = branchClone(remote);
    await withStore(a.storeDir, (store) => store.collection<Note>({ name: 'notes' }).create({ id: 'n1' }));
    const { run } = await import('../../../src/cli/commands/git-sync.js');
    let stdout = '';
    let stderr = '';
    const code = await run(
      {
        cwd: a.clone.dir,
        env: {},
        storeFlag: undefined,
        json: false,
        debug: false,
        stdout: { write: (t: string) => (stdout += t) },
        stderr: { write: (t: string) => (stderr += t), isTTY: true },
      },
      {},
    );
    expect(code).toBe(0);
    expect(stderr).toMatch(/^taskstore: fetching taskstore from origin\ntaskstore: committed 1 store file\(s\)\ntaskstore: pushing to origin\/taskstore\ntaskstore: synced with origin\/taskstore\n$/);
    expect(stdout).toBe('pushed to origin/taskstore: 1 commit, 1 record line committed, 0 received, 0 retries\n');
  });

  it("an onProgress that throws at 'done' does not fail a sync that completed: it resolves with the report, the store sees what it received, and the throw is logged", async () => {
    const remote = makeRemote();
    const a = branchClone(remote);
    const b = branchClone(remote);
    await withStore(b.storeDir, async (store) => {
      store.collection<Note>({ name: 'notes' }).create({ id: 'from-b' });
      await store.gitSync();
    });
    const logger = quietLogger();
    const store = Store.open(a.storeDir, { durability: 'none', logger });
    try {
      const notes = store.collection<Note>({ name: 'notes' });
      notes.create({ id: 'from-a' });
      const steps: string[] = [];
      const report = await store.gitSync({
        onProgress: (event) => {
          steps.push(event.step);
          if (event.step === 'done') throw new Error('progress bar closed');
        },
      });
      expect(steps).toEqual(['fetch', 'commit', 'merge', 'push', 'done']);
      expect(report).toMatchObject({ pushed: true, commits: 2 });
      expect(remote.git('rev-parse', 'taskstore').trim()).toBe(report.head);
      // Refreshed after the sync, as a sync that resolves is: the merged record is readable.
      expect(notes.get('from-b')).toMatchObject({ id: 'from-b' });
      expect(logger.warnings).toHaveLength(1);
      expect(logger.warnings[0]).toMatch(/^git-sync with origin\/taskstore completed \(pushed, HEAD [0-9a-f]{12}\), but its onProgress callback threw at the 'done' step: progress bar closed$/);
      // Whatever is thrown (here not an Error, with a String() that throws) is logged.
      await store.gitSync({ onProgress: (event) => { if (event.step === 'done') throw Object.create(null); } });
      expect(logger.warnings[1]).toMatch(/nothing to push.*threw at the 'done' step: a value that cannot be shown$/);
    } finally {
      store.close();
    }
  });

  it('an async onProgress is not awaited: its rejections are logged and the sync completes, in a real process that an unhandled rejection would end', () => {
    const remote = makeRemote();
    const a = branchClone(remote);
    const script = `import { Store } from ${JSON.stringify(join(DIST, 'index.js'))};
const store = Store.open(${JSON.stringify(a.storeDir)}, { durability: 'none' });
store.collection({ name: 'notes' }).create({ id: 'n1' });
const report = await store.gitSync({ onProgress: async (event) => { throw new Error('bar gone at ' + event.step); } });
await new Promise((r) => setTimeout(r, 100));
store.close();
console.log(report.pushed);`;
    const child = spawnSync(process.execPath, ['--unhandled-rejections=throw', '--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, ...CLI_ENV }, timeout: 60_000 });
    expect(child.stderr).toContain('taskstore: error: git-sync: a promise its onProgress callback returned rejected (progress callbacks are not awaited): bar gone at push\n');
    expect(child.stderr).toContain('bar gone at done\n');
    expect(child.stdout).toBe('true\n');
    expect(child.status).toBe(0);
    expect(remote.git('log', '--format=%s', 'taskstore').trim().split('\n')[0]).toBe('taskstore: sync');
  });

  it('an onProgress that throws before the push stops the sync there, rejecting with what it threw: the store change is committed locally, nothing is pushed', async () => {
    const remote = makeRemote();
    const a = branchClone(remote);
    await withStore(a.storeDir, async (store) => {
      await store.gitSync();
      const remoteHead = remote.git('rev-parse', 'taskstore').trim();
      store.collection<Note>({ name: 'notes' }).create({ id: 'n1' });
      const stop = new Error('cancelled');
      await expect(store.gitSync({ onProgress: (event) => { if (event.step === 'push') throw stop; } })).rejects.toBe(stop);
      expect(remote.git('rev-parse', 'taskstore').trim()).toBe(remoteHead);
      expect(a.clone.git('-C', join(a.storeDir, '..'), 'show', '--format=%s', '--name-only', 'HEAD').trim().split('\n')).toEqual(['taskstore: sync', '', '.taskstore/notes.jsonl']);
      // Nothing left behind: the next sync pushes the commit.
      expect(await store.gitSync()).toMatchObject({ pushed: true, commits: 0 });
      // At the other steps too, whatever is thrown reaches the caller as it was (also from
      // inside the store's write lock, at commit), and the next sync finishes the work.
      const pushedHead = remote.git('rev-parse', 'taskstore').trim();
      for (const step of ['fetch', 'commit']) {
        for (const value of [undefined, 'text']) {
          store.collection<Note>({ name: 'notes' }).create({ id: `${step}-${String(value)}` });
          const err = await store.gitSync({ onProgress: (event) => { if (event.step === step) throw value; } }).then(() => 'resolved', (e: unknown) => e);
          expect(err).toBe(value);
        }
        expect(remote.git('rev-parse', 'taskstore').trim()).toBe(pushedHead);
      }
      expect(await store.gitSync()).toMatchObject({ pushed: true });
      expect(remote.git('show', 'taskstore:.taskstore/notes.jsonl')).toContain('"commit-text"');
    });
  });

  it('two git-syncs of one work tree at the same moment both succeed, commit the change once and leave no lock behind', async () => {
    const remote = makeRemote();
    const a = branchClone(remote);
    await withStore(a.storeDir, (store) => store.collection<Note>({ name: 'notes' }).create({ id: 'n1' }));
    const runs = await Promise.all([cliAsync(a.clone.dir, '--json', 'git-sync'), cliAsync(a.clone.dir, '--json', 'git-sync')]);
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const reports = runs.map((r) => JSON.parse(r.stdout) as { commits: number; pushed: boolean });
    expect(reports.map((r) => r.commits).sort()).toEqual([0, 1]);
    expect(remote.git('show', 'taskstore:.taskstore/notes.jsonl')).toContain('"n1"');
    expect(existsSync(gitPath(join(a.storeDir, '..'), 'taskstore-sync.lock'))).toBe(false);
  });

  it('a true conflict exits 1 naming the file, leaves the work tree mid-merge and the remote untouched', async () => {
    const remote = makeRemote();
    const a = branchClone(remote);
    await withStore(a.storeDir, async (store) => {
      store.collection<Note>({ name: 'notes' }).create({ id: 'n1', title: 'base' });
      await store.gitSync();
    });
    const b = branchClone(remote);
    // The same field changed on both sides with the same updated_at: the driver cannot decide.
    appendFileSync(join(a.storeDir, 'notes.jsonl'), '{"id":"n1","updated_at":4000000000000,"title":"A"}\n');
    appendFileSync(join(b.storeDir, 'notes.jsonl'), '{"id":"n1","updated_at":4000000000000,"title":"B"}\n');
    expect(cli(a.clone.dir, 'git-sync').status).toBe(0);
    const remoteHead = remote.git('rev-parse', 'taskstore');

    const result = cli(b.clone.dir, 'git-sync');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('.taskstore/notes.jsonl');
    expect(result.stderr).toContain('git merge --abort');
    expect(remote.git('rev-parse', 'taskstore')).toBe(remoteHead);
    // The store's worktree is mid-merge; the user's own work tree is not.
    expect(existsSync(gitPath(join(b.storeDir, '..'), 'MERGE_HEAD'))).toBe(true);
    expect(existsSync(gitPath(b.clone.dir, 'MERGE_HEAD'))).toBe(false);
    expect(readFileSync(join(b.storeDir, 'notes.jsonl'), 'utf8')).toMatch(/^<<<<<<< /m);
    // A second git-sync refuses to run over the unfinished merge.
    const again = cli(b.clone.dir, 'git-sync');
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('a merge is in progress');
    expect(remote.git('rev-parse', 'taskstore')).toBe(remoteHead);
  });

  it('a branch switched while git-sync fetches stops it before the commit: nothing is committed, merged or pushed', async () => {
    const remote = makeRemote();
    const a = inTreeClone(remote);
    cliOk(a.dir, 'init', '--hooks');
    a.commitAll('store setup');
    a.git('push', '-q', 'origin', 'main');
    a.git('branch', 'other');
    const b = inTreeClone(remote);
    await withStore(join(b.dir, '.taskstore'), async (store) => {
      store.collection<Note>({ name: 'notes' }).create({ id: 'from-b' });
      await store.gitSync(); // the remote moved on: a's sync has something to merge
    });
    const storeA = join(a.dir, '.taskstore');
    await withStore(storeA, (store) => store.collection<Note>({ name: 'notes' }).create({ id: 'from-a' }));
    // The fetch's upload-pack runs this first: another process checks out `other` in a's work
    // tree, deterministically between git-sync reading the branch and its commit and merge.
    const wrapper = join(tempDir('taskstore-wrapper-'), 'switch-then-upload-pack.sh');
    writeFileSync(wrapper, `#!/bin/sh\nunset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE\ngit -C '${a.dir}' checkout -q other >&2 || exit 1\nexec git-upload-pack "$@"\n`);
    chmodSync(wrapper, 0o755);
    a.git('config', 'remote.origin.uploadpack', wrapper);
    const refs = (repo: GitRepo): string => repo.git('for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads');
    const before = { main: a.git('rev-parse', 'main'), other: a.git('rev-parse', 'other'), remote: refs(remote), status: a.git('status', '--porcelain') };

    const failed = await withStore(storeA, (store) => store.gitSync().then(() => undefined, (err: unknown) => err));
    expect(failed).toBeInstanceOf(GitSyncError);
    expect((failed as GitSyncError).data).toMatchObject({ reason: 'branch_changed', expected: 'main', current: 'other' });
    expect((failed as GitSyncError).message).toContain('main');
    expect((failed as GitSyncError).hint).toContain('git switch main');
    expect(a.git('symbolic-ref', '--short', 'HEAD').trim()).toBe('other');
    expect({ main: a.git('rev-parse', 'main'), other: a.git('rev-parse', 'other'), remote: refs(remote), status: a.git('status', '--porcelain') }).toEqual(before);
    expect(existsSync(gitPath(a.dir, 'MERGE_HEAD'))).toBe(false);
    expect(existsSync(gitPath(a.dir, 'taskstore-sync.lock'))).toBe(false);

    // Back on main, the same sync goes through: the record was kept and is pushed.
    a.git('config', '--unset', 'remote.origin.uploadpack');
    a.git('checkout', '-q', 'main');
    const report = cliJson(a.dir, 'git-sync');
    expect(report).toMatchObject({ localBranch: 'main', pushed: true, commits: 2 });
    expect(remote.git('show', 'main:.taskstore/notes.jsonl')).toContain('"from-a"');
    expect(currentNotes(storeA).map((n) => n.id)).toEqual(['from-a', 'from-b']);
    expect(a.git('rev-parse', 'other')).toBe(before.other);
  });

  it('writers running during git-sync lose nothing, and no commit holds a half line', async () => {
    const remote = makeRemote();
    const a = branchClone(remote);
    const writers = [startWriter(a.storeDir, 'mixed', 250, 'w1'), startWriter(a.storeDir, 'single', 250, 'w2')];
    const store = openStore(a.storeDir);
    let syncs = 0;
    try {
      const done = Promise.all(writers.map((w) => w.exited));
      let finished = false;
      void done.then(() => (finished = true));
      while (!finished) {
        await store.gitSync();
        syncs++;
      }
      for (const { code, stderr } of await done) {
        expect(stderr).toBe('');
        expect(code).toBe(0);
      }
      await store.gitSync();
    } finally {
      store.close();
    }
    expect(syncs).toBeGreaterThan(0);
    const remoteIds = new Set(committedLines(remote, 'taskstore', '.taskstore/notes.jsonl').map((r) => r.id));
    for (const w of writers) {
      for (const id of [...w.acks.notes, ...w.acks.pairs, ...w.acks.updated]) expect(remoteIds.has(id), id).toBe(true);
    }
    // Every commit the syncs made holds only complete, parseable lines.
    for (const rev of remote.git('rev-list', 'taskstore', '--', '.taskstore/notes.jsonl').split('\n').filter(Boolean)) {
      committedLines(remote, rev, '.taskstore/notes.jsonl');
    }
    expect(cliJson(a.clone.dir, 'status').uncommittedLines).toBe(0);
  });
});

/** Runs the built CLI without blocking, so two can run at once. */
function cliAsync(cwd: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, ...CLI_ENV, TASKSTORE_DIR: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Where git keeps `name` (e.g. MERGE_HEAD) for the work tree at `dir`. */
function gitPath(dir: string, name: string): string {
  return execFileSync('git', ['rev-parse', '--path-format=absolute', '--git-path', name], { cwd: dir, encoding: 'utf8' }).trim();
}
