import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { installGitIntegration, type CommandPaths } from '../../src/git/index.js';
import { GitRepo } from '../helpers/git-repo.js';
import { tempDir } from '../helpers/temp.js';
import { commandsFor, fakeCli, FAKE_NODE, gitOk, gitRun, run, taskstoreLines } from './fixtures.js';

/**
 * The installed hooks, run by the real git. The CLI is a fake script, so these tests
 * pin what the hooks do around it: when they call it, with which arguments, and that
 * nothing but conflict markers ever stops git.
 */

const CONFLICTED = ['{"id":"a","updated_at":1}', '<<<<<<< ours', '{"id":"b","updated_at":2}', '=======', '{"id":"b","updated_at":2,"x":1}', '>>>>>>> theirs', ''].join('\n');

/** A repo with a committed store, the integration installed, and a second commit to check out from. */
function setup(commands: CommandPaths): GitRepo {
  const repo = GitRepo.init();
  repo.write('.taskstore/prds.jsonl', '{"id":"p1","updated_at":1}\n');
  repo.write('.taskstore/.version', '1\n'); // the store is checked out: the post-* hooks look for it
  installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands });
  repo.commitAll('first');
  repo.write('.taskstore/prds.jsonl', '{"id":"p1","updated_at":1}\n{"id":"p2","updated_at":2}\n');
  repo.commitAll('second');
  return repo;
}

const missing: CommandPaths = { node: '/nonexistent/bin/node', cli: '/nonexistent/dist/cli/main.js', mergeDriver: '/nonexistent/merge.js' };

describe('pre-commit', () => {
  it('blocks a commit whose STAGED JSONL has conflict markers, naming file and line; allows a clean one', () => {
    const repo = setup(commandsFor(fakeCli('ok').path));
    repo.write('.taskstore/prds.jsonl', CONFLICTED);
    repo.git('add', '.taskstore/prds.jsonl');
    // Fixing only the working tree is not enough: the staged content is what gets committed.
    repo.write('.taskstore/prds.jsonl', '{"id":"a","updated_at":1}\n');

    const refused = gitRun(repo.dir, 'commit', '-q', '-m', 'conflicted');
    expect(refused.status).not.toBe(0);
    expect(taskstoreLines(refused.stderr)).toEqual([
      'taskstore: .taskstore/prds.jsonl line 2 is a git conflict marker (<<<<<<< ours): the file is an unresolved merge',
      'taskstore: commit refused: resolve the conflict (keep the lines you want, delete the <<<<<<< ======= >>>>>>> lines), git add the file, then commit again',
    ]);
    expect(repo.git('log', '--format=%s', '-1').trim()).toBe('second');

    repo.git('add', '.taskstore/prds.jsonl');
    const clean = gitRun(repo.dir, 'commit', '-q', '-m', 'resolved');
    expect(clean.status, clean.stderr).toBe(0);
    expect(taskstoreLines(clean.stderr)).toEqual([]);
  });

  it('blocks on every marker kind and in the first commit of a repository, without node or the CLI', () => {
    for (const marker of ['=======', '>>>>>>> theirs', '|||||||']) {
      const repo = GitRepo.init();
      installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: missing });
      repo.write('.taskstore/notes.jsonl', `{"id":"a","updated_at":1}\r\n${marker}\r\n`);
      repo.git('add', '-A');
      const refused = gitRun(repo.dir, 'commit', '-q', '-m', 'first');
      expect(refused.status, marker).not.toBe(0);
      expect(refused.stderr).toContain(`.taskstore/notes.jsonl line 2 is a git conflict marker (${marker})`);
    }
  });

  it('checks a store whose path holds a double quote, a backslash or a tab (git quotes such paths when it lists them), in pre-commit and post-rewrite', () => {
    // git diff --name-only printed "my\"data/.taskstore/prds.jsonl", quoted, which the store's
    // prefix did not match: the markers were committed without a word.
    for (const dir of ['my"data', 'back\\slash', 'tab\there']) {
      const store = `${dir}/.taskstore`;
      const repo = GitRepo.init();
      installGitIntegration({ cwd: repo.dir, storeDir: store, commands: missing });
      repo.write(`${store}/prds.jsonl`, '{"id":"p1","updated_at":1}\n');
      repo.commitAll('first');
      repo.write(`${store}/prds.jsonl`, CONFLICTED);
      repo.git('add', '-A');
      const refused = gitRun(repo.dir, 'commit', '-q', '-m', 'conflicted');
      expect(refused.status, dir).not.toBe(0);
      expect(taskstoreLines(refused.stderr)[0]).toBe(`taskstore: ${store}/prds.jsonl line 2 is a git conflict marker (<<<<<<< ours): the file is an unresolved merge`);

      // post-rewrite, after a rebase that committed it (git runs no pre-commit there).
      repo.git('commit', '-q', '--no-verify', '-m', 'conflicted');
      repo.git('checkout', '-q', '-b', 'side', 'HEAD~1');
      repo.write('f.txt', 'f\n');
      repo.commitAll('f');
      const rebase = gitRun(repo.dir, 'rebase', '-q', 'main');
      expect(rebase.status, rebase.stderr).toBe(0);
      expect(taskstoreLines(rebase.stderr).filter((line) => line.includes('conflict marker'))).toEqual([
        `taskstore: warning: post-rewrite: ${store}/prds.jsonl line 2 is a git conflict marker (<<<<<<< ours): the rebase committed an unresolved merge; resolve the file (keep the lines you want, delete the <<<<<<< ======= >>>>>>> lines) and commit it`,
      ]);
    }
  });

  it('ignores markers outside the store JSONL files, and an unstaged conflicted store file', () => {
    const repo = setup(missing);
    repo.write('README.md', '=======\n');
    repo.write('.taskstore/sub/x.jsonl', '=======\n');
    repo.git('add', '-A');
    repo.write('.taskstore/prds.jsonl', CONFLICTED); // not staged
    const result = gitRun(repo.dir, 'commit', '-q', '-m', 'docs');
    expect(result.status, result.stderr).toBe(0);
    expect(taskstoreLines(result.stderr)).toEqual([]);
  });
});

