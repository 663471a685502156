/**
 * Exit codes, error messages, --help / --version, --debug and colour, through the built CLI.
 */
import { execFile, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CLI, REPO_ROOT } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';
import { buildProgram } from '../../src/cli/program.js';
import { ANSI, runCli } from './run-cli.js';

const COMMANDS = [
  'init', 'list-prds', 'list-task-specs', 'list-executions', 'list-dependencies', 'list-workflows', 'list', 'show', 'describe',
  'history', 'create-prd', 'create-task-spec', 'create-execution', 'update', 'ready', 'claim', 'renew', 'release', 'complete-execution', 'delete', 'sync', 'refresh', 'compact',
  'rescue', 'check', 'metrics', 'backup', 'export', 'import', 'install-hooks', 'uninstall-hooks', 'git-sync', 'status', 'merge', 'mcp',
  'watch',
  'ui',
];

function expectUsageError(result: { status: number; stdout: string; stderr: string }, message: RegExp): void {
  expect(result.status).toBe(2);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(/^taskstore: error: /);
  expect(lines[0]).toMatch(message);
  expect(lines[1]).toMatch(/^hint: run `taskstore( [a-z-]+)? --help` for usage$/);
}

describe('usage errors exit 2 with one line and a hint', () => {
  it('unknown command, unknown flag, missing argument, bad option value', () => {
    const cwd = tempDir('taskstore-cli-');
    expectUsageError(runCli(['frobnicate'], { cwd }), /unknown command 'frobnicate'/);
    expectUsageError(runCli(['lst-prds'], { cwd }), /unknown command 'lst-prds' \(Did you mean list-prds\?\)/);
    expectUsageError(runCli(['list-prds', '--bogus'], { cwd }), /unknown option '--bogus'/);
    expectUsageError(runCli(['--nope', 'list-prds'], { cwd }), /unknown option '--nope'/);
    expectUsageError(runCli(['create-prd'], { cwd }), /missing required argument 'title'/);
    expectUsageError(runCli(['create-execution', '--ts-id', 'x'], { cwd }), /required option '--worktree <path>' not specified/);
    expectUsageError(runCli(['list-executions', '--limit', 'ten'], { cwd }), /--limit.*'ten' is invalid/);
    expectUsageError(runCli(['export', '--format', 'xml'], { cwd }), /Allowed choices are jsonl, json/);
    expectUsageError(runCli(['show', 'a', 'b'], { cwd }), /too many arguments/);
    const none = runCli([], { cwd });
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/taskstore: error: no command given\nhint: /);
  });
});

describe('an option that takes one value, given twice, is a usage error that changes nothing', () => {
  /** Every file of the store, by name, with its bytes: what "changes nothing" compares. */
  const snapshot = (dir: string): Record<string, string> =>
    Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith('.jsonl') || f === '.version').map((f) => [f, readFileSync(join(dir, f), 'utf8')]));

  it('names the option, exits 2, in reads, writes and global options; the log is unchanged', () => {
    const cwd = tempDir('taskstore-cli-');
    const store = join(cwd, '.taskstore');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const prd = runCli(['create-prd', 'first'], { cwd }).stdout.trim();
    const before = snapshot(store);
    expect(Object.keys(before)).toContain('prds.jsonl');

    expectUsageError(runCli(['create-prd', 'second', '--description', 'a', '--description', 'b'], { cwd }), /option '--description <text>' was given more than once/);
    expectUsageError(runCli(['create-prd', 'second', '--status=draft', '--status', 'ready'], { cwd }), /option '--status <status>' was given more than once/);
    expectUsageError(runCli(['update', prd, '--set', 'title=changed', '--if-updated-at', '1', '--if-updated-at', '2'], { cwd }), /option '--if-updated-at <n>' was given more than once/);
    expectUsageError(runCli(['list', 'prds', '--limit', '5', '--limit', '10'], { cwd }), /option '--limit <n>' was given more than once/);
    expectUsageError(runCli(['export', '--format', 'json', '--format', 'jsonl'], { cwd }), /option '--format <format>' was given more than once/);
    // Even the same value twice: the option takes one.
    expectUsageError(runCli(['list-executions', '--offset', '0', '--offset', '0'], { cwd }), /option '--offset <n>' was given more than once/);
    // Global options, before and after the command name; the hint points at the program's help.
    const twoStores = runCli(['--store', store, 'create-prd', 'third', '--store', join(cwd, 'elsewhere')], { cwd });
    expectUsageError(twoStores, /option '--store <dir>' was given more than once/);
    expect(twoStores.stderr).toMatch(/hint: run `taskstore --help` for usage/);

    expect(snapshot(store)).toEqual(before);
    expect(existsSync(join(cwd, 'elsewhere'))).toBe(false);
  });

  it('a field given twice to --set, or one operator given twice to a --where field, is a usage error too', () => {
    const cwd = tempDir('taskstore-cli-');
    const store = join(cwd, '.taskstore');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const prd = runCli(['create-prd', 'first'], { cwd }).stdout.trim();
    const before = snapshot(store);
    const twice = runCli(['update', prd, '--set', 'title=a', '--set', 'status=ready', '--set', 'title=b'], { cwd });
    expect(twice.status).toBe(2);
    expect(twice.stderr).toMatch(/^taskstore: error: --set "title=a" and --set "title=b" both set title; one would be lost\nhint: give title once\n$/);
    const sameOp = runCli(['list', 'prds', '--where', 'review_passes>1', '--where', 'review_passes>2'], { cwd });
    expect(sameOp.status).toBe(2);
    expect(sameOp.stdout).toBe('');
    expect(sameOp.stderr).toMatch(/^taskstore: error: --where "review_passes>1" and --where "review_passes>2" give review_passes the same operator twice/);
    expect(snapshot(store)).toEqual(before);
  });

  it('options meant to repeat still collect every value; flags without a value may repeat', () => {
    const cwd = tempDir('taskstore-cli-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const a = runCli(['create-prd', 'alpha', '--status', 'ready'], { cwd }).stdout.trim();
    runCli(['create-prd', 'beta', '--status', 'ready'], { cwd });
    const both = runCli(['--json', 'list', 'prds', '--where', 'status=ready', '--where', 'title=alpha', '--json'], { cwd });
    expect(both.status).toBe(0);
    expect((JSON.parse(both.stdout) as { id: string }[]).map((r) => r.id)).toEqual([a]);
    const updated = runCli(['update', a, '--set', 'description=d', '--set', 'status=draft'], { cwd });
    expect(updated.status).toBe(0);
    const shown = JSON.parse(runCli(['show', a, '--json'], { cwd }).stdout) as { description: string; status: string };
    expect(shown).toMatchObject({ description: 'd', status: 'draft' });
  });
});

