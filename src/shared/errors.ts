/**
 * Errors the front ends raise themselves (the command line, its MCP server, the
 * dashboard's server), as opposed to the library's `TaskStoreError`s: a bad argument,
 * an ambiguous id prefix, a busy port. Each carries a message, an optional hint and the
 * exit code the command line ends with; the MCP server and the dashboard turn them into
 * their own error answers. Dependency-free: the CLI's `main.ts` loads it on every start.
 */

/** Exit codes: 0 ok, 1 failure or not found, 2 usage error. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

interface CliErrorOptions {
  hint?: string;
  /** Extra lines printed between the message and the hint (e.g. the candidates of an ambiguous id). */
  details?: string[];
  exitCode?: number;
  cause?: unknown;
}

/** An error of a front end: a failure (exit 1) unless `exitCode` says otherwise. */
export class CliError extends Error {
  readonly hint: string | undefined;
  readonly details: string[];
  readonly exitCode: number;
  constructor(message: string, options: CliErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.hint = options.hint;
    this.details = options.details ?? [];
    this.exitCode = options.exitCode ?? EXIT_FAILURE;
  }
}

/** A bad command line (or request): exit code 2. */
export class UsageError extends CliError {
  constructor(message: string, options: Omit<CliErrorOptions, 'exitCode'> = {}) {
    super(message, { ...options, exitCode: EXIT_USAGE });
    this.name = 'UsageError';
  }
}