describe('pre-commit of a merge the record merge did not run on', () => {
  /** main and side each append a record to the log; `f.txt` conflicts too when `codeConflict`. */
  function diverged(commands: CommandPaths, codeConflict = false): GitRepo {
    const repo = GitRepo.init();
    repo.write('.taskstore/.version', '1\n');
    repo.write('.taskstore/prds.jsonl', '{"id":"base","updated_at":1}\n');
    repo.write('f.txt', 'base\n');
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands });
    repo.commitAll('base');
    repo.git('checkout', '-q', '-b', 'side');
    repo.write('.taskstore/prds.jsonl', '{"id":"base","updated_at":1}\n{"id":"side","updated_at":2}\n');
    if (codeConflict) repo.write('f.txt', 'side\n');
    repo.commitAll('side');
    repo.git('checkout', '-q', 'main');
    repo.write('.taskstore/prds.jsonl', '{"id":"base","updated_at":1}\n{"id":"main","updated_at":3}\n');
    if (codeConflict) repo.write('f.txt', 'main\n');
    repo.commitAll('main');
    return repo;
  }

  it('refuses the log staged as this branch had it (the driver did not run: node moved), until it is merged again', () => {
    // The driver's node is gone: git prints "not found" and CONFLICT, and leaves main's side
    // in the file, with no marker. `git add` and commit dropped side's record without a word.
    const repo = diverged(missing);
    expect(gitRun(repo.dir, 'merge', '-q', 'side').status).not.toBe(0);
    expect(repo.read('.taskstore/prds.jsonl')).not.toContain('<<<<<<<');
    repo.git('add', '.taskstore/prds.jsonl');
    const refused = gitRun(repo.dir, 'commit', '-q', '--no-edit');
    expect(refused.status).not.toBe(0);
    expect(taskstoreLines(refused.stderr)).toEqual([
      "taskstore: .taskstore/prds.jsonl is staged exactly as this branch has it, without 1 record(s) of the side being merged (MERGE_HEAD): the record merge did not run on it (did the merge driver fail? see git's messages)",
      "taskstore: commit refused: run taskstore install-hooks (repairs the driver), then for each file: git update-index --unresolve <file> && git checkout -m -- <file> (merges it again), git add it and commit; to drop the other branch's records on purpose, commit with --no-verify",
    ]);
    expect(repo.git('rev-parse', '-q', '--verify', 'MERGE_HEAD').trim()).not.toBe('');

    // What the message says to do, with a driver that runs.
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(fakeCli('ok').path) });
    repo.git('update-index', '--unresolve', '.taskstore/prds.jsonl');
    repo.git('checkout', '-m', '--', '.taskstore/prds.jsonl');
    repo.git('add', '.taskstore/prds.jsonl');
    gitOk(repo.dir, 'commit', '-q', '--no-edit');
    expect(repo.git('show', 'HEAD:.taskstore/prds.jsonl')).toBe('{"id":"base","updated_at":1}\n{"id":"main","updated_at":3}\n{"id":"side","updated_at":2}\n');
  });

  it('refuses the same after a cherry-pick the driver could not merge (git cherry-pick --continue runs pre-commit)', () => {
    // The pick changes f.txt too, so git has a non-empty commit to make and makes it.
    const repo = diverged(missing, true);
    expect(gitRun(repo.dir, 'cherry-pick', 'side').status).not.toBe(0);
    repo.write('f.txt', 'both\n');
    repo.git('add', 'f.txt', '.taskstore/prds.jsonl');
    const refused = run(repo.dir, 'git', ['cherry-pick', '--continue'], { GIT_EDITOR: 'true' });
    expect(refused.status).not.toBe(0);
    expect(taskstoreLines(refused.stderr)[0]).toBe(
      "taskstore: .taskstore/prds.jsonl is staged exactly as this branch has it, without 1 record(s) of the side being merged (CHERRY_PICK_HEAD): the record merge did not run on it (did the merge driver fail? see git's messages)",
    );
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(fakeCli('ok').path) });
    repo.git('update-index', '--unresolve', '.taskstore/prds.jsonl');
    repo.git('checkout', '-m', '--', '.taskstore/prds.jsonl');
    repo.git('add', '.taskstore/prds.jsonl');
    const picked = run(repo.dir, 'git', ['cherry-pick', '--continue'], { GIT_EDITOR: 'true' });
    expect(picked.status, picked.stderr).toBe(0);
    expect(repo.git('show', 'HEAD:.taskstore/prds.jsonl')).toBe('{"id":"base","updated_at":1}\n{"id":"main","updated_at":3}\n{"id":"side","updated_at":2}\n');
  });

  it('post-rewrite warns when a rebase the driver could not merge dropped the branch\'s records (git runs no pre-commit there)', () => {
    const repo = diverged(missing);
    repo.git('checkout', '-q', 'side');
    expect(gitRun(repo.dir, 'rebase', '-q', 'main').status).not.toBe(0);
    // The upstream's side is in the file, without a marker; the user stages it and goes on.
    expect(repo.read('.taskstore/prds.jsonl')).toBe('{"id":"base","updated_at":1}\n{"id":"main","updated_at":3}\n');
    repo.git('add', '.taskstore/prds.jsonl');
    const cont = run(repo.dir, 'git', ['rebase', '--continue'], { GIT_EDITOR: 'true' });
    expect(cont.status, cont.stderr).toBe(0);
    expect(taskstoreLines(cont.stderr).filter((line) => line.includes('record(s)'))).toEqual([
      'taskstore: warning: post-rewrite: .taskstore/prds.jsonl lacks 1 record(s) the branch had before the rebase (ORIG_HEAD): the record merge did not run on it (did the merge driver fail?); run taskstore install-hooks, then git reset --keep ORIG_HEAD and rebase again',
    ]);
    // What it says to do, with a driver that runs: the branch's record is back.
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(fakeCli('ok').path) });
    repo.git('reset', '-q', '--keep', 'ORIG_HEAD');
    const again = gitOk(repo.dir, 'rebase', '-q', 'main');
    expect(taskstoreLines(again.stderr).filter((line) => line.includes('record(s)'))).toEqual([]);
    expect(repo.read('.taskstore/prds.jsonl')).toBe('{"id":"base","updated_at":1}\n{"id":"main","updated_at":3}\n{"id":"side","updated_at":2}\n');
  });

  it('lets every merge the driver made through: a code conflict beside a merged log, and a side whose lines this branch has', () => {
    const repo = diverged(commandsFor(fakeCli('ok').path), true);
    expect(gitRun(repo.dir, 'merge', '-q', 'side').status).not.toBe(0); // f.txt
    repo.write('f.txt', 'both\n');
    repo.git('add', 'f.txt');
    const merged = gitRun(repo.dir, 'commit', '-q', '--no-edit');
    expect(merged.status, merged.stderr).toBe(0);
    expect(taskstoreLines(merged.stderr)).toEqual([]);

    // A branch whose log holds only lines main has (in another order: the merge result is
    // main's log, byte for byte), with a conflicting code change.
    repo.git('checkout', '-q', '-b', 'picked', 'HEAD~1');
    repo.write('.taskstore/prds.jsonl', '{"id":"base","updated_at":1}\n{"id":"side","updated_at":2}\n{"id":"main","updated_at":3}\n');
    repo.write('f.txt', 'picked\n');
    repo.commitAll('picked');
    repo.git('checkout', '-q', 'main');
    expect(gitRun(repo.dir, 'merge', '-q', 'picked').status).not.toBe(0); // f.txt
    repo.write('f.txt', 'all\n');
    repo.git('add', 'f.txt');
    expect(repo.git('diff', '--cached', '--quiet', 'HEAD', '--', '.taskstore/prds.jsonl')).toBe('');
    const clean = gitRun(repo.dir, 'commit', '-q', '--no-edit');
    expect(clean.status, clean.stderr).toBe(0);
    expect(taskstoreLines(clean.stderr)).toEqual([]);
  });
});

