/**
 * Opening the store for a command: discovery, a clear error when there is no store, and
 * a logger that writes warnings to stderr in the CLI's format. Imports the library, so
 * only command modules (loaded on demand) import this file.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ConflictMarkersError, remoteStoreBranches, Store, type Logger } from '../index.js';
import type { CliContext } from './context.js';
import { CliError, UsageError } from './errors.js';
import { shellQuote } from '../git/shell-quote.js';
import { isDirectory, resolveStoreDir, type ResolvedStore } from './resolve-store.js';
import { visible } from './terminal-safe.js';
import { worktreeCopyWarning } from './worktree-store.js';
import { describeUnwritable, snapshotStore, unwritableReason, type StoreSnapshot } from './read-only-store.js';

interface CliLogger extends Logger {
  /** Called before each line is written (the progress bar clears its line). */
  beforeWrite: (() => void) | undefined;
  /**
   * Prints the held conflict-marker warnings, except the one for the file `failedOn`
   * names: the command's error already says the same about it.
   */
  flushConflictWarnings(failedOn?: string): void;
  /** Messages mention `to` where the library said `from` (a read-only store's temporary copy). */
  showPathsAs(from: string, to: string): void;
}

/** The library's warning about a conflicted log: `<collection>.jsonl line N has a git conflict marker; …`. */
const CONFLICT_WARNING = /^([a-z][a-z0-9_]*\.jsonl) line \d+ has a git conflict marker/;

/**
 * Warnings and errors on stderr, each distinct message once; debug and info only with
 * `--debug`. Conflict-marker warnings are held until the command ends, so a command that
 * fails on that very file prints its error alone rather than the same news twice.
 */
export function createCliLogger(ctx: CliContext): CliLogger {
  const seen = new Set<string>();
  const held: { file: string; message: string }[] = [];
  let paths: [string, string] | undefined;
  const logger: CliLogger = {
    beforeWrite: undefined,
    debug: (m) => ctx.debug && emit('debug', m),
    info: (m) => ctx.debug && emit('info', m),
    warn: (m) => {
      const conflict = CONFLICT_WARNING.exec(m);
      if (conflict === null) emit('warning', m);
      else held.push({ file: conflict[1]!, message: m });
    },
    error: (m) => emit('error', m),
    flushConflictWarnings: (failedOn) => {
      for (const { file, message } of held.splice(0)) if (failedOn === undefined || basename(failedOn) !== file) emit('warning', message);
    },
    showPathsAs: (from, to) => {
      paths = [from, to];
    },
  };
  function emit(level: string, message: string): void {
    const line = `taskstore: ${level}: ${visible(paths === undefined ? message : message.split(paths[0]).join(paths[1]))}`;
    if (seen.has(line)) return;
    seen.add(line);
    logger.beforeWrite?.();
    ctx.stderr.write(`${line}\n`);
  }
  return logger;
}

/** Each invocation's store, resolved once: discovery runs `git config` inside a repository, and a command may ask twice (a claim's worktree warning, then its store). */
const locations = new WeakMap<CliContext, ResolvedStore>();

export function storeLocation(ctx: CliContext): ResolvedStore {
  let location = locations.get(ctx);
  if (location === undefined) {
    location = resolveStoreDir({ cwd: ctx.cwd, flag: ctx.storeFlag, env: ctx.env });
    locations.set(ctx, location);
  }
  return location;
}

/** Replaces the store this invocation uses (`init` declining a store found above its repository). */
export function setStoreLocation(ctx: CliContext, location: ResolvedStore): void {
  locations.set(ctx, location);
}

/** For the commands that claim: warns when the store is a linked worktree's own copy (see `worktree-store.ts`). */
export function warnIfWorktreeCopy(ctx: CliContext, logger: Logger = createCliLogger(ctx)): void {
  const warning = worktreeCopyWarning(storeLocation(ctx));
  if (warning !== undefined) logger.warn(warning);
}

