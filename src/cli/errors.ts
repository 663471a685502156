/**
 * Errors raised by the CLI itself (not by the library), and the one function that turns
 * any thrown value into the lines printed on stderr. Tiny: `main.ts` imports it eagerly.
 * The error classes themselves are shared with the dashboard server (`src/shared/`) and
 * re-exported here for the CLI's modules.
 */
// The errors module itself, not the public entry `../index.js` (which re-exports it
// unchanged): main.ts loads this file on every start, and the entry would pull in the
// whole library, SQLite included.
import { TaskStoreError } from '../errors.js';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from '../shared/errors.js';
import { visible } from './terminal-safe.js';

export { CliError, EXIT_USAGE, UsageError } from '../shared/errors.js';

/**
 * Adds context to a library error without changing what it is: the message gets
 * `prefix: ` in front, `data` and `hint` are extended, and the class, `code`, `field`,
 * stack and cause stay, so `instanceof NotFoundError` and `err.code` still hold where the
 * CLI (or the MCP server) reports it. Returns the same error object.
 * @example throw withContext(err, `backup.jsonl line 3 (notes)`, { data: { file }, hint: 'nothing was imported' });
 */
export function withContext<E extends TaskStoreError>(err: E, prefix: string, more: { data?: Record<string, unknown>; hint?: string } = {}): E {
  const target = err as { message: string; data: Record<string, unknown>; hint: string | undefined };
  target.message = `${prefix}: ${err.message}`;
  if (more.data !== undefined) target.data = { ...err.data, ...more.data };
  if (more.hint !== undefined) target.hint = err.hint === undefined ? more.hint : `${err.hint}; ${more.hint}`;
  return err;
}

/** The shape of commander's errors (checked structurally so this file need not import commander). */
interface CommanderLikeError {
  code: string;
  exitCode: number;
  message: string;
}

export function isCommanderError(err: unknown): err is CommanderLikeError & { commandName?: string; takesArguments?: boolean } {
  return (
    err instanceof Error &&
    typeof (err as { code?: unknown }).code === 'string' &&
    (err as unknown as { code: string }).code.startsWith('commander.') &&
    typeof (err as { exitCode?: unknown }).exitCode === 'number'
  );
}

const DEFAULT_HINTS: Record<string, string> = {
  NOT_FOUND: 'check the id (`taskstore list <collection>` shows what exists); ids may be shortened to any unique prefix',
  ALREADY_EXISTS: 'use another id or name, or update the existing record',
  VALIDATION: 'fix the value and retry',
  CONFLICT_MARKERS: 'resolve the merge conflict in the file, then run `taskstore sync`',
  CORRUPT: 'run `taskstore check` for details',
  TOO_LARGE: 'store large content elsewhere',
  IO: 'check that the store directory exists and is writable',
  INVALID_NAME: 'collection names are 1-64 characters of a-z, 0-9 and _, starting with a letter',
  UNSUPPORTED_VERSION: 'upgrade taskstore',
  LOCKED: 'another process is writing to the store; retry in a moment',
  STALE: 'the record changed since you read it: run `taskstore show <id>` for its current updated_at, then retry',
  CLAIMED: 'another claimant holds this task spec; wait for its lease to expire or pick another (`taskstore claim --as NAME`)',
  REFERENCED: 'delete the records that reference it first, or pass --force to delete it anyway',
};

const TOO_LARGE_HINT = 'store large content elsewhere, or raise the limit with --max-record-bytes N (or TASKSTORE_MAX_RECORD_BYTES=N)';

interface FormattedError {
  exitCode: number;
  /** Lines for stderr, without colour: each one line (a newline inside one is the message's own text). */
  lines: string[];
}

/**
 * What to print for `err` and which exit code to use: TaskStoreError and CliError carry
 * their own message and hint; commander's usage errors become exit 2 with a pointer to
 * `--help`; anything else is a bug, reported in one line (the stack with `--debug`).
 */
export function formatError(err: unknown, debug: boolean): FormattedError {
  const stack = (e: unknown): string[] => (debug && e instanceof Error && e.stack !== undefined ? ['', ...e.stack.split('\n')] : []);
  if (isCommanderError(err)) {
    const text = err.message.replace(/^error: /, '').split('\n').map((l) => l.trim()).filter((l) => l !== '').join(' ');
    const help = err.commandName === undefined ? 'taskstore --help' : `taskstore ${err.commandName} --help`;
    // An id another tool wrote may start with - (`show -x`): commander takes it for an option.
    const dash =
      err.code === 'commander.unknownOption' && err.takesArguments === true && !text.includes('Did you mean')
        ? `; an argument that starts with - (an id) goes after --, at the end: \`taskstore ${err.commandName} [options] -- <argument>\``
        : '';
    return { exitCode: EXIT_USAGE, lines: [`taskstore: error: ${text}`, `hint: run \`${help}\` for usage${dash}`] };
  }
  if (err instanceof CliError) {
    return {
      exitCode: err.exitCode,
      lines: [`taskstore: error: ${err.message}`, ...err.details.map((d) => `  ${d}`), ...(err.hint ? [`hint: ${err.hint}`] : []), ...stack(err)],
    };
  }
  if (err instanceof TaskStoreError) {
    // The library's hint names its maxRecordBytes option; on the command line it is a flag.
    const hint = err.code === 'TOO_LARGE' ? TOO_LARGE_HINT : (err.hint ?? DEFAULT_HINTS[err.code]);
    return { exitCode: EXIT_FAILURE, lines: [`taskstore: error: ${err.message}`, ...(hint ? [`hint: ${hint}`] : []), ...stack(err)] };
  }
  const message = err instanceof Error ? err.message : String(err);
  return {
    exitCode: EXIT_FAILURE,
    lines: [
      `taskstore: error: ${message}`,
      debug ? 'hint: this looks like a bug in taskstore; please report it with the stack trace below' : 'hint: this looks like a bug in taskstore; rerun with --debug for the stack trace',
      ...stack(err),
    ],
  };
}

/**
 * What main.ts prints when reporting an error failed in turn (a bug): the stack as it
 * is, with control characters spelled out like every other message — a path in it may
 * name a directory with ESC in its name.
 */
export function crashReport(err: unknown): string {
  return `taskstore: error: ${visible(err instanceof Error ? (err.stack ?? err.message) : String(err))}\n`;
}
