/**
 * The ui server's source of live changes, behind one small interface (`subscribe` →
 * `stop`) so the server does not care where changes come from.
 *
 * Fed by the store's change feed (`store.changes()`): every durable write by this or any
 * other process, and every record a git merge, checkout or rebase changed. The page gets
 * a short message per change (collection, id, op, `updated_at`), never the record: it
 * fetches what it shows through the API, so a change it is not looking at costs nothing.
 *
 * A log rewritten in place of the old one (`compact`, a git checkout) is also told, as a
 * message naming only its collection: the feed sends a change only for records whose
 * current version moved, and compaction moves none while it removes the versions an open
 * history view shows.
 */
import type { Store } from '../../index.js';
import type { LiveChange } from '../api-types.js';
import { watchLogRewrites } from './log-rewrites.js';

type ChangeListener = (change: LiveChange) => void;

export interface ChangeSource {
  /** Calls `listener` for every change from now on; returns the function that stops it. */
  subscribe(listener: ChangeListener): () => void;
}

/**
 * A change source reading `store.changes()` while anyone listens.
 * @example const stop = feedChanges(store).subscribe((c) => console.log(c.collection, c.id));
 */
export function feedChanges(store: Store, onError: (err: unknown) => void = () => {}): ChangeSource {
  const listeners = new Set<ChangeListener>();
  let abort: AbortController | undefined;
  let stopRewrites: (() => void) | undefined;

  const start = (): void => {
    const ctl = new AbortController();
    abort = ctl;
    stopRewrites = watchLogRewrites(
      store.dir,
      (collection) => {
        for (const listener of listeners) listener({ collection });
      },
      onError,
    );
    void (async () => {
      try {
        for await (const change of store.changes({ signal: ctl.signal })) {
          const message: LiveChange = { collection: change.collection, id: change.id, op: change.op, updated_at: change.record.updated_at };
          for (const listener of listeners) listener(message);
        }
      } catch (err) {
        if (!ctl.signal.aborted) onError(err);
      }
    })();
  };

  return {
    subscribe(listener) {
      listeners.add(listener);
      if (abort === undefined) start();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
          abort?.abort();
          abort = undefined;
          stopRewrites?.();
          stopRewrites = undefined;
        }
      };
    },
  };
}