interface OpenStoreOptions {
  /** Create the store when it does not exist (init, import). Default: fail with a hint to run `taskstore init`. */
  create?: boolean;
  logger?: CliLogger;
  /**
   * The command only reads. When the store directory cannot be written (read-only mount,
   * no permission), it answers from a temporary copy of the logs instead of failing.
   */
  readOnly?: boolean;
}

interface OpenLiveOptions extends Omit<OpenStoreOptions, 'readOnly'> {
  /** The command's name, for the hint when the store cannot be written (`watch`, `ui`, `mcp`). */
  command?: string;
}

/**
 * Opens the store this invocation points at and leaves it open: for `init` (which creates
 * it) and the commands that keep running and follow the store's changes (`watch`, `ui`,
 * `mcp`). These need a writable store: the cache that follows the logs lives in the
 * store directory, and the temporary copy read commands use would never see a new
 * change. So an unwritable store fails at start, with the message write commands give.
 */
export function openStore(ctx: CliContext, options: OpenLiveOptions = {}): Store {
  const location = storeLocation(ctx);
  if (!options.create) {
    assertStoreExists(location);
    const reason = unwritableReason(location.dir);
    if (reason !== undefined) throw unwritableError(location.dir, reason, options.command);
  }
  return openAt(ctx, location.dir, options.logger ?? createCliLogger(ctx));
}

/**
 * `cannot write to the store DIR: <cause> (<code>)`. `following`: the long-running
 * command that was refused, so the hint says why reading from a copy is no answer there.
 */
function unwritableError(dir: string, reason: string, following?: string): CliError {
  const toWrite = reason === 'EROFS' ? 'write from a writable checkout' : 'run as a user who may write the directory, or fix its permissions';
  const hint =
    following !== undefined
      ? `taskstore ${following} follows the store's changes through its cache, kept in the store directory; ` +
        `the temporary copy read commands use on such a store would never see a new change. Read commands (list, show, export …) work on it; ` +
        `to use ${following}, ${toWrite}`
      : reason === 'EROFS'
        ? `reads (list, show, check …) work on a read-only store; ${toWrite}`
        : `reads work without write permission; to write, ${toWrite}`;
  return new CliError(`cannot write to the store ${dir}: ${describeUnwritable(reason)} (${reason})`, { hint });
}

function openAt(ctx: CliContext, dir: string, logger: CliLogger): Store {
  const maxRecordBytes = maxRecordBytesFor(ctx);
  return Store.open(dir, { logger, ...(maxRecordBytes === undefined ? {} : { maxRecordBytes }) });
}

/** A store that cannot be written: writes fail naming the real cause; reads answer from a temporary copy. */
function openUnwritable(ctx: CliContext, dir: string, reason: string, options: OpenStoreOptions, logger: CliLogger): { store: Store; snapshot?: StoreSnapshot } {
  if (!options.readOnly) throw unwritableError(dir, reason);
  const snapshot = snapshotStore(dir);
  logger.showPathsAs(snapshot.dir, dir);
  if (ctx.debug) logger.info(`${dir} cannot be written (${reason}): answering from a temporary copy of its logs`);
  try {
    return { store: openAt(ctx, snapshot.dir, logger), snapshot };
  } catch (err) {
    snapshot.remove();
    throw err;
  }
}

/** `--max-record-bytes`, else `$TASKSTORE_MAX_RECORD_BYTES`, else undefined (the library's default). */
export function maxRecordBytesFor(ctx: CliContext): number | undefined {
  if (ctx.maxRecordBytes !== undefined) return ctx.maxRecordBytes;
  const text = ctx.env.TASKSTORE_MAX_RECORD_BYTES;
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value === 0) {
    throw new UsageError(`TASKSTORE_MAX_RECORD_BYTES must be a positive integer (got ${JSON.stringify(text)})`, {
      hint: 'set it to a number of bytes, e.g. TASKSTORE_MAX_RECORD_BYTES=20971520, or unset it',
    });
  }
  return value;
}

