/**
 * The driver under real git (2.39): merge, rebase and cherry-pick of `.taskstore/*.jsonl`
 * run the built `dist/cli/merge-main.js` with `%O %A %B %P`, configured by hand here
 * (installing it is the git-integration module's job).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { GitRepo } from '../helpers/git-repo.js';
import { MERGE_BIN } from '../helpers/paths.js';
import { conflictBlocks, content, currentState, hasMarkers, jsonl, linesOf, resolveKeeping, type Rec } from './jsonl-fixtures.js';

const FILE = '.taskstore/task_specs.jsonl';
const r = (id: string, updated_at: number, fields: Record<string, unknown> = {}): Rec => ({ id, updated_at, ...fields });
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** A repo with the driver registered (or not) and a first commit holding `base`. */
function repoWith(base: string, options: { driver?: boolean } = {}): GitRepo {
  const repo = GitRepo.init();
  if (options.driver !== false) {
    repo.git('config', 'merge.taskstore.name', 'TaskStore JSONL record merge');
    repo.git('config', 'merge.taskstore.driver', `${shellQuote(process.execPath)} ${shellQuote(MERGE_BIN)} %O %A %B %P`);
  }
  repo.write('.gitattributes', '.taskstore/*.jsonl merge=taskstore\n');
  repo.write(FILE, base);
  repo.commitAll('base');
  return repo;
}

/** Appends lines to the file on the current branch and commits. */
function append(repo: GitRepo, ...records: Rec[]): void {
  repo.write(FILE, repo.read(FILE) + jsonl(...records));
  repo.commitAll(`update ${records.map((x) => x.id).join(' ')}`);
}

/** Creates `feature` with `theirs` appended and `main` with `ours` appended. */
function diverge(repo: GitRepo, ours: Rec[], theirs: Rec[]): void {
  repo.git('checkout', '-q', '-b', 'feature');
  append(repo, ...theirs);
  repo.git('checkout', '-q', 'main');
  append(repo, ...ours);
}

const BASE = jsonl(r('t1', 1, { title: 'one', status: 'pending', owner: null, meta: { n: 1 } }), r('t2', 1, { title: 'two' }));

beforeAll(() => {
  if (!existsSync(MERGE_BIN)) throw new Error(`${MERGE_BIN} is missing: run \`npx tsup\` first`);
});

