/**
 * `store.changes()`: the feed as an async iterator, on top of `watch()`. Changes wait in
 * an unbounded buffer until the consumer asks for them; breaking out of the loop, calling
 * `return()`, aborting the signal or closing the store unsubscribes.
 */
import type { Change } from './change.js';

export function changeIterator(
  subscribe: (listener: (change: Change) => void, onEnd: () => void) => () => void,
  signal: AbortSignal | undefined,
): AsyncIterableIterator<Change> {
  const buffer: Change[] = [];
  // Calls of next() not answered yet, oldest first. An async iterator may be asked again
  // before its last answer (`Promise.all([it.next(), it.next()])`, a helper reading
  // ahead): each call waits its turn, as an async generator's would (the second call
  // was rejected with an Error).
  const waiting: ((result: IteratorResult<Change>) => void)[] = [];
  const endWaiting = (): void => {
    for (const resolve of waiting.splice(0)) resolve({ value: undefined, done: true });
  };
  let done = false;
  let unsubscribe: (() => void) | undefined;

  const finish = (): void => {
    if (done) return;
    done = true;
    unsubscribe?.();
    signal?.removeEventListener('abort', finish);
    buffer.length = 0;
    endWaiting();
  };

  if (signal?.aborted) {
    done = true;
  } else {
    unsubscribe = subscribe((change) => {
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
    });
    signal?.addEventListener('abort', finish, { once: true });
  }

  return {
    next(): Promise<IteratorResult<Change>> {
      if (buffer.length > 0) return Promise.resolve({ value: buffer.shift()!, done: false });
      if (done) return Promise.resolve({ value: undefined, done: true });
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
