/**
 * git-sync against a remote that others treat carelessly: what they pushed must never
 * break this clone's store or be spread further. Real git, the built CLI and driver.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GitSyncError } from '../../../src/index.js';
import { branchClone, cli, cliOk, GitRepo, join, makeRemote, withStore } from './helpers.js';

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
