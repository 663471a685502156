/**
 * Shared fixtures for the git integration tests: tiny real scripts standing in for the
 * CLI and the merge driver (they log how they were called), and helpers to run git and
 * capture stderr even when it succeeds.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandPaths } from '../../src/git/index.js';
import { GIT_ENV } from '../helpers/git-repo.js';
import { tempDir } from '../helpers/temp.js';

// The library runs git with process.env: keep it away from the developer's global and
// system config (a global core.hooksPath would change every answer), like GitRepo does.
process.env.GIT_CONFIG_NOSYSTEM = '1';
process.env.GIT_CONFIG_GLOBAL = '/dev/null';
delete process.env.TASKSTORE_SKIP_HOOKS;

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs a command with the test git environment; never throws. */
export function run(cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): RunResult {
  const result = spawnSync(command, args, { cwd, env: { ...GIT_ENV, ...env }, encoding: 'utf8' });
  if (result.error) throw result.error;
  return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

/** Runs git in `cwd`, returning output and status (stderr is kept on success too: hooks warn there). */
export function gitRun(cwd: string, ...args: string[]): RunResult {
  return run(cwd, 'git', args);
}

/** Runs git and fails the test with git's stderr when it does not exit 0. */
export function gitOk(cwd: string, ...args: string[]): RunResult {
  const result = gitRun(cwd, ...args);
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result;
}

/** One logged call of a fake script: its arguments and (real) working directory. */
export interface Call {
  argv: string[];
  cwd: string;
}

export interface FakeScript {
  path: string;
  /** Every call so far, oldest first. */
  calls(): Call[];
}

/**
 * The fakes are sh scripts run by `/bin/sh` in place of node (`commands.node`): the
 * hooks call `"$node" "$cli" --store DIR refresh` whatever the interpreter is, and sh
 * starts ten times faster than node on a busy two-core machine.
 */
export const FAKE_NODE = '/bin/sh';

/** Appends "<cwd>\t<arg>\t<arg>..." to the log. */
const logCall = (log: string): string =>
  `{ printf '%s' "$(pwd -P)"; for a in "$@"; do printf '\\t%s' "$a"; done; printf '\\n'; } >> ${shellWord(log)}`;

function shellWord(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * A stand-in for `dist/cli/main.js`: logs its arguments and working directory, then
 * succeeds or fails (stderr "boom: the store exploded").
 */
export function fakeCli(behaviour: 'ok' | 'fail', dir = tempDir('taskstore-fake-')): FakeScript {
  mkdirSync(dir, { recursive: true });
  const log = join(dir, `cli-calls-${behaviour}.log`);
  const path = join(dir, `fake-cli-${behaviour}.sh`);
  writeFileSync(
    path,
    [
      logCall(log),
      behaviour === 'fail' ? "printf '\\nboom: the store exploded\\nhint: this is a test\\n' >&2; exit 1" : 'exit 0',
      '',
    ].join('\n'),
  );
  return { path, calls: () => readCalls(log) };
}

/**
 * A stand-in merge driver (`%O %A %B %P`): logs its arguments, writes ours' lines
 * followed by theirs' lines that ours lacks into %A, and exits 0.
 */
export function fakeMergeDriver(dir = tempDir('taskstore-fake-')): FakeScript {
  mkdirSync(dir, { recursive: true });
  const log = join(dir, 'merge-calls.log');
  const path = join(dir, 'fake-merge.sh');
  writeFileSync(
    path,
    [
      logCall(log),
      `awk 'NR == FNR { seen[$0] = 1; print; next } !($0 in seen) { print }' "$2" "$3" > "$2.merged" && mv "$2.merged" "$2"`,
      '',
    ].join('\n'),
  );
  return { path, calls: () => readCalls(log) };
}

function readCalls(log: string): Call[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [cwd = '', ...argv] = line.split('\t');
      return { argv, cwd };
    });
}

/** Command paths pointing at the given fake scripts, run by {@link FAKE_NODE}. */
export function commandsFor(cli: string, mergeDriver: string = fakeMergeDriver().path): CommandPaths {
  return { node: FAKE_NODE, cli, mergeDriver };
}

/** File content and permission bits, or null when absent: for byte-identical before/after checks. */
export function snapshot(paths: string[]): Record<string, { content: string; mode: number } | null> {
  const out: Record<string, { content: string; mode: number } | null> = {};
  for (const path of paths) {
    out[path] = existsSync(path) ? { content: readFileSync(path, 'utf8'), mode: statSync(path).mode & 0o777 } : null;
  }
  return out;
}

/** Every file directly in `dir` (the hooks directory), with content and mode. */
export function snapshotDir(dir: string): Record<string, { content: string; mode: number } | null> {
  if (!existsSync(dir)) return {};
  return snapshot(readdirSync(dir).map((name) => join(dir, name)));
}

/** True when the file has its owner-executable bit. */
export function isExecutable(path: string): boolean {
  return (statSync(path).mode & 0o100) !== 0;
}

/** The lines TaskStore's hooks printed to stderr. */
export function taskstoreLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('taskstore:'));
}
