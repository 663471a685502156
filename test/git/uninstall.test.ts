import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorruptError } from '../../src/errors.js';
import { checkGitIntegrationInstallable, HOOK_NAMES, installGitIntegration, uninstallGitIntegration } from '../../src/git/index.js';
import { GitRepo } from '../helpers/git-repo.js';
import { tempDir } from '../helpers/temp.js';
import { commandsFor, fakeCli, isExecutable, snapshot, snapshotDir } from './fixtures.js';
import { runCli } from '../cli/run-cli.js';

/** Everything install may touch in `repo`, hooks in `hooksDir`. */
function state(repo: GitRepo, hooksDir = join(repo.dir, '.git', 'hooks')): unknown {
  return { ...snapshot([join(repo.dir, '.git', 'config'), join(repo.dir, '.gitattributes')]), ...snapshotDir(hooksDir) };
}

describe('uninstallGitIntegration', () => {
  it('in a fresh repository: leaves every file byte-identical to before install', () => {
    const repo = GitRepo.init();
    const before = state(repo);
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(fakeCli('ok').path) });
    expect(state(repo)).not.toEqual(before);

    const report = uninstallGitIntegration({ cwd: repo.dir, storeDir: '.taskstore' });

    expect(state(repo)).toEqual(before);
    expect(existsSync(join(repo.dir, '.gitattributes'))).toBe(false);
    for (const hook of HOOK_NAMES) expect(existsSync(join(repo.dir, '.git', 'hooks', hook))).toBe(false);
    expect(report.changed).toHaveLength(2 + 1 + HOOK_NAMES.length);
    expect(repo.tryGit('config', '--get-regexp', '^merge\\.').status).toBe(1);
  });

  it('a .gitattributes starting with a byte order mark (git skips it): the old line after it is replaced in place, the line after it found, and uninstall removes it and the driver', () => {
    const repo = GitRepo.init();
    const commands = commandsFor(fakeCli('ok').path);
    const path = join(repo.dir, '.gitattributes');
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    // Earlier versions' line first, as a Windows editor saves the file: git honours it.
    const mine = Buffer.concat([bom, Buffer.from('.taskstore/*.jsonl merge=taskstore\r\n*.md text\r\n')]);
    writeFileSync(path, mine);
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands });
    expect(readFileSync(path)).toEqual(Buffer.concat([bom, Buffer.from('.taskstore/*.jsonl merge=taskstore -text\r\n*.md text\r\n')]));
    // The current line after the mark is found: a second install adds no copy.
    expect(installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands }).changed).toEqual([]);

    uninstallGitIntegration({ cwd: repo.dir, storeDir: '.taskstore' });
    // The mark and the user's line stay, byte for byte; nothing routes to the driver, so its config goes.
    expect(readFileSync(path)).toEqual(Buffer.concat([bom, Buffer.from('*.md text\r\n')]));
    expect(repo.tryGit('config', '--get-regexp', '^merge\\.').status).toBe(1);
    expect(repo.git('check-attr', 'merge', '--', '.taskstore/prds.jsonl')).toBe('.taskstore/prds.jsonl: merge: unspecified\n');
  });

  it('a hooks directory from the global core.hooksPath, which every repository runs: uninstall in one repository keeps the block the others use, and says so', () => {
    const home = tempDir();
    const hooksDir = join(home, 'global hooks');
    writeFileSync(join(home, 'gitconfig'), `[core]\n\thooksPath = ${hooksDir}\n`);
    const env = { GIT_CONFIG_GLOBAL: join(home, 'gitconfig'), GIT_CONFIG_NOSYSTEM: '1' };
    const [a, b] = [GitRepo.init(), GitRepo.init()];
    for (const repo of [a, b]) expect(runCli(['init', '--hooks'], { cwd: repo.dir, env }).status).toBe(0);
    const hooks = snapshotDir(hooksDir);

    const uninstall = runCli(['--json', 'uninstall-hooks'], { cwd: b.dir, env });
    expect(uninstall.status).toBe(0);
    const report = JSON.parse(uninstall.stdout) as { changed: string[]; warnings: string[] };
    expect(report.changed).toEqual(['git config merge.taskstore.name', 'git config merge.taskstore.driver', join(b.dir, '.gitattributes')]);
    expect(report.warnings).toEqual([
      `left the TaskStore block in the ${HOOK_NAMES.join(', ')} hooks in ${hooksDir}: that hooks directory comes from your global core.hooksPath, ` +
        'so other repositories with a store at .taskstore use the same block; if none does, delete its lines by hand, "# >>> taskstore >>>" through "# <<< taskstore <<<"',
    ]);
    expect(uninstall.stderr).toContain('left the TaskStore block');
    // A's hooks still guard A: check is clean there.
    expect(snapshotDir(hooksDir)).toEqual(hooks);
    expect(runCli(['check'], { cwd: a.dir, env })).toMatchObject({ status: 0 });
  });

  it("uninstalling one of two stores in a repository keeps the merge driver the other store's attribute line still uses", () => {
    const repo = GitRepo.init();
    const commands = commandsFor(fakeCli('ok').path);
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands });
    const afterFirst = state(repo);
    installGitIntegration({ cwd: repo.dir, storeDir: 'data/.taskstore', commands });

    uninstallGitIntegration({ cwd: repo.dir, storeDir: 'data/.taskstore' });

    // Without the driver config git would silently merge .taskstore/*.jsonl line by line.
    expect(repo.git('config', '--local', 'merge.taskstore.driver').trim()).not.toBe('');
    expect(state(repo)).toEqual(afterFirst);
    uninstallGitIntegration({ cwd: repo.dir, storeDir: '.taskstore' });
    expect(repo.tryGit('config', '--get-regexp', '^merge\\.').status).toBe(1);
  });

  it("keeps other tools' hooks, attributes, config and file modes exactly", () => {
    const repo = GitRepo.init();
    const hooks = join(repo.dir, '.git', 'hooks');
    writeFileSync(join(hooks, 'pre-commit'), '#!/usr/bin/env bash\n# pre-commit framework\nexec python -m pre_commit "$@"\n', { mode: 0o755 });
    writeFileSync(join(hooks, 'post-merge'), 'echo no shebang, no trailing newline');
    chmodSync(join(hooks, 'post-merge'), 0o700);
    writeFileSync(join(hooks, 'pre-push'), '#!/bin/sh\necho disabled hook\n');
    chmodSync(join(hooks, 'pre-push'), 0o644);
    repo.write('.gitattributes', '*.png binary\r\n*.md text eol=lf\r\n');
    repo.git('config', 'merge.other.driver', 'other-merge %A');
    repo.git('config', 'core.autocrlf', 'false');
    const before = state(repo);

    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(fakeCli('ok').path) });
    expect(isExecutable(join(hooks, 'pre-push'))).toBe(true);
    uninstallGitIntegration({ cwd: repo.dir, storeDir: '.taskstore' });

    expect(state(repo)).toEqual(before);
  });

  it('keeps bytes that are not UTF-8 in .gitattributes and in a hook byte for byte, through the pre-check, install and uninstall', () => {
    // Read as UTF-8 and written back, each Latin-1 é (0xE9) became U+FFFD (EF BF BD): the
    // user's file was altered by install-hooks, by init --hooks' pre-check, and by uninstall.
    const repo = GitRepo.init();
    const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');
    const attributes = latin1('# r\u00e9sum\u00e9s\n*.pdf binary\n');
    writeFileSync(join(repo.dir, '.gitattributes'), attributes);
    const where = { cwd: repo.dir, storeDir: 'donn\u00e9es/.taskstore' };
    const options = { ...where, commands: commandsFor(fakeCli('ok').path) };

    checkGitIntegrationInstallable(options);
    expect(readFileSync(join(repo.dir, '.gitattributes'))).toEqual(attributes);
    installGitIntegration(options);
    expect(readFileSync(join(repo.dir, '.gitattributes'))).toEqual(
      Buffer.concat([attributes, Buffer.from('donn\u00e9es/.taskstore/*.jsonl merge=taskstore -text\n', 'utf8')]),
    );
    expect(repo.git('check-attr', 'merge', '--', 'donn\u00e9es/.taskstore/prds.jsonl')).toMatch(/merge: taskstore\n$/);
    expect(installGitIntegration(options).changed).toEqual([]);
    // A line the user added to a hook since, in Latin-1 too.
    const hook = join(repo.dir, '.git', 'hooks', 'post-merge');
    const withLine = Buffer.concat([readFileSync(hook), latin1('echo caf\u00e9\n')]);
    writeFileSync(hook, withLine);

    uninstallGitIntegration(where);

    expect(readFileSync(join(repo.dir, '.gitattributes'))).toEqual(attributes);
    expect(readFileSync(hook)).toEqual(Buffer.concat([Buffer.from('#!/bin/sh\n'), latin1('echo caf\u00e9\n')]));
  });

  it('keeps a hook file it created when the user has added lines of their own', () => {
    const repo = GitRepo.init();
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(fakeCli('ok').path) });
    const hook = join(repo.dir, '.git', 'hooks', 'post-merge');
    writeFileSync(hook, `${readFileSync(hook, 'utf8')}echo mine\n`);
    uninstallGitIntegration({ cwd: repo.dir, storeDir: '.taskstore' });
    expect(readFileSync(hook, 'utf8')).toBe('#!/bin/sh\necho mine\n');
    expect(isExecutable(hook)).toBe(true);
  });

  it('keeps a merge.taskstore key it did not add, and the .gitattributes of others', () => {
    const repo = GitRepo.init();
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(fakeCli('ok').path) });
    repo.git('config', 'merge.taskstore.recursive', 'binary');
    repo.write('.gitattributes', `${repo.read('.gitattributes')}*.bin binary\n`);
    uninstallGitIntegration({ cwd: repo.dir, storeDir: '.taskstore' });
    expect(repo.git('config', '--get-regexp', '^merge\\.taskstore\\.')).toBe('merge.taskstore.recursive binary\n');
    expect(repo.read('.gitattributes')).toBe('*.bin binary\n');
  });

  it('removes hooks from core.hooksPath and from a linked worktree install', () => {
    const repo = GitRepo.init();
    repo.commitAll('first');
    const wt = join(tempDir(), 'wt');
    repo.git('worktree', 'add', '-q', wt);
    const hooksDir = join(tempDir(), 'hooks');
    mkdirSync(hooksDir);
    repo.git('config', 'core.hooksPath', hooksDir);
    const before = state(repo, hooksDir);
    installGitIntegration({ cwd: wt, storeDir: '.taskstore', commands: commandsFor(fakeCli('ok').path) });
    expect(snapshotDir(hooksDir)).not.toEqual({});
    uninstallGitIntegration({ cwd: wt, storeDir: '.taskstore' });
    expect(state(repo, hooksDir)).toEqual(before);
    expect(existsSync(join(wt, '.gitattributes'))).toBe(false);
  });

  it('a hooks directory install created (relative or absolute core.hooksPath, a missing .git/hooks) is removed once empty; one that was there before stays', () => {
    // Uninstall removed the hook files and left the empty directory, in the work tree for
    // a relative core.hooksPath. Real git and the built CLI.
    const cases: [string, (repo: GitRepo) => string][] = [
      ['.githooks', (repo) => join(repo.dir, '.githooks')],
      [join(tempDir(), 'tools', 'hooks'), () => ''],
      ['', (repo) => join(repo.dir, '.git', 'hooks')],
    ];
    for (const [hooksPath, expected] of cases) {
      const repo = GitRepo.init();
      rmSync(join(repo.dir, '.git', 'hooks'), { recursive: true, force: true });
      if (hooksPath !== '') repo.git('config', 'core.hooksPath', hooksPath);
      const hooksDir = expected(repo) || hooksPath;
      expect(runCli(['init'], { cwd: repo.dir }).status).toBe(0);
      const config = readFileSync(join(repo.dir, '.git', 'config'), 'utf8');
      expect(runCli(['install-hooks'], { cwd: repo.dir }).status).toBe(0);
      expect(isExecutable(join(hooksDir, 'pre-commit'))).toBe(true);
      const uninstall = runCli(['--json', 'uninstall-hooks'], { cwd: repo.dir });
      expect(uninstall.status).toBe(0);
      // The topmost directory install created: tools/ for tools/hooks, made with it.
      const top = hooksPath.endsWith(join('tools', 'hooks')) ? dirname(hooksDir) : hooksDir;
      expect((JSON.parse(uninstall.stdout) as { changed: string[] }).changed).toContain(top);
      expect(existsSync(top), hooksPath).toBe(false);
      expect(readFileSync(join(repo.dir, '.git', 'config'), 'utf8')).toBe(config);
    }

    // A directory that was there before install, empty or not, is the user's: kept.
    const repo = GitRepo.init();
    repo.git('config', 'core.hooksPath', '.githooks');
    mkdirSync(join(repo.dir, '.githooks'));
    expect(runCli(['init', '--hooks'], { cwd: repo.dir }).status).toBe(0);
    expect(runCli(['uninstall-hooks'], { cwd: repo.dir }).status).toBe(0);
    expect(readdirSync(join(repo.dir, '.githooks'))).toEqual([]);

    // One install created and the user then put a file into: kept, with the file.
    const other = GitRepo.init();
    other.git('config', 'core.hooksPath', '.githooks');
    expect(runCli(['init', '--hooks'], { cwd: other.dir }).status).toBe(0);
    writeFileSync(join(other.dir, '.githooks', 'commit-msg'), '#!/bin/sh\n', { mode: 0o755 });
    expect(runCli(['uninstall-hooks'], { cwd: other.dir }).status).toBe(0);
    expect(readdirSync(join(other.dir, '.githooks'))).toEqual(['commit-msg']);
  });

  it('a created hooks directory two stores share goes with the last store\'s blocks, not the first', () => {
    const repo = GitRepo.init();
    repo.git('config', 'core.hooksPath', '.githooks');
    const commands = commandsFor(fakeCli('ok').path);
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands });
    installGitIntegration({ cwd: repo.dir, storeDir: 'data/.taskstore', commands });
    uninstallGitIntegration({ cwd: repo.dir, storeDir: 'data/.taskstore' });
    expect(readdirSync(join(repo.dir, '.githooks')).sort()).toEqual([...HOOK_NAMES].sort());
    uninstallGitIntegration({ cwd: repo.dir, storeDir: '.taskstore' });
    expect(existsSync(join(repo.dir, '.githooks'))).toBe(false);
    expect(repo.tryGit('config', '--get-all', 'taskstore.createdHooksDir').status).toBe(1);
  });

  it('two stores uninstalled in the order they were installed: the hook files install created go, a hook it made executable is switched off again', () => {
    // The second store's blocks went into files the first store's install had created
    // (or made executable) and recorded "existing": uninstalling the first store, then the
    // second, left seven files holding only #!/bin/sh, and the user's switched-off hook on.
    const repo = GitRepo.init();
    const hooks = join(repo.dir, '.git', 'hooks');
    const before = state(repo);
    writeFileSync(join(hooks, 'pre-push'), '#!/bin/sh\necho switched off\n', { mode: 0o644 });
    for (const store of ['.taskstore', 'data/.taskstore']) expect(runCli(['--store', store, 'init', '--hooks'], { cwd: repo.dir }).status).toBe(0);
    expect(isExecutable(join(hooks, 'pre-push'))).toBe(true);
    expect(runCli(['uninstall-hooks'], { cwd: repo.dir }).status).toBe(0);
    // The other store's hooks are still installed and current.
    const check = runCli(['--store', 'data/.taskstore', 'check'], { cwd: repo.dir });
    expect(check.stdout + check.stderr).toMatch(/no problems found/);
    expect(runCli(['--store', 'data/.taskstore', 'uninstall-hooks'], { cwd: repo.dir }).status).toBe(0);
    for (const hook of HOOK_NAMES.filter((name) => name !== 'pre-push')) expect(existsSync(join(hooks, hook)), hook).toBe(false);
    expect(readFileSync(join(hooks, 'pre-push'), 'utf8')).toBe('#!/bin/sh\necho switched off\n');
    expect(isExecutable(join(hooks, 'pre-push'))).toBe(false);
    rmSync(join(hooks, 'pre-push'));
    expect(state(repo)).toEqual(before);
  });

  it('a hooks directory it cannot write in: uninstall refuses before removing anything (it removed the config and the attribute line, and left every block)', () => {
    // Root may write anywhere: run as an unprivileged user when the tests run as root.
    const as = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const repo = GitRepo.init();
    const parent = tempDir();
    chmodSync(parent, 0o755);
    const hooksDir = join(parent, 'hooks');
    mkdirSync(hooksDir);
    repo.git('config', 'core.hooksPath', hooksDir);
    // git works only in a repository of the user running it.
    if (as.uid !== undefined) spawnSync('chown', ['-R', `${as.uid}:${as.gid}`, repo.dir, hooksDir]);
    expect(runCli(['init', '--hooks'], { cwd: repo.dir, ...as }).status).toBe(0);
    chmodSync(hooksDir, 0o555);
    const installed = state(repo, hooksDir);
    try {
      const run = runCli(['uninstall-hooks'], { cwd: repo.dir, ...as });
      expect(run.status, run.stderr).toBe(1);
      expect(run.stderr).toContain(`cannot write the hooks in ${hooksDir}: permission denied`);
      expect(state(repo, hooksDir)).toEqual(installed);
    } finally {
      chmodSync(hooksDir, 0o755);
    }
    expect(runCli(['uninstall-hooks'], { cwd: repo.dir, ...as }).status).toBe(0);
    expect(readdirSync(hooksDir)).toEqual([]);
  });

  it('changes nothing when nothing is installed', () => {
    const repo = GitRepo.init();
    const report = uninstallGitIntegration({ cwd: repo.dir, storeDir: '.taskstore' });
    expect(report.changed).toEqual([]);
    expect(report.unchanged).toHaveLength(2 + 1 + HOOK_NAMES.length);
  });

  it('refuses to guess when a block has lost its end marker', () => {
    const repo = GitRepo.init();
    writeFileSync(join(repo.dir, '.git', 'hooks', 'post-merge'), '#!/bin/sh\n# >>> taskstore >>>\necho half\n', { mode: 0o755 });
    expect(() => uninstallGitIntegration({ cwd: repo.dir, storeDir: '.taskstore' })).toThrow(CorruptError);
    expect(() => installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor('/x') })).toThrow(/never ends/);
  });

  it('a block that lost its end marker in a later hook stops install and uninstall before they change anything', () => {
    // Found only at that hook's turn, it left a half uninstall (driver config and
    // attribute line gone, the first hooks stripped) or a half install behind, with exit 1.
    const repo = GitRepo.init();
    const commands = commandsFor(fakeCli('ok').path);
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands });
    const hook = join(repo.dir, '.git', 'hooks', 'post-checkout'); // the last one
    writeFileSync(hook, readFileSync(hook, 'utf8').replace('# <<< taskstore <<<\n', ''));
    const installed = state(repo);
    expect(() => uninstallGitIntegration({ cwd: repo.dir, storeDir: '.taskstore' })).toThrow(CorruptError);
    expect(state(repo)).toEqual(installed);

    const fresh = GitRepo.init();
    writeFileSync(join(fresh.dir, '.git', 'hooks', 'post-checkout'), '#!/bin/sh\n# >>> taskstore >>>\necho half\n', { mode: 0o755 });
    const before = state(fresh);
    for (const attempt of [checkGitIntegrationInstallable, installGitIntegration]) {
      expect(() => attempt({ cwd: fresh.dir, storeDir: '.taskstore', commands })).toThrow(CorruptError);
      expect(state(fresh)).toEqual(before);
    }
  });
});
