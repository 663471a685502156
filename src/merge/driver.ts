/**
 * The git merge driver: the thin file wrapper around the byte merge of merge-bytes.ts
 * (which gives exactly the result of `mergeJsonl`, with far less memory on large files).
 *
 * git runs it as `taskstore-merge %O %A %B %P` (`<base> <ours> <theirs> <path>`) and
 * takes whatever it leaves in `<ours>` as the merge result; the exit code says whether
 * the merge was clean. The fourth argument is optional and only used in messages, but
 * it must be accepted: a peer's driver rejected it, exited 0, and git silently kept
 * "ours" (LESSONS.md).
 *
 * Exit codes: 0 clean merge, 1 conflicts remain (markers written), 2 error (bad
 * arguments, unreadable input, write failure); on error `<ours>` is left untouched,
 * which git then reports as a conflicted file, so nothing is lost.
 */
import { readFileSync } from 'node:fs';
import { atomicWriteFile } from '../fs/atomic-replace.js';
import { mergeSides, sharingSide, type BytesMergeResult, type SharingSide } from './merge-bytes.js';
import type { BadLine } from './merge-jsonl.js';
import { isLeftoverMarker, type MergeSide } from './merge-input.js';
import { readSharingSide } from './read-side.js';
import { startsWithUtf8Bom, UTF8_BOM } from '../jsonl/utf8-bom.js';
import { spellControls } from '../jsonl/control-chars.js';

type MergeExitCode = 0 | 1 | 2;

/** Everything the driver touches, replaceable in tests. Defaults use `node:fs` and the process streams. */
interface MergeDriverOptions {
  /**
   * Reads a whole file; must throw an error with `code: 'ENOENT'` for a missing file.
   * By default ours is read whole and theirs and the base only past what they share with
   * ours (read-side.ts).
   */
  readFile?: (path: string) => Uint8Array;
  /** Replaces a file's content atomically with `chunks`, written in order. */
  writeFile?: (path: string, chunks: readonly Uint8Array[]) => void;
  stderr?: (text: string) => void;
  stdout?: (text: string) => void;
  /** Name used in messages (`taskstore-merge`, or `taskstore merge` when run by the CLI). */
  programName?: string;
  /** The environment git ran the driver with (default `process.env`): it tells a merge from a cherry-pick. */
  env?: NodeJS.ProcessEnv;
}

/** At most this many malformed lines are listed one by one on stderr. */
const MAX_LISTED = 20;

const USAGE_ARGS = '<base> <ours> <theirs> [<path>]';

/**
 * Runs the merge driver with the arguments git passes and returns the exit code.
 * Writes the merged file into `<ours>` (atomically) unless it returns 2.
 *
 * @example
 * // the taskstore-merge binary:
 * process.exitCode = runMergeDriver(process.argv.slice(2));
 * // git config merge.taskstore.driver "taskstore-merge %O %A %B %P"
 */
export function runMergeDriver(args: readonly string[], options: MergeDriverOptions = {}): MergeExitCode {
  // Keeps the file's permission bits: git reads <ours> back as the merge result.
  const writeFile = options.writeFile ?? ((path: string, chunks: readonly Uint8Array[]) => atomicWriteFile(path, chunks, { mode: 'keep' }));
  const stderr = options.stderr ?? ((text: string) => void process.stderr.write(text));
  const stdout = options.stdout ?? ((text: string) => void process.stdout.write(text));
  const program = options.programName ?? 'taskstore-merge';
  const usage = `usage: ${program} ${USAGE_ARGS}\n`;

  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
    stdout(
      `${usage}Merges TaskStore JSONL files record by record; the result is written into <ours>.\n` +
        `Exit codes: 0 clean, 1 conflicts remain, 2 error.\n` +
        `git config merge.taskstore.driver "${program} %O %A %B %P"\n`,
    );
    return 0;
  }
  if (args.length !== 3 && args.length !== 4) {
    stderr(`${program}: expected 3 or 4 arguments (${USAGE_ARGS}), got ${args.length}\n${usage}`);
    return 2;
  }
  const [basePath, oursPath, theirsPath] = args as [string, string, string];
  // The work-tree path is a file name a branch chose: spelled out like the records' text.
  const shownPath = spellControls(args[3] !== undefined && args[3] !== '' ? args[3] : oursPath);
  const fail = (message: string): MergeExitCode => {
    stderr(`${program}: ${shownPath}: ${message}\n`);
    return 2;
  };

  let inputs: Inputs;
  try {
    inputs = options.readFile === undefined ? readSharing(basePath, oursPath, theirsPath) : readWhole(options.readFile, basePath, oursPath, theirsPath);
  } catch (err) {
    return fail(`${(err as Error).message}; nothing was written`);
  }

  let result: BytesMergeResult;
  try {
    result = mergeSides(inputs.oursHasBom, inputs.ours, inputs.base, inputs.theirs, { oursRemovals: oursDescendsFromBase(options.env ?? process.env) });
  } catch (err) {
    return fail(`merge failed unexpectedly (${(err as Error).message}); ours left unchanged`);
  }

  reportBadLines(result.badLines, (line) => stderr(`${program}: ${shownPath}: ${line}\n`));

  try {
    writeFile(oursPath, result.output);
  } catch (err) {
    return fail(`cannot write the merged result to ${oursPath} (${(err as Error).message}); ours left unchanged`);
  }

  if (result.conflicts > 0) {
    const ids = result.conflictedRecords.slice(0, MAX_LISTED).map((c) => `  ${spellControls(c.id)}: ${spellControls(c.reason)}\n`);
    const more = result.conflicts > MAX_LISTED ? `  … and ${result.conflicts - MAX_LISTED} more\n` : '';
    stderr(
      `${program}: ${shownPath}: ${result.conflicts} conflicting record${result.conflicts === 1 ? '' : 's'}\n` +
        ids.join('') +
        more +
        `  resolve each block by keeping the line you want between <<<<<<< ours / ======= / >>>>>>> theirs ` +
        `and deleting the marker lines\n`,
    );
    return 1;
  }
  // Marker lines of an earlier merge are carried through like any line, so the result
  // holds them: exiting 0 would let git commit a file the store refuses to load.
  const leftover = result.badLines.filter((bad) => bad.side !== 'base' && isLeftoverMarker(bad)).length;
  if (leftover > 0) {
    stderr(
      `${program}: ${shownPath}: the result still holds ${leftover} conflict marker lines of an earlier merge ` +
        `(listed above); resolve them (keep the line you want, delete the marker lines), then add the file\n`,
    );
    return 1;
  }
  return 0;
}

