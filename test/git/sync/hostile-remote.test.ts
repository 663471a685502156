/**
 * git-sync against a remote that others treat carelessly: what they pushed must never
 * break this clone's store or be spread further. Real git, the built CLI and driver.
 */
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GitSyncError } from '../../../src/index.js';
import { branchClone, cli, cliJson, cliOk, GitRepo, inTreeClone, join, makeRemote, withStore } from './helpers.js';


/** A clone of `remote` whose work tree holds a store with the hooks, committed and pushed on main. */
function storeClone(remote: ReturnType<typeof makeRemote>): GitRepo {
  const a = inTreeClone(remote);
  cliOk(a.dir, 'init', '--hooks');
  a.commitAll('store setup');
  a.git('push', '-q', 'origin', 'main');
  return a;
}

/** Branch `side` and main each change code.txt differently: a cherry-pick or rebase of side stops on it. */
function divergeCode(a: GitRepo): void {
  a.git('checkout', '-q', '-b', 'side');
  a.write('code.txt', 'side\n');
  a.commitAll('side');
  a.git('checkout', '-q', 'main');
  a.write('code.txt', 'main\n');
  a.commitAll('main code');
}

describe('git-sync and a careless remote', () => {
  it('a remote log that holds conflict markers is not merged into the store: GIT_SYNC names it, nothing changes, and the sync works once it is resolved', async () => {
    const remote = makeRemote();
    const a = branchClone(remote);
    await withStore(a.storeDir, (store) => store.collection({ name: 'notes' }).create({ id: 'n1' }));
    cliOk(a.clone.dir, 'git-sync');
    // Someone without the hooks commits an unresolved merge and pushes it.
    const careless = GitRepo.clone(remote.dir);
    careless.git('checkout', '-q', 'taskstore');
    const log = join(careless.dir, '.taskstore/notes.jsonl');
    appendFileSync(log, '<<<<<<< ours\n{"id":"q","updated_at":7,"v":"ours"}\n=======\n{"id":"q","updated_at":8,"v":"theirs"}\n>>>>>>> theirs\n');
    careless.commitAll('unresolved merge');
    careless.git('push', '-q', 'origin', 'taskstore');
    const remoteHead = remote.git('rev-parse', 'taskstore').trim();

    await withStore(a.storeDir, (store) => store.collection({ name: 'notes' }).create({ id: 'n2' }));
    const headBefore = a.clone.git('-C', join(a.storeDir, '..'), 'rev-parse', 'HEAD').trim();
    const logBefore = readFileSync(join(a.storeDir, 'notes.jsonl'), 'utf8');

    const result = cli(a.clone.dir, 'git-sync');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('.taskstore/notes.jsonl');
    expect(result.stderr).toContain('conflict marker');
    const error = await withStore(a.storeDir, (store) => store.gitSync().then(() => undefined, (err: unknown) => err));
    expect(error).toBeInstanceOf(GitSyncError);
    expect((error as GitSyncError).data).toMatchObject({ reason: 'remote_conflict_markers', file: '.taskstore/notes.jsonl', line: 2 });
    expect((error as GitSyncError).hint).toBeTruthy();
    // Nothing changed: the store still works, its log is as it was, nothing was pushed.
    expect(readFileSync(join(a.storeDir, 'notes.jsonl'), 'utf8')).toBe(logBefore);
    expect(a.clone.git('-C', join(a.storeDir, '..'), 'rev-parse', 'HEAD').trim()).toBe(headBefore);
    expect(remote.git('rev-parse', 'taskstore').trim()).toBe(remoteHead);
    await withStore(a.storeDir, (store) => expect(store.collection({ name: 'notes' }).list().map((r) => r.id).sort()).toEqual(['n1', 'n2']));

    // Resolved on the remote: the next sync merges everything.
    writeFileSync(log, readFileSync(log, 'utf8').replace(/^(<<<<<<< ours|=======|>>>>>>> theirs)\n/gm, '').replace(/.*"v":"ours".*\n/, ''));
    careless.commitAll('resolve');
    careless.git('push', '-q', 'origin', 'taskstore');
    cliOk(a.clone.dir, 'git-sync');
    await withStore(a.storeDir, (store) => expect(store.collection({ name: 'notes' }).list().map((r) => r.id).sort()).toEqual(['n1', 'n2', 'q']));
    expect(remote.git('show', 'taskstore:.taskstore/notes.jsonl')).not.toMatch(/^(<{7}|={7}|>{7})/m);
  });
});

