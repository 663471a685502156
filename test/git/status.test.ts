import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitIntegrationProblems, gitIntegrationStatus, HOOK_NAMES, installGitIntegration, setUpStoreBranch } from '../../src/git/index.js';
import { GitRepo } from '../helpers/git-repo.js';
import { tempDir } from '../helpers/temp.js';
import { commandsFor, fakeCli, fakeMergeDriver, FAKE_NODE } from './fixtures.js';

describe('gitIntegrationStatus / gitIntegrationProblems', () => {
  it('a store outside git: not in a repo, no problems', () => {
    const status = gitIntegrationStatus({ cwd: tempDir(), storeDir: '.taskstore' });
    expect(status).toEqual({
      inGitRepo: false,
      attributesLine: false,
      driverConfigured: false,
      hooksInstalled: [],
      hooksMissing: [...HOOK_NAMES],
      hooksNotRunnable: [],
      hooksOutdated: [],
      hooksNewer: [],
      ignoredLogs: [],
      leftGitLocks: [],
    });
    expect(gitIntegrationProblems(status)).toEqual([]);
  });

  it('a repository where nothing was installed: one problem telling the user to install', () => {
    const repo = GitRepo.init();
    const status = gitIntegrationStatus({ cwd: repo.dir, storeDir: '.taskstore' });
    expect(status).toMatchObject({ inGitRepo: true, workTree: repo.dir, attributesLine: false, driverConfigured: false, hooksInstalled: [] });
    expect(status.driverCommandWorks).toBeUndefined();
    const problems = gitIntegrationProblems(status);
    expect(problems.map((p) => p.kind)).toEqual(['git_integration_missing']);
    expect(problems[0]?.message).toMatch(/run `taskstore install-hooks`$/);
  });

  it('a fresh clone: .gitattributes names the driver but the clone has no driver config; install fixes it', () => {
    const origin = GitRepo.init();
    origin.write('.taskstore/prds.jsonl', '{"id":"p1","updated_at":1}\n');
    installGitIntegration({ cwd: origin.dir, storeDir: '.taskstore', commands: commandsFor(fakeCli('ok').path) });
    origin.commitAll('store and attributes');
    expect(gitIntegrationProblems(gitIntegrationStatus({ cwd: origin.dir, storeDir: '.taskstore' }))).toEqual([]);

    const clone = GitRepo.clone(origin.dir);
    const status = gitIntegrationStatus({ cwd: clone.dir, storeDir: '.taskstore' });
    expect(status).toMatchObject({ inGitRepo: true, attributesLine: true, driverConfigured: false, hooksInstalled: [] });
    const problems = gitIntegrationProblems(status);
    expect(problems.map((p) => p.kind)).toEqual(['merge_driver_missing', 'hooks_missing']);
    expect(problems[0]?.message).toMatch(/no merge\.taskstore\.driver config.*silently falls back to a line merge.*run `taskstore install-hooks`$/);

    installGitIntegration({ cwd: clone.dir, storeDir: '.taskstore', commands: commandsFor(fakeCli('ok').path) });
    const after = gitIntegrationStatus({ cwd: clone.dir, storeDir: '.taskstore' });
    expect(after).toMatchObject({ attributesLine: true, driverConfigured: true, driverCommandWorks: true, hooksMissing: [] });
    expect(after.hooksInstalled).toEqual([...HOOK_NAMES]);
    expect(gitIntegrationProblems(after)).toEqual([]);
  });

  it('a driver whose program is gone: merge_driver_broken', () => {
    const repo = GitRepo.init();
    const merge = fakeMergeDriver();
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(fakeCli('ok').path, merge.path) });
    expect(gitIntegrationStatus({ cwd: repo.dir, storeDir: '.taskstore' }).driverCommandWorks).toBe(true);
    expect(merge.calls()[0]?.argv).toHaveLength(4); // the probe ran it like git: %O %A %B %P

    rmSync(merge.path);
    const status = gitIntegrationStatus({ cwd: repo.dir, storeDir: '.taskstore' });
    expect(status).toMatchObject({ driverConfigured: true, driverCommandWorks: false });
    expect(gitIntegrationProblems(status).map((p) => p.kind)).toEqual(['merge_driver_broken']);
    expect(gitIntegrationStatus({ cwd: repo.dir, storeDir: '.taskstore', probeDriver: false }).driverCommandWorks).toBeUndefined();
  });

  it('a driver with a moved node: merge_driver_broken', () => {
    const repo = GitRepo.init();
    installGitIntegration({
      cwd: repo.dir,
      storeDir: '.taskstore',
      commands: { node: '/nonexistent/node', cli: fakeCli('ok').path, mergeDriver: fakeMergeDriver().path },
    });
    expect(gitIntegrationStatus({ cwd: repo.dir, storeDir: '.taskstore' }).driverCommandWorks).toBe(false);
  });

  it('missing or non-executable hooks are listed, with the attribute line checked separately', () => {
    const repo = GitRepo.init();
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(fakeCli('ok').path) });
    rmSync(join(repo.dir, '.git', 'hooks', 'pre-push'));
    chmodSync(join(repo.dir, '.git', 'hooks', 'post-checkout'), 0o644);
    rmSync(join(repo.dir, '.gitattributes'));
    const status = gitIntegrationStatus({ cwd: repo.dir, storeDir: '.taskstore' });
    expect(status.hooksMissing).toEqual(['pre-push', 'post-checkout']);
    const problems = gitIntegrationProblems(status);
    expect(problems.map((p) => p.kind)).toEqual(['merge_attribute_missing', 'hooks_missing']);
    expect(problems[1]?.message).toContain('pre-push, post-checkout');
    for (const problem of problems) expect(problem.message).toMatch(/run `taskstore install-hooks`$/);
  });

  it('a line of the user\'s that overrides the store\'s merge attribute: check names it and says to remove it, not to run install-hooks (which refuses to install under it)', () => {
    const repo = GitRepo.init();
    const commands = commandsFor(fakeCli('ok').path);
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands });
    // Later lines win: the user's line after the store's.
    writeFileSync(join(repo.dir, '.gitattributes'), `${readFileSync(join(repo.dir, '.gitattributes'), 'utf8')}*.jsonl merge=union\n`);
    const status = gitIntegrationStatus({ cwd: repo.dir, storeDir: '.taskstore', probeDriver: false });
    expect(status.attributesLine).toBe(false);
    expect(status.mergeOverride).toBe('union');
    const problems = gitIntegrationProblems(status);
    expect(problems.map((p) => p.kind)).toEqual(['merge_attribute_missing']);
    expect(problems[0]!.message).toMatch(/^git gives the store's JSONL files the merge attribute "union", not "taskstore": a gitattributes line outranks the store's \(a later line of the root \.gitattributes, .*remove that line/);
    let hint = '';
    try {
      installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands });
    } catch (err) {
      hint = (err as { hint: string }).hint;
    }
    expect(hint).toContain(`a later line of ${join(repo.dir, '.gitattributes')}`);
    // With no line at all, the usual advice.
    rmSync(join(repo.dir, '.gitattributes'));
    const bare = gitIntegrationStatus({ cwd: repo.dir, storeDir: '.taskstore', probeDriver: false });
    expect(bare.mergeOverride).toBeUndefined();
    expect(gitIntegrationProblems(bare)[0]!.message).toMatch(/^no gitattributes line sends .*run `taskstore install-hooks`$/);
  });

  it('reads the attribute from any gitattributes source git uses', () => {
    const repo = GitRepo.init();
    repo.write('.git/info/attributes', '.taskstore/*.jsonl merge=taskstore\n');
    expect(gitIntegrationStatus({ cwd: repo.dir, storeDir: '.taskstore', probeDriver: false }).attributesLine).toBe(true);
    repo.write('.gitattributes', '.taskstore/*.jsonl merge=union\n');
    repo.write('.git/info/attributes', '');
    expect(gitIntegrationStatus({ cwd: repo.dir, storeDir: '.taskstore', probeDriver: false }).attributesLine).toBe(false);
  });

  it('logs git ignores (a *.jsonl line in .gitignore) are a problem until tracked; not for a store branch, which git-sync commits', () => {
    // `git add -A` left them out without a word, and check said all was well.
    const repo = GitRepo.init();
    repo.write('.gitignore', '*.jsonl\n');
    repo.write('.taskstore/prds.jsonl', '{"id":"a","updated_at":1}\n');
    repo.write('.taskstore/notes.jsonl', '{"id":"n","updated_at":1}\n');
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(fakeCli('ok').path) });
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'store');
    expect(repo.git('ls-files', '.taskstore').split('\n').filter((p) => p.endsWith('.jsonl'))).toEqual([]);
    const status = gitIntegrationStatus({ cwd: repo.dir, storeDir: '.taskstore', probeDriver: false });
    expect(status.ignoredLogs.sort()).toEqual(['.taskstore/notes.jsonl', '.taskstore/prds.jsonl']);
    const problems = gitIntegrationProblems(status);
    expect(problems.map((p) => p.kind)).toEqual(['logs_ignored']);
    expect(problems[0]!.message).toMatch(/^git ignores \.taskstore\/(notes|prds)\.jsonl, \.taskstore\/(notes|prds)\.jsonl \(a \.gitignore or exclude line matches\): `git add -A`/);
    // Nothing installed: reported next to that.
    expect(gitIntegrationProblems({ ...status, attributesLine: false, driverConfigured: false, hooksInstalled: [] }).map((p) => p.kind)).toEqual([
      'git_integration_missing',
      'logs_ignored',
    ]);
    // Tracked, a log is committed whatever .gitignore says.
    repo.git('add', '-f', '.taskstore/prds.jsonl', '.taskstore/notes.jsonl');
    expect(gitIntegrationStatus({ cwd: repo.dir, storeDir: '.taskstore', probeDriver: false }).ignoredLogs).toEqual([]);

    // A store branch's worktree, with every *.jsonl of the repository excluded.
    const other = GitRepo.init();
    other.commitAll('first');
    other.write('.git/info/exclude', '*.jsonl\n');
    const setup = setUpStoreBranch({ cwd: other.dir, branch: 'state' });
    mkdirSync(setup.storeDir, { recursive: true });
    writeFileSync(join(setup.storeDir, 'prds.jsonl'), '{"id":"a","updated_at":1}\n');
    expect(other.tryGit('check-ignore', '-q', join(setup.storeDir, 'prds.jsonl')).status).toBe(0);
    expect(gitIntegrationStatus({ storeDir: setup.storeDir, probeDriver: false }).ignoredLogs).toEqual([]);
  });

  it('a block older than this version (or edited) is hooks_outdated, with the user content around it kept by install; not a block installed from elsewhere', () => {
    // Fixes to the blocks reach a hook only when install-hooks runs again, and check said nothing.
    const repo = GitRepo.init();
    const hooks = join(repo.dir, '.git', 'hooks');
    mkdirSync(hooks, { recursive: true });
    writeFileSync(join(hooks, 'post-merge'), '#!/bin/sh\necho mine before\n', { mode: 0o755 });
    // Installed from a checkout in a directory whose name needs quoting: only the place differs.
    const cli = fakeCli('ok', join(tempDir(), "it's a dir"));
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(cli.path) });
    writeFileSync(join(hooks, 'post-merge'), `${readFileSync(join(hooks, 'post-merge'), 'utf8')}echo mine after\n`);
    const clean = gitIntegrationStatus({ cwd: repo.dir, storeDir: '.taskstore' });
    expect(clean.hooksOutdated).toEqual([]);
    expect(gitIntegrationProblems(clean)).toEqual([]);

    // What an older version wrote: the same block with one line of its body different.
    const postMerge = readFileSync(join(hooks, 'post-merge'), 'utf8');
    const older = postMerge.replace(/--store "\$taskstore_store" refresh/, '--store "$taskstore_store" sync');
    expect(older).not.toBe(postMerge);
    writeFileSync(join(hooks, 'post-merge'), older);
    const preCommit = readFileSync(join(hooks, 'pre-commit'), 'utf8');
    writeFileSync(join(hooks, 'pre-commit'), preCommit.replace('# Refuses the commit', '# Refuses a commit'));
    const status = gitIntegrationStatus({ cwd: repo.dir, storeDir: '.taskstore' });
    expect(status.hooksOutdated).toEqual(['pre-commit', 'post-merge']);
    expect(status.hooksMissing).toEqual([]);
    const problems = gitIntegrationProblems(status);
    expect(problems.map((p) => p.kind)).toEqual(['hooks_outdated']);
    expect(problems[0]!.message).toBe(
      `the TaskStore block in the pre-commit, post-merge hooks in ${hooks} is not what this version of taskstore installs ` +
        '(an older version wrote it, or it was edited): fixes to the hooks reach them only when the block is written again; run `taskstore install-hooks`',
    );

    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(cli.path) });
    expect(readFileSync(join(hooks, 'post-merge'), 'utf8')).toBe(postMerge);
    expect(postMerge).toMatch(/^#!\/bin\/sh\n# >>> taskstore >>>\n[^]*# <<< taskstore <<<\necho mine before\necho mine after\n$/);
    expect(gitIntegrationProblems(gitIntegrationStatus({ cwd: repo.dir, storeDir: '.taskstore' }))).toEqual([]);

    // A block from before blocks named their store, and a duplicate block: install rewrites both.
    writeFileSync(join(hooks, 'post-merge'), postMerge.replace(/# taskstore-store: .*\n/, ''));
    expect(gitIntegrationStatus({ cwd: repo.dir, storeDir: '.taskstore' }).hooksOutdated).toEqual(['post-merge']);
    const block = postMerge.slice(postMerge.indexOf('# >>>'), postMerge.indexOf('echo mine before'));
    writeFileSync(join(hooks, 'post-merge'), postMerge + block);
    expect(gitIntegrationStatus({ cwd: repo.dir, storeDir: '.taskstore' }).hooksOutdated).toEqual(['post-merge']);
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(cli.path) });
    expect(gitIntegrationStatus({ cwd: repo.dir, storeDir: '.taskstore' }).hooksOutdated).toEqual([]);
  });

  it('hooks_outdated looks where git runs hooks from: core.hooksPath, and the shared hooks of a linked worktree; another store\'s block is not this one\'s', () => {
    const repo = GitRepo.init();
    repo.write('README', 'x\n');
    repo.commitAll('first');
    const cli = fakeCli('ok');
    const shared = tempDir('taskstore-hooks-');
    repo.git('config', 'core.hooksPath', shared);
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(cli.path) });
    installGitIntegration({ cwd: repo.dir, storeDir: 'other-store', commands: commandsFor(cli.path) });
    const worktree = join(tempDir(), 'wt');
    repo.git('worktree', 'add', '-q', worktree);
    expect(gitIntegrationStatus({ cwd: worktree, storeDir: '.taskstore' }).hooksOutdated).toEqual([]);

    // Only the other store's block is old: this store's blocks are current.
    const path = join(shared, 'post-checkout');
    const content = readFileSync(path, 'utf8');
    const otherStart = content.indexOf('# >>> taskstore >>>\n# taskstore-origin: existing\n# taskstore-store: "other-store"');
    expect(otherStart).toBeGreaterThan(0);
    writeFileSync(path, content.slice(0, otherStart) + content.slice(otherStart).replace('refresh 2>&1', 'sync 2>&1'));
    expect(gitIntegrationStatus({ cwd: repo.dir, storeDir: '.taskstore' }).hooksOutdated).toEqual([]);
    expect(gitIntegrationStatus({ cwd: worktree, storeDir: 'other-store' }).hooksOutdated).toEqual(['post-checkout']);
    expect(gitIntegrationStatus({ cwd: repo.dir, storeDir: 'other-store' }).hooksOutdated).toEqual(['post-checkout']);
  });

  it('uses the fake interpreter the fixtures run (sanity check of the fixtures)', () => {
    expect(FAKE_NODE).toBe('/bin/sh');
  });
});
