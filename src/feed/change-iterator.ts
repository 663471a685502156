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
  let waiting: ((result: IteratorResult<Change>) => void) | undefined;
  let done = false;
  let unsubscribe: (() => void) | undefined;

  const finish = (): void => {
    if (done) return;
    done = true;
    unsubscribe?.();
    signal?.removeEventListener('abort', finish);
    buffer.length = 0;
    const resolve = waiting;
    waiting = undefined;
    resolve?.({ value: undefined, done: true });
  };

  if (signal?.aborted) {
    done = true;
  } else {
    unsubscribe = subscribe((change) => {
      if (done) return;
      if (waiting !== undefined) {
        const resolve = waiting;
        waiting = undefined;
        resolve({ value: change, done: false });
      } else {
        buffer.push(change);
      }
    }, () => {
      // The store closed: what is buffered is still handed out, then the loop ends.
      done = true;
      // A long-lived signal (a process-wide shutdown) would otherwise keep one listener, and this loop, per ended loop.
      signal?.removeEventListener('abort', finish);
      const resolve = waiting;
      waiting = undefined;
      resolve?.({ value: undefined, done: true });
    });
    signal?.addEventListener('abort', finish, { once: true });
  }

  return {
    next(): Promise<IteratorResult<Change>> {
      if (buffer.length > 0) return Promise.resolve({ value: buffer.shift()!, done: false });
      if (done) return Promise.resolve({ value: undefined, done: true });
      if (waiting !== undefined) return Promise.reject(new Error('changes(): next() called again before the previous call resolved'));
      return new Promise((resolve) => (waiting = resolve));
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