describe('pre-applypatch (git am)', () => {
  it('refuses `git am --continue` of a patch resolved with conflict markers staged (git runs no pre-commit there), then commits the resolved one', () => {
    const repo = setup(commandsFor(fakeCli('ok').path));
    // A patch made on another branch, which no longer applies once main changed the same line.
    repo.git('checkout', '-q', '-b', 'other', 'HEAD~1');
    repo.write('.taskstore/prds.jsonl', '{"id":"p1","updated_at":1}\n{"id":"b","updated_at":3}\n');
    repo.commitAll('theirs');
    const patch = join(tempDir('taskstore-patch-'), 'theirs.patch');
    writeFileSync(patch, repo.git('format-patch', '-1', '--stdout'));
    repo.git('checkout', '-q', '-');
    const failed = gitRun(repo.dir, 'am', patch);
    expect(failed.status).not.toBe(0);

    // The user "resolves" it by hand, leaving the markers in, and continues.
    repo.write('.taskstore/prds.jsonl', CONFLICTED);
    repo.git('add', '.taskstore/prds.jsonl');
    const refused = gitRun(repo.dir, 'am', '--continue');
    expect(refused.status).not.toBe(0);
    expect(taskstoreLines(refused.stderr)).toEqual([
      'taskstore: .taskstore/prds.jsonl line 2 is a git conflict marker (<<<<<<< ours): the file is an unresolved merge',
      'taskstore: patch not committed: resolve the conflict (keep the lines you want, delete the <<<<<<< ======= >>>>>>> lines), git add the file, then run git am --continue',
    ]);
    expect(repo.git('log', '--format=%s', '-1').trim()).toBe('second');

    repo.write('.taskstore/prds.jsonl', '{"id":"p1","updated_at":1}\n{"id":"p2","updated_at":2}\n{"id":"b","updated_at":3}\n');
    repo.git('add', '.taskstore/prds.jsonl');
    const resolved = gitRun(repo.dir, 'am', '--continue');
    expect(resolved.status, resolved.stderr).toBe(0);
    expect(taskstoreLines(resolved.stderr)).toEqual([]);
    expect(repo.git('log', '--format=%s', '-1').trim()).toBe('theirs');
  });
});

