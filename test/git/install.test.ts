import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IoError, ValidationError } from '../../src/errors.js';
import {
  checkGitHooksEditable,
  checkGitIntegrationInstallable,
  commitStoreBranchSetup,
  defaultCommandPaths,
  gitIntegrationStatus,
  HOOK_NAMES,
  installGitIntegration,
  mergeDriverCommand,
  uninstallGitIntegration,
} from '../../src/git/index.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { runCli } from '../cli/run-cli.js';
import { GitRepo } from '../helpers/git-repo.js';
import { tempDir } from '../helpers/temp.js';
import { commandsFor, fakeCli, fakeMergeDriver, gitOk, gitRun, isExecutable, snapshot, snapshotDir } from './fixtures.js';

const LINE = '.taskstore/*.jsonl merge=taskstore -text';

function repoWithStore(dir?: string): GitRepo {
  const repo = GitRepo.init(dir === undefined ? {} : { dir });
  repo.write('.taskstore/prds.jsonl', '{"id":"p1","updated_at":1}\n');
  repo.write('.taskstore/.version', '1\n'); // the store is checked out: the post-* hooks look for it
  return repo;
}


/** What installing the git integration into `dir` throws (undefined when it succeeds). */
function installError(dir: string): unknown {
  try {
    installGitIntegration({ cwd: dir, storeDir: '.taskstore', commands: commandsFor(fakeCli('ok').path) });
    return undefined;
  } catch (err) {
    return err;
  }
}

describe('installGitIntegration in a fresh repository', () => {
  it('configures the driver, adds the attribute line and seven executable hooks with the block', () => {
    const repo = repoWithStore();
    const commands = commandsFor(fakeCli('ok').path);
    const report = installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands });

    expect(repo.git('config', '--local', 'merge.taskstore.name').trim()).toBe('TaskStore JSONL record merge');
    expect(repo.git('config', '--local', 'merge.taskstore.driver').trim()).toBe(mergeDriverCommand(commands));
    expect(repo.git('config', '--local', 'merge.taskstore.driver').trim()).toMatch(/ %O %A %B %P$/);
    expect(repo.read('.gitattributes')).toBe(`${LINE}\n`);
    expect(repo.git('check-attr', 'merge', '--', '.taskstore/prds.jsonl').trim()).toBe('.taskstore/prds.jsonl: merge: taskstore');

    expect(HOOK_NAMES).toEqual(['pre-commit', 'pre-applypatch', 'post-merge', 'post-rebase', 'post-rewrite', 'pre-push', 'post-checkout']);
    for (const hook of HOOK_NAMES) {
      const path = join(repo.dir, '.git', 'hooks', hook);
      const content = readFileSync(path, 'utf8');
      expect(content.startsWith('#!/bin/sh\n# >>> taskstore >>>\n# taskstore-origin: created\n')).toBe(true);
      expect(content.endsWith('# <<< taskstore <<<\n')).toBe(true);
      expect(isExecutable(path)).toBe(true);
      const syntax = spawnSync('/bin/sh', ['-n', path], { encoding: 'utf8' });
      expect(syntax.status, syntax.stderr).toBe(0);
    }
    expect(report.workTree).toBe(repo.dir);
    expect(report.hooksDir).toBe(join(repo.dir, '.git', 'hooks'));
    expect(report.changed).toHaveLength(2 + 1 + HOOK_NAMES.length);
    expect(report.unchanged).toEqual([]);
    expect(report.warnings).toEqual([]);
  });

  it('keeps the paths it calls in the hooks and the store path relative to the root', () => {
    const repo = repoWithStore();
    const cli = fakeCli('ok');
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(cli.path) });
    const postMerge = repo.read('.git/hooks/post-merge');
    expect(postMerge).toContain('taskstore_node=/bin/sh\n');
    expect(postMerge).toContain(`taskstore_cli=${cli.path}`);
    expect(postMerge).toContain('taskstore_store=.taskstore\n');
    expect(postMerge).toContain('--store "$taskstore_store" refresh');
    expect(repo.read('.git/hooks/pre-push')).toContain('--store "$taskstore_store" check');
  });

  it('defaults to this node and this package\'s dist/cli entries', () => {
    const repo = repoWithStore();
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore' });
    const driver = repo.git('config', 'merge.taskstore.driver').trim();
    expect(driver).toBe(mergeDriverCommand(defaultCommandPaths()));
    expect(driver).toContain(process.execPath);
    expect(driver).toContain(join(REPO_ROOT, 'dist', 'cli', 'merge-main.js'));
    expect(repo.read('.git/hooks/post-checkout')).toContain(join(REPO_ROOT, 'dist', 'cli', 'main.js'));
  });

  it('warns (without failing) when the commands it installs do not exist', () => {
    const repo = repoWithStore();
    const report = installGitIntegration({
      cwd: repo.dir,
      storeDir: '.taskstore',
      commands: { node: process.execPath, cli: '/nonexistent/main.js', mergeDriver: '/nonexistent/merge-main.js' },
    });
    expect(report.warnings.join('\n')).toMatch(/\/nonexistent\/main\.js does not exist/);
  });

  it('throws IoError when the store is not inside a git work tree', () => {
    const dir = tempDir();
    let error: unknown;
    try {
      installGitIntegration({ cwd: dir, storeDir: '.taskstore', commands: commandsFor('/x/cli.js') });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(IoError);
    expect((error as IoError).data.reason).toBe('not_a_git_work_tree');
    expect(existsSync(join(dir, '.gitattributes'))).toBe(false);
  });

  it('works before the store directory exists (init installs first)', () => {
    const repo = GitRepo.init();
    installGitIntegration({ cwd: repo.dir, storeDir: 'not/yet/.taskstore', commands: commandsFor(fakeCli('ok').path) });
    expect(repo.read('.gitattributes')).toBe('not/yet/.taskstore/*.jsonl merge=taskstore -text\n');
  });
});

