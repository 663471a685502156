/**
 * Opening the store for a command: discovery, a clear error when there is no store, and
 * a logger that writes warnings to stderr in the CLI's format. Imports the library, so
 * only command modules (loaded on demand) import this file.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { Store, type Logger } from '../index.js';
import type { CliContext } from './context.js';
import { CliError } from './errors.js';
import { isDirectory, resolveStoreDir, type ResolvedStore } from './resolve-store.js';

export interface CliLogger extends Logger {
  /** Called before each line is written (the progress bar clears its line). */
  beforeWrite: (() => void) | undefined;
}

/** Warnings and errors on stderr, each distinct message once; debug and info only with `--debug`. */
export function createCliLogger(ctx: CliContext): CliLogger {
  const seen = new Set<string>();
  const logger: CliLogger = {
    beforeWrite: undefined,
    debug: (m) => ctx.debug && emit('debug', m),
    info: (m) => ctx.debug && emit('info', m),
    warn: (m) => emit('warning', m),
    error: (m) => emit('error', m),
  };
  function emit(level: string, message: string): void {
    const line = `taskstore: ${level}: ${message}`;
    if (seen.has(line)) return;
    seen.add(line);
    logger.beforeWrite?.();
    ctx.stderr.write(`${line}\n`);
  }
  return logger;
}

export function storeLocation(ctx: CliContext): ResolvedStore {
  return resolveStoreDir({ cwd: ctx.cwd, flag: ctx.storeFlag, env: ctx.env });
}

export interface OpenStoreOptions {
  /** Create the store when it does not exist (init, import). Default: fail with a hint to run `taskstore init`. */
  create?: boolean;
  logger?: CliLogger;
}

/** Opens the store this invocation points at. */
export function openStore(ctx: CliContext, options: OpenStoreOptions = {}): Store {
  const location = storeLocation(ctx);
  if (!options.create) assertStoreExists(location);
  return Store.open(location.dir, { logger: options.logger ?? createCliLogger(ctx) });
}

/** Runs `fn` with an open store and closes it afterwards. */
export async function withStore<R>(ctx: CliContext, fn: (store: Store) => R | Promise<R>, options: OpenStoreOptions = {}): Promise<R> {
  const store = openStore(ctx, options);
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

function assertStoreExists(location: ResolvedStore): void {
  if (isDirectory(location.dir)) return; // an existing (even empty) directory: Store.open lays it out
  if (existsSync(location.dir)) {
    throw new CliError(`the store path ${location.dir} is not a directory`, { hint: 'point --store (or TASKSTORE_DIR) at a .taskstore directory' });
  }
  if (location.source === 'default') {
    throw new CliError(`no TaskStore found: there is no .taskstore directory in ${dirname(location.dir)} or any directory above it`, {
      hint: 'run `taskstore init` to create one here, or pass --store DIR (or set TASKSTORE_DIR)',
    });
  }
  if (location.source === 'branch') {
    throw new CliError(`there is no TaskStore at ${location.dir}, where git config taskstore.worktree says the store branch is checked out`, {
      hint: 'run `taskstore init --branch $(git config taskstore.branch)` to set the store branch up again',
    });
  }
  const how = location.source === 'flag' ? '--store' : '$TASKSTORE_DIR';
  throw new CliError(`there is no TaskStore at ${location.dir} (named by ${how})`, {
    hint: `run \`taskstore --store ${location.dir} init\` to create it, or point ${how} to an existing store`,
  });
}