describe('git merge with the taskstore driver', () => {
  it('merges records added on both branches and edits of different fields of one record', () => {
    const repo = repoWith(BASE);
    diverge(
      repo,
      [r('t1', 10, { title: 'one', status: 'running', owner: null, meta: { n: 1 } }), r('m1', 11, { title: 'from main' })],
      [r('t1', 12, { title: 'one', status: 'pending', owner: 'ann', meta: { n: 1 }, x_unknown: { deep: [1] } }), r('f1', 13)],
    );
    const res = repo.tryGit('merge', '--no-edit', 'feature');
    expect(res.status, res.stderr).toBe(0);
    const text = repo.read(FILE);
    expect(hasMarkers(text)).toBe(false);
    const state = currentState(text);
    expect([...state.keys()].sort()).toEqual(['f1', 'm1', 't1', 't2']);
    expect(content(state.get('t1'))).toEqual({
      id: 't1',
      title: 'one',
      status: 'running',
      owner: 'ann',
      meta: { n: 1 },
      x_unknown: { deep: [1] },
    });
    expect(state.get('t1')?.updated_at).toBe(13);
    expect(repo.git('status', '--porcelain')).toBe('');
  });

  it('without the driver, git falls back to a text merge and conflicts (control)', () => {
    const repo = repoWith(BASE, { driver: false });
    diverge(repo, [r('m1', 11)], [r('f1', 13)]);
    expect(repo.tryGit('merge', '--no-edit', 'feature').status).not.toBe(0);
  });

  it('delete on one branch vs a later edit on the other: the newer version wins', () => {
    const deletedOnMain = repoWith(BASE);
    diverge(deletedOnMain, [r('t1', 10, { deleted: true })], [r('t1', 20, { title: 'kept', status: 'pending', owner: null, meta: { n: 1 } })]);
    expect(deletedOnMain.tryGit('merge', '--no-edit', 'feature').status).toBe(0);
    expect(currentState(deletedOnMain.read(FILE)).get('t1')?.title).toBe('kept');

    const deletedLater = repoWith(BASE);
    diverge(deletedLater, [r('t1', 10, { title: 'edited', status: 'pending', owner: null, meta: { n: 1 } })], [r('t1', 20, { deleted: true })]);
    expect(deletedLater.tryGit('merge', '--no-edit', 'feature').status).toBe(0);
    expect(currentState(deletedLater.read(FILE)).get('t1')?.deleted).toBe(true);
  });

  it('reports a real conflict (same field, equal updated_at) as a conflicted file with markers', () => {
    const repo = repoWith(BASE);
    const oursT1 = r('t1', 10, { title: 'main title', status: 'pending', owner: null, meta: { n: 1 } });
    const theirsT1 = r('t1', 10, { title: 'feature title', status: 'pending', owner: null, meta: { n: 1 } });
    diverge(repo, [oursT1, r('m1', 11)], [theirsT1, r('f1', 12)]);
    const res = repo.tryGit('merge', '--no-edit', 'feature');
    expect(res.status).not.toBe(0);
    expect(res.stdout).toMatch(/CONFLICT/);
    expect(repo.git('diff', '--name-only', '--diff-filter=U').trim()).toBe(FILE);
    const text = repo.read(FILE);
    expect(conflictBlocks(text)).toEqual([{ ours: [JSON.stringify(oursT1)], theirs: [JSON.stringify(theirsT1)] }]);
    // The other records merged cleanly around the block.
    expect(linesOf(text)).toContain(JSON.stringify(r('f1', 12)));

    // Resolving by keeping one side gives a clean file that git accepts.
    repo.write(FILE, resolveKeeping(text, 'theirs'));
    repo.git('add', FILE);
    repo.git('commit', '-q', '--no-edit');
    const state = currentState(repo.read(FILE));
    expect(state.get('t1')?.title).toBe('feature title');
    expect([...state.keys()].sort()).toEqual(['f1', 'm1', 't1', 't2']);
  });

  it('stops (file conflicted) when a side still holds the markers of an earlier unresolved merge', () => {
    // The markers are carried through (never dropped), but a merge that git reports as
    // clean is committed at once, and the store refuses to load the file it commits.
    const repo = repoWith(BASE);
    repo.git('checkout', '-q', '-b', 'feature');
    repo.write(FILE, `${repo.read(FILE)}<<<<<<< ours\n${JSON.stringify(r('t1', 5))}\n=======\n${JSON.stringify(r('t1', 6))}\n>>>>>>> theirs\n`);
    repo.commitAll('a conflict committed unresolved');
    repo.git('checkout', '-q', 'main');
    append(repo, r('m1', 11));
    const head = repo.git('rev-parse', 'HEAD');
    const res = repo.tryGit('merge', '--no-edit', 'feature');
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/theirs line 3: git conflict marker/);
    expect(res.stderr).toMatch(/conflict marker lines of an earlier merge/);
    expect(repo.git('rev-parse', 'HEAD')).toBe(head);
    expect(repo.git('diff', '--name-only', '--diff-filter=U').trim()).toBe(FILE);
    // Nothing was dropped: both the record of main and the leftover block are there.
    const text = repo.read(FILE);
    expect(linesOf(text)).toContain(JSON.stringify(r('m1', 11)));
    expect(hasMarkers(text)).toBe(true);
  });

  it('a criss-cross merge of two branches that resolved one conflict differently conflicts again (it kept one resolution, exit 0)', () => {
    // x and y conflict; main keeps x when it merges feature, feature keeps y when it merges
    // main's first commit. git merges their two merge bases into a virtual base, which holds
    // the conflict block, and runs the driver with it.
    const x = r('t1', 10, { title: 'x' });
    const y = r('t1', 10, { title: 'y' });
    const repo = repoWith(BASE);
    diverge(repo, [x], [y]);
    const mainFirst = repo.git('rev-parse', 'HEAD').trim();
    expect(repo.tryGit('merge', '--no-edit', 'feature').status).not.toBe(0);
    repo.write(FILE, resolveKeeping(repo.read(FILE), 'ours'));
    repo.commitAll('main keeps x');
    repo.git('checkout', '-q', 'feature');
    expect(repo.tryGit('merge', '--no-edit', mainFirst).status).not.toBe(0);
    repo.write(FILE, resolveKeeping(repo.read(FILE), 'ours'));
    repo.commitAll('feature keeps y');
    repo.git('checkout', '-q', 'main');
    expect(repo.git('merge-base', '--all', 'main', 'feature').trim().split('\n')).toHaveLength(2);
    const res = repo.tryGit('merge', '--no-edit', 'feature');
    expect(res.status, res.stdout + res.stderr).not.toBe(0);
    expect(res.stderr).toMatch(/t1: field "title" changed on both sides/);
    expect(conflictBlocks(repo.read(FILE))).toEqual([{ ours: [JSON.stringify(x)], theirs: [JSON.stringify(y)] }]);
  });

  it('a branch that replaced the log with something that is not a log (binary) deletes no record (every record of the base was deleted, exit 0)', () => {
    const repo = repoWith(BASE);
    repo.git('checkout', '-q', '-b', 'feature');
    writeFileSync(join(repo.dir, FILE), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]));
    repo.commitAll('a binary file over the log');
    repo.git('checkout', '-q', 'main');
    append(repo, r('m1', 11));
    repo.tryGit('merge', '--no-edit', 'feature');
    const text = readFileSync(join(repo.dir, FILE)).toString('latin1');
    const state = currentState(text.split('\n').filter((l) => l.startsWith('{')).join('\n'));
    expect([...state.keys()].sort()).toEqual(['m1', 't1', 't2']);
    for (const version of state.values()) expect(version.deleted).toBeUndefined();
  });

  it('merges a file added on both branches (empty base)', () => {
    const repo = repoWith(BASE);
    repo.git('checkout', '-q', '-b', 'feature');
    repo.write('.taskstore/notes.jsonl', jsonl(r('n-f', 5, { body: 'feature' })));
    repo.commitAll('feature notes');
    repo.git('checkout', '-q', 'main');
    repo.write('.taskstore/notes.jsonl', jsonl(r('n-m', 4, { body: 'main' })));
    repo.commitAll('main notes');
    const res = repo.tryGit('merge', '--no-edit', 'feature');
    expect(res.status, res.stdout + res.stderr).toBe(0);
    expect(repo.read('.taskstore/notes.jsonl')).toBe(jsonl(r('n-m', 4, { body: 'main' }), r('n-f', 5, { body: 'feature' })));
  });
});

