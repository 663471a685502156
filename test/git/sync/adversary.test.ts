/**
 * Machines converging through one remote, under the things that go wrong on real
 * machines: a git-sync killed part-way, a log cut short, a writer that died mid-line.
 * Real git, real CLI processes, one bare remote and a few clones.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GitSyncError } from '../../../src/index.js';
import { branchClone, cli, cliJson, cliOk, makeRemote, openStore, tempDir, withStore } from './helpers.js';

type Note = { id: string; v?: number; from?: string };

/** Every machine's current notes, as `taskstore list` prints them. */
function notesOf(cloneDir: string): Note[] {
  return cliJson<Note[]>(cloneDir, 'list', 'notes');
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
      // An agent killed in the middle of its append: half a line, no newline, its cache never committed.
      appendFileSync(join(a.storeDir, 'notes.jsonl'), '{"id":"half","v":');

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
