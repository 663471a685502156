/**
 * init / install-hooks / uninstall-hooks / check / merge in real git repositories,
 * through the built CLI.
 */
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckReport, Prd } from '../../src/index.js';
import { GitRepo } from '../helpers/git-repo.js';
import { snapshotDir } from '../git/fixtures.js';
import { tempDir } from '../helpers/temp.js';
import { runCli, runJson } from './run-cli.js';

/** git's environment plus the CLI's (the hooks run the CLI). */
const env = { GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };

describe('init and the git integration', () => {
  it('import that creates the store says the merge driver is missing, as init does; into an existing store, or with the driver, it says nothing', () => {
    const repo = GitRepo.init();
    const cwd = repo.dir;
    const dump = '{"collection":"notes","record":{"id":"n1","text":"hi"}}\n';
    const first = runCli(['import', '-'], { cwd, env, input: dump });
    expect(first.status).toBe(0);
    expect(first.stdout).toBe('imported 1 record into notes (1)\n');
    expect(first.stderr).toMatch(/without the taskstore merge driver/);
    expect(first.stderr).toMatch(/taskstore install-hooks/);
    // The store exists now: another import is no new store, and says nothing about git.
    const second = runCli(['import', '-'], { cwd, env, input: dump.replace('n1', 'n2') });
    expect(second).toMatchObject({ status: 0, stderr: '' });
    // With the driver installed, a new store made by import has nothing to warn about.
    const other = GitRepo.init();
    expect(runCli(['init', '--hooks'], { cwd: other.dir, env }).status).toBe(0);
    rmSync(join(other.dir, '.taskstore'), { recursive: true, force: true });
    const fresh = runCli(['import', '-'], { cwd: other.dir, env, input: dump });
    expect(fresh).toMatchObject({ status: 0, stderr: '' });
    expect(existsSync(join(other.dir, '.taskstore', '.version'))).toBe(true);
  });

  it('init suggests install-hooks, --hooks installs, check reports the missing driver, uninstall removes it', () => {
    const repo = GitRepo.init();
    const cwd = repo.dir;
    const init = runCli(['init'], { cwd, env });
    expect(init.status).toBe(0);
    expect(init.stdout).toBe(`Initialized empty TaskStore in ${join(cwd, '.taskstore')}\n`);
    expect(init.stderr).toMatch(/without the taskstore merge driver/);
    expect(init.stderr).toMatch(/taskstore install-hooks/);

    const check = runCli(['--json', 'check'], { cwd, env });
    expect(check.status).toBe(1);
    expect((JSON.parse(check.stdout) as CheckReport).problems.map((p) => p.kind)).toContain('git_integration_missing');

    const withHooks = runJson<{ created: boolean; driverConfigured: boolean; hooks: { changed: string[] } }>(['init', '--hooks'], { cwd, env });
    expect(withHooks.created).toBe(false);
    expect(withHooks.driverConfigured).toBe(true);
    expect(withHooks.hooks.changed).toContain('git config merge.taskstore.driver');
    expect(readFileSync(join(cwd, '.gitattributes'), 'utf8')).toContain('.taskstore/*.jsonl merge=taskstore');
    const again = runCli(['install-hooks'], { cwd, env });
    expect(again).toMatchObject({ status: 0 });
    expect(again.stdout).toMatch(/already installed .*nothing changed/);
    expect(runCli(['check'], { cwd, env })).toMatchObject({ status: 0 });

    // A fresh clone has the .gitattributes line but no driver: init says so, check fails.
    repo.commitAll('store');
    const clone = GitRepo.clone(repo.dir);
    const cloneInit = runCli(['init'], { cwd: clone.dir, env });
    expect(cloneInit.stdout).toMatch(/^Reinitialized existing TaskStore/);
    expect(cloneInit.stderr).toMatch(/no merge\.taskstore\.driver configured/);
    const cloneCheck = runCli(['--json', 'check'], { cwd: clone.dir, env });
    expect(cloneCheck.status).toBe(1);
    expect((JSON.parse(cloneCheck.stdout) as CheckReport).problems.map((p) => p.kind)).toContain('merge_driver_missing');

    const removed = runJson<{ changed: string[] }>(['uninstall-hooks'], { cwd, env });
    expect(removed.changed).toContain('git config merge.taskstore.driver');
    expect(repo.tryGit('config', 'merge.taskstore.driver').status).not.toBe(0);
    expect(runCli(['uninstall-hooks'], { cwd, env }).stdout).toMatch(/not installed .*nothing changed/);
  });

  it('init --hooks refuses what install-hooks refuses before creating anything: the repository is left exactly as it was', () => {
    const repo = GitRepo.init();
    const cwd = repo.dir;
    const hooks = join(cwd, '.git', 'hooks');
    repo.write('.gitattributes', '*.png binary\r\n');
    chmodSync(join(cwd, '.gitattributes'), 0o640);
    repo.commitAll('first');
    /** Everything init --hooks could touch: the work tree's files, the hooks, the local config. */
    const state = () => ({
      files: readdirSync(cwd).sort(),
      gitattributes: readFileSync(join(cwd, '.gitattributes')),
      gitattributesMode: statSync(join(cwd, '.gitattributes')).mode,
      hooks: snapshotDir(hooks),
      config: repo.git('config', '--local', '--list'),
      status: repo.git('status', '--porcelain', '--ignored'),
    });

    // Another tool's hook written in Python: TaskStore's sh block cannot go into it.
    writeFileSync(join(hooks, 'pre-commit'), '#!/usr/bin/env python3\nprint("other tool")\n', { mode: 0o755 });
    const before = state();
    const foreign = runCli(['init', '--hooks'], { cwd, env });
    expect(foreign.status).toBe(1);
    expect(foreign.stderr).toMatch(/^taskstore: error: the pre-commit hook .* is not a sh script TaskStore can edit \(it is run by .*python3.*\)/);
    expect(foreign.stderr).toMatch(/hint: nothing was changed/);
    expect(existsSync(join(cwd, '.taskstore'))).toBe(false);
    expect(state()).toEqual(before);

    // A gitattributes line git ranks above the root's sends the logs elsewhere: refused too.
    rmSync(join(hooks, 'pre-commit'));
    writeFileSync(join(cwd, '.git', 'info', 'attributes'), '*.jsonl merge=union\n');
    const beforeOverride = state();
    const overridden = runCli(['init', '--hooks'], { cwd, env });
    expect(overridden.status).toBe(1);
    expect(overridden.stderr).toMatch(/merge attribute "union"/);
    expect(existsSync(join(cwd, '.taskstore'))).toBe(false);
    expect(state()).toEqual(beforeOverride);

    // With both gone, init --hooks creates the store and installs.
    rmSync(join(cwd, '.git', 'info', 'attributes'));
    const ok = runJson<{ created: boolean; driverConfigured: boolean }>(['init', '--hooks'], { cwd, env });
    expect(ok).toMatchObject({ created: true, driverConfigured: true });
    expect(readFileSync(join(cwd, '.gitattributes'), 'utf8')).toBe('*.png binary\r\n.taskstore/*.jsonl merge=taskstore -text\r\n');
  });

  it('init --branch refuses a hook TaskStore cannot edit before creating the branch, its work tree or the store', () => {
    const repo = GitRepo.init();
    const cwd = repo.dir;
    repo.write('README.md', 'x\n');
    repo.commitAll('first');
    const hooks = join(cwd, '.git', 'hooks');
    writeFileSync(join(hooks, 'post-merge'), '#!/usr/bin/env node\nconsole.log("other tool")\n', { mode: 0o755 });
    const state = () => ({
      branches: repo.git('branch', '--list', '--all'),
      worktrees: repo.git('worktree', 'list', '--porcelain'),
      gitDir: readdirSync(join(cwd, '.git')).sort(),
      hooks: snapshotDir(hooks),
      config: repo.git('config', '--local', '--list'),
      status: repo.git('status', '--porcelain', '--ignored'),
    });
    const before = state();
    const refused = runCli(['init', '--branch', 'taskstore-data'], { cwd, env });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^taskstore: error: the post-merge hook .* is not a sh script TaskStore can edit \(it is run by .*node.*\)/);
    expect(state()).toEqual(before);

    // With the hook moved out of the way, the same command sets the store branch up.
    rmSync(join(hooks, 'post-merge'));
    const ok = runCli(['init', '--branch', 'taskstore-data'], { cwd, env });
    expect(ok.status, ok.stderr).toBe(0);
    expect(repo.git('branch', '--list', 'taskstore-data')).toMatch(/taskstore-data/);
  });

  it('check reports a hook block an older version wrote (hooks_outdated, exit 1) until install-hooks writes it again', () => {
    const repo = GitRepo.init();
    const cwd = repo.dir;
    expect(runCli(['init', '--hooks'], { cwd, env })).toMatchObject({ status: 0 });
    const path = join(cwd, '.git', 'hooks', 'post-checkout');
    const current = readFileSync(path, 'utf8');
    writeFileSync(path, current.replace('refresh 2>&1', 'sync 2>&1'));
    const check = runCli(['--json', 'check'], { cwd, env });
    expect(check.status).toBe(1);
    const problems = (JSON.parse(check.stdout) as CheckReport).problems;
    expect(problems.map((p) => p.kind)).toEqual(['hooks_outdated']);
    expect(problems[0]!.message).toMatch(/^the TaskStore block in the post-checkout hook in .* is not what this version of taskstore installs .*run `taskstore install-hooks`$/);
    const human = runCli(['check'], { cwd, env });
    expect(human.status).toBe(1);
    expect(human.stdout).toMatch(/^hooks_outdated: the TaskStore block in the post-checkout hook/);

    expect(runJson<{ changed: string[] }>(['install-hooks'], { cwd, env }).changed).toEqual([path]);
    expect(readFileSync(path, 'utf8')).toBe(current);
    expect(runCli(['check'], { cwd, env })).toMatchObject({ status: 0 });
  });

  it('a hook block a newer version wrote: check says hooks_newer, install-hooks refuses (exit 1, nothing changed) until --force', () => {
    const repo = GitRepo.init();
    const cwd = repo.dir;
    expect(runCli(['init', '--hooks'], { cwd, env })).toMatchObject({ status: 0 });
    const path = join(cwd, '.git', 'hooks', 'post-checkout');
    const current = readFileSync(path, 'utf8');
    const newer = current.replace(/^# taskstore-hooks-format: (\d+)$/m, (_line, n: string) => `# taskstore-hooks-format: ${Number(n) + 1}`).replace('refresh 2>&1', 'refresh --quick 2>&1');
    expect(newer).not.toBe(current);
    writeFileSync(path, newer);
    const check = runCli(['--json', 'check'], { cwd, env });
    expect(check.status).toBe(1);
    expect((JSON.parse(check.stdout) as CheckReport).problems.map((p) => p.kind)).toEqual(['hooks_newer']);

    const refused = runCli(['install-hooks'], { cwd, env });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/a newer version of taskstore wrote the TaskStore block in the post-checkout hook in .* \(hook block format \d+; this version writes format \d+\)/);
    expect(refused.stderr).toMatch(/install-hooks --force/);
    expect(readFileSync(path, 'utf8')).toBe(newer);

    expect(runJson<{ changed: string[] }>(['install-hooks', '--force'], { cwd, env }).changed).toEqual([path]);
    expect(readFileSync(path, 'utf8')).toBe(current);
    expect(runCli(['check'], { cwd, env })).toMatchObject({ status: 0 });
  });

  it('status shows outdated and newer hook blocks beside missing ones, in text and --json', () => {
    const repo = GitRepo.init();
    const cwd = repo.dir;
    expect(runCli(['init', '--hooks'], { cwd, env })).toMatchObject({ status: 0 });
    const hooks = join(cwd, '.git', 'hooks');
    const hooksLine = (): string | undefined => runCli(['status'], { cwd, env }).stdout.split('\n').find((line) => line.startsWith('hooks '));
    expect(hooksLine()).toBe('hooks          installed');

    // An older version's post-checkout block (one line of its body differs).
    const postCheckout = join(hooks, 'post-checkout');
    writeFileSync(postCheckout, readFileSync(postCheckout, 'utf8').replace('refresh 2>&1', 'sync 2>&1'));
    expect(hooksLine()).toBe('hooks          installed; outdated: post-checkout (run `taskstore install-hooks`)');
    expect(runJson<Record<string, unknown>>(['status'], { cwd, env })).toMatchObject({ hooksInstalled: true, hooksMissing: [], hooksOutdated: ['post-checkout'], hooksNewer: [] });

    // A newer version's pre-push block, and a missing post-merge one.
    const prePush = join(hooks, 'pre-push');
    writeFileSync(prePush, readFileSync(prePush, 'utf8').replace(/^# taskstore-hooks-format: (\d+)$/m, (_line, n: string) => `# taskstore-hooks-format: ${Number(n) + 1}`));
    rmSync(join(hooks, 'post-merge'));
    expect(hooksLine()).toBe(
      'hooks          missing: post-merge; outdated: post-checkout; written by a newer taskstore: pre-push (upgrade this taskstore, or run `taskstore install-hooks --force`)',
    );
    expect(runJson<Record<string, unknown>>(['status'], { cwd, env })).toMatchObject({
      hooksInstalled: false,
      hooksMissing: ['post-merge'],
      hooksOutdated: ['post-checkout'],
      hooksNewer: ['pre-push'],
    });
  });

  it('install-hooks outside a git work tree fails with exit 1', () => {
    const cwd = tempDir('taskstore-cli-');
    const result = runCli(['install-hooks'], { cwd, env });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^taskstore: error: .*\nhint: /);
  });

  it('records created on two branches both arrive after git merge (driver + post-merge sync)', () => {
    const repo = GitRepo.init();
    const cwd = repo.dir;
    expect(runCli(['init', '--hooks'], { cwd, env }).status).toBe(0);
    const base = runCli(['create-prd', 'base'], { cwd, env }).stdout.trim();
    repo.commitAll('base');
    repo.git('checkout', '-q', '-b', 'feature');
    const feature = runCli(['create-prd', 'feature'], { cwd, env }).stdout.trim();
    expect(runCli(['update', base, '--set', 'status=ready'], { cwd, env }).status).toBe(0);
    repo.commitAll('feature');
    repo.git('checkout', '-q', 'main');
    const main = runCli(['create-prd', 'main'], { cwd, env }).stdout.trim();
    expect(runCli(['update', base, '--set', 'review_passes=2'], { cwd, env }).status).toBe(0);
    repo.commitAll('main');
    repo.git('merge', '-q', '--no-edit', 'feature');
    const prds = runJson<Prd[]>(['list-prds'], { cwd, env });
    expect(prds.map((p) => p.id).sort()).toEqual([base, feature, main].sort());
    expect(prds.find((p) => p.id === base)).toMatchObject({ status: 'ready', review_passes: 2 });
    expect(runCli(['check'], { cwd, env }).status).toBe(0);
  });
});