describe('post-checkout / post-merge / post-rewrite', () => {
  it('call `<cli> --store .taskstore refresh` from the work tree root after changes, and skip branch creation on the same commit', () => {
    const cli = fakeCli('ok');
    const repo = setup(commandsFor(cli.path));
    gitOk(repo.dir, 'checkout', '-q', '-b', 'topic'); // same commit: nothing changed
    expect(cli.calls()).toEqual([]);
    gitOk(repo.dir, 'checkout', '-q', 'HEAD~1');
    expect(cli.calls()).toEqual([{ argv: ['--store', '.taskstore', 'refresh'], cwd: repo.dir }]);
    gitOk(repo.dir, 'checkout', '-q', 'HEAD', '--', '.taskstore/prds.jsonl'); // a file checkout always syncs
    expect(cli.calls()).toHaveLength(2);
  });

  it('post-merge and post-rewrite (rebase) refresh; an amend does not', () => {
    const cli = fakeCli('ok');
    const repo = setup(commandsFor(cli.path));
    repo.git('checkout', '-q', '-b', 'side', 'HEAD~1');
    repo.write('side.txt', 'side\n');
    repo.commitAll('side');
    const before = cli.calls().length;

    gitOk(repo.dir, 'merge', '-q', '--no-edit', 'main');
    expect(cli.calls().length).toBe(before + 1);

    gitOk(repo.dir, 'reset', '-q', '--hard', 'HEAD~1');
    const beforeRebase = cli.calls().length;
    gitOk(repo.dir, 'rebase', '-q', 'main');
    const rebaseCalls = cli.calls().slice(beforeRebase);
    // post-rewrite "rebase" syncs (git may also run post-checkout while rebasing).
    expect(rebaseCalls.length).toBeGreaterThanOrEqual(1);
    expect(rebaseCalls.every((c) => c.argv.join(' ') === '--store .taskstore refresh')).toBe(true);

    const beforeAmend = cli.calls().length;
    gitOk(repo.dir, 'commit', '-q', '--amend', '-m', 'amended');
    expect(cli.calls().length).toBe(beforeAmend);
  });

  it('post-rewrite warns when `git rebase --continue` committed a store log with conflict markers (git runs no pre-commit there)', () => {
    const repo = setup(commandsFor(fakeCli('ok').path));
    repo.write('f.txt', 'main\n');
    repo.commitAll('main f');
    repo.git('checkout', '-q', '-b', 'side', 'HEAD~2');
    repo.write('f.txt', 'side\n');
    repo.commitAll('side f');
    expect(gitRun(repo.dir, 'rebase', '-q', 'main').status).not.toBe(0); // f.txt conflicts
    // The user "resolves" f.txt, but leaves a conflicted store log behind and stages it all.
    repo.write('f.txt', 'both\n');
    repo.write('.taskstore/prds.jsonl', CONFLICTED);
    repo.git('add', '-A');
    const cont = run(repo.dir, 'git', ['rebase', '--continue'], { GIT_EDITOR: 'true' });
    expect(cont.status, cont.stderr).toBe(0); // git cannot be stopped any more: the commit is made
    expect(repo.git('show', 'HEAD:.taskstore/prds.jsonl')).toContain('<<<<<<< ours');
    expect(taskstoreLines(cont.stderr)).toEqual([
      'taskstore: warning: post-rewrite: .taskstore/prds.jsonl line 2 is a git conflict marker (<<<<<<< ours): the rebase committed an unresolved merge; resolve the file (keep the lines you want, delete the <<<<<<< ======= >>>>>>> lines) and commit it',
      // The file written by hand left out p1, which the branch had; but the driver can run
      // here, so the records are not counted (that reads both whole logs: see hook-scripts.ts).
    ]);

    // A rebase that commits clean logs says nothing.
    repo.write('.taskstore/prds.jsonl', '{"id":"p1","updated_at":1}\n{"id":"p2","updated_at":2}\n{"id":"p3","updated_at":3}\n');
    repo.commitAll('resolved');
    repo.git('checkout', '-q', '-b', 'later', 'main');
    repo.write('g.txt', 'g\n');
    repo.commitAll('g');
    const clean = gitOk(repo.dir, 'rebase', '-q', 'side');
    expect(taskstoreLines(clean.stderr)).toEqual([]);
  });

  it('never block git when the CLI fails: one warning line each, git succeeds', () => {
    const repo = setup(commandsFor(fakeCli('fail').path));
    const checkout = gitOk(repo.dir, 'checkout', '-q', '-b', 'side', 'HEAD~1');
    expect(taskstoreLines(checkout.stderr)).toEqual([
      'taskstore: warning: post-checkout: `taskstore refresh` failed (exit 1): boom: the store exploded; git went ahead; run `taskstore refresh` to retry',
    ]);
    repo.write('side.txt', 'x\n');
    repo.commitAll('side');
    const merge = gitOk(repo.dir, 'merge', '-q', '--no-edit', 'main');
    expect(taskstoreLines(merge.stderr)).toEqual([
      'taskstore: warning: post-merge: `taskstore refresh` failed (exit 1): boom: the store exploded; git went ahead; run `taskstore refresh` to retry',
    ]);
    expect(repo.read('.taskstore/prds.jsonl')).toContain('"p2"');
  });

  it('never block git when the CLI or node is missing', () => {
    const repo = setup(missing);
    const checkout = gitOk(repo.dir, 'checkout', '-q', 'HEAD~1');
    expect(taskstoreLines(checkout.stderr)).toEqual([
      'taskstore: warning: post-checkout: cannot run taskstore (/nonexistent/dist/cli/main.js or /nonexistent/bin/node is missing), so the cache was not caught up; run `taskstore install-hooks` to repair the hooks',
    ]);

    // node missing but the CLI present
    const onlyNodeMissing = setup({ ...commandsFor(fakeCli('ok').path), node: '/nonexistent/bin/node' });
    const result = gitOk(onlyNodeMissing.dir, 'checkout', '-q', 'HEAD~1');
    expect(taskstoreLines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toContain('cannot run taskstore');
  });

  it('survive an existing `#!/bin/sh -e` hook, whose own content still runs after a failure', () => {
    const repo = GitRepo.init();
    writeFileSync(join(repo.dir, '.git', 'hooks', 'post-checkout'), '#!/bin/sh -e\necho "own content ran" >&2\n', { mode: 0o755 });
    repo.write('.taskstore/prds.jsonl', '{"id":"p1","updated_at":1}\n');
    repo.write('.taskstore/.version', '1\n'); // the store is checked out: the post-* hooks look for it
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(fakeCli('fail').path) });
    repo.commitAll('first');
    repo.commitAll('second');
    const result = gitOk(repo.dir, 'checkout', '-q', 'HEAD~1');
    expect(result.stderr).toContain('taskstore: warning: post-checkout:');
    expect(result.stderr).toContain('own content ran');
  });

  it('do nothing when the branch has no store directory, or with TASKSTORE_SKIP_HOOKS=1', () => {
    const cli = fakeCli('ok');
    const repo = GitRepo.init();
    repo.commitAll('no store yet');
    repo.write('.taskstore/prds.jsonl', '{"id":"p1","updated_at":1}\n');
    repo.write('.taskstore/.version', '1\n'); // the store is checked out: the post-* hooks look for it
    repo.write('.taskstore/.gitignore', 'taskstore.db\n');
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(cli.path) });
    repo.commitAll('store');
    repo.write('.taskstore/taskstore.db', 'the cache'); // ignored: a checkout leaves it, and the directory, behind
    const skipped = run(repo.dir, 'git', ['checkout', '-q', 'HEAD~1'], { TASKSTORE_SKIP_HOOKS: '1' });
    expect(skipped.status).toBe(0);
    expect(cli.calls()).toEqual([]);
    gitOk(repo.dir, 'checkout', '-q', 'main');
    expect(cli.calls()).toHaveLength(1);
    // The old commit has no store, only the cache left in .taskstore/: refresh (which then
    // failed, "not a TaskStore") ran and warned on every such checkout.
    const old = gitOk(repo.dir, 'checkout', '-q', 'HEAD~1');
    expect(repo.read('.taskstore/taskstore.db')).toBe('the cache');
    expect(cli.calls()).toHaveLength(1);
    expect(taskstoreLines(old.stderr)).toEqual([]);
  });
});

