/**
 * Tells when a log was rewritten rather than appended to: `taskstore compact` (and a git
 * checkout, merge or rebase, or an editor that saves by rename) puts a new file in its
 * place. The change feed reports a rewrite only as the records whose current version it
 * changed: compaction changes none, yet it removes versions an open history view shows.
 *
 * The signal is one the server can see without asking the store: a log's inode changed
 * (a new file was renamed over it), or it got smaller (appends only ever grow it), or it
 * was written without growing (an edit of equal length saved in place: same size, new
 * modification time), or it went away. Looked for when the directory reports an event for the log (`fs.watch`, no
 * timer), one `stat` per log named in a burst of events.
 */
import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { COLLECTION_NAME } from '../../index.js';

const LOG_SUFFIX = '.jsonl';
/** Events within this many ms are looked at together (an append is several events). */
const SETTLE_MS = 20;

interface LogIdentity {
  ino: number;
  size: number;
  /** Modification time, ns. */
  mtimeNs: bigint;
}

/** The collection a file name in the store directory is the log of, or undefined. */
function collectionOf(file: string): string | undefined {
  if (!file.endsWith(LOG_SUFFIX)) return undefined;
  const name = file.slice(0, -LOG_SUFFIX.length);
  return COLLECTION_NAME.test(name) ? name : undefined;
}

function identity(path: string): LogIdentity | undefined {
  try {
    const st = statSync(path, { bigint: true });
    return { ino: Number(st.ino), size: Number(st.size), mtimeNs: st.mtimeNs };
  } catch {
    return undefined;
  }
}

/**
 * Pure: whether going from `before` to `after` rewrote the log (a log seen for the first
 * time, `before` undefined, was created: its lines come as changes).
 * @example wasRewritten({ ino: 1, size: 90, mtimeNs: 1n }, { ino: 2, size: 40, mtimeNs: 2n }) // true
 */
export function wasRewritten(before: LogIdentity | undefined, after: LogIdentity | undefined): boolean {
  if (before === undefined) return false;
  if (after === undefined || after.ino !== before.ino || after.size < before.size) return true;
  // Written to but no longer: not an append. (A `touch` says so too: a needless refetch.)
  return after.size === before.size && after.mtimeNs !== before.mtimeNs;
}

/**
 * Calls `onRewrite(collection)` for every log of `dir` rewritten from now on; returns the
 * function that stops watching. A directory that cannot be watched reports to `onError`
 * and nothing else (the page still gets every change from the feed).
 */
export function watchLogRewrites(dir: string, onRewrite: (collection: string) => void, onError: (err: unknown) => void = () => {}): () => void {
  const known = new Map<string, LogIdentity>();
  const look = (name: string): void => {
    const after = identity(join(dir, `${name}${LOG_SUFFIX}`));
    const before = known.get(name);
    if (after === undefined) known.delete(name);
    else known.set(name, after);
    if (wasRewritten(before, after)) onRewrite(name);
  };
  try {
    for (const file of readdirSync(dir)) {
      const name = collectionOf(file);
      if (name !== undefined) look(name);
    }
  } catch (err) {
    onError(err);
  }
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, { persistent: false }, (_event, file) => {
      const name = typeof file === 'string' ? collectionOf(file) : undefined;
      if (name === undefined) return;
      pending.add(name);
      timer ??= setTimeout(() => {
        timer = undefined;
        const names = [...pending];
        pending.clear();
        for (const n of names) look(n);
      }, SETTLE_MS);
    });
    watcher.on('error', onError);
  } catch (err) {
    onError(err);
  }
  return () => {
    if (timer !== undefined) clearTimeout(timer);
    watcher?.close();
  };
}