describe('git-sync never pushes an unresolved merge', () => {
  it('a local commit holding conflict markers (committed with --no-verify) is not pushed: GIT_SYNC names file and line, the remote is untouched', async () => {
    const remote = makeRemote();
    const a = branchClone(remote);
    await withStore(a.storeDir, (store) => store.collection({ name: 'notes' }).create({ id: 'n1' }));
    cliOk(a.clone.dir, 'git-sync');
    const remoteHead = remote.git('rev-parse', 'taskstore').trim();
    const worktree = join(a.storeDir, '..');
    appendFileSync(join(a.storeDir, 'notes.jsonl'), '<<<<<<< HEAD\n{"id":"q","updated_at":7}\n=======\n{"id":"q","updated_at":8}\n>>>>>>> other\n');
    a.clone.git('-C', worktree, 'commit', '-q', '--no-verify', '-am', 'a careless resolution');

    const result = cli(a.clone.dir, 'git-sync');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('.taskstore/notes.jsonl line 2');
    expect(remote.git('rev-parse', 'taskstore').trim()).toBe(remoteHead);
    const error = await withStore(a.storeDir, (store) => store.gitSync().then(() => undefined, (err: unknown) => err));
    expect(error).toBeInstanceOf(GitSyncError);
    expect((error as GitSyncError).data).toMatchObject({ reason: 'conflict_markers', file: '.taskstore/notes.jsonl', line: 2 });
    expect(remote.git('rev-parse', 'taskstore').trim()).toBe(remoteHead);
  });
});

describe('git-sync in a work tree with unfinished git business', () => {
  it("a cherry-pick stopped on a conflict in the user's code: GIT_SYNC unmerged_files names the file, nothing is committed, merged or pushed (not a false MERGE_CONFLICT blamed on the remote)", async () => {
    const remote = makeRemote();
    const a = storeClone(remote);
    const b = inTreeClone(remote);
    await withStore(join(b.dir, '.taskstore'), async (store) => {
      store.collection({ name: 'notes' }).create({ id: 'from-b' });
      await store.gitSync(); // the remote moved on: a's sync would merge
    });
    divergeCode(a);
    expect(a.tryGit('cherry-pick', 'side').status).not.toBe(0); // stops on code.txt
    await withStore(join(a.dir, '.taskstore'), (store) => store.collection({ name: 'notes' }).create({ id: 'from-a' }));
    const head = a.git('rev-parse', 'HEAD');
    const remoteHead = remote.git('rev-parse', 'main');

    const result = cli(a.dir, 'git-sync');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('code.txt');
    expect(result.stderr).not.toContain('git merge --abort');
    const error = await withStore(join(a.dir, '.taskstore'), (store) => store.gitSync().then(() => undefined, (err: unknown) => err));
    expect(error).toBeInstanceOf(GitSyncError);
    expect((error as GitSyncError).data).toMatchObject({ reason: 'unmerged_files', files: ['code.txt'] });
    expect(a.git('rev-parse', 'HEAD')).toBe(head);
    expect(remote.git('rev-parse', 'main')).toBe(remoteHead);
    expect(a.git('rev-parse', '--verify', '-q', 'CHERRY_PICK_HEAD').trim()).not.toBe('');

    // The user finishes the cherry-pick: the sync goes through with every record.
    a.write('code.txt', 'both\n');
    a.git('add', 'code.txt');
    a.git('-c', 'core.editor=true', 'cherry-pick', '--continue');
    cliOk(a.dir, 'git-sync');
    await withStore(join(a.dir, '.taskstore'), (store) => expect(store.collection({ name: 'notes' }).list().map((r) => r.id).sort()).toEqual(['from-a', 'from-b']));
  });
});