describe('git rebase and cherry-pick use the driver', () => {
  it('rebases a branch whose records interleave with main’s', () => {
    const repo = repoWith(BASE);
    diverge(
      repo,
      [r('t1', 10, { title: 'one', status: 'running', owner: null, meta: { n: 1 } }), r('m1', 11)],
      [r('t1', 12, { title: 'one', status: 'pending', owner: 'bob', meta: { n: 1 } }), r('f1', 13)],
    );
    repo.git('checkout', '-q', 'feature');
    const res = repo.tryGit('rebase', 'main');
    expect(res.status, res.stdout + res.stderr).toBe(0);
    const state = currentState(repo.read(FILE));
    expect([...state.keys()].sort()).toEqual(['f1', 'm1', 't1', 't2']);
    expect(state.get('t1')).toMatchObject({ status: 'running', owner: 'bob' });
    expect(repo.git('log', '--format=%s').split('\n').filter(Boolean)).toEqual(['update t1 f1', 'update t1 m1', 'base']);
  });

  it('cherry-picks a commit onto a branch that appended other records', () => {
    const repo = repoWith(BASE);
    diverge(repo, [r('m1', 11), r('t2', 12, { title: 'two (main)' })], [r('f1', 13), r('t1', 14, { title: 'one (feature)', status: 'pending', owner: null, meta: { n: 1 } })]);
    const res = repo.tryGit('cherry-pick', 'feature');
    expect(res.status, res.stdout + res.stderr).toBe(0);
    const state = currentState(repo.read(FILE));
    expect([...state.keys()].sort()).toEqual(['f1', 'm1', 't1', 't2']);
    expect(state.get('t1')?.title).toBe('one (feature)');
    expect(state.get('t2')?.title).toBe('two (main)');
  });
});

