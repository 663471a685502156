/**
 * The store branch, end to end with the built CLI and real git: set up by
 * `init --branch`, found from every worktree, out of reach of the user's own git
 * commands, synced by git-sync and set up again in a fresh clone.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, renameSync } from 'node:fs';
import { setUpStoreBranch, ValidationError } from '../../../src/index.js';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startWriter } from '../../reliability/writers.js';
import { branchClone, cli, cliJson, cliOk, inTreeClone, makeRemote, tempDir, withStore } from './helpers.js';

describe('taskstore init --branch', () => {
  it('puts the store on its own branch in a worktree inside the git directory, recorded in git config', () => {
    const remote = makeRemote();
    const { clone, storeDir } = branchClone(remote, 'state');
    const commonDir = realpathSync(join(clone.dir, '.git'));
    expect(storeDir).toBe(join(commonDir, 'taskstore', 'state', '.taskstore'));
    expect(clone.git('config', 'taskstore.branch').trim()).toBe('state');
    expect(clone.git('config', 'taskstore.worktree').trim()).toBe(join(commonDir, 'taskstore', 'state'));
    // The user's branch and work tree are untouched: no .taskstore/, nothing to commit.
    expect(existsSync(join(clone.dir, '.taskstore'))).toBe(false);
    expect(clone.git('status', '--porcelain')).toBe('');
    expect(clone.git('rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('main');
    // The store branch has the store files and the attribute line committed, and shares no history with the code.
    const files = clone.git('ls-tree', '-r', '--name-only', 'state').split('\n').filter(Boolean).sort();
    expect(files).toEqual(['.gitattributes', '.taskstore/.gitignore', '.taskstore/.version']);
    expect(clone.tryGit('merge-base', 'state', 'main').status).toBe(1);
    // Running it again changes nothing.
    const again = cliJson(clone.dir, 'init', '--branch', 'state');
    expect(again.origin).toBe('existing');
    expect(again.commit).toBeNull();
  });

  it('run again, commits no log: the records written since are left to git-sync (which commits whole lines only, under the lock)', () => {
    const remote = makeRemote();
    const { clone, storeDir } = branchClone(remote, 'state');
    const head = clone.git('rev-parse', 'state').trim();
    cliOk(clone.dir, 'create-prd', 'written since');
    const again = cliJson(clone.dir, 'init', '--branch', 'state');
    expect(again.commit).toBeNull();
    expect(clone.git('rev-parse', 'state').trim()).toBe(head);
    expect(cliJson(clone.dir, 'status').uncommitted).toEqual({ prds: { added: 1, removed: 0 } });
    expect(existsSync(join(storeDir, 'prds.jsonl'))).toBe(true);
  });

  it('is found from the main work tree and from two linked worktrees, which all use the one store', () => {
    const remote = makeRemote();
    const { clone, storeDir } = branchClone(remote);
    const wt1 = join(tempDir('taskstore-wt-'), 'agent-1');
    const wt2 = join(tempDir('taskstore-wt-'), 'agent-2');
    clone.git('worktree', 'add', '-q', '-b', 'agent-1', wt1);
    clone.git('worktree', 'add', '-q', '-b', 'agent-2', wt2);
    const fromMain = cliOk(clone.dir, 'create-prd', 'from main');
    const fromWt1 = cliOk(wt1, 'create-prd', 'from worktree 1');
    mkdirSync(join(wt2, 'src', 'deep'), { recursive: true });
    const fromWt2 = cliOk(join(wt2, 'src', 'deep'), 'create-prd', 'from a subdirectory of worktree 2');
    for (const cwd of [clone.dir, wt1, wt2, join(storeDir, '..')]) {
      const ids = cliJson<{ id: string }[]>(cwd, 'list-prds').map((p) => p.id);
      expect(ids.sort(), cwd).toEqual([fromMain, fromWt1, fromWt2].sort());
      expect(cliJson(cwd, 'status').storeBranch).toBe('taskstore');
    }
    // No worktree grew a store of its own.
    for (const dir of [clone.dir, wt1, wt2]) expect(existsSync(join(dir, '.taskstore'))).toBe(false);
    // --store and $TASKSTORE_DIR still come first.
    const other = join(tempDir(), '.taskstore');
    expect(cli(wt2, '--store', other, 'init').status).toBe(0);
    expect(cliJson(wt2, '--store', other, 'list-prds')).toEqual([]);
  });

  it("leaves the store alone while the user stashes, merges and checks out on their branch, with a writer running", async () => {
    const remote = makeRemote();
    const { clone, storeDir } = branchClone(remote);
    clone.git('config', 'user.name', 'Test');
    clone.git('config', 'user.email', 'test@example.com');
    const writer = startWriter(storeDir, 'mixed', 400, 'w');
    await writer.acked(20);
    // The user's own work on their code branches, while the writer appends.
    clone.git('checkout', '-q', '-b', 'feature');
    clone.write('feature.txt', 'feature\n');
    clone.commitAll('feature');
    clone.git('checkout', '-q', 'main');
    clone.write('README.md', '# project, edited\n');
    clone.git('stash', '-q');
    clone.git('merge', '-q', '--no-edit', '--no-ff', 'feature');
    clone.git('stash', 'pop', '-q');
    clone.git('checkout', '-q', 'feature');
    clone.git('checkout', '-q', '-');
    clone.git('reset', '-q', '--hard');
    clone.git('clean', '-qfdx');
    const { code, stderr } = await writer.exited;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    await withStore(storeDir, (store) => {
      const notes = store.collection({ name: 'notes' });
      for (const id of writer.acks.notes) expect(notes.get(id), id).toBeDefined();
      for (const id of writer.acks.pairs) expect(notes.get(id), id).toBeDefined();
      for (const id of writer.acks.updated) expect(notes.get(id)).toMatchObject({ v: 1 });
    });
    expect(writer.acks.notes.length + writer.acks.pairs.length + writer.acks.updated.length).toBeGreaterThan(100);
  });

  it('is synced by git-sync and set up again, with its records, in a fresh clone', () => {
    const remote = makeRemote();
    const a = branchClone(remote);
    const prd = cliOk(a.clone.dir, 'create-prd', 'Shared');
    const sync = cliJson(a.clone.dir, 'git-sync');
    expect(sync).toMatchObject({ pushed: true, branch: 'taskstore', remote: 'origin', localBranch: 'taskstore' });
    expect(sync.recordsChanged.byCollection.prds.committed).toBe(1);
    // The code branch on the remote is untouched; the store branch arrived.
    expect(remote.git('log', '--format=%s', 'main').trim()).toBe('code');
    expect(remote.git('show', 'taskstore:.taskstore/prds.jsonl')).toContain(prd);

    const b = branchClone(remote);
    expect(b.setup).toMatchObject({ origin: 'remote', remote: 'origin', commit: null });
    expect(cliJson(b.clone.dir, 'init', '--branch', 'taskstore').origin).toBe('existing');
    expect(cliJson(b.clone.dir, 'show', prd)).toMatchObject({ title: 'Shared' });
    expect(b.clone.git('rev-parse', 'taskstore').trim()).toBe(remote.git('rev-parse', 'taskstore').trim());
    expect(b.clone.git('rev-parse', '--abbrev-ref', 'taskstore@{upstream}').trim()).toBe('origin/taskstore');
  });

  it('two clones that each started the store branch before either pushed merge their two histories record by record', async () => {
    const remote = makeRemote();
    const a = branchClone(remote);
    const b = branchClone(remote);
    expect(b.setup.origin).toBe('new');
    const fromA = cliOk(a.clone.dir, 'create-prd', 'from A');
    const fromB = cliOk(b.clone.dir, 'create-prd', 'from B');
    expect(cli(a.clone.dir, 'git-sync').status).toBe(0);
    const merged = cliJson(b.clone.dir, 'git-sync');
    expect(merged.pushed).toBe(true);
    expect(cli(a.clone.dir, 'git-sync').status).toBe(0);
    for (const c of [a, b]) {
      expect(cliJson<{ id: string }[]>(c.clone.dir, 'list-prds').map((p) => p.id).sort()).toEqual([fromA, fromB].sort());
      expect(cliJson(c.clone.dir, 'check').ok).toBe(true);
    }
  });

  it('a copied or moved repository does not use the store of the path config still names; init --branch links its own worktree again', () => {
    const remote = makeRemote();
    const { clone } = branchClone(remote);
    const original = clone.dir;
    cliOk(original, 'create-prd', 'original');
    const refused = (cwd: string, old: string) => {
      const result = cli(cwd, 'list-prds');
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`git config taskstore.worktree names ${join(old, '.git', 'taskstore', 'taskstore')}, which is not inside this repository's git directory`);
      expect(result.stderr).toContain('hint: run `taskstore init --branch $(git config taskstore.branch)`');
    };
    const titles = (cwd: string) => cliJson<{ title: string }[]>(cwd, 'list-prds').map((p) => p.title).sort();

    // A copy wrote into the original's store: the path in its config is the original's worktree.
    const copy = join(tempDir('taskstore-copy-'), 'copy');
    execFileSync('cp', ['-a', original, copy]);
    refused(copy, original);
    expect(cliJson(copy, 'init', '--branch', 'taskstore').origin).toBe('existing');
    cliOk(copy, 'create-prd', 'in the copy');
    expect(titles(copy)).toEqual(['in the copy', 'original']);
    expect(titles(original)).toEqual(['original']);
    // The original's worktree is still linked to the original (git worktree repair alone relinks it to the copy).
    expect(execFileSync('git', ['worktree', 'list', '--porcelain'], { cwd: original, encoding: 'utf8' })).toContain(`worktree ${join(original, '.git', 'taskstore', 'taskstore')}\n`);
    expect(cliOk(join(original, '.git', 'taskstore', 'taskstore'), 'list-prds')).toContain('original');

    // A moved one: init --branch made a new worktree at the old path (outside the repository),
    // from the branch's last commit, and the store's uncommitted records were no longer seen.
    const moved = join(tempDir('taskstore-moved-'), 'moved');
    renameSync(original, moved);
    refused(moved, original);
    expect(cliJson(moved, 'init', '--branch', 'taskstore').origin).toBe('existing');
    expect(existsSync(original)).toBe(false);
    expect(titles(moved)).toEqual(['original']);
    expect(execFileSync('git', ['config', 'taskstore.worktree'], { cwd: moved, encoding: 'utf8' }).trim()).toBe(join(moved, '.git', 'taskstore', 'taskstore'));
    expect(cliJson(moved, 'status').storeBranch).toBe('taskstore');
  });

  it('refuses a bad branch name and a second, different store branch, changing nothing', () => {
    const remote = makeRemote();
    const { clone } = branchClone(remote, 'state');
    const bad = cli(clone.dir, 'init', '--branch', 'no..dots');
    expect(bad.status).toBe(2); // a usage error, like every malformed option value
    expect(bad.stderr).toContain('not a valid git branch name');
    const second = cli(clone.dir, 'init', '--branch', 'other');
    expect(second.status).toBe(1);
    expect(second.stderr).toContain('already keeps its store on the branch state');
    expect(clone.git('config', 'taskstore.branch').trim()).toBe('state');
    expect(clone.tryGit('rev-parse', '--verify', 'refs/heads/other').status).not.toBe(0);
  });
});

describe('setUpStoreBranch({ remote })', () => {
  it('takes only the name of one of the repository\'s remotes: an option-like one ran a command through git fetch (--upload-pack), nothing is set up', () => {
    const remote = makeRemote();
    const clone = inTreeClone(remote);
    const marker = join(tempDir('taskstore-pwn-'), 'ran');
    for (const name of [`--upload-pack=touch ${marker}`, 'nosuch', remote.dir]) {
      let err: unknown;
      try {
        setUpStoreBranch({ cwd: clone.dir, branch: 'state', remote: name });
      } catch (e) {
        err = e;
      }
      expect(err, String(err)).toBeInstanceOf(ValidationError);
      expect(err).toMatchObject({ code: 'VALIDATION', field: 'remote' });
    }
    expect(existsSync(marker)).toBe(false);
    expect(clone.tryGit('rev-parse', '--verify', '--quiet', 'refs/heads/state').status).not.toBe(0);
    expect(clone.tryGit('config', 'taskstore.branch').stdout).toBe('');
    // A misspelt option is a TypeError, as everywhere; the remote's own name works.
    expect(() => setUpStoreBranch({ cwd: clone.dir, branch: 'state', remtoe: 'origin' } as never)).toThrow(TypeError);
    expect(setUpStoreBranch({ cwd: clone.dir, branch: 'state', remote: 'origin' })).toMatchObject({ branch: 'state', origin: 'new' });
  });
});