describe('git-sync in the middle of a rebase', () => {
  it('a rebase stopped on a conflict: GIT_SYNC rebase_in_progress says to finish or abort the rebase (not to `git switch`, which git refuses mid-rebase); nothing changes', async () => {
    const remote = makeRemote();
    const a = storeClone(remote);
    divergeCode(a);
    expect(a.tryGit('rebase', 'side').status).not.toBe(0); // stops on code.txt, HEAD detached
    const remoteHead = remote.git('rev-parse', 'main');

    const error = await withStore(join(a.dir, '.taskstore'), (store) => store.gitSync().then(() => undefined, (err: unknown) => err));
    expect(error).toBeInstanceOf(GitSyncError);
    expect((error as GitSyncError).data).toMatchObject({ reason: 'rebase_in_progress' });
    expect((error as GitSyncError).hint).toContain('git rebase --continue');
    expect((error as GitSyncError).hint).toContain('git rebase --abort');
    expect((error as GitSyncError).hint).not.toContain('git switch');
    expect(remote.git('rev-parse', 'main')).toBe(remoteHead);
  });
});

describe('git-sync and a remote that cannot update the branch', () => {
  it('a stale ref lock on the remote (a push that crashed there) is reported as such with git\'s reason, not as other clones pushing first', async () => {
    const remote = makeRemote();
    const a = branchClone(remote);
    await withStore(a.storeDir, (store) => store.collection({ name: 'notes' }).create({ id: 'n1' }));
    cliOk(a.clone.dir, 'git-sync');
    await withStore(a.storeDir, (store) => store.collection({ name: 'notes' }).create({ id: 'n2' }));
    writeFileSync(join(remote.dir, 'refs', 'heads', 'taskstore.lock'), '');
    const remoteHead = remote.git('rev-parse', 'taskstore').trim();

    const error = await withStore(a.storeDir, (store) => store.gitSync({ retries: 2 }).then(() => undefined, (err: unknown) => err));
    expect(error).toBeInstanceOf(GitSyncError);
    const { message, hint, data } = error as GitSyncError;
    expect(data).toMatchObject({ reason: 'remote_ref_locked', remote: 'origin', branch: 'taskstore' });
    expect(message).not.toContain('other clones kept pushing first');
    expect(message).toContain('taskstore.lock');
    expect(hint).toContain('taskstore.lock');
    expect(remote.git('rev-parse', 'taskstore').trim()).toBe(remoteHead);

    // Once the stale lock is gone, the sync goes through.
    rmSync(join(remote.dir, 'refs', 'heads', 'taskstore.lock'));
    cliOk(a.clone.dir, 'git-sync');
    expect(remote.git('show', 'taskstore:.taskstore/notes.jsonl')).toContain('"n2"');
  });
});

describe('git-sync in a clone with core.autocrlf=true (the Git for Windows default)', () => {
  it('the merge writes the logs with their committed bytes: no CRLF appears, and the next sync commits only the new line, not a rewrite of every line', async () => {
    const remote = makeRemote();
    const a = branchClone(remote);
    a.clone.git('config', 'core.autocrlf', 'true');
    await withStore(a.storeDir, (store) => store.collection({ name: 'notes' }).create({ id: 'n1' }));
    cliOk(a.clone.dir, 'git-sync');
    const b = branchClone(remote);
    await withStore(b.storeDir, async (store) => {
      store.collection({ name: 'notes' }).create({ id: 'b1' });
      await store.gitSync();
    });
    await withStore(a.storeDir, (store) => store.collection({ name: 'notes' }).create({ id: 'n2' }));
    cliOk(a.clone.dir, 'git-sync'); // merges b1
    expect(readFileSync(join(a.storeDir, 'notes.jsonl'), 'utf8')).not.toContain('\r');

    await withStore(a.storeDir, (store) => store.collection({ name: 'notes' }).create({ id: 'n3' }));
    const report = await withStore(a.storeDir, (store) => store.gitSync());
    expect(report.recordsChanged.committed).toBe(1);
    expect(remote.git('show', 'taskstore:.taskstore/notes.jsonl')).not.toContain('\r');
    expect(remote.git('show', 'taskstore:.taskstore/notes.jsonl').trim().split('\n')).toHaveLength(4);
  });

  it("an in-tree store: the merged logs keep their committed bytes, the user's own merged files keep git's CRLF conversion", async () => {
    const remote = makeRemote();
    const a = storeClone(remote);
    a.git('config', 'core.autocrlf', 'true');
    const b = inTreeClone(remote);
    b.write('code.txt', 'one\ntwo\n');
    b.commitAll('code');
    b.git('push', '-q', 'origin', 'main');
    await withStore(join(b.dir, '.taskstore'), async (store) => {
      store.collection({ name: 'notes' }).create({ id: 'b1' });
      await store.gitSync();
    });
    await withStore(join(a.dir, '.taskstore'), (store) => store.collection({ name: 'notes' }).create({ id: 'a1' }));
    cliOk(a.dir, 'git-sync');
    expect(readFileSync(join(a.dir, '.taskstore', 'notes.jsonl'), 'utf8')).not.toContain('\r');
    expect(readFileSync(join(a.dir, 'code.txt'), 'utf8')).toBe('one\r\ntwo\r\n');
    expect(a.git('status', '--porcelain')).toBe('');
  });
});