describe('failures exit 1 with a sentence and a hint, no stack unless --debug', () => {
  it('invalid enum names the field; not found; --debug adds the stack', () => {
    const cwd = tempDir('taskstore-cli-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const badEnum = runCli(['create-prd', 'x', '--status', 'bogus'], { cwd });
    expect(badEnum.status).toBe(1);
    expect(badEnum.stdout).toBe('');
    expect(badEnum.stderr).toMatch(/^taskstore: error: invalid PRD: status must be one of draft, ready, active, in_progress, complete, failed, cancelled \(got "bogus"\)\nhint: .+\n$/);
    // A --status filter is an option of the command, not a record field: a bad one is a usage error (test/cli/usage-values.test.ts).
    const badFilter = runCli(['list-prds', '--status', 'nope'], { cwd });
    expect(badFilter.status).toBe(2);
    expect(badFilter.stderr).toMatch(/--status must be one of/);

    const notFound = runCli(['create-task-spec', '--prd-id', 'missing', 'phase'], { cwd });
    expect(notFound.status).toBe(1);
    expect(notFound.stderr).toMatch(/^taskstore: error: no PRD has the id or id prefix "missing" \(--prd-id\) in prds\nhint: .+\n$/);
    expect(notFound.stderr).not.toMatch(/\bat .*\.js:\d+/);

    const debug = runCli(['--debug', 'show', 'missing'], { cwd });
    expect(debug.status).toBe(1);
    expect(debug.stderr).toMatch(/^taskstore: error: no record has the id/);
    expect(debug.stderr).toMatch(/NotFoundError: .*\n\s+at /);

    const noFile = runCli(['create-prd', 'x', '--content-file', 'nope.md'], { cwd });
    expect(noFile.status).toBe(1);
    expect(noFile.stderr).toMatch(/cannot read --content-file nope\.md: no such file/);
  });
});

describe('stdout that refuses the output', () => {
  // /dev/full fails every write with ENOSPC, as a full disk does under `export > backup.jsonl`.
  it.skipIf(!existsSync('/dev/full'))('a write to stdout that fails (ENOSPC) is exit 1 with a message: it was exit 0 and a truncated file', () => {
    const cwd = tempDir('taskstore-cli-');
    runCli(['init'], { cwd });
    runCli(['create-prd', 'p'], { cwd });
    for (const args of [['export'], ['list-prds'], ['--json', 'list-prds'], ['--version'], ['--help']]) {
      const full = openSync('/dev/full', 'w');
      try {
        const r = spawnSync(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', full, 'pipe'], encoding: 'utf8', timeout: 30_000 });
        expect({ args, status: r.status, stderr: r.stderr }).toEqual({
          args,
          status: 1,
          stderr:
            'taskstore: error: writing the output to stdout failed, so it is incomplete (ENOSPC: no space left on device, write)\n' +
            'hint: make room on (or fix) the destination of stdout and run the command again\n',
        });
      } finally {
        closeSync(full);
      }
    }
  });
});

describe('--help and --version', () => {
  it('prints the package version', () => {
    const result = runCli(['--version'], { cwd: tempDir() });
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(result).toMatchObject({ status: 0, stdout: `${pkg.version}\n` });
  });

  it('every documented command exists with its options, and has --help with an example', () => {
    const program = buildProgram(() => {});
    expect(program.commands.map((c) => c.name()).filter((n) => n !== 'help')).toEqual(COMMANDS);
    const options = (name: string) => program.commands.find((c) => c.name() === name)!.options.map((o) => o.long);
    expect(options('init')).toEqual(['--hooks', '--branch', '--force']);
    expect(options('watch')).toEqual(['--collection', '--since']);
    expect(options('git-sync')).toEqual(['--remote', '--branch', '--message', '--retries']);
    expect(options('list-prds')).toEqual(['--status']);
    expect(options('list-task-specs')).toEqual(['--prd-id', '--status', '--ready']);
    expect(options('list-executions')).toEqual(['--status', '--limit', '--offset']);
    expect(options('list-dependencies')).toEqual(['--exec-id', '--unresolved']);
    expect(options('list')).toEqual(['--where', '--limit', '--offset']);
    expect(options('create-prd')).toEqual(['--description', '--status', '--content-file']);
    expect(options('create-task-spec')).toEqual(['--prd-id', '--description', '--workflow', '--depends-on']);
    expect(options('create-execution')).toEqual(['--ts-id', '--worktree', '--branch']);
    expect(options('update')).toEqual(['--set', '--if-updated-at', '--collection']);
    for (const name of ['show', 'describe', 'history']) expect(options(name)).toEqual(['--collection']);
    expect(options('delete')).toEqual(['--force', '--collection']);
    expect(options('export')).toEqual(['--format', '--strict']);
    for (const cmd of program.commands.filter((c) => c.name() !== 'help')) {
      let text = '';
      cmd.configureOutput({ writeOut: (s) => (text += s) });
      cmd.outputHelp();
      expect(text).toMatch(new RegExp(`^Usage: taskstore ${cmd.name()}`));
      expect(text).toMatch(/\nExamples?:\n {2}\$ (taskstore|git) /);
    }
  });

  it('--help works through the built CLI, for the program and for a command', async () => {
    const run = promisify(execFile);
    const cwd = tempDir();
    const [main, sub] = await Promise.all([run(process.execPath, [CLI, '--help'], { cwd }), run(process.execPath, [CLI, 'update', '--help'], { cwd })]);
    for (const name of COMMANDS) expect(main.stdout).toContain(`  ${name}`);
    expect(main.stdout).toMatch(/Exit codes: 0 ok, 1 failure or not found, 2 usage error/);
    expect(sub.stdout).toMatch(/^Usage: taskstore update \[options\] <id>/);
    expect(sub.stdout).toMatch(/--set <field=value>/);
    expect(sub.stdout).toMatch(/Examples?:\n {2}\$ taskstore update /);
  });
});

describe('colour', () => {
  it('piped output has no ANSI codes', () => {
    const cwd = tempDir('taskstore-cli-');
    runCli(['init'], { cwd });
    runCli(['create-prd', 'p', '--status', 'ready'], { cwd });
    const piped = runCli(['list-prds'], { cwd, env: { FORCE_COLOR: '1' } });
    expect(piped.stdout).toMatch(/ready/);
    expect(piped.stdout).not.toMatch(ANSI);
    expect(runCli(['show', 'nope'], { cwd }).stderr).not.toMatch(ANSI);
  });

  // `script` gives the CLI a real terminal; skipped where util-linux `script` is missing.
  const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!hasScript)('colours a terminal unless NO_COLOR is set', () => {
    const cwd = tempDir('taskstore-cli-');
    runCli(['init'], { cwd });
    runCli(['create-prd', 'p', '--status', 'ready'], { cwd });
    const onTty = (env: Record<string, string>) =>
      spawnSync('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} list-prds`, '/dev/null'], {
        cwd,
        encoding: 'utf8',
        env: { ...process.env, ...env },
      }).stdout;
    const coloured = onTty({ TERM: 'xterm' });
    expect(coloured).toMatch(/ready/);
    expect(coloured).toMatch(ANSI);
    const plain = onTty({ TERM: 'xterm', NO_COLOR: '1' });
    expect(plain).toMatch(/ready/);
    expect(plain).not.toMatch(ANSI);
  });

  it.skipIf(!hasScript)('a terminal with TERM=dumb gets no colour, on stdout or stderr (it got escape codes it shows as text)', () => {
    const cwd = tempDir('taskstore-cli-');
    runCli(['init'], { cwd });
    runCli(['create-prd', 'p', '--status', 'ready'], { cwd });
    const onTty = (env: Record<string, string>) =>
      spawnSync('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} list-prds; ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} show nope`, '/dev/null'], {
        cwd,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '', ...env },
      }).stdout;
    expect(onTty({ TERM: 'xterm-256color' })).toMatch(ANSI);
    const dumb = onTty({ TERM: 'dumb' });
    expect(dumb).toMatch(/ready/);
    expect(dumb).toMatch(/taskstore: error: no record has the id or id prefix "nope"/);
    expect(dumb).not.toMatch(ANSI);
  });
});
