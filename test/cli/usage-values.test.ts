/**
 * Option and argument values a script gets wrong (an unset variable, a field that cannot
 * be set) are usage errors: exit 2, one sentence and a hint on stderr, nothing written,
 * nothing served. Several were the library's VALIDATION (exit 1) instead, so a script
 * could not tell its own mistake from a failure of the store; `ui --host ""` listened on
 * every address. Runs the built CLI (`npm run build` first).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { runCli, withStore } from './run-cli.js';

function seeded(): { cwd: string; spec: string; logs: () => string } {
  const cwd = tempDir('taskstore-cli-');
  expect(runCli(['init'], { cwd }).status).toBe(0);
  const store = join(cwd, '.taskstore');
  const spec = withStore(store, (s) => s.createTaskSpec({ prd_id: s.createPrd({ title: 'p' }), phase_name: 'a' }));
  const logs = (): string => ['prds', 'task_specs'].map((c) => readFileSync(join(store, `${c}.jsonl`), 'utf8')).join('');
  return { cwd, spec, logs };
}

function expectUsageError(result: { status: number; stdout: string; stderr: string }, message: RegExp): void {
  expect(result.status, result.stderr).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(message);
  expect(result.stderr).toMatch(/\nhint: /);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe('update --set id=…', () => {
  it('is a usage error that writes nothing, whether the value is another id or the same one', () => {
    const { cwd, spec, logs } = seeded();
    const before = logs();
    for (const value of ['other', spec]) {
      const result = runCli(['update', spec, '--set', `id=${value}`, '--set', 'description=x'], { cwd });
      expectUsageError(result, /taskstore: error: --set "id=[^"]+": a record's id cannot be changed/);
    }
    expect(logs()).toBe(before);
  });
});

describe('a blank name', () => {
  it('claim, renew and release --as "" (or blank, or with a newline) are usage errors that claim nothing', () => {
    const { cwd, spec, logs } = seeded();
    const before = logs();
    for (const as of ['', '  ', 'loop\n1']) {
      for (const args of [['claim'], ['claim', spec], ['renew', spec], ['release', spec]]) {
        expectUsageError(runCli([...args, '--as', as], { cwd }), /taskstore: error: option '--as <name>' argument .* is invalid\. must name the claimant/);
      }
    }
    expect(logs()).toBe(before);
    expect(runCli(['claim', '--as', 'loop-1'], { cwd }).status).toBe(0);
  });

  it('git-sync --remote/--branch/--message "" and init --branch "" are usage errors that run nothing', () => {
    const cwd = tempDir('taskstore-cli-');
    for (const option of ['--remote', '--branch', '--message']) {
      expectUsageError(runCli(['git-sync', option, ''], { cwd }), new RegExp(`option '${option} <\\w+>' argument '' is invalid`));
    }
    expectUsageError(runCli(['init', '--branch', ''], { cwd }), /option '--branch <name>' argument '' is invalid\. must name a branch/);
    expect(existsSync(join(cwd, '.taskstore'))).toBe(false);
  });

  it('ui --host "" is a usage error, not a dashboard listening on every address', () => {
    const { cwd } = seeded();
    // Before, the server started (and this run waited for the timeout).
    expectUsageError(runCli(['ui', '--host', '', '--port', '0'], { cwd }), /option '--host <host>' argument '' is invalid\. must name an address/);
  });
});

describe('an empty id', () => {
  it('as an argument or an id option is a usage error ("$ID" unset), not a lookup that fails', () => {
    const { cwd, spec, logs } = seeded();
    const before = logs();
    for (const args of [
      ['show', ''],
      ['describe', ''],
      ['history', ''],
      ['delete', ''],
      ['update', '', '--set', 'description=x'],
      ['complete-execution', ''],
      ['claim', '', '--as', 'loop-1'],
      ['list-task-specs', '--prd-id', ''],
      ['ready', '--prd-id', ''],
      ['list-dependencies', '--exec-id', ''],
      ['create-task-spec', 'b', '--prd-id', ''],
      ['create-task-spec', 'b', '--prd-id', 'x', '--depends-on', ''],
      ['create-execution', '--ts-id', '', '--worktree', 'w', '--branch', 'b'],
    ]) {
      expectUsageError(runCli(args, { cwd }), /must be an id or a unique prefix of one, not empty/);
    }
    expect(logs()).toBe(before);
  });
});

describe('init where no git program is on PATH', () => {
  it('creates the store and exits 0 with a warning (it created the store, then failed with exit 1); --hooks still needs git and creates nothing', () => {
    const cwd = tempDir('taskstore-cli-');
    const noGit = { PATH: join(cwd, 'no-such-dir') };
    // In a repository (here an empty .git), --hooks needs git: it fails before creating anything.
    const repo = tempDir('taskstore-cli-');
    mkdirSync(join(repo, '.git'));
    const hooks = runCli(['init', '--hooks'], { cwd: repo, env: noGit });
    expect(hooks.status).toBe(1);
    expect(hooks.stderr).toContain('the `git` program was not found on PATH');
    expect(existsSync(join(repo, '.taskstore'))).toBe(false);

    const init = runCli(['init'], { cwd: repo, env: noGit });
    expect(init.status, init.stderr).toBe(0);
    expect(init.stdout).toBe(`Initialized empty TaskStore in ${join(repo, '.taskstore')}\n`);
    expect(init.stderr).toMatch(/^taskstore: warning: git was not found on PATH, so the git integration was not checked/);
    // Outside any repository there is no integration to check: no warning.
    const outside = runCli(['init'], { cwd, env: noGit });
    expect(outside.status, outside.stderr).toBe(0);
    expect(outside.stdout).toBe(`Initialized empty TaskStore in ${join(cwd, '.taskstore')}\n`);
    expect(outside.stderr).toBe('');
    const again = runCli(['--json', 'init'], { cwd, env: noGit });
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ dir: join(cwd, '.taskstore'), created: false, workTree: null, driverConfigured: false, hooks: null });
    expect(runCli(['create-prd', 'works without git'], { cwd, env: noGit }).status).toBe(0);
  });

  it('check and status of a store outside any repository need no git (they failed with "cannot run git"); inside one they still do', () => {
    const cwd = tempDir('taskstore-cli-');
    const noGit = { PATH: join(cwd, 'no-such-dir') };
    expect(runCli(['init'], { cwd, env: noGit }).status).toBe(0);
    const check = runCli(['check'], { cwd, env: noGit });
    expect(check.status, check.stderr).toBe(0);
    expect(check.stdout).toBe('ok: no problems found\n');
    const status = runCli(['--json', 'status'], { cwd, env: noGit });
    expect(status.status, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ inGitRepo: false, workTree: null });
    // A repository around the store (here an empty .git): its integration cannot be checked without git.
    mkdirSync(join(cwd, '.git'));
    const inRepo = runCli(['check'], { cwd, env: noGit });
    expect(inRepo.status).toBe(1);
    expect(inRepo.stderr).toContain('the `git` program was not found on PATH');
  });
});

describe('a name no collection can have', () => {
  it('list, compact, rescue and watch --collection refuse it as a usage error (it was INVALID_NAME, exit 1), before opening the store', () => {
    const { cwd, logs } = seeded();
    const before = logs();
    for (const [args, shown] of [
      [['list', 'Notes'], '"Notes"'],
      [['list', ''], '""'],
      [['compact', 'a b'], '"a b"'],
      [['rescue', 'x\u001b[2J'], '"x\\u001b[2J"'],
      [['watch', '--collection', 'notes', '--collection', 'Bad-Name'], '--collection "Bad-Name"'],
    ] as const) {
      expectUsageError(runCli([...args], { cwd }), new RegExp(`^taskstore: error: ${shown.replace(/[[\\\]]/g, '\\$&')} is not a valid collection name\\n`));
    }
    expect(logs()).toBe(before);
    // A valid name that names no collection is still the failure it was: exit 1, naming those there are.
    expect(runCli(['list', 'notes'], { cwd })).toMatchObject({ status: 1, stderr: expect.stringContaining('there is no collection named notes') });
  });
});

describe('a branch or remote name git cannot take', () => {
  it('init --branch and git-sync --branch a..b / x:y / -f, git-sync --remote -x: usage errors (they were VALIDATION, exit 1) that create and commit nothing', () => {
    const cwd = tempDir('taskstore-cli-');
    const git = (...args: string[]): void => void execFileSync('git', args, { cwd, stdio: 'ignore' });
    git('init', '-q');
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', 'init');
    for (const branch of ['a..b', 'x:y', '-f']) {
      expectUsageError(runCli(['init', `--branch=${branch}`], { cwd }), new RegExp(`^taskstore: error: --branch "${branch.replace('.', '\\.')}" is not a valid git branch name\\n`));
    }
    expect(execFileSync('git', ['branch', '--list'], { cwd, encoding: 'utf8' }).trim().split('\n')).toHaveLength(1);
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8' });
    for (const branch of ['a..b', 'x:y', '-f']) {
      expectUsageError(runCli(['git-sync', `--branch=${branch}`], { cwd }), /is not a valid git branch name/);
    }
    expectUsageError(runCli(['git-sync', '--remote=-x'], { cwd }), /^taskstore: error: --remote "-x" is not a remote name\n/);
    expect(execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8' })).toBe(head);
  });
});

describe('a --status filter that is no status', () => {
  it('list-prds, list-task-specs and list-executions refuse it as a usage error listing the statuses (it was exit 1)', () => {
    const { cwd } = seeded();
    for (const [command, value, statuses] of [
      ['list-prds', 'bogus', 'draft, ready, active, in_progress, complete, failed, cancelled'],
      ['list-task-specs', 'Pending', 'pending, blocked, running, complete, failed'],
      ['list-executions', '', 'running, paused, complete, failed, stopped'],
    ] as const) {
      const result = runCli([command, '--status', value], { cwd });
      expectUsageError(result, new RegExp(`^taskstore: error: --status must be one of ${statuses} \\(got "${value}"\\)\\nhint: run \`taskstore ${command} --help\` for usage\\n$`));
    }
    expect(runCli(['list-task-specs', '--status', 'pending'], { cwd }).status).toBe(0);
  });
});

describe('release --status that is no release status', () => {
  it('is a usage error naming --status that leaves the claim in place', () => {
    const { cwd, spec, logs } = seeded();
    expect(runCli(['claim', spec, '--as', 'loop-1'], { cwd }).status).toBe(0);
    const before = logs();
    for (const value of ['bogus', 'running', 'Pending']) {
      const result = runCli(['release', spec, '--as', 'loop-1', '--status', value], { cwd });
      expectUsageError(result, new RegExp(`^taskstore: error: --status must be one of pending, blocked, complete, failed \\(got "${value}"\\)\\nhint: run \`taskstore release --help\` for usage\\n$`));
    }
    expect(logs()).toBe(before);
    expect(runCli(['release', spec, '--as', 'loop-1', '--status', 'failed'], { cwd }).status).toBe(0);
  });
});