describe('idempotence', () => {
  it('a second run changes nothing, byte for byte, and reports everything unchanged', () => {
    const repo = repoWithStore();
    const commands = commandsFor(fakeCli('ok').path);
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands });
    const files = [join(repo.dir, '.git', 'config'), join(repo.dir, '.gitattributes')];
    const before = { ...snapshot(files), ...snapshotDir(join(repo.dir, '.git', 'hooks')) };

    const second = installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands });

    expect({ ...snapshot(files), ...snapshotDir(join(repo.dir, '.git', 'hooks')) }).toEqual(before);
    expect(second.changed).toEqual([]);
    expect(second.unchanged).toHaveLength(2 + 1 + HOOK_NAMES.length);
  });

  it('after node (or the package) moved, rewrites the block in place and the driver config', () => {
    const repo = repoWithStore();
    const hook = join(repo.dir, '.git', 'hooks', 'post-merge');
    mkdirSync(join(repo.dir, '.git', 'hooks'), { recursive: true });
    writeFileSync(hook, '#!/bin/sh\necho first\n', { mode: 0o755 });
    const first = commandsFor(fakeCli('ok').path);
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: first });
    writeFileSync(hook, `${readFileSync(hook, 'utf8')}echo added later by the user\n`);

    const moved = { ...first, node: '/opt/node-22/bin/node' };
    const report = installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: moved });

    const content = readFileSync(hook, 'utf8');
    expect(content).toContain('taskstore_node=/opt/node-22/bin/node');
    expect(content).not.toContain('taskstore_node=/bin/sh\n');
    expect(content.match(/# >>> taskstore >>>/g)).toHaveLength(1);
    expect(content.startsWith('#!/bin/sh\n# >>> taskstore >>>\n# taskstore-origin: existing\n')).toBe(true);
    expect(content.endsWith('# <<< taskstore <<<\necho first\necho added later by the user\n')).toBe(true);
    expect(repo.git('config', 'merge.taskstore.driver')).toMatch(/^\/opt\/node-22\/bin\/node /);
    expect(report.changed).toContain('git config merge.taskstore.driver');
    expect(report.changed).toContain(hook);
    expect(report.unchanged).toContain('git config merge.taskstore.name');
    expect(report.unchanged).toContain(join(repo.dir, '.gitattributes'));
  });
});

