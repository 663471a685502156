/**
 * A hook whose `#!` line ends in a carriage return (CRLF line endings, as a Windows editor
 * writes them) cannot be started: the kernel looks for `/bin/sh\r`. Install used to add
 * its block to it and `check`/`status` called the hook installed, while git ran none of
 * it. Real git, the built CLI as a child process.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckReport } from '../../src/index.js';
import { runCli } from '../cli/run-cli.js';
import { GitRepo } from '../helpers/git-repo.js';
import { gitRun, snapshot, snapshotDir } from './fixtures.js';

function cli(repo: GitRepo, ...args: string[]) {
  return runCli(args, { cwd: repo.dir });
}

function problemKinds(repo: GitRepo): string[] {
  return (JSON.parse(cli(repo, '--json', 'check').stdout) as CheckReport).problems.map((p) => p.kind);
}

function initedRepo(): GitRepo {
  const repo = GitRepo.init();
  expect(cli(repo, 'init').status).toBe(0);
  return repo;
}

describe('a hook whose #! line ends in a carriage return', () => {
  it('install-hooks refuses it naming the file, the CR and the fix, changing nothing; check and status call it not runnable', () => {
    const repo = initedRepo();
    const hooks = join(repo.dir, '.git', 'hooks');
    const hook = join(hooks, 'pre-commit');
    const crlf = '#!/bin/sh\r\necho "user hook ran" > user-hook.out\r\n';
    writeFileSync(hook, crlf);
    chmodSync(hook, 0o755);
    // The premise: git cannot start such a hook at all.
    expect(gitRun(repo.dir, 'commit', '-q', '--allow-empty', '-m', 'x').stderr).toMatch(/cannot run .*pre-commit/);
    const before = { ...snapshotDir(hooks), ...snapshot([join(repo.dir, '.git', 'config'), join(repo.dir, '.gitattributes')]) };

    const install = cli(repo, 'install-hooks');
    expect(install.status).toBe(1);
    expect(install.stderr).toContain(`the pre-commit hook ${hook} cannot be run: its #! line ends in a carriage return`);
    expect(install.stderr).toContain('"/bin/sh\\r"');
    expect(install.stderr).toMatch(/nothing was changed; convert the hook to LF line endings \(`sed -i 's\/\\r\$\/\/' /);
    expect({ ...snapshotDir(hooks), ...snapshot([join(repo.dir, '.git', 'config'), join(repo.dir, '.gitattributes')]) }).toEqual(before);
    expect(readFileSync(hook, 'utf8')).toBe(crlf);

    // init --hooks runs the same check before creating anything.
    const fresh = GitRepo.init();
    writeFileSync(join(fresh.dir, '.git', 'hooks', 'pre-commit'), crlf, { mode: 0o755 });
    expect(cli(fresh, 'init', '--hooks').stderr).toContain('cannot be run: its #! line ends in a carriage return');
    expect(existsSync(join(fresh.dir, '.taskstore'))).toBe(false);

    // Converted as the hint says, it installs, and git runs the hook and its block.
    writeFileSync(hook, crlf.replace(/\r$/gm, ''));
    expect(cli(repo, 'install-hooks').status).toBe(0);
    expect(problemKinds(repo)).toEqual([]);
    expect(gitRun(repo.dir, 'commit', '-q', '--allow-empty', '-m', 'y').status).toBe(0);
    expect(repo.read('user-hook.out')).toBe('user hook ran\n');
  });

  it('an installed hook later given CRLF line endings: check says hooks_not_runnable (not "run install-hooks"), status says not runnable', () => {
    const repo = initedRepo();
    expect(cli(repo, 'install-hooks').status).toBe(0);
    const hook = join(repo.dir, '.git', 'hooks', 'pre-push');
    writeFileSync(hook, readFileSync(hook, 'utf8').replace(/\n/g, '\r\n'));

    const check = JSON.parse(cli(repo, '--json', 'check').stdout) as CheckReport;
    expect(check.problems.map((p) => p.kind)).toEqual(['hooks_not_runnable']);
    expect(check.problems[0]!.message).toMatch(/git cannot run the pre-push hook in .*carriage return.*convert it to LF line endings/);
    const status = JSON.parse(cli(repo, '--json', 'status').stdout) as { hooksInstalled: boolean; hooksMissing: string[]; hooksNotRunnable: string[] };
    expect(status).toMatchObject({ hooksInstalled: false, hooksMissing: ['pre-push'], hooksNotRunnable: ['pre-push'] });
    expect(cli(repo, 'status').stdout).toMatch(/hooks +not runnable, #! line ends in CR: pre-push \(convert to LF line endings/);
    // Uninstall still takes the block out (a hook it cannot run is no reason to keep it).
    expect(cli(repo, 'uninstall-hooks').status).toBe(0);
    expect(readFileSync(hook, 'utf8')).toBe('#!/bin/sh\r\n');
  });
});
