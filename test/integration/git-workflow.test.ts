/**
 * The git-native promise, end to end: the built CLI, the installed merge driver and
 * hooks, and the real `git` binary. After every git operation the CLI is asked right
 * away (no manual sync): the hooks must have brought the cache up to date.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/paths.js';
import { GIT_ENV, GitRepo } from '../helpers/git-repo.js';

interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

function cli(repo: GitRepo, ...args: string[]): CliResult {
  try {
    const stdout = execFileSync(process.execPath, [CLI, ...args], { cwd: repo.dir, env: { ...GIT_ENV, TASKSTORE_DIR: '' }, encoding: 'utf8', stdio: 'pipe' });
    return { status: 0, stdout, stderr: '' };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { status: e.status, stdout: e.stdout, stderr: e.stderr };
  }
}

function ok(repo: GitRepo, ...args: string[]): string {
  const result = cli(repo, ...args);
  expect(result.stderr, `taskstore ${args.join(' ')}`).toBe('');
  expect(result.status, `taskstore ${args.join(' ')}: ${result.stderr}`).toBe(0);
  return result.stdout.trim();
}

const json = (repo: GitRepo, ...args: string[]) => JSON.parse(ok(repo, '--json', ...args));

/** A repo with the store and the git integration installed, and one committed PRD. */
function setUp(): { repo: GitRepo; prd: string } {
  const repo = GitRepo.init();
  ok(repo, 'init', '--hooks');
  const prd = ok(repo, 'create-prd', 'Base', '--description', 'base');
  repo.commitAll('base');
  return { repo, prd };
}

