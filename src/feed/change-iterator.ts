/**
 * `store.changes()`: the feed as an async iterator, on top of `watch()`. Live changes wait
 * in an unbounded buffer until the consumer asks for them; a `since` replay is taken from
 * the feed only as the buffer empties (at most {@link REPLAY_AHEAD} changes ahead of the
 * consumer). Breaking out of the loop, calling `return()`, aborting the signal or closing
 * the store unsubscribes.
 */
import type { Change } from './change.js';
import type { Subscription } from './feed.js';

/** Replayed changes buffered ahead of the consumer, at most (about one chunk of the feed's). */
const REPLAY_AHEAD = 1000;

export function changeIterator(
  subscribe: (listener: (change: Change) => void, onEnd: () => void, wantsReplay: () => boolean) => Subscription,
  signal: AbortSignal | undefined,
): AsyncIterableIterator<Change> {
  // Taken from at `head`, not with shift(): V8's shift() of a long array moves every
  // element left, so handing out a replay of 100,000 changes took ~11 s (quadratic).
  let buffer: Change[] = [];
  let head = 0;
  // Calls of next() not answered yet, oldest first. An async iterator may be asked again
  // before its last answer (`Promise.all([it.next(), it.next()])`, a helper reading
  // ahead): each call waits its turn, as an async generator's would (the second call
  // was rejected with an Error).
  const waiting: ((result: IteratorResult<Change>) => void)[] = [];
  const endWaiting = (): void => {
    for (const resolve of waiting.splice(0)) resolve({ value: undefined, done: true });
  };
  let done = false;
  let subscription: Subscription | undefined;

  const finish = (): void => {
    if (done) return;
    done = true;
    subscription?.unsubscribe();
    signal?.removeEventListener('abort', finish);
    buffer = [];
    head = 0;
    endWaiting();
  };

  if (signal?.aborted) {
    done = true;
  } else {
    subscription = subscribe((change) => {
      if (done) return;
      const resolve = waiting.shift();
      if (resolve !== undefined) resolve({ value: change, done: false });
      else buffer.push(change);
    }, () => {
      // The store closed: what is buffered is still handed out, then the loop ends.
      done = true;
      // A long-lived signal (a process-wide shutdown) would otherwise keep one listener, and this loop, per ended loop.
      signal?.removeEventListener('abort', finish);
      // A call still waiting had an empty buffer to take from: nothing is left for it.
      endWaiting();
    }, () => waiting.length > 0 || buffer.length - head < REPLAY_AHEAD);
    signal?.addEventListener('abort', finish, { once: true });
  }

  return {
    next(): Promise<IteratorResult<Change>> {
      if (head < buffer.length) {
        const value = buffer[head]!;
        buffer[head++] = undefined as unknown as Change; // handed out: let it be collected
        if (head === buffer.length) {
          buffer = [];
          head = 0;
        } else if (head >= 1024 && head * 2 >= buffer.length) {
          buffer = buffer.slice(head);
          head = 0;
        }
        if (buffer.length - head < REPLAY_AHEAD / 2) subscription?.pull();
        return Promise.resolve({ value, done: false });
      }
      if (done) return Promise.resolve({ value: undefined, done: true });
      subscription?.pull();
      return new Promise((resolve) => waiting.push(resolve));
    },
    return(): Promise<IteratorResult<Change>> {
      finish();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