describe('existing content', () => {
  it('keeps other .gitattributes lines and adds the missing newline, without duplicating', () => {
    const repo = repoWithStore();
    repo.write('.gitattributes', '# ours\n*.png binary');
    const commands = commandsFor(fakeCli('ok').path);
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands });
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands });
    expect(repo.read('.gitattributes')).toBe(`# ours\n*.png binary\n${LINE}\n`);
  });

  it("keeps another tool's hook content, which still runs (even after its exec / exit)", () => {
    const repo = repoWithStore();
    repo.commitAll('first');
    repo.git('commit', '-q', '--allow-empty', '-m', 'second');
    const hooks = join(repo.dir, '.git', 'hooks');
    const otherTool = '#!/bin/sh\n# another tool\necho "other tool ran: $1 $2 $3" > other-tool.out\nexit 0\n';
    writeFileSync(join(hooks, 'post-checkout'), otherTool, { mode: 0o755 });
    const cli = fakeCli('ok');
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(cli.path) });

    const content = readFileSync(join(hooks, 'post-checkout'), 'utf8');
    expect(content.endsWith('# <<< taskstore <<<\n# another tool\necho "other tool ran: $1 $2 $3" > other-tool.out\nexit 0\n')).toBe(true);

    gitOk(repo.dir, 'checkout', '-q', 'HEAD~1');
    expect(repo.read('other-tool.out')).toMatch(/^other tool ran: [0-9a-f]{40} [0-9a-f]{40} 1\n$/);
    expect(cli.calls()).toEqual([{ argv: ['--store', '.taskstore', 'refresh'], cwd: repo.dir }]);
  });

  it("refuses, changing nothing, to put its sh block into another tool's hook written in another language", () => {
    // A sh block inside a Python hook is a Python syntax error: the other tool's hook
    // would fail on every run (a failing pre-commit blocks every commit).
    const repo = repoWithStore();
    repo.commitAll('first');
    const hooks = join(repo.dir, '.git', 'hooks');
    const python = '#!/usr/bin/env python3\nopen("other-tool.out", "w").write("ran")\n';
    writeFileSync(join(hooks, 'pre-commit'), python, { mode: 0o755 });
    const before = snapshotDir(hooks);
    const config = repo.git('config', '--local', '--list');

    const error = installError(repo.dir);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toMatch(/pre-commit.*python3/);
    expect((error as ValidationError).hint).toMatch(/taskstore/);
    expect(snapshotDir(hooks)).toEqual(before);
    expect(repo.git('config', '--local', '--list')).toBe(config);
    expect(existsSync(join(repo.dir, '.gitattributes'))).toBe(false);
    gitOk(repo.dir, 'commit', '-q', '--allow-empty', '-m', 'the python hook still runs');
    expect(repo.read('other-tool.out')).toBe('ran');

    // A compiled hook (no `#!`, not text) would be corrupted by the edit: refused too.
    const binary = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0xff, 0xfe, 0x00, 0x0a]);
    writeFileSync(join(hooks, 'pre-commit'), binary, { mode: 0o755 });
    expect(() => installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(fakeCli('ok').path) })).toThrow(
      /pre-commit hook .* is not a sh script TaskStore can edit \(it is a compiled program\)/,
    );
    expect(readFileSync(join(hooks, 'pre-commit')).equals(binary)).toBe(true);

    // sh-family interpreters, with options or through env, are fine.
    for (const shebang of ['#!/bin/bash -e', '#!/usr/bin/env bash', '#!/usr/bin/env -S zsh -f', '#! /bin/dash']) {
      writeFileSync(join(hooks, 'pre-commit'), `${shebang}\necho other\n`, { mode: 0o755 });
      installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(fakeCli('ok').path) });
      expect(readFileSync(join(hooks, 'pre-commit'), 'utf8')).toContain('# >>> taskstore >>>');
    }
  });

  it('fails, changing nothing, when another gitattributes line overrides the merge attribute of the store files', () => {
    // A .gitattributes in the store directory (or .git/info/attributes) outranks the
    // root line: install reported success while git merged the logs with merge=union,
    // and `taskstore check` sent the user back to install-hooks, which changed nothing.
    const repo = repoWithStore();
    repo.write('.taskstore/.gitattributes', '*.jsonl merge=union\n');
    repo.write('.gitattributes', '*.png binary\n');
    const hooks = join(repo.dir, '.git', 'hooks');
    const before = snapshotDir(hooks);
    const config = repo.git('config', '--local', '--list');

    const error = installError(repo.dir);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toMatch(/\.taskstore\/prds\.jsonl.*"union"/);
    expect((error as ValidationError).hint).toMatch(/info\/attributes/);
    expect(repo.read('.gitattributes')).toBe('*.png binary\n');
    expect(snapshotDir(hooks)).toEqual(before);
    expect(repo.git('config', '--local', '--list')).toBe(config);

    // With the override gone, install works.
    repo.write('.taskstore/.gitattributes', '');
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(fakeCli('ok').path) });
    expect(repo.git('check-attr', 'merge', '--', '.taskstore/prds.jsonl').trim()).toBe('.taskstore/prds.jsonl: merge: taskstore');
  });

  it('refuses, changing nothing, a hook that is a symbolic link to nothing: the block used to replace the link, and uninstall then deleted it', () => {
    const repo = repoWithStore();
    const hooks = join(repo.dir, '.git', 'hooks');
    const target = join(tempDir(), 'shared-hooks', 'pre-commit');
    symlinkSync(target, join(hooks, 'pre-commit'));
    const before = snapshot([join(repo.dir, '.gitattributes'), join(repo.dir, '.git', 'config')]);

    const error = installError(repo.dir);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toBe(
      `the pre-commit hook ${join(hooks, 'pre-commit')} is a symbolic link to ${target}, which does not exist: TaskStore adds its block to the file a link names, and will not replace your link`,
    );
    expect(readlinkSync(join(hooks, 'pre-commit'))).toBe(target);
    expect(snapshot([join(repo.dir, '.gitattributes'), join(repo.dir, '.git', 'config')])).toEqual(before);
    expect(HOOK_NAMES.filter((hook) => existsSync(join(hooks, hook)))).toEqual([]);

    // Once the file it names exists, the block goes into that file, and the link stays.
    mkdirSync(join(target, '..'));
    writeFileSync(target, '#!/bin/sh\necho shared\n', { mode: 0o755 });
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(fakeCli('ok').path) });
    expect(readlinkSync(join(hooks, 'pre-commit'))).toBe(target);
    expect(readFileSync(target, 'utf8')).toContain('# >>> taskstore >>>');
    uninstallGitIntegration({ cwd: repo.dir, storeDir: '.taskstore' });
    expect(readlinkSync(join(hooks, 'pre-commit'))).toBe(target);
    expect(readFileSync(target, 'utf8')).toBe('#!/bin/sh\necho shared\n');
  });

  it('refuses, changing nothing, hooks that are links to one file: each hook needs its own block, and the last one written replaced the others', () => {
    // A dispatcher every hook name links to: install wrote pre-commit's block, then
    // replaced it with post-merge's, ..., so post-checkout's ran for all (pre-commit's
    // refusals gone), check called the rest outdated and every install rewrote the file.
    const repo = repoWithStore();
    const hooks = join(repo.dir, '.git', 'hooks');
    const dispatch = join(repo.dir, 'tools', 'dispatch');
    mkdirSync(join(repo.dir, 'tools'));
    writeFileSync(dispatch, '#!/bin/sh\necho "dispatch $(basename "$0")"\n', { mode: 0o755 });
    for (const hook of ['pre-commit', 'post-checkout']) symlinkSync('../../tools/dispatch', join(hooks, hook));
    const before = snapshot([dispatch, join(repo.dir, '.gitattributes'), join(repo.dir, '.git', 'config')]);

    const run = runCli(['install-hooks'], { cwd: repo.dir });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`the pre-commit, post-checkout hooks in ${hooks} are all the file ${dispatch} (links to it)`);
    expect(snapshot([dispatch, join(repo.dir, '.gitattributes'), join(repo.dir, '.git', 'config')])).toEqual(before);
    expect(readlinkSync(join(hooks, 'pre-commit'))).toBe('../../tools/dispatch');
    expect(HOOK_NAMES.filter((hook) => existsSync(join(hooks, hook)))).toEqual(['pre-commit', 'post-checkout']);

    // One link to it is fine: the block goes into the file, once, and a second run changes nothing.
    rmSync(join(hooks, 'post-checkout'));
    expect(runCli(['install-hooks'], { cwd: repo.dir }).status).toBe(0);
    expect(readFileSync(dispatch, 'utf8').match(/# >>> taskstore >>>/g)).toHaveLength(1);
    expect((JSON.parse(runCli(['--json', 'install-hooks'], { cwd: repo.dir }).stdout) as { changed: string[] }).changed).toEqual([]);
  });

  it('warns when a hook is a link to a file in the work tree (a team\'s committed script), which now holds the block with this machine\'s paths', () => {
    const repo = repoWithStore();
    const hooks = join(repo.dir, '.git', 'hooks');
    repo.write('scripts/pre-commit', '#!/bin/sh\necho team hook\n');
    chmodSync(join(repo.dir, 'scripts', 'pre-commit'), 0o755);
    repo.commitAll('team hook');
    symlinkSync('../../scripts/pre-commit', join(hooks, 'pre-commit'));
    const outside = join(tempDir(), 'pre-push');
    writeFileSync(outside, '#!/bin/sh\necho mine\n', { mode: 0o755 });
    symlinkSync(outside, join(hooks, 'pre-push'));

    const run = runCli(['install-hooks'], { cwd: repo.dir });
    expect(run.status).toBe(0);
    const warnings = run.stderr.split('\n').filter((line) => line.startsWith('taskstore: warning:'));
    expect(warnings).toEqual([
      `taskstore: warning: the pre-commit hook is a link to ${join(repo.dir, 'scripts', 'pre-commit')}, a file in the work tree, which now holds TaskStore's block with paths on this machine: do not commit that change`,
    ]);
    expect(repo.git('status', '--porcelain', '--', 'scripts')).toBe(' M scripts/pre-commit\n');
  });

  it('a hooks directory it cannot write in: refused before anything is written (it left the attribute line and the driver config, and no hook)', () => {
    // Root may write anywhere: run as an unprivileged user when the tests run as root.
    const as = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const repo = repoWithStore();
    const parent = tempDir();
    chmodSync(parent, 0o755);
    const hooksDir = join(parent, 'read-only hooks');
    mkdirSync(hooksDir, { mode: 0o555 });
    chmodSync(hooksDir, 0o555);
    repo.git('config', 'core.hooksPath', hooksDir);
    // git works only in a repository of the user running it.
    if (as.uid !== undefined) spawnSync('chown', ['-R', `${as.uid}:${as.gid}`, repo.dir]);
    const before = snapshot([join(repo.dir, '.gitattributes'), join(repo.dir, '.git', 'config')]);
    try {
      const run = runCli(['install-hooks'], { cwd: repo.dir, ...as });
      expect(run.status, run.stderr).toBe(1);
      expect(run.stderr).toContain(`cannot write the hooks in ${hooksDir}: permission denied`);
      expect(run.stderr).toContain('hint: nothing was changed;');
      expect(snapshot([join(repo.dir, '.gitattributes'), join(repo.dir, '.git', 'config')])).toEqual(before);
      // init --hooks makes the same check before it creates the store.
      const fresh = runCli(['--store', 'other/.taskstore', 'init', '--hooks'], { cwd: repo.dir, ...as });
      expect(fresh.stderr).toContain(`cannot write the hooks in ${hooksDir}`);
      expect(existsSync(join(repo.dir, 'other'))).toBe(false);
    } finally {
      chmodSync(hooksDir, 0o755);
    }
  });

  it('core.hooksPath naming a file: a clear IO error about the path, changing nothing', () => {
    const repo = repoWithStore();
    repo.write('notadir', 'x\n');
    repo.git('config', 'core.hooksPath', 'notadir');
    const before = snapshot([join(repo.dir, '.gitattributes'), join(repo.dir, '.git', 'config')]);
    const error = installError(repo.dir);
    expect(error).toBeInstanceOf(IoError);
    expect((error as IoError).message).toBe(`cannot read ${join(repo.dir, 'notadir', 'pre-commit')}: a path above it is a file, not a directory`);
    expect(snapshot([join(repo.dir, '.gitattributes'), join(repo.dir, '.git', 'config')])).toEqual(before);
  });

  it('a .gitattributes that is a symbolic link, which git does not read: refused naming the link, not an overriding line, changing nothing', () => {
    const repo = repoWithStore();
    const shared = join(tempDir(), 'attributes');
    writeFileSync(shared, '*.png binary\n');
    symlinkSync(shared, join(repo.dir, '.gitattributes'));
    const error = installError(repo.dir);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toBe(
      `${join(repo.dir, '.gitattributes')} is a symbolic link, which git does not read, so git would merge the logs line by line whatever the file says`,
    );
    expect(readFileSync(shared, 'utf8')).toBe('*.png binary\n');
    expect(readlinkSync(join(repo.dir, '.gitattributes'))).toBe(shared);
    expect(existsSync(join(repo.dir, '.git', 'hooks', 'pre-commit'))).toBe(false);
  });

  it('makes an existing non-executable hook executable and records that for uninstall', () => {
    const repo = repoWithStore();
    const hook = join(repo.dir, '.git', 'hooks', 'pre-push');
    writeFileSync(hook, '#!/bin/sh\necho disabled\n');
    chmodSync(hook, 0o644);
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(fakeCli('ok').path) });
    expect(isExecutable(hook)).toBe(true);
    expect(readFileSync(hook, 'utf8')).toContain('# taskstore-origin: made-executable\n');
  });
});