describe('merge (the merge driver as a subcommand)', () => {
  it('merges into <ours> (exit 0), reports conflicts (exit 1) and bad arguments (exit 2)', () => {
    const cwd = tempDir('taskstore-cli-');
    const write = (name: string, lines: object[]) => writeFileSync(join(cwd, name), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    write('base', [{ id: 'a', updated_at: 1, x: 0 }]);
    write('ours', [{ id: 'a', updated_at: 1, x: 0 }, { id: 'a', updated_at: 2, x: 1 }]);
    write('theirs', [{ id: 'a', updated_at: 1, x: 0 }, { id: 'b', updated_at: 3 }]);
    const clean = runCli(['merge', 'base', 'ours', 'theirs', '.taskstore/notes.jsonl'], { cwd });
    expect(clean.status).toBe(0);
    expect(readFileSync(join(cwd, 'ours'), 'utf8')).toBe(
      '{"id":"a","updated_at":1,"x":0}\n{"id":"a","updated_at":2,"x":1}\n{"id":"b","updated_at":3}\n',
    );
    // Three arguments are enough.
    write('ours2', [{ id: 'a', updated_at: 1, x: 0 }, { id: 'a', updated_at: 2, x: 1 }]);
    write('theirs2', [{ id: 'a', updated_at: 1, x: 0 }, { id: 'a', updated_at: 2, x: 2 }]);
    const conflict = runCli(['merge', 'base', 'ours2', 'theirs2'], { cwd });
    expect(conflict.status).toBe(1);
    expect(readFileSync(join(cwd, 'ours2'), 'utf8')).toMatch(/^<<<<<<< ours$/m);
    expect(runCli(['merge', 'base', 'ours'], { cwd }).status).toBe(2);
    expect(runCli(['merge', 'base', 'missing', 'theirs'], { cwd }).status).toBe(2);
  });

  it('takes a path (%P) that starts with "-" as the path, not as an unknown option', () => {
    // A store in a directory named "-data" gives git's %P a leading "-": the command
    // refused it (exit 2), so every merge of that store's logs stopped as a conflict.
    const cwd = tempDir('taskstore-cli-');
    writeFileSync(join(cwd, 'base'), '{"id":"a","updated_at":1}\n');
    writeFileSync(join(cwd, 'ours'), '{"id":"a","updated_at":1}\n');
    writeFileSync(join(cwd, 'theirs'), '{"id":"a","updated_at":1}\n{"id":"b","updated_at":2}\n');
    const res = runCli(['merge', 'base', 'ours', 'theirs', '-data/.taskstore/notes.jsonl'], { cwd });
    expect(res.status, res.stderr).toBe(0);
    expect(readFileSync(join(cwd, 'ours'), 'utf8')).toBe('{"id":"a","updated_at":1}\n{"id":"b","updated_at":2}\n');
    // Conflicts name that path.
    writeFileSync(join(cwd, 'ours'), '{"id":"a","updated_at":2,"x":1}\n');
    writeFileSync(join(cwd, 'theirs'), '{"id":"a","updated_at":2,"x":2}\n');
    const conflict = runCli(['merge', 'base', 'ours', 'theirs', '-data/.taskstore/notes.jsonl'], { cwd });
    expect(conflict.status).toBe(1);
    expect(conflict.stderr).toContain('-data/.taskstore/notes.jsonl: 1 conflicting record');
  });
});