describe('git-sync merges only a history of the store', () => {
  it('--branch naming the code branch on a store branch: GIT_SYNC unrelated_history names its files; nothing committed, merged or pushed, the code branch untouched', async () => {
    const remote = makeRemote();
    const a = branchClone(remote);
    await withStore(a.storeDir, (store) => store.collection({ name: 'notes' }).create({ id: 'n1' }));
    cliOk(a.clone.dir, 'git-sync');
    await withStore(a.storeDir, (store) => store.collection({ name: 'notes' }).create({ id: 'n2' }));
    const worktree = join(a.storeDir, '..');
    const head = a.clone.git('-C', worktree, 'rev-parse', 'HEAD').trim();
    const main = remote.git('rev-parse', 'main').trim();

    const result = cli(a.clone.dir, 'git-sync', '--branch', 'main');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('origin/main shares no history with the store branch');
    expect(result.stderr).toContain('README.md');
    const error = await withStore(a.storeDir, (store) => store.gitSync({ branch: 'main' }).then(() => undefined, (err: unknown) => err));
    expect(error).toBeInstanceOf(GitSyncError);
    expect((error as GitSyncError).data).toMatchObject({ reason: 'unrelated_history', files: ['README.md'] });
    // The code branch did not get the store's history, the store branch not the code.
    expect(remote.git('rev-parse', 'main').trim()).toBe(main);
    expect(a.clone.git('-C', worktree, 'rev-parse', 'HEAD').trim()).toBe(head);
    expect(a.clone.git('-C', worktree, 'ls-files')).not.toContain('README.md');
    // The store branch's own sync goes on as before.
    cliOk(a.clone.dir, 'git-sync');
    expect(remote.git('show', 'taskstore:.taskstore/notes.jsonl')).toContain('"n2"');
  });

  it("an in-tree store and a remote branch of another history: GIT_SYNC unrelated_history before anything is committed (git's own refusal came after the store's commit)", async () => {
    const remote = makeRemote();
    branchClone(remote); // puts an unrelated `taskstore` branch on the remote
    cliOk(branchClone(remote).clone.dir, 'git-sync');
    const a = storeClone(remote);
    cliOk(a.dir, 'create-prd', 'local');
    const head = a.git('rev-parse', 'HEAD');
    const result = cli(a.dir, 'git-sync', '--branch', 'taskstore');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('origin/taskstore shares no history with');
    const error = await withStore(join(a.dir, '.taskstore'), (store) => store.gitSync({ branch: 'taskstore' }).then(() => undefined, (err: unknown) => err));
    expect((error as GitSyncError).data).toMatchObject({ reason: 'unrelated_history' });
    expect(a.git('rev-parse', 'HEAD')).toBe(head);
    expect(a.git('status', '--porcelain')).toContain('.taskstore/prds.jsonl');
  });
});