describe('core.hooksPath', () => {
  it('relative: installs into <root>/<hooksPath>, which git then runs, even when called from a subdirectory', () => {
    const repo = repoWithStore();
    repo.commitAll('first');
    repo.git('commit', '-q', '--allow-empty', '-m', 'second');
    repo.git('config', 'core.hooksPath', '.githooks');
    mkdirSync(join(repo.dir, 'src', 'deep'), { recursive: true });
    const cli = fakeCli('ok');

    const report = installGitIntegration({ cwd: join(repo.dir, 'src', 'deep'), storeDir: '../../.taskstore', commands: commandsFor(cli.path) });

    expect(report.hooksDir).toBe(join(repo.dir, '.githooks'));
    for (const hook of HOOK_NAMES) expect(isExecutable(join(repo.dir, '.githooks', hook))).toBe(true);
    expect(existsSync(join(repo.dir, '.git', 'hooks', 'pre-commit'))).toBe(false);
    expect(existsSync(join(repo.dir, 'src', 'deep', '.githooks'))).toBe(false);
    expect(report.warnings.join('\n')).toMatch(/inside the work tree/);
    gitOk(repo.dir, 'checkout', '-q', 'HEAD~1');
    expect(cli.calls()).toHaveLength(1);
  });

  it('absolute: installs there', () => {
    const repo = repoWithStore();
    const hooksDir = join(tempDir('taskstore-hooks-'), 'shared hooks');
    repo.git('config', 'core.hooksPath', hooksDir);
    const report = installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(fakeCli('ok').path) });
    expect(report.hooksDir).toBe(hooksDir);
    for (const hook of HOOK_NAMES) expect(isExecutable(join(hooksDir, hook))).toBe(true);
    expect(report.warnings).toEqual([]);
  });
});