describe('git operations with the store', () => {
  it('merge: both branches edit different fields of one record and add records; clean merge, cache current at once', () => {
    const { repo, prd } = setUp();
    repo.git('checkout', '-q', '-b', 'a');
    ok(repo, 'update', prd, '--set', 'status=active');
    const specA = ok(repo, 'create-task-spec', '--prd-id', prd, 'from-a');
    repo.commitAll('a');
    repo.git('checkout', '-q', 'main');
    ok(repo, 'update', prd, '--set', 'review_passes=2');
    const specB = ok(repo, 'create-task-spec', '--prd-id', prd, 'from-b');
    repo.commitAll('main');
    const merge = repo.tryGit('merge', '--no-edit', 'a');
    expect(merge.status).toBe(0);
    const merged = json(repo, 'show', prd);
    expect(merged).toMatchObject({ status: 'active', review_passes: 2, description: 'base' });
    expect(json(repo, 'list-task-specs', '--prd-id', prd).map((t: { id: string }) => t.id).sort()).toEqual([specA, specB].sort());
    expect(json(repo, 'check').ok).toBe(true);
    // History survives the merge: every version of both branches plus the merged one.
    expect(json(repo, 'history', prd).versions.length).toBeGreaterThanOrEqual(4);
  });

  it('rebase and cherry-pick go through the driver too', () => {
    const { repo, prd } = setUp();
    repo.git('checkout', '-q', '-b', 'feature');
    ok(repo, 'update', prd, '--set', 'title=Renamed');
    repo.commitAll('rename');
    ok(repo, 'create-task-spec', '--prd-id', prd, 'picked');
    repo.commitAll('add spec');
    const pick = repo.git('rev-parse', 'HEAD').trim();
    repo.git('checkout', '-q', 'main');
    ok(repo, 'update', prd, '--set', 'review_passes=5');
    repo.commitAll('passes');
    repo.git('checkout', '-q', '-b', 'picker');
    expect(repo.tryGit('cherry-pick', pick).status).toBe(0);
    expect(json(repo, 'list-task-specs', '--prd-id', prd).map((t: { phase_name: string }) => t.phase_name)).toEqual(['picked']);
    repo.git('checkout', '-q', 'feature');
    expect(repo.tryGit('rebase', 'main').status).toBe(0);
    expect(json(repo, 'show', prd)).toMatchObject({ title: 'Renamed', review_passes: 5 });
    expect(json(repo, 'check').ok).toBe(true);
  });

  it('pull between two clones of one bare remote', () => {
    const { repo, prd } = setUp();
    const remote = GitRepo.init({ bare: true });
    repo.git('remote', 'add', 'origin', remote.dir);
    repo.git('push', '-q', 'origin', 'main');
    const other = GitRepo.clone(remote.dir);
    // A fresh clone has the attributes line but no driver: check says so, install-hooks fixes it.
    const fresh = cli(other, '--json', 'check');
    expect(fresh.status).toBe(1);
    expect(JSON.parse(fresh.stdout).problems.map((p: { kind: string }) => p.kind)).toContain('merge_driver_missing');
    ok(other, 'install-hooks');
    ok(other, 'update', prd, '--set', 'status=ready');
    other.commitAll('other: ready');
    other.git('push', '-q', 'origin', 'main');
    ok(repo, 'update', prd, '--set', 'content=# Spec');
    repo.commitAll('repo: content');
    expect(repo.tryGit('pull', '-q', '--no-rebase', '--no-edit', 'origin', 'main').status).toBe(0);
    expect(json(repo, 'show', prd)).toMatchObject({ status: 'ready', content: '# Spec' });
  });

  it('delete on one branch, a later edit on the other: the newer action wins, both ways', () => {
    for (const deleteFirst of [true, false]) {
      const { repo, prd } = setUp();
      repo.git('checkout', '-q', '-b', 'side');
      const act = (deleting: boolean) => (deleting ? ok(repo, 'delete', prd) : ok(repo, 'update', prd, '--set', 'status=active'));
      act(deleteFirst);
      repo.commitAll('side');
      repo.git('checkout', '-q', 'main');
      act(!deleteFirst); // later in time than the side branch's action
      repo.commitAll('main');
      expect(repo.tryGit('merge', '--no-edit', 'side').status).toBe(0);
      const shown = cli(repo, '--json', 'show', prd);
      if (deleteFirst) expect(JSON.parse(shown.stdout)).toMatchObject({ status: 'active' });
      else expect(shown.status).toBe(1);
    }
  });

  it('a real conflict is a git conflict; the store refuses the file until it is resolved by hand', () => {
    const { repo, prd } = setUp();
    const log = join(repo.dir, '.taskstore', 'prds.jsonl');
    const base = JSON.parse(readFileSync(log, 'utf8').trim().split('\n').at(-1)!);
    // Two machines wrote the same field at the same millisecond: nothing decides between them.
    const at = base.updated_at + 1000;
    repo.git('checkout', '-q', '-b', 'other');
    appendFileSync(log, `${JSON.stringify({ ...base, title: 'Theirs', updated_at: at })}\n`);
    repo.commitAll('other');
    repo.git('checkout', '-q', 'main');
    appendFileSync(log, `${JSON.stringify({ ...base, title: 'Ours', updated_at: at })}\n`);
    repo.commitAll('ours');
    const merge = repo.tryGit('merge', '--no-edit', 'other');
    expect(merge.status).not.toBe(0);
    expect(repo.git('status', '--porcelain')).toMatch(/^UU \.taskstore\/prds\.jsonl$/m);
    const refused = cli(repo, 'show', prd);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/prds\.jsonl line \d+ has a git conflict marker/);
    expect(refused.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const checked = cli(repo, '--json', 'check');
    expect(checked.status).toBe(1);
    expect(JSON.parse(checked.stdout).problems[0]).toMatchObject({ kind: 'conflict_markers', collection: 'prds' });
    // The pre-commit hook refuses to commit the markers.
    repo.git('add', '-A');
    expect(repo.tryGit('commit', '--no-edit', '-m', 'merge').status).not.toBe(0);
    // Resolve by keeping our side: drop the markers and their version.
    const resolved = readFileSync(log, 'utf8')
      .split('\n')
      .filter((line, i, all) => {
        const start = all.findIndex((l) => l.startsWith('<<<<<<<'));
        const mid = all.findIndex((l) => l === '=======');
        const end = all.findIndex((l) => l.startsWith('>>>>>>>'));
        return !(i === start || (i >= mid && i <= end));
      })
      .join('\n');
    writeFileSync(log, resolved);
    repo.git('add', '-A');
    expect(repo.tryGit('commit', '--no-edit', '-m', 'merge').status).toBe(0);
    expect(json(repo, 'show', prd).title).toBe('Ours');
    expect(json(repo, 'check').ok).toBe(true);
  });

  it('git checkout between branches with different store contents: the cache follows', () => {
    const { repo, prd } = setUp();
    repo.git('checkout', '-q', '-b', 'more');
    ok(repo, 'create-task-spec', '--prd-id', prd, 'only-on-more');
    ok(repo, 'update', prd, '--set', 'status=active');
    repo.commitAll('more');
    repo.git('checkout', '-q', 'main');
    expect(json(repo, 'list-task-specs', '--prd-id', prd)).toEqual([]);
    expect(json(repo, 'show', prd).status).toBe('draft');
    repo.git('checkout', '-q', 'more');
    expect(json(repo, 'list-task-specs', '--prd-id', prd)).toHaveLength(1);
    expect(json(repo, 'show', prd).status).toBe('active');
  });
});
