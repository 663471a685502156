/**
 * What every command receives: where it runs, the global flags, and the two output
 * streams. Commands never read `process` directly, so tests and other callers can run
 * them with their own streams and environment.
 */

/** A writable text stream (process.stdout / process.stderr or a test double). */
export interface TextStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface CliContext {
  /** Directory the command runs in; relative paths (store, files) are resolved against it. */
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** `--store DIR`, when given. */
  storeFlag: string | undefined;
  /** `--json`: print one JSON document. */
  json: boolean;
  /** `--debug`: stack traces and debug logging. */
  debug: boolean;
  /** `--max-record-bytes N`, when given (else `$TASKSTORE_MAX_RECORD_BYTES`, else the library's default). */
  maxRecordBytes?: number | undefined;
  stdout: TextStream;
  stderr: TextStream;
  /**
   * For a command that runs until interrupted (`watch`): an AbortSignal aborted by the
   * first SIGINT or SIGTERM. The CLI's entry gives it (it must know of the stop when it
   * ends the process: see stop-signal.ts); absent for other callers.
   */
  stopSignal?: () => AbortSignal;
}

/**
 * True when colour may be written to `stream`: a terminal, `NO_COLOR` unset or empty, and
 * `TERM` not `dumb` (Emacs' shell, some CI logs and editors' terminals: they showed the
 * escape codes as text, `^[[1mID^[[22m`; picocolors, git and ls stay plain there too).
 */
export function colorEnabled(stream: TextStream, env: CliContext['env']): boolean {
  const noColor = env.NO_COLOR;
  return stream.isTTY === true && (noColor === undefined || noColor === '') && env.TERM !== 'dumb';
}