describe('pre-push', () => {
  function withRemote(commands: CommandPaths): { repo: GitRepo; remote: GitRepo } {
    const repo = setup(commands);
    const remote = GitRepo.init({ bare: true });
    repo.git('remote', 'add', 'origin', remote.dir);
    return { repo, remote };
  }

  it('runs `check`, only warns when it fails, and the push goes ahead', () => {
    const cli = fakeCli('fail');
    const { repo, remote } = withRemote(commandsFor(cli.path));
    const pushed = gitOk(repo.dir, 'push', '-q', 'origin', 'main');
    expect(taskstoreLines(pushed.stderr)).toEqual([
      'taskstore: warning: pre-push: `taskstore check` failed (exit 1): boom: the store exploded; the push goes ahead; run `taskstore check` for details',
    ]);
    expect(cli.calls()).toEqual([{ argv: ['--store', '.taskstore', 'check'], cwd: repo.dir }]);
    expect(remote.git('rev-parse', 'main')).toBe(repo.git('rev-parse', 'main'));
  });

  it('refuses to push a commit whose JSONL has conflict markers (committed with --no-verify)', () => {
    const { repo, remote } = withRemote(missing);
    repo.write('.taskstore/prds.jsonl', CONFLICTED);
    repo.git('add', '-A');
    repo.git('commit', '-q', '--no-verify', '-m', 'bad');
    const refused = gitRun(repo.dir, 'push', '-q', 'origin', 'main');
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('taskstore: .taskstore/prds.jsonl (refs/heads/main) line 2 is a git conflict marker (<<<<<<< ours)');
    expect(refused.stderr).toContain('taskstore: push refused');
    expect(remote.tryGit('rev-parse', '--verify', '-q', 'main').status).not.toBe(0);
  });

  it("hands git's ref lines on stdin to the rest of the hook (git-lfs and friends read them)", () => {
    const repo = GitRepo.init();
    const hook = join(repo.dir, '.git', 'hooks', 'pre-push');
    writeFileSync(hook, '#!/bin/sh\ncat > pre-push.stdin\necho "args: $1 $2" > pre-push.args\n', { mode: 0o755 });
    repo.write('.taskstore/prds.jsonl', '{"id":"p1","updated_at":1}\n');
    repo.write('.taskstore/.version', '1\n'); // the store is checked out: the post-* hooks look for it
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(fakeCli('ok').path) });
    repo.commitAll('first');
    const remote = GitRepo.init({ bare: true });
    gitOk(repo.dir, 'push', '-q', remote.dir, 'main', 'main:other');
    const sha = repo.git('rev-parse', 'main').trim();
    const zeros = '0'.repeat(40);
    expect(repo.read('pre-push.stdin')).toBe(`refs/heads/main ${sha} refs/heads/main ${zeros}\nrefs/heads/main ${sha} refs/heads/other ${zeros}\n`);
    expect(repo.read('pre-push.args')).toBe(`args: ${remote.dir} ${remote.dir}\n`);
  });

  it('accepts a branch deletion (nothing to check)', () => {
    const { repo } = withRemote(commandsFor(fakeCli('ok').path));
    gitOk(repo.dir, 'push', '-q', 'origin', 'main', 'main:gone');
    const deleted = gitRun(repo.dir, 'push', '-q', 'origin', ':gone');
    expect(deleted.status, deleted.stderr).toBe(0);
  });
});

it('the fake commands are run by sh, like node would run the CLI', () => {
  expect(commandsFor('/x').node).toBe(FAKE_NODE);
});