describe('one hooks directory serving several stores', () => {
  it('repositories sharing a core.hooksPath (a global one) each keep their own block; uninstalling one leaves the other', () => {
    const hooksDir = join(tempDir('taskstore-hooks-'), 'global hooks');
    const commands = commandsFor(fakeCli('ok').path);
    const a = repoWithStore();
    a.git('config', 'core.hooksPath', hooksDir);
    installGitIntegration({ cwd: a.dir, storeDir: '.taskstore', commands });
    const afterA = snapshotDir(hooksDir);
    const b = GitRepo.init();
    b.write('data/.taskstore/prds.jsonl', '{"id":"p1","updated_at":1}\n');
    b.write('data/.taskstore/.version', '1\n');
    b.git('config', 'core.hooksPath', hooksDir);
    installGitIntegration({ cwd: b.dir, storeDir: 'data/.taskstore', commands });

    // Installing B did not take A's hooks away: A's status is complete and its pre-commit still guards A's logs.
    expect(gitIntegrationStatus({ cwd: a.dir, storeDir: '.taskstore', probeDriver: false }).hooksMissing).toEqual([]);
    expect(gitIntegrationStatus({ cwd: b.dir, storeDir: 'data/.taskstore', probeDriver: false }).hooksMissing).toEqual([]);
    for (const [repo, log] of [[a, '.taskstore/prds.jsonl'], [b, 'data/.taskstore/prds.jsonl']] as const) {
      repo.write(log, '{"id":"p1","updated_at":1}\n<<<<<<< ours\n');
      repo.git('add', '-A');
      const refused = gitRun(repo.dir, 'commit', '-q', '-m', 'conflicted');
      expect(refused.status, log).not.toBe(0);
      expect(refused.stderr).toContain(`${log} line 2 is a git conflict marker`);
    }

    // Installing B again changes nothing; uninstalling B gives back exactly A's hooks.
    const twice = installGitIntegration({ cwd: b.dir, storeDir: 'data/.taskstore', commands });
    expect(twice.changed).toEqual([]);
    uninstallGitIntegration({ cwd: b.dir, storeDir: 'data/.taskstore' });
    expect(snapshotDir(hooksDir)).toEqual(afterA);
    expect(gitIntegrationStatus({ cwd: b.dir, storeDir: 'data/.taskstore', probeDriver: false }).hooksInstalled).toEqual([]);
  });
});