describe('a record the picked-onto branch never had is not taken for one it removed', () => {
  // git hands a cherry-pick the picked commit's parent as the base: a record created on
  // the source branch before that commit is in the base and missing from ours, which
  // looked like "ours removed it". The driver appended a tombstone, and merging the
  // source branch later deleted the record (the tombstone is newer than its version).
  it('cherry-pick, then merge of the source branch: the record created there survives', () => {
    const repo = repoWith(BASE);
    repo.git('checkout', '-q', '-b', 'feature');
    append(repo, r('r1', 10, { title: 'created on feature' }));
    append(repo, r('t2', 11, { title: 'two (fix)' }));
    repo.git('checkout', '-q', 'main');
    append(repo, r('m1', 12));
    const pick = repo.tryGit('cherry-pick', 'feature');
    expect(pick.status, pick.stdout + pick.stderr).toBe(0);
    let state = currentState(repo.read(FILE));
    expect(state.get('t2')?.title).toBe('two (fix)');
    expect(state.get('r1')?.deleted).toBeUndefined();

    const merge = repo.tryGit('merge', '--no-edit', 'feature');
    expect(merge.status, merge.stdout + merge.stderr).toBe(0);
    state = currentState(repo.read(FILE));
    expect(state.get('r1')).toEqual(r('r1', 10, { title: 'created on feature' }));
    expect([...state.keys()].sort()).toEqual(['m1', 'r1', 't1', 't2']);
  });

  it('a real merge still applies a removal on ours (the base is ours\' ancestor, so ours had the record)', () => {
    const repo = repoWith(BASE);
    repo.git('checkout', '-q', '-b', 'feature');
    append(repo, r('f1', 13));
    repo.git('checkout', '-q', 'main');
    repo.write(FILE, jsonl(r('t1', 1, { title: 'one', status: 'pending', owner: null, meta: { n: 1 } }))); // t2 removed by hand
    repo.commitAll('remove t2');
    const merge = repo.tryGit('merge', '--no-edit', 'feature');
    expect(merge.status, merge.stdout + merge.stderr).toBe(0);
    expect(currentState(repo.read(FILE)).get('t2')?.deleted).toBe(true);
  });
});

describe('git revert uses the driver and is applied in full', () => {
  it('reverting a commit that created r2 and edited t1, with a later commit on top: t1 restored, r2 deleted', () => {
    const repo = repoWith(BASE);
    append(repo, r('r2', 10, { title: 'created' }), r('t1', 11, { title: 'one (edited)', status: 'pending', owner: null, meta: { n: 1 } }));
    const reverted = repo.git('rev-parse', 'HEAD').trim();
    append(repo, r('t2', 12, { title: 'two (later)' }));
    const res = repo.tryGit('revert', '--no-edit', reverted);
    expect(res.status, res.stdout + res.stderr).toBe(0);
    const text = repo.read(FILE);
    const state = currentState(text);
    expect(state.get('r2')).toEqual({ id: 'r2', updated_at: 11, deleted: true });
    expect(content(state.get('t1'))).toEqual(content(r('t1', 0, { title: 'one', status: 'pending', owner: null, meta: { n: 1 } })));
    expect(state.get('t2')?.title).toBe('two (later)');
    // Nothing of the history is dropped: the reverted versions are still there.
    expect(text).toContain('"title":"created"');
    expect(text).toContain('"title":"one (edited)"');
  });
});
