/**
 * The ui server's source of live changes, behind one small interface so the mechanism
 * can be swapped without touching the server: `subscribe(listener)` → `stop()`.
 *
 * This implementation is "refresh and diff": it watches the store directory
 * (`fs.watch`, plus a slow safety poll for file systems where notifications do not
 * arrive), and when a log's size or mtime moved it catches the cache up
 * (`store.refresh()`) and reports the records whose `updated_at` passed the highest one
 * seen before, or the collection alone when it cannot tell which records changed (a
 * deletion, a rewrite by git or compaction). It finds writes by any process and by git.
 */
import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../../index.js';
import type { LiveChange } from '../api-types.js';

export type ChangeListener = (change: LiveChange) => void;

export interface ChangeSource {
  /** Calls `listener` for every change from now on; returns the function that stops it. */
  subscribe(listener: ChangeListener): () => void;
}

export interface RefreshDiffOptions {
  /** Safety poll period (ms), for when file-system notifications are lost. Default 500. */
  pollMs?: number;
  /** Coalesces a burst of notifications (ms). Default 25. */
  debounceMs?: number;
}

/** At most this many records are named per collection per refresh; beyond it, the collection is reported alone. */
const MAX_NAMED = 200;

interface LogState {
  size: number;
  mtimeMs: number;
  /** Highest `updated_at` among live records when last looked at. */
  maxUpdatedAt: number;
}

/**
 * A change source that refreshes the store's cache when its logs change and reports what moved.
 * @example const stop = refreshDiffChanges(store).subscribe((c) => console.log(c.collection, c.id));
 */
export function refreshDiffChanges(store: Store, options: RefreshDiffOptions = {}): ChangeSource {
  const pollMs = options.pollMs ?? 500;
  const debounceMs = options.debounceMs ?? 25;
  const listeners = new Set<ChangeListener>();
  const states = new Map<string, LogState>();
  let watcher: FSWatcher | undefined;
  let poll: NodeJS.Timeout | undefined;
  let pending: NodeJS.Timeout | undefined;

  const logFiles = (): string[] => {
    try {
      return readdirSync(store.dir).filter((f) => /^[a-z][a-z0-9_]{0,63}\.jsonl$/.test(f));
    } catch {
      return [];
    }
  };

  const maxUpdatedAt = (name: string): number => {
    const [top] = store.collection({ name }).list({ orderBy: '-updated_at', limit: 1 });
    return top?.updated_at ?? 0;
  };

  const snapshot = (): void => {
    for (const file of logFiles()) {
      const name = file.slice(0, -'.jsonl'.length);
      const st = statSync(join(store.dir, file), { throwIfNoEntry: false });
      if (st !== undefined) states.set(name, { size: st.size, mtimeMs: st.mtimeMs, maxUpdatedAt: maxUpdatedAt(name) });
    }
  };

  const check = (): void => {
    pending = undefined;
    const moved: string[] = [];
    for (const file of logFiles()) {
      const name = file.slice(0, -'.jsonl'.length);
      const st = statSync(join(store.dir, file), { throwIfNoEntry: false });
      if (st === undefined) continue;
      const before = states.get(name);
      if (before !== undefined && before.size === st.size && before.mtimeMs === st.mtimeMs) continue;
      states.set(name, { size: st.size, mtimeMs: st.mtimeMs, maxUpdatedAt: before?.maxUpdatedAt ?? 0 });
      moved.push(name);
    }
    if (moved.length === 0) return;
    try {
      store.refresh();
    } catch {
      // A log with conflict markers or a lock held too long: report the collections anyway;
      // the page's next request shows the error.
    }
    for (const name of moved) emitDiff(name);
  };

  const emitDiff = (name: string): void => {
    const state = states.get(name)!;
    let changed: { id: string; updated_at: number; created_at?: number }[] = [];
    try {
      changed = store.collection({ name }).list({ where: { updated_at: { gt: state.maxUpdatedAt } }, orderBy: 'updated_at', limit: MAX_NAMED + 1 });
    } catch {
      changed = [];
    }
    if (changed.length > 0) state.maxUpdatedAt = changed[changed.length - 1]!.updated_at;
    if (changed.length === 0 || changed.length > MAX_NAMED) {
      emit({ collection: name });
      return;
    }
    for (const r of changed) emit({ collection: name, id: r.id, op: r.created_at === r.updated_at ? 'create' : 'update', updated_at: r.updated_at });
  };

  const emit = (change: LiveChange): void => {
    for (const listener of listeners) listener(change);
  };

  const schedule = (): void => {
    if (pending === undefined) pending = setTimeout(check, debounceMs);
  };

  const start = (): void => {
    snapshot();
    try {
      watcher = watch(store.dir, { persistent: false }, schedule);
      watcher.on('error', () => {
        watcher?.close();
        watcher = undefined; // the poll carries on
      });
    } catch {
      watcher = undefined;
    }
    poll = setInterval(schedule, pollMs);
    poll.unref();
  };

  const stopAll = (): void => {
    watcher?.close();
    watcher = undefined;
    if (poll !== undefined) clearInterval(poll);
    if (pending !== undefined) clearTimeout(pending);
    poll = pending = undefined;
  };

  return {
    subscribe(listener) {
      if (listeners.size === 0) start();
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) stopAll();
      };
    },
  };
}