describe('linked worktrees', () => {
  it('installing from a worktree puts hooks in the common dir; the config is visible from both; hooks act on the worktree', () => {
    const main = repoWithStore();
    main.commitAll('first');
    main.git('commit', '-q', '--allow-empty', '-m', 'second');
    const wt = join(tempDir(), 'wt');
    main.git('worktree', 'add', '-q', wt);
    const cli = fakeCli('ok');

    const report = installGitIntegration({ cwd: wt, storeDir: '.taskstore', commands: commandsFor(cli.path) });

    expect(report.workTree).toBe(wt);
    expect(report.hooksDir).toBe(join(main.dir, '.git', 'hooks'));
    for (const hook of HOOK_NAMES) {
      expect(isExecutable(join(main.dir, '.git', 'hooks', hook))).toBe(true);
      expect(existsSync(join(main.dir, '.git', 'worktrees', 'wt', 'hooks', hook))).toBe(false);
    }
    const driver = main.git('config', 'merge.taskstore.driver');
    expect(gitOk(wt, 'config', 'merge.taskstore.driver').stdout).toBe(driver);
    expect(readFileSync(join(wt, '.gitattributes'), 'utf8')).toBe(`${LINE}\n`);

    // The shared hook syncs the store of the worktree it fires in.
    gitOk(wt, 'checkout', '-q', '--detach', 'HEAD~1');
    expect(cli.calls()).toEqual([{ argv: ['--store', '.taskstore', 'refresh'], cwd: wt }]);
  });
});