/** Runs `fn` with an open store and closes it afterwards. */
export async function withStore<R>(ctx: CliContext, fn: (store: Store) => R | Promise<R>, options: OpenStoreOptions = {}): Promise<R> {
  const logger = options.logger ?? createCliLogger(ctx);
  let failedOn: string | undefined;
  const location = storeLocation(ctx);
  const unwritable = options.create ? undefined : (assertStoreExists(location), unwritableReason(location.dir));
  let snapshot: StoreSnapshot | undefined;
  try {
    let store: Store;
    if (unwritable === undefined) store = openAt(ctx, location.dir, logger);
    else ({ store, snapshot } = openUnwritable(ctx, location.dir, unwritable, options, logger));
    try {
      return await fn(store);
    } finally {
      store.close();
    }
  } catch (err) {
    if (snapshot !== undefined && err instanceof Error) err.message = err.message.split(snapshot.dir).join(location.dir);
    if (err instanceof ConflictMarkersError) failedOn = err.file;
    throw err;
  } finally {
    snapshot?.remove();
    logger.flushConflictWarnings(failedOn);
  }
}

/**
 * Only `init` and `import` create a store. Any other command needs a directory that is
 * already one (it has `.version`): pointing `--store` at a project root must not turn it
 * into a store (a database, journal and `.version` that `git add -A` would then commit).
 */
function assertStoreExists(location: ResolvedStore): void {
  if (isDirectory(location.dir)) {
    if (existsSync(join(location.dir, '.version'))) return;
    const how = location.source === 'flag' ? ' (named by --store)' : location.source === 'env' ? ' (named by $TASKSTORE_DIR)' : '';
    throw new CliError(`${location.dir}${how} is not a TaskStore (no .version)`, {
      hint: `run \`taskstore --store ${shellQuote(location.dir)} init\` to make it one, or point --store (or TASKSTORE_DIR) at an existing store`,
    });
  }
  if (existsSync(location.dir)) {
    throw new CliError(`the store path ${location.dir} is not a directory`, { hint: 'point --store (or TASKSTORE_DIR) at a .taskstore directory' });
  }
  if (location.source === 'default') {
    const joinable = remoteStoreBranches(dirname(location.dir))[0];
    throw new CliError(`no TaskStore found: there is no .taskstore directory in ${dirname(location.dir)} or any directory above it`, {
      hint:
        joinable === undefined
          ? 'run `taskstore init` to create one here, or pass --store DIR (or set TASKSTORE_DIR)'
          : `the remote branch ${joinable.remote}/${joinable.branch} holds this repository's store: run \`taskstore init --branch ${joinable.branch}\` to join it (a plain \`taskstore init\` would start a separate store no other clone sees)`,
    });
  }
  if (location.source === 'branch') {
    throw new CliError(`there is no TaskStore at ${location.dir}, where git config taskstore.worktree says the store branch is checked out`, {
      hint: 'run `taskstore init --branch $(git config taskstore.branch)` to set the store branch up again',
    });
  }
  const how = location.source === 'flag' ? '--store' : '$TASKSTORE_DIR';
  throw new CliError(`there is no TaskStore at ${location.dir} (named by ${how})`, {
    hint: `run \`taskstore --store ${shellQuote(location.dir)} init\` to create it, or point ${how} to an existing store`,
  });
}

/**
 * The directory of the existing store this invocation points at, without opening it:
 * for `status`, which asks git about the directory and needs no cache (so it also works
 * on a store it cannot write).
 */
export function existingStoreDir(ctx: CliContext): string {
  const location = storeLocation(ctx);
  assertStoreExists(location);
  return location.dir;
}

/** {@link withStore} for a command that only reads: it also works on a store it cannot write. */
export function withStoreForReading<R>(ctx: CliContext, fn: (store: Store) => R | Promise<R>, options: Omit<OpenStoreOptions, 'readOnly' | 'create'> = {}): Promise<R> {
  return withStore(ctx, fn, { ...options, readOnly: true });
}
