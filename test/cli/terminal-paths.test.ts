/**
 * Paths reach the terminal escaped like record text: a directory named with ESC (or any
 * control character) must not recolour the screen when `init`, `status` or `backup`
 * print where the store is, nor when the CLI reports a crash.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summary } from '../../src/cli/commands/git-sync.js';
import { crashReport } from '../../src/cli/errors.js';
import type { GitSyncReport } from '../../src/index.js';
import { GIT_IDENTITY, GitRepo } from '../helpers/git-repo.js';
import { tempDir } from '../helpers/temp.js';
import { runCli } from './run-cli.js';

const EVIL = 'x\u001b[31my\u0007';
const SPELLED = 'x\\x1b[31my\\x07';

function evilDir(): string {
  const dir = join(tempDir('taskstore-paths-'), EVIL);
  mkdirSync(dir);
  return dir;
}

function expectNoRawEsc(text: string): void {
  expect(text).not.toContain('\u001b');
  expect(text).not.toContain('\u0007');
}

describe('store paths with control characters', () => {
  it('init and status print them escaped', () => {
    const cwd = evilDir();
    const init = runCli(['init'], { cwd });
    expect(init.status, init.stderr).toBe(0);
    expectNoRawEsc(init.stdout + init.stderr);
    expect(init.stdout).toContain(SPELLED);
    const status = runCli(['status'], { cwd });
    expect(status.status, status.stderr).toBe(0);
    expectNoRawEsc(status.stdout + status.stderr);
    expect(status.stdout).toContain(SPELLED);
  });

  it('init --hooks in a git work tree and status there print them escaped', () => {
    const repo = GitRepo.init({ dir: evilDir() });
    const env = { ...GIT_IDENTITY };
    const init = runCli(['init', '--hooks'], { cwd: repo.dir, env });
    expect(init.status, init.stderr).toBe(0);
    expectNoRawEsc(init.stdout + init.stderr);
    expect(init.stdout).toContain(`git integration installed in ${repo.dir.replace(EVIL, SPELLED)}`);
    const status = runCli(['status'], { cwd: repo.dir, env });
    expect(status.status, status.stderr).toBe(0);
    expectNoRawEsc(status.stdout + status.stderr);
    expect(status.stdout).toContain(SPELLED);
  });

  it('install-hooks and uninstall-hooks print the work tree and the items they changed escaped', () => {
    const repo = GitRepo.init({ dir: evilDir() });
    const env = { ...GIT_IDENTITY };
    expect(runCli(['init'], { cwd: repo.dir, env }).status).toBe(0);
    for (const command of ['install-hooks', 'install-hooks', 'uninstall-hooks']) {
      const run = runCli([command], { cwd: repo.dir, env });
      expect(run.status, run.stderr).toBe(0);
      expectNoRawEsc(run.stdout + run.stderr);
      expect(run.stdout).toContain(SPELLED);
    }
  });

  it('init --branch prints the branch and the store path escaped', () => {
    const repo = GitRepo.init({ dir: evilDir() });
    const env = { ...GIT_IDENTITY };
    // git allows direction overrides (and C1 controls) in branch names.
    const run = runCli(['init', '--branch', 'st\u202eate'], { cwd: repo.dir, env });
    expect(run.status, run.stderr).toBe(0);
    expectNoRawEsc(run.stdout + run.stderr);
    expect(run.stdout).not.toContain('\u202e');
    expect(run.stdout).toContain('TaskStore on branch st\\u202eate');
    expect(run.stdout).toContain(SPELLED);
  });

  it('backup prints its destination escaped', () => {
    const cwd = evilDir();
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const backup = runCli(['backup', join(evilDir(), 'copy')], { cwd });
    expect(backup.status, backup.stderr).toBe(0);
    expectNoRawEsc(backup.stdout + backup.stderr);
    expect(backup.stdout).toMatch(/backed up \d+ files? \(.*\) to .*x\\x1b\[31my\\x07\/copy/);
  });

  it('--json keeps the exact path (JSON escapes it)', () => {
    const cwd = evilDir();
    const init = runCli(['--json', 'init'], { cwd });
    expect(init.status, init.stderr).toBe(0);
    expect(JSON.parse(init.stdout).dir).toBe(join(cwd, '.taskstore'));
  });
});

describe('a crash report', () => {
  it('spells out control characters in the message and stack, keeping its lines', () => {
    const err = new Error(`ENOENT: no such file or directory, open '/tmp/${EVIL}/prds.jsonl'`);
    const text = crashReport(err);
    expectNoRawEsc(text);
    expect(text).toContain(SPELLED);
    expect(text.startsWith('taskstore: error: Error: ENOENT')).toBe(true);
    expect(text.split('\n').length).toBeGreaterThan(2); // the stack's lines stay lines
    expect(crashReport(`thrown ${EVIL}`)).toBe(`taskstore: error: thrown ${SPELLED}\n`);
  });
});

describe('the git-sync summary', () => {
  it('spells out control characters in the remote and branch names', () => {
    const report = { pushed: true, remote: 'origin', branch: 'ma\u202ein\u009b', commits: 1, retries: 0, recordsChanged: { committed: 1, merged: 0, byCollection: {} } } as unknown as GitSyncReport;
    expect(summary(report)).toBe('pushed to origin/ma\\u202ein\\x9b: 1 commit, 1 record line committed, 0 received, 0 retries');
  });
});