describe('paths with spaces and quotes', () => {
  it('driver and hooks work from any directory when every path has spaces and quotes', () => {
    const repo = repoWithStore(join(tempDir(), "my repo's dir"));
    repo.write('.taskstore/notes.jsonl', '{"id":"base","updated_at":1}\n');
    repo.write('.taskstore/.version', '1\n'); // the store is checked out: the post-* hooks look for it
    const fixtures = join(tempDir(), 'tools dir', "it's \"here\" 100%");
    const cli = fakeCli('ok', fixtures);
    const merge = fakeMergeDriver(fixtures);
    installGitIntegration({ cwd: join(repo.dir, '.taskstore'), storeDir: '.', commands: commandsFor(cli.path, merge.path) });
    repo.commitAll('base, with .gitattributes');

    repo.git('checkout', '-q', '-b', 'side');
    repo.write('.taskstore/notes.jsonl', '{"id":"base","updated_at":1}\n{"id":"side","updated_at":2}\n');
    repo.commitAll('side');
    repo.git('checkout', '-q', 'main');
    repo.write('.taskstore/notes.jsonl', '{"id":"base","updated_at":1}\n{"id":"main","updated_at":3}\n');
    repo.commitAll('main');
    gitOk(repo.dir, 'merge', '-q', '--no-edit', 'side');

    expect(repo.read('.taskstore/notes.jsonl')).toBe(
      '{"id":"base","updated_at":1}\n{"id":"main","updated_at":3}\n{"id":"side","updated_at":2}\n',
    );
    const [call] = merge.calls();
    expect(call?.argv).toHaveLength(4);
    expect(call?.argv[3]).toBe('.taskstore/notes.jsonl');
    expect(cli.calls().some((c) => c.argv.join(' ') === '--store .taskstore refresh')).toBe(true);
  });

  it('a store directory with spaces gets a quoted attribute line that git understands', () => {
    const repo = GitRepo.init();
    installGitIntegration({ cwd: repo.dir, storeDir: 'my data/.taskstore', commands: commandsFor(fakeCli('ok').path) });
    expect(repo.read('.gitattributes')).toBe('"my data/.taskstore/*.jsonl" merge=taskstore -text\n');
    expect(repo.git('check-attr', 'merge', '--', 'my data/.taskstore/a.jsonl')).toMatch(/merge: taskstore$/m);
    expect(repo.git('check-attr', 'merge', '--', 'my data/.taskstore/sub/a.jsonl')).toMatch(/merge: unspecified$/m);
  });
});

