import { spawnSync } from 'node:child_process';
import { CLI } from '../helpers/paths.js';
import { Store } from '../../src/index.js';

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  /** Added to (or, with undefined, removed from) the environment. */
  env?: Record<string, string | undefined>;
  input?: string;
  /** Run as this user and group (tests running as root use it to drop privileges). */
  uid?: number;
  gid?: number;
}

/** Variables that would change the CLI's behaviour if the test runner had them set. */
const CLEARED = ['TASKSTORE_DIR', 'NO_COLOR', 'FORCE_COLOR', 'TASKSTORE_SKIP_HOOKS'];

/** Runs the built CLI (`dist/cli/main.js`) as a child process, stdout and stderr piped. */
export function runCli(args: string[], options: RunOptions): CliResult {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const key of CLEARED) delete env[key];
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env,
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: 30_000,
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the CLI and parses stdout as JSON; fails with stderr when the exit code is not 0. */
export function runJson<T = unknown>(args: string[], options: RunOptions): T {
  const result = runCli(['--json', ...args], options);
  if (result.status !== 0) throw new Error(`taskstore ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** Opens a store in-process (no fsync) to seed or inspect data quickly; closed by the caller. */
export function openStore(dir: string): Store {
  return Store.open(dir, { durability: 'none', logger: { debug() {}, info() {}, warn() {}, error() {} } });
}

/** Runs `fn` with a store in-process and closes it. */
export function withStore<R>(dir: string, fn: (store: Store) => R): R {
  const store = openStore(dir);
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

// eslint-disable-next-line no-control-regex
export const ANSI = /\u001b\[/;
