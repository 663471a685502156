/** Options accepted by `Store.open`, and their defaults. */
import { durabilityFor, type Durability } from '../fs/durability.js';
import { argumentTypeError, parseOptionsArgument } from './arguments.js';

/** Anything with these methods: a pino or winston logger, `console`, or your own. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface StoreOptions {
  /** `'fsync'` (default): a write returns once its line is on disk. `'none'` skips fsync: for tests and throwaway data. */
  durability?: 'fsync' | 'none';
  /** Default: silent, except warnings and errors to stderr. */
  logger?: Logger;
  /** Largest accepted record, as serialized JSON (default 10 MiB). */
  maxRecordBytes?: number;
  /** How long a write waits for another process's write lock before failing with `LOCKED` (default 30 s). */
  lockTimeoutMs?: number;
}

export interface ResolvedOptions {
  /** Derived once from the `durability` option; every writer flushes through it. */
  durability: Durability;
  logger: Logger;
  maxRecordBytes: number;
  lockTimeoutMs: number;
}

const noop = (): void => {};

/** Warnings and errors to stderr, one line each, prefixed so they can be told apart from program output. */
const stderrLogger: Logger = {
  debug: noop,
  info: noop,
  warn: (message) => process.stderr.write(`taskstore: warning: ${message}\n`),
  error: (message) => process.stderr.write(`taskstore: error: ${message}\n`),
};

const LOGGER_METHODS = ['debug', 'info', 'warn', 'error'] as const;

/** The longest lock wait: 2^31 - 1 ms, SQLite's busy timeout (and setTimeout's) limit. */
export const MAX_LOCK_TIMEOUT_MS = 2_147_483_647;

export function resolveOptions(options: StoreOptions = {}): ResolvedOptions {
  // A misspelt option (`lockTimeOutMs`, `durabilty`) would otherwise be ignored without a word.
  parseOptionsArgument(options, ['durability', 'logger', 'maxRecordBytes', 'lockTimeoutMs']);
  const { logger } = options;
  // A logger lacking a method failed only when the store first had something to say (a
  // malformed line: then every open threw "logger.warn is not a function").
  if (logger !== undefined && (typeof logger !== 'object' || logger === null || LOGGER_METHODS.some((m) => typeof logger[m] !== 'function'))) {
    throw argumentTypeError('logger', 'an object with debug, info, warn and error methods (console, pino …)', logger);
  }
  const durability = options.durability ?? 'fsync';
  if (durability !== 'fsync' && durability !== 'none') {
    throw argumentTypeError('durability', "'fsync' or 'none'", durability);
  }
  const maxRecordBytes = options.maxRecordBytes ?? 10 * 1024 * 1024;
  if (!Number.isSafeInteger(maxRecordBytes) || maxRecordBytes <= 0) throw argumentTypeError('maxRecordBytes', 'a positive integer', maxRecordBytes);
  const lockTimeoutMs = options.lockTimeoutMs ?? 30_000;
  // SQLite's busy timeout is a 32-bit int: a larger one failed when the cache opened, as an
  // IoError ("cannot open the cache"), after the store directory and its files were made.
  if (!Number.isSafeInteger(lockTimeoutMs) || lockTimeoutMs < 0 || lockTimeoutMs > MAX_LOCK_TIMEOUT_MS) {
    throw argumentTypeError('lockTimeoutMs', `a non-negative integer of at most ${MAX_LOCK_TIMEOUT_MS} (about 24.8 days)`, lockTimeoutMs);
  }
  return { durability: durabilityFor(durability), logger: logger === undefined ? stderrLogger : guarded(logger), maxRecordBytes, lockTimeoutMs };
}

/**
 * `logger`, whose methods never throw: what the store has to say must not change what it
 * does. A logger that threw (a closed stream, a bug) failed every write whose catch-up
 * warned about a malformed line, turned a committed write into an error after its line
 * was durable (the feed's warning after the commit), and, reporting a change listener
 * that threw, escaped the feed's timer as an uncaught exception that ended the process.
 * What it threw goes to stderr instead, with the message it was given.
 */
function guarded(logger: Logger): Logger {
  const tell = (level: string, what: string, err: unknown, message: string): void => {
    try {
      process.stderr.write(`taskstore: the logger's ${level} method ${what} (${describeThrown(err)}); the message was: ${message}\n`);
    } catch {
      // stderr is gone too: nothing left to tell.
    }
  };
  const call = (level: (typeof LOGGER_METHODS)[number]) => (message: string) => {
    try {
      const returned: unknown = logger[level](message);
      // An async method's rejection is told like a throw (not awaited: logging is synchronous).
      if (returned !== undefined) observeRejection(returned, (err) => tell(level, 'rejected', err, message));
    } catch (err) {
      tell(level, 'threw', err, message);
    }
  };
  return { debug: call('debug'), info: call('info'), warn: call('warn'), error: call('error') };
}

/** What a callback threw, as text, whatever it threw (`String()` throws for a null-prototype object, a `message` getter may throw). */
export function describeThrown(err: unknown): string {
  try {
    return err instanceof Error ? err.message : String(err);
  } catch {
    return 'a value that cannot be shown';
  }
}

/**
 * If a user callback returned a promise (an async function's) or other thenable, hands
 * what it rejects with to `onRejected`. Nobody awaits it (the store's calls are
 * synchronous), and a rejection nobody handles ends a Node process by default
 * (`--unhandled-rejections=throw`): an async watch listener or progress callback that
 * failed crashed the program that used the store. `onRejected` must not throw.
 */
export function observeRejection(returned: unknown, onRejected: (err: unknown) => void): void {
  // Most callbacks return undefined: no property read, nothing allocated.
  if (returned === undefined || returned === null || (typeof returned !== 'object' && typeof returned !== 'function')) return;
  try {
    const then = (returned as { then?: unknown }).then;
    if (typeof then === 'function') then.call(returned, undefined, onRejected);
  } catch {
    // A `then` getter or method that throws: not a promise that can reject later.
  }
}

/**
 * `onProgress` as the store calls it: what a promise it returns rejects with goes to
 * `logger.error` (progress callbacks are not awaited, so a rejection cannot stop the
 * operation the way a throw does). `undefined` stays `undefined`: no cost without one.
 */
export function progressCallback<A extends unknown[]>(
  onProgress: ((...args: A) => unknown) | undefined,
  logger: Pick<Logger, 'error'>,
  operation: string,
): ((...args: A) => void) | undefined {
  if (onProgress === undefined) return undefined;
  const rejected = (err: unknown): void => logger.error(`${operation}: a promise its onProgress callback returned rejected (progress callbacks are not awaited): ${describeThrown(err)}`);
  return (...args: A): void => observeRejection(onProgress(...args), rejected);
}