describe('git-sync and a branch name the remote cannot create', () => {
  it('a remote holding taskstore/old refuses a branch taskstore: push_failed names that branch at once, not ten retries blamed on other clones', async () => {
    const remote = makeRemote();
    const seed = GitRepo.clone(remote.dir);
    seed.git('push', '-q', 'origin', 'main:refs/heads/taskstore/old');
    const a = branchClone(remote);
    await withStore(a.storeDir, (store) => store.collection({ name: 'notes' }).create({ id: 'n1' }));
    const result = cli(a.clone.dir, 'git-sync');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('cannot hold a branch taskstore beside its taskstore/old');
    const error = await withStore(a.storeDir, (store) => store.gitSync({ retries: 3 }).then(() => undefined, (err: unknown) => err));
    expect(error).toBeInstanceOf(GitSyncError);
    expect((error as GitSyncError).data).toMatchObject({ reason: 'push_failed', conflictingRef: 'refs/heads/taskstore/old' });
    // Another remote branch name works.
    cliOk(a.clone.dir, 'git-sync', '--branch', 'taskstore-main');
    expect(remote.git('show', 'taskstore-main:.taskstore/notes.jsonl')).toContain('"n1"');
  });

  it('a stale tracking ref origin/taskstore/old (deleted on the remote since) in the way of the fetch: fetch_failed names it and says to prune, not to check the network', async () => {
    const remote = makeRemote();
    const seed = GitRepo.clone(remote.dir);
    seed.git('push', '-q', 'origin', 'main:refs/heads/taskstore/old');
    const a = GitRepo.clone(remote.dir); // has origin/taskstore/old
    seed.git('push', '-q', 'origin', ':refs/heads/taskstore/old');
    const storeDir = cliJson<{ storeDir: string }>(a.dir, 'init', '--branch', 'taskstore').storeDir; // no remote branch yet: a new one
    const b = branchClone(remote);
    await withStore(b.storeDir, (store) => store.collection({ name: 'notes' }).create({ id: 'b1' }));
    cliOk(b.clone.dir, 'git-sync');

    const result = cli(a.dir, 'git-sync');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('the remote-tracking branch refs/remotes/origin/taskstore/old is in its way');
    expect(result.stderr).toContain('git remote prune origin');
    const error = await withStore(storeDir, (store) => store.gitSync().then(() => undefined, (err: unknown) => err));
    expect((error as GitSyncError).data).toMatchObject({ reason: 'fetch_failed', conflictingRef: 'refs/remotes/origin/taskstore/old' });
    // As the hint says: pruned, the sync joins b's history.
    a.git('remote', 'prune', 'origin');
    cliOk(a.dir, 'git-sync');
    await withStore(storeDir, (store) => expect(store.collection({ name: 'notes' }).get('b1')).toBeDefined());
  });

  it('init --branch with a stale tracking ref in the way of joining the remote store branch: names it and says to prune, changing nothing (it said to make the remote reachable)', async () => {
    const remote = makeRemote();
    const seed = GitRepo.clone(remote.dir);
    seed.git('push', '-q', 'origin', 'main:refs/heads/taskstore/old');
    const a = GitRepo.clone(remote.dir); // has origin/taskstore/old
    seed.git('push', '-q', 'origin', ':refs/heads/taskstore/old');
    const b = branchClone(remote);
    await withStore(b.storeDir, (store) => store.collection({ name: 'notes' }).create({ id: 'b1' }));
    cliOk(b.clone.dir, 'git-sync');

    const result = cli(a.dir, 'init', '--branch', 'taskstore');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('the remote-tracking branch refs/remotes/origin/taskstore/old is in its way');
    expect(result.stderr).toContain('git remote prune origin');
    expect(result.stderr).not.toContain('reachable');
    expect(readFileSync(join(a.dir, '.git', 'config'), 'utf8')).not.toContain('[taskstore');
    // As the hint says: pruned, init joins b's store branch.
    a.git('remote', 'prune', 'origin');
    const storeDir = cliJson<{ storeDir: string }>(a.dir, 'init', '--branch', 'taskstore').storeDir;
    await withStore(storeDir, (store) => expect(store.collection({ name: 'notes' }).get('b1')).toBeDefined());
  });
});
