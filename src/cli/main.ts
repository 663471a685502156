#!/usr/bin/env node
/**
 * The `taskstore` command line (every command: docs/cli.md).
 *
 * This file owns the process: it parses the arguments with the program defined in
 * `program.ts` (which loads the one command module that runs with a dynamic `import()`,
 * so the store, SQLite, tables and markdown load only when needed), turns every error
 * into a message and an exit code in one handler, and is the only place that calls
 * `process.exit`. Git hooks run this on every checkout and merge: keep the eager imports
 * to commander and the tiny modules below.
 *
 * Exit codes: 0 ok, 1 failure or not found, 2 usage error (3: `export --strict` left malformed lines out).
 */
import pc from 'picocolors';
import { colorEnabled } from './context.js';
import { crashReport, EXIT_USAGE, formatError, isCommanderError } from './errors.js';
import { buildProgram, programArguments } from './program.js';
import { stopRequested } from './stop-signal.js';
import { visible } from './terminal-safe.js';

/** Runs the CLI on `argv` (without node and the script) and returns the exit code. */
async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  let exitCode = 0;
  try {
    const program = buildProgram((code) => (exitCode = code));
    await program.parseAsync(programArguments(program, argv), { from: 'user' });
    return exitCode;
  } catch (err) {
    if (isCommanderError(err)) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
      if (err.code === 'commander.help') {
        // No command given: commander printed the help on stderr.
        printError(['taskstore: error: no command given', 'hint: run `taskstore --help` for the list of commands']);
        return EXIT_USAGE;
      }
    }
    const formatted = formatError(err, debug);
    printError(formatted.lines);
    return formatted.exitCode;
  }
}

function printError(lines: string[]): void {
  const c = pc.createColors(colorEnabled(process.stderr, process.env));
  // Each line is one line: a newline inside one comes from a value the message quotes (a
  // store path, an id), and printed raw it split the error over lines that look like
  // separate messages (`--store $'a\nhint: …'` could forge a hint).
  const styled = lines.map((l) => visible(l, true)).map((line) =>
    line.startsWith('taskstore: error:') ? `${c.red(c.bold('taskstore: error:'))}${line.slice('taskstore: error:'.length)}` : line.startsWith('hint:') ? `${c.dim('hint:')}${line.slice(5)}` : line,
  );
  process.stderr.write(`${styled.join('\n')}\n`);
}

/**
 * The one place that ends the process: after stdout and stderr have drained (unless
 * `now`, or a signal stopped the command: a reader that never reads would keep it forever).
 */
function exit(code: number, now = false): void {
  if (now || stopRequested()) process.exit(code);
  let pending = 2;
  const done = (): void => {
    // After a turn of the event loop: the 'error' event of a write that failed (ENOSPC)
    // may still be queued behind this callback, and must end the process (exit 1) first.
    // Nothing else tells of it: Node's stdout cannot be destroyed and forgets the error.
    if (--pending === 0) setImmediate(() => process.exit(code));
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

/**
 * stdout refused a write (ENOSPC under `taskstore export > backup.jsonl` on a full disk,
 * EIO): what it holds is incomplete, so the command failed, whatever it returned. It
 * exited 0 without a word (or, by the error's timing, crashed as a bug).
 */
function outputFailed(err: NodeJS.ErrnoException): void {
  printError([`taskstore: error: writing the output to stdout failed, so it is incomplete (${err.message})`, 'hint: make room on (or fix) the destination of stdout and run the command again']);
  process.exit(1);
}

// A reader that goes away (`taskstore export | head`) is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') exit(0, true);
  else outputFailed(err);
});

main(process.argv.slice(2)).then(exit, (err: unknown) => {
  process.stderr.write(crashReport(err));
  exit(1);
});