/**
 * Whether ours descends from the base, so that a base record ours has no line for was
 * removed by ours (see `MergeOptions.oursRemovals`). git runs a driver with
 * `GIT_EXEC_PATH` set, and `git merge` and `git pull` (with either backend) also set
 * `GIT_REFLOG_ACTION` to `merge …` / `pull …`. A cherry-pick, a rebase, a revert or a
 * stash set neither: their base can hold records ours never had, and keeping such a
 * record is safe where deleting it is not. Run by hand (not by git), the rule applies.
 * `git pull --rebase` passes as a pull (its value need not say "rebase": `pull.rebase`
 * config), so its replayed commits get the merge's rule (docs/merge.md says when that
 * differs).
 */
function oursDescendsFromBase(env: NodeJS.ProcessEnv): boolean {
  if (env.GIT_EXEC_PATH === undefined) return true;
  return /^(merge|pull)\b/.test(env.GIT_REFLOG_ACTION ?? '');
}

/** The three inputs as the byte merge takes them: ours without its byte order mark, the others as what follows their part shared with ours. */
interface Inputs {
  oursHasBom: boolean;
  ours: Buffer;
  base: SharingSide;
  theirs: SharingSide;
}

/**
 * Reads ours whole and, of theirs and the base, only what follows the part they share
 * with ours (read-side.ts): a large merge holds one file and two tails, not three files.
 * Lines that are not valid UTF-8 are malformed lines, carried through byte for byte
 * (opaque-lines.ts); a leading byte order mark is read past, and ours' kept.
 */
function readSharing(basePath: string, oursPath: string, theirsPath: string): Inputs {
  const oursFile = readInput(() => readFileSync(oursPath), oursPath, 'ours', false);
  const ours = withoutBom(oursFile);
  return {
    oursHasBom: ours !== oursFile,
    ours,
    base: readInput(() => readSharingSide(basePath, ours), basePath, 'base', true) ?? EMPTY_SIDE,
    theirs: readInput(() => readSharingSide(theirsPath, ours), theirsPath, 'theirs', false),
  };
}

/** Reads the three files whole through `readFile` (tests replace the file access). */
function readWhole(readFile: (path: string) => Uint8Array, basePath: string, oursPath: string, theirsPath: string): Inputs {
  const whole = (path: string, side: MergeSide, missingIsEmpty: boolean) => asBuffer(readInput(() => readFile(path), path, side, missingIsEmpty) ?? new Uint8Array(0));
  const base = whole(basePath, 'base', true);
  const oursFile = whole(oursPath, 'ours', false);
  const theirs = whole(theirsPath, 'theirs', false);
  const ours = withoutBom(oursFile);
  return { oursHasBom: ours !== oursFile, ours, base: sharingSide(base, ours), theirs: sharingSide(theirs, ours) };
}

const EMPTY_SIDE: SharingSide = { sharedEnd: 0, tail: Buffer.alloc(0) };

/** Runs one input's read, labelling its error. A missing base is an empty base (the file is new on both sides): undefined. */
function readInput<T>(read: () => T, path: string, side: MergeSide, missingIsEmpty: false): T;
function readInput<T>(read: () => T, path: string, side: MergeSide, missingIsEmpty: boolean): T | undefined;
function readInput<T>(read: () => T, path: string, side: MergeSide, missingIsEmpty: boolean): T | undefined {
  try {
    return read();
  } catch (err) {
    if (missingIsEmpty && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${side} file ${path} (${(err as Error).message})`, { cause: err });
  }
}

function withoutBom(bytes: Buffer): Buffer {
  return startsWithUtf8Bom(bytes) ? bytes.subarray(UTF8_BOM.length) : bytes;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function reportBadLines(badLines: BadLine[], emit: (line: string) => void): void {
  for (const bad of badLines.slice(0, MAX_LISTED)) {
    const fate = bad.side === 'base' ? 'ignored as a merge base' : 'kept unchanged';
    emit(`${bad.side} line ${bad.line}: ${bad.reason}; ${fate}`);
  }
  if (badLines.length > MAX_LISTED) emit(`… and ${badLines.length - MAX_LISTED} more malformed lines`);
}
