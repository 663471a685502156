import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { IoError } from '../errors.js';

/** What one `git` invocation produced. */
interface GitRun {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Variables that make git ignore the directory it runs in. Git exports some of them to
 * hooks (often as paths relative to the work tree root), and a `taskstore check` started
 * from a hook would then look at whatever they name. We always locate the repository
 * from the store's own directory instead, so they are dropped.
 */
const REPO_LOCATING_VARIABLES = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_COMMON_DIR',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_NAMESPACE',
  'GIT_PREFIX',
];

export function gitEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  // LC_ALL=C: we recognise a few of git's messages ("not a git repository"), which are translated otherwise.
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C', LANGUAGE: 'C' };
  for (const name of REPO_LOCATING_VARIABLES) delete env[name];
  return { ...env, ...extra };
}

/** Extras for one git run: variables added to the environment (e.g. `GIT_INDEX_FILE`) and bytes for stdin. */
interface GitRunOptions {
  env?: Readonly<Record<string, string>>;
  input?: string | Buffer;
}

/**
 * Runs the real `git` binary in `cwd` and returns its status and output; never throws
 * for a non-zero exit. Throws {@link IoError} only when git cannot be started at all.
 */
export function runGit(args: readonly string[], cwd: string, options: GitRunOptions = {}): GitRun {
  const result = spawnGit(args, cwd, options, 'utf8');
  return { status: result.status ?? 1, stdout: result.stdout as string, stderr: result.stderr as string };
}

function spawnGit(args: readonly string[], cwd: string, options: GitRunOptions, encoding: 'utf8' | 'buffer'): SpawnSyncReturns<string | Buffer> {
  const result = spawnSync('git', args, {
    cwd,
    env: gitEnv(options.env),
    encoding,
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    ...(options.input === undefined ? {} : { input: options.input }),
    // A blob of a big log can be more than one string holds: read those as bytes (gitBytes).
    maxBuffer: encoding === 'buffer' ? 4 * 1024 ** 3 : 1024 ** 3,
  });
  if (result.error !== undefined) {
    const code = (result.error as NodeJS.ErrnoException).code;
    // spawn says ENOENT for a working directory that does not exist too: that is no
    // missing git (commitStoreBranchSetup('/typo') said to install git).
    if (code === 'ENOENT' && !existsSync(cwd)) {
      throw new IoError(`cannot run git in ${cwd}: the directory does not exist`, {
        cause: result.error,
        data: { cwd, args: [...args] },
        hint: 'name an existing directory',
      });
    }
    throw new IoError(
      code === 'ENOENT' ? 'cannot run git: the `git` program was not found on PATH' : `cannot run git: ${result.error.message}`,
      { cause: result.error, data: { cwd, args: [...args] }, hint: 'install git and make sure it is on PATH' },
    );
  }
  return result;
}

/** The error {@link runGit} throws when no `git` program is on PATH (spawn's ENOENT). */
export function isGitNotFound(err: unknown): boolean {
  return err instanceof IoError && (err.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/** Runs git and returns stdout; a non-zero exit becomes an {@link IoError} carrying git's own message. */
export function git(args: readonly string[], cwd: string, options: GitRunOptions = {}): string {
  const run = runGit(args, cwd, options);
  if (run.status !== 0) throw gitFailed(args, cwd, run.status, run.stderr);
  return run.stdout;
}

/** {@link git} returning stdout as bytes: for a blob (a log over ~512 MiB is more than one string holds). */
export function gitBytes(args: readonly string[], cwd: string, options: GitRunOptions = {}): Buffer {
  const result = spawnGit(args, cwd, options, 'buffer');
  const status = result.status ?? 1;
  if (status !== 0) throw gitFailed(args, cwd, status, result.stderr.toString());
  return result.stdout as Buffer;
}

function gitFailed(args: readonly string[], cwd: string, status: number, stderr: string): IoError {
  return new IoError(`git ${args.join(' ')} failed in ${cwd}: ${stderr.trim() || `exit status ${status}`}`, {
    data: { cwd, args: [...args], status, stderr },
    hint: gitFailureHint(stderr, cwd),
  });
}

/**
 * Without a hint of its own, a failed git command got the command line's hint for IO
 * errors, "check that the store directory exists and is writable", which sent the user
 * after the wrong thing (the config lock another git held, a branch that exists).
 */
function gitFailureHint(stderr: string, cwd: string): string {
  const lock = /could not lock config file (.+?): File exists/.exec(stderr)?.[1]?.concat('.lock') ?? /Unable to create '(.+?\.lock)': File exists/.exec(stderr)?.[1];
  if (lock !== undefined) {
    return `another git command holds ${resolve(cwd, lock)}: retry when it is done; if no git command is running, a git that was killed left it behind: remove it, then retry`;
  }
  return "git's own message above says what went wrong: fix that, then retry";
}

/** Strips exactly one trailing newline, the way git terminates single-value output. */
export function chompLine(text: string): string {
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

/**
 * Like {@link runGit}, without blocking the event loop: for the commands that wait on the
 * network (`fetch`, `push`). Never rejects for a non-zero exit.
 */
export function runGitAsync(args: readonly string[], cwd: string, options: GitRunOptions = {}): Promise<GitRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('git', args, { cwd, env: gitEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (err) =>
      reject(new IoError(`cannot run git: ${err.message}`, { cause: err, data: { cwd, args: [...args] }, hint: 'install git and make sure it is on PATH' })),
    );
    child.on('close', (status) => resolvePromise({ status: status ?? 1, stdout, stderr }));
  });
}