describe('checkGitIntegrationInstallable', () => {
  it('throws what install would throw, and otherwise passes; either way the repository is left as it was', () => {
    const repo = repoWithStore();
    const hooks = join(repo.dir, '.git', 'hooks');
    const commands = commandsFor(fakeCli('ok').path);
    const check = (): void => checkGitIntegrationInstallable({ cwd: repo.dir, storeDir: '.taskstore', commands });
    const state = () => ({
      files: snapshot([join(repo.dir, '.gitattributes'), join(repo.dir, '.taskstore', '.gitattributes')]),
      hooks: snapshotDir(hooks),
      config: repo.git('config', '--local', '--list'),
    });

    // Nothing in the way: passes, writes nothing (no .gitattributes left behind), and install then works.
    let before = state();
    check();
    expect(state()).toEqual(before);
    expect(existsSync(join(repo.dir, '.gitattributes'))).toBe(false);

    // A Python hook: the same error as install's.
    writeFileSync(join(hooks, 'pre-commit'), '#!/usr/bin/env python3\nprint("x")\n', { mode: 0o755 });
    before = state();
    expect(check).toThrow((installError(repo.dir) as Error).message);
    expect(state()).toEqual(before);
    rmSync(join(hooks, 'pre-commit'));

    // An overriding line in the store directory, with a root .gitattributes of the user's (kept byte for byte, mode too).
    repo.write('.gitattributes', '*.png binary');
    chmodSync(join(repo.dir, '.gitattributes'), 0o600);
    repo.write('.taskstore/.gitattributes', '*.jsonl merge=union\n');
    before = state();
    expect(check).toThrow(ValidationError);
    expect(check).toThrow(/merge attribute "union"/);
    expect(state()).toEqual(before);

    // Outside a work tree: the IoError install throws.
    expect(() => checkGitIntegrationInstallable({ cwd: tempDir(), storeDir: '.taskstore', commands })).toThrow(IoError);

    repo.write('.taskstore/.gitattributes', '');
    check();
    expect(repo.read('.gitattributes')).toBe('*.png binary');
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands });
    expect(repo.read('.gitattributes')).toBe(`*.png binary\n${LINE}\n`);
  });
});

describe('the options of the exported functions', () => {
  it('a misspelt key or a cwd that is no path is a TypeError, changing nothing (a misspelt cwd resolved storeDir against the process\'s directory: another repository)', () => {
    const repo = repoWithStore();
    const storeDir = join(repo.dir, '.taskstore');
    const watched = (): unknown => ({ attributes: snapshot([join(repo.dir, '.gitattributes')]), hooks: snapshotDir(join(repo.dir, '.git', 'hooks')), config: repo.read('.git/config') });
    const before = watched();
    const calls: [string, () => unknown][] = [
      // Relative storeDir: with the misspelt cdw ignored, the status of the repository this test runs in.
      ['status', () => gitIntegrationStatus({ storeDir: '.taskstore', cdw: repo.dir, probeDriver: false } as never)],
      ['install', () => installGitIntegration({ storeDir, cdw: repo.dir } as never)],
      ['installable', () => checkGitIntegrationInstallable({ storeDir, cdw: repo.dir } as never)],
      ['uninstall', () => uninstallGitIntegration({ storeDir, cdw: repo.dir } as never)],
      ['hooks editable', () => checkGitHooksEditable({ cdw: repo.dir } as never)],
      ['cwd with NUL', () => installGitIntegration({ storeDir: '.taskstore', cwd: `${repo.dir}\0x` })],
      ['cwd a number', () => gitIntegrationStatus({ storeDir: '.taskstore', cwd: 5 as never })],
      ['no options', () => (installGitIntegration as (o?: unknown) => unknown)()],
    ];
    for (const [name, call] of calls) {
      let err: unknown;
      try {
        call();
      } catch (e) {
        err = e;
      }
      expect(err, name).toBeInstanceOf(TypeError);
      expect(err, name).toMatchObject({ code: 'VALIDATION' });
    }
    expect(watched()).toEqual(before);
  });
});

describe('git run in a directory that does not exist', () => {
  it('says so, instead of "the git program was not found on PATH" (spawn reports both as ENOENT)', () => {
    const missing = join(tempDir(), 'no-such-worktree');
    let err: unknown;
    try {
      commitStoreBranchSetup(missing);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(IoError);
    expect((err as Error).message).toBe(`cannot run git in ${missing}: the directory does not exist`);
    expect(existsSync(missing)).toBe(false);
  });
});
