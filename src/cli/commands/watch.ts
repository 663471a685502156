import type { CliContext, TextStream } from '../context.js';
import { formatChangeLine } from '../change-line.js';
import { openStore } from '../open-store.js';
import { createOutput } from '../output.js';
import { stringifyExact, withExactIntegers } from '../../shared/exact-json.js';
import { exactVersion } from '../../shared/exact-records.js';
import { changeLineText, type Change, type Store } from '../../index.js';
import { collectionArgument } from '../collection-arg.js';

export interface WatchInput {
  /** Only these collections (repeatable `--collection`); all when empty. */
  collections: string[];
  /** `--since MS`: replay current versions updated at or after this, then go live. */
  since?: number;
  /** Stops watching when aborted. Default: `ctx.stopSignal()` (SIGINT or SIGTERM). */
  signal?: AbortSignal;
}

/**
 * Prints one line per change until interrupted (NDJSON with --json). SIGINT and SIGTERM
 * end it cleanly, exit code 0: the store is closed, no line is begun after the signal
 * (one a stalled reader has not taken yet is dropped: see stop-signal.ts).
 */
export async function run(ctx: CliContext, input: WatchInput): Promise<number> {
  for (const name of input.collections) collectionArgument(name, '--collection');
  const stop = input.signal === undefined ? ctx.stopSignal : () => input.signal!;
  if (stop === undefined) throw new TypeError('watch runs until stopped: give input.signal or ctx.stopSignal');
  const out = createOutput(ctx);
  const store = openStore(ctx, { command: 'watch' });
  const signal = stop();
  try {
    const changes = store.changes({
      ...(input.collections.length > 0 ? { collections: input.collections } : {}),
      ...(input.since === undefined ? {} : { since: input.since }),
      signal,
    });
    if (!out.jsonMode && ctx.stderr.isTTY === true) out.note(`watching ${store.dir} (Ctrl-C to stop)`);
    // A collection may be watched before its first record (it starts when one is written),
    // so an unknown name is not refused; but a typo (`--collection executoins`) printed
    // nothing, forever, without a word.
    const names = store.collectionNames();
    for (const name of new Set(input.collections.filter((c) => !names.includes(c)))) {
      out.warn(`there is no collection named ${name} yet: watching for its first record (collections in this store: ${names.length === 0 ? 'none' : names.join(', ')})`);
    }
    let sinceYield = 0;
    for await (const change of changes) {
      // Buffered changes are handed out as resolved promises, which never let the event
      // loop run: Ctrl-C during a replay of a million records waited for all of them to print.
      if (++sinceYield === YIELD_EVERY) {
        sinceYield = 0;
        await new Promise((resolve) => setImmediate(resolve));
        if (signal.aborted) break;
      }
      const exact = exactChange(store, change);
      out.raw(out.jsonMode ? `${stringifyExact(exact)}\n` : `${formatChangeLine(exact, out.c)}\n`);
      const waiting = drained(ctx.stdout, signal);
      if (waiting !== undefined) {
        await waiting;
        if (signal.aborted) break;
      }
    }
  } finally {
    store.close();
  }
  return 0;
}

/** Changes printed between two turns of the event loop (where a signal can stop the loop). */
const YIELD_EVERY = 1000;

/**
 * When `stream` is a Node stream holding more than its high-water mark, a promise that
 * settles once it has written that out (or closed, failed, or `signal` aborted); else
 * undefined. stdout to a pipe is asynchronous: a reader slower than the changes (a busy
 * `jq`, a paused pager) left every printed line in memory, and a `--since` replay, which
 * the store hands out only as the loop takes it, was taken whole and held as text.
 */
function drained(stream: TextStream, signal: AbortSignal): Promise<void> | undefined {
  const node = stream as Partial<Pick<NodeJS.WritableStream, 'once' | 'off'>> & { writableNeedDrain?: boolean };
  if (node.writableNeedDrain !== true || typeof node.once !== 'function' || typeof node.off !== 'function') return undefined;
  const { once, off } = { once: node.once.bind(node), off: node.off.bind(node) };
  return new Promise((resolve) => {
    const done = (): void => {
      for (const event of ['drain', 'close', 'error']) off(event, done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    for (const event of ['drain', 'close', 'error']) once(event, done);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * `change` with the integers beyond ±2^53 of its versions as their lines write them: the
 * line the feed read each version from, else (a version from elsewhere) the store's.
 */
function exactChange(store: Store, change: Change): Change {
  const exact = <T extends Record<string, unknown>>(version: T): T => {
    const text = changeLineText(version);
    return text === undefined ? exactVersion(store, change.collection, version) : withExactIntegers(version, text);
  };
  const record = exact(change.record);
  const previous = change.previous === undefined ? undefined : exact(change.previous);
  return record === change.record && previous === change.previous ? change : { ...change, record, ...(previous === undefined ? {} : { previous }) };
}
