/**
 * The change feed of one Store object: turns what the logs gain — this process's
 * committed writes, other processes' appends, git's rewrites — into `Change`s for its
 * watchers.
 *
 * How it knows what is new without the write lock: the shared cache's `files` table
 * records, per log, the bytes every writer has durably appended and committed (inode,
 * offset, line count, prefix fingerprint). The feed keeps its own cursor per log (the
 * cache's row as it last processed it) and the current version of every record it has
 * delivered. When the cache's row is ahead of the cursor on the same file, the lines in
 * between are read from the log itself and compared with the remembered versions; when
 * the log was rewritten (new inode or different prefix), the cache's rebuilt current
 * versions are compared with the remembered ones, so exactly the records whose current
 * version differs produce a change (compaction: none). Bytes past the cache's offset are
 * not durable yet (a write in flight) and are never read.
 *
 * When to look: `fs.watch` on the store directory (a log append or a cache commit wakes
 * it), right after this Store's own commits, and a slow safety poll. A log the cache has
 * not caught up with (an editor, a git checkout without hooks) is caught up by the feed
 * itself once it has stayed unchanged for a moment — the only time it takes the write
 * lock, briefly, like any reader that catches up.
 */
import { closeSync, fstatSync, openSync, readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import type { CacheDb, FileStateRow } from '../cache/cache-db.js';
import { collectionOfLogFile, LOG_SUFFIX } from '../jsonl/collection-name.js';
import { parseLine, readerText, withoutBom } from '../jsonl/line-codec.js';
import { crc32Range, fingerprintPrefix, readLinesFrom, readRange } from '../jsonl/log-io.js';
import { isUtf8 } from 'node:buffer';
import { observeRejection, type Logger } from '../store/options.js';
import { logPath, statMatches, unchangedByStat } from '../store/ingest.js';
import {
  becomesCurrent,
  byUpdatedAt,
  changeForAppended,
  changeForRewrite,
  replayChange,
  replayEntries,
  type Change,
  type ChangeSource,
  type KnownVersion,
} from './change.js';

/** What the feed needs from its store. */
interface FeedHost {
  readonly dir: string;
  readonly logger: Logger;
  /** The cache connection, reopened first when the cache file was deleted or replaced; `reopened` says so. */
  cache(): { cache: CacheDb; reopened: boolean };
  /** Catches the cache up with the logs (takes the write lock only when there is something new). */
  catchUp(): void;
  /**
   * What the cache has committed, in two cheap numbers (one query). `others` changes
   * whenever another connection (another process, another Store) commits to the cache,
   * and only then (SQLite's `data_version`): tells this Store's write whether anything
   * else was committed since the feed last looked. (Tagged with the connection: a
   * reopened cache counts afresh.) `own` counts the rows this Store's connection has
   * changed (SQLite's `total_changes()`): its catch-ups, rebuilds and compactions, which
   * `data_version` does not count.
   */
  cacheVersion(): CacheVersion;
}

export interface CacheVersion {
  others: string;
  own: number;
}

/** Timings, overridable for tests and benchmarks. */
interface FeedTimings {
  /** Safety poll: one stat per log this often, in case a notification was lost (ms). */
  safetyPollMs: number;
  /** A log the cache has not consumed is caught up by the feed after staying unchanged this long (ms). */
  settleMs: number;
}

const DEFAULT_FEED_TIMINGS: FeedTimings = { safetyPollMs: 2000, settleMs: 150 };

/** After a log changes, how long to wait for the commit that usually follows before looking anyway (ms). */
const LOG_EVENT_DELAY_MS = 20;

/** Looks after a poll that found a log ahead of the cache (a commit about to show), in ms. */
const CHASE_DELAYS_MS = [1, 4, 15, 40];

/** A look that may stop early (see `poll`), and what woke it: a cache notification or the chase. */
type QuickLook = false | 'notified' | 'chasing';

/** Lines of one log written by this Store's just-committed write (1-based, inclusive). */
export interface LocalLines {
  collection: string;
  firstLine: number;
  lastLine: number;
  /**
   * What the write appended, when the writer knows it: the log's consumed end before and
   * after (as the cache's `files` row says) and the lines themselves, each ending in
   * `\n`. Lets the feed deliver its own writes without reading them back.
   */
  appended?: {
    /** `prefixCrc`: the CRC-32 of the log's first `offset` bytes the appender extended by the lines (null when unknown). */
    before: { offset: number; fingerprint: string | null; prefixCrc: number | null };
    after: { ino: string; offset: number; lines: number; fingerprint: string; prefixCrc: number | null };
    lines: readonly string[];
  };
}

interface Cursor {
  ino: string;
  offset: number;
  lines: number;
  fingerprint: string;
  /**
   * CRC-32 of the consumed prefix: an edit of equal length saved in place in the middle of
   * a big log leaves inode, size and fingerprint windows as they were; the cache rebuilds
   * and records a new CRC, which is how the feed learns that the log was rewritten.
   */
  prefixCrc: number | null;
  /**
   * The file's birth time (ns, as text) when the feed last read it; undefined when not
   * known (see `birthTimesKept`), '0' where the file system keeps none. git replaces a
   * log with a new file, which often gets the number of the inode it freed: after `git
   * stash` and `git stash pop` the log is the same inode holding the stashed bytes plus
   * the lines stash took away, and reading those as appended delivered every version of
   * those records again (a deleted record created, updated and deleted once more). A new
   * birth time tells the files apart.
   */
  birth?: string;
}

interface TrackedLog {
  name: string;
  /** The cache's `files` row as last processed; undefined before the log's first line. */
  cursor: Cursor | undefined;
  /** Current version of every record, as delivered (tombstones included). */
  current: Map<string, KnownVersion>;
}

interface Pending {
  /** Stat signature of the log when first seen ahead of (or different from) the cache. */
  signature: string;
  /** When (monotonic ms, `performance.now()`): a wall clock set back would keep the log pending until it caught up. */
  since: number;
}

/** Replayed changes a watcher is handed per turn of the event loop. */
const REPLAY_CHUNK = 1000;

/**
 * A `since` replay, handed out lazily: the versions current when the watcher subscribed
 * (the remembered versions are never changed in place, only replaced, so holding them is
 * a snapshot), sorted per collection, parsed into changes only as the watcher takes them.
 * Built all at once, a replay of a million records parsed every one of them (≈ 1 GiB of
 * changes) before the first was delivered.
 */
class Replay {
  private readonly lists: { collection: string; entries: ([string, KnownVersion] | undefined)[]; at: number }[] = [];

  constructor(logs: Iterable<TrackedLog>, since: number) {
    for (const log of logs) {
      const entries = replayEntries(log.current, since);
      if (entries.length > 0) this.lists.push({ collection: log.name, entries, at: 0 });
    }
  }

  /**
   * The next change, oldest `updated_at` first across collections (ties: the collection
   * met first, then the id), or undefined at the end: the order the replay had when it
   * was built all at once.
   */
  next(): Change | undefined {
    let best: (typeof this.lists)[number] | undefined;
    let bestAt = Infinity;
    for (const list of this.lists) {
      const entry = list.entries[list.at];
      if (entry !== undefined && entry[1].updatedAt < bestAt) {
        best = list;
        bestAt = entry[1].updatedAt;
      }
    }
    if (best === undefined) return undefined;
    const [id, version] = best.entries[best.at]!;
    best.entries[best.at++] = undefined; // handed out: the snapshot no longer holds a version the log has since replaced
    return replayChange(best.collection, id, version);
  }
}

/** One watcher: its filter and its own queue, drained asynchronously in order. */
class Subscriber {
  active = true;
  private queue: Change[] = [];
  private head = 0;
  private scheduled = false;
  /** The rest of a `since` replay: delivered before anything queued (which is newer). */
  private replay: Replay | undefined;
  private readonly rejected = (err: unknown): void => this.logger.error(`a change listener's promise rejected: ${describeThrown(err)}`);

  constructor(
    readonly listener: (change: Change) => void,
    readonly collections: ReadonlySet<string> | undefined,
    private readonly logger: Logger,
    /** Told when the feed closes under the watcher (the store was closed). */
    readonly onEnd: (() => void) | undefined,
    /**
     * For a `changes()` loop: whether its buffer wants more of the replay now. The replay
     * then waits for {@link pull} instead of filling the buffer with every record at once.
     */
    private readonly wantsReplay: (() => boolean) | undefined,
  ) {}

  wants(collection: string): boolean {
    return this.collections === undefined || this.collections.has(collection);
  }

  startReplay(replay: Replay): void {
    this.replay = replay;
    this.schedule();
  }

  /** The `changes()` loop took from its buffer: hand out more of the replay, if any is left. */
  pull(): void {
    if (this.active && this.replay !== undefined) this.schedule();
  }

  push(change: Change): void {
    if (!this.active) return;
    this.queue.push(change);
    this.schedule();
  }

  private schedule(): void {
    if (!this.scheduled) {
      this.scheduled = true;
      // Never called inside a write: a listener may write, throw, or take its time.
      // (Not unref'd: an unref'd immediate lets the event loop block until some other event.)
      setImmediate(() => this.drain());
    }
  }

  stop(): void {
    this.active = false;
    this.replay = undefined;
  }

  /**
   * For a `changes()` loop, whose listener only buffers (no user code runs): what is
   * queued goes into its buffer now, so a loop ended by `store.close()` still hands out
   * the changes committed before the close (a write just before it was lost, its change
   * still waiting for the queue's turn) — after the rest of its replay.
   */
  handOverQueued(): void {
    if (this.onEnd === undefined) return;
    for (let change = this.replay?.next(); this.active && change !== undefined; change = this.replay?.next()) this.listener(change);
    this.replay = undefined;
    while (this.active && this.head < this.queue.length) this.listener(this.queue[this.head++]!);
    this.queue = [];
    this.head = 0;
  }

  private drain(): void {
    this.scheduled = false;
    if (this.replay !== undefined) {
      // A chunk per turn: the first records reach the watcher at once, the event loop
      // (a signal, a file event) runs between chunks, and a `changes()` loop takes them
      // as it consumes them, so a big replay is never all in memory as changes.
      for (let n = 0; n < REPLAY_CHUNK && this.active && this.replay !== undefined && (this.wantsReplay?.() ?? true); n++) {
        const change = this.replay.next();
        if (change === undefined) this.replay = undefined;
        else this.call(change);
      }
      if (this.replay !== undefined) {
        // More when the loop asks (pull), or on the next turn; the queue waits behind the replay.
        if (this.active && (this.wantsReplay?.() ?? true)) this.schedule();
        return;
      }
    }
    while (this.active && this.head < this.queue.length) this.call(this.queue[this.head++]!);
    this.queue = this.active ? this.queue.slice(this.head) : [];
    this.head = 0;
  }

  private call(change: Change): void {
    try {
      // An async listener is not awaited (delivery goes on); its rejection is told like a throw.
      observeRejection(this.listener(change), this.rejected);
    } catch (err) {
      this.logger.error(`a change listener threw: ${describeThrown(err)}`);
    }
  }
}

/** What `subscribe` gives back: how to stop, and (for a `changes()` loop) how to ask for more of a replay. */
export interface Subscription {
  unsubscribe(): void;
  pull(): void;
}

export class ChangeFeed {
  private readonly subscribers = new Set<Subscriber>();
  private readonly tracked = new Map<string, TrackedLog>();
  private readonly pending = new Map<string, Pending>();
  /** Signatures the feed already caught up at, so a log the cache refuses (torn tail) does not take the lock again and again. */
  private readonly caughtUpAt = new Map<string, string>();
  private trackAll = false;
  private watcher: FSWatcher | undefined;
  /** The store directory's identity (`directoryIdentity`) when {@link watcher} was opened on it. */
  private watchedDir: string | undefined;
  private safetyTimer: NodeJS.Timeout | undefined;
  private settleTimer: NodeJS.Timeout | undefined;
  private pollScheduled = false;
  private polling = false;
  private logTimer: NodeJS.Timeout | undefined;
  private chaseTimer: NodeJS.Timeout | undefined;
  private chaseStep = 0;
  /**
   * A cache notification found nothing committed: a commit's frames are written to the
   * WAL before it is visible (the WAL index is updated after, and that update wakes no
   * one), so the commit may be a moment away. The chase looks again, as for a log ahead
   * of the cache.
   */
  private awaitingCommit = false;
  /** Logs seen on disk (events, directory listing) that are not tracked yet. */
  private readonly discovered = new Set<string>();
  private lastWarning: string | undefined;
  /** `cacheVersion()` as of the last look at every log: unchanged, no commit awaits a look. */
  private polledVersion: CacheVersion | undefined;

  constructor(
    private readonly host: FeedHost,
    private readonly timings: FeedTimings = DEFAULT_FEED_TIMINGS,
  ) {}

  /**
   * Adds a watcher; its `since` replay (a snapshot of the current versions, taken now) is
   * handed out before any live change. `wantsReplay`: see {@link Subscriber}.
   */
  subscribe(
    listener: (change: Change) => void,
    collections: readonly string[] | undefined,
    since: number | undefined,
    onEnd?: () => void,
    wantsReplay?: () => boolean,
  ): Subscription {
    const starting = this.subscribers.size === 0;
    if (starting) this.host.catchUp();
    const wanted = collections === undefined ? undefined : new Set(collections);
    this.track(wanted);
    const subscriber = new Subscriber(listener, wanted, this.host.logger, onEnd, wantsReplay);
    if (since !== undefined) {
      const logs = [...this.tracked.values()].filter((log) => subscriber.wants(log.name));
      subscriber.startReplay(new Replay(logs, since));
    }
    this.subscribers.add(subscriber);
    if (starting) this.start();
    return { unsubscribe: () => this.unsubscribe(subscriber), pull: () => subscriber.pull() };
  }

  /** Called by the store right after one of its writes committed, with the lines it appended. */
  afterCommit(local: readonly LocalLines[]): void {
    if (this.subscribers.size === 0 || local.length === 0) return;
    const wanted = local.filter((l) => this.trackAll || this.tracked.has(l.collection));
    if (wanted.length === 0) return;
    // Another process's commit the feed has not looked at yet holds older changes (it
    // committed before this write took the lock): delivered after this write's, they would
    // break time order (see poll), so they are looked at first, in the same batch.
    const othersCommitted = this.polledVersion === undefined || this.polledVersion.others !== this.host.cacheVersion().others;
    const changes: Change[] = [];
    const rest = this.polling || othersCommitted ? wanted : wanted.filter((l) => !this.applyOwnLines(l, changes));
    // Every log, not only the ones written: the look delivers one batch, in time order.
    if (rest.length > 0) this.poll(local, changes);
    else this.deliver(inTimeOrder(changes));
  }

  /**
   * The fast path for this Store's own write: when the feed had processed its log exactly
   * up to where the write began (same file, offset and prefix fingerprint, the rule a
   * poll uses), the appended lines are what follows, and the cache's row now ends where
   * they end. Applies them from memory instead of reading the cache's row and the log
   * back. Returns false when the feed is elsewhere (behind, or after a rewrite): the
   * caller polls.
   */
  private applyOwnLines(local: LocalLines, out: Change[]): boolean {
    const appended = local.appended;
    const log = this.tracked.get(local.collection);
    if (appended === undefined || log === undefined) return false;
    const { before, after } = appended;
    const cursor = log.cursor;
    const atStart =
      cursor === undefined
        ? before.offset === 0 && log.current.size === 0
        : cursor.ino === after.ino &&
          cursor.offset === before.offset &&
          cursor.fingerprint === before.fingerprint &&
          // An edit of equal length in the middle of the log, saved in place, which this
          // write's catch-up rebuilt: offset and fingerprint windows are as they were, only
          // the prefix's CRC tells (see prefixKept). The appender extended the CRC it
          // started from by these very lines, so the cursor's must be that one.
          (cursor.prefixCrc === null || before.prefixCrc === null || cursor.prefixCrc === before.prefixCrc);
    if (!atStart) return false;
    let lineNo = local.firstLine;
    for (const line of appended.lines) this.applyLine(log, line.endsWith('\n') ? line.slice(0, -1) : line, lineNo++, 'local', out);
    log.cursor = { ino: after.ino, offset: after.offset, lines: after.lines, fingerprint: after.fingerprint, prefixCrc: after.prefixCrc, ...(cursor?.birth === undefined ? {} : { birth: cursor.birth }) };
    return true;
  }

  /** Stops everything: no timer, watcher or queued delivery is left. */
  close(): void {
    const ended = [...this.subscribers];
    for (const subscriber of ended) subscriber.handOverQueued();
    for (const subscriber of ended) subscriber.stop();
    this.subscribers.clear();
    this.stop();
    for (const subscriber of ended) subscriber.onEnd?.();
  }

  // ---- internals ----

  private unsubscribe(subscriber: Subscriber): void {
    if (!this.subscribers.delete(subscriber)) return;
    subscriber.stop();
    if (this.subscribers.size === 0) this.stop();
  }

  private start(): void {
    this.openWatcher();
    // The one handle that keeps the process alive while someone is watching.
    this.safetyTimer = setInterval(() => this.safePoll(true), this.timings.safetyPollMs);
  }

  /** `fs.watch` on the store directory, as it is now (its identity kept, see {@link rewatchIfReplaced}). */
  private openWatcher(): void {
    this.watchedDir = directoryIdentity(this.host.dir);
    try {
      this.watcher = watch(this.host.dir, { persistent: false }, (_event, filename) => this.onFileEvent(filename));
      this.watcher.on('error', (err) => {
        this.host.logger.warn(`change feed: file-system notifications stopped (${err.message}); falling back to polling every ${this.timings.safetyPollMs} ms`);
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch (err) {
      this.host.logger.warn(`change feed: no file-system notifications (${(err as Error).message}); polling every ${this.timings.safetyPollMs} ms`);
    }
  }

  /**
   * A notification watch follows the directory it was opened on. When the store directory
   * is replaced (`rm -rf .taskstore` and `git checkout`, a checkout of a branch without it
   * and back), that one is gone and nothing wakes the feed but the safety poll: every
   * change then arrived up to 2 s late, for as long as the process watched. Called by the
   * safety poll: one stat.
   */
  private rewatchIfReplaced(): void {
    const now = directoryIdentity(this.host.dir);
    if (now === undefined || now === this.watchedDir) return;
    this.watcher?.close();
    this.watcher = undefined;
    this.openWatcher();
  }

  private stop(): void {
    this.watcher?.close();
    this.watcher = undefined;
    this.watchedDir = undefined;
    if (this.safetyTimer !== undefined) clearInterval(this.safetyTimer);
    if (this.settleTimer !== undefined) clearTimeout(this.settleTimer);
    if (this.logTimer !== undefined) clearTimeout(this.logTimer);
    this.cancelChase();
    this.logTimer = undefined;
    this.chaseStep = 0;
    this.awaitingCommit = false;
    this.discovered.clear();
    this.safetyTimer = undefined;
    this.settleTimer = undefined;
    this.tracked.clear();
    this.pending.clear();
    this.caughtUpAt.clear();
    this.trackAll = false;
    this.polledVersion = undefined;
  }

  /**
   * A commit to the cache (its WAL) is what makes a TaskStore write deliverable: look at
   * once. A log that changed (an append in flight, or git, or an editor) is looked at a
   * little later, unless a commit's look came first — which saves the watcher one look
   * per write, and the writers that CPU.
   */
  private onFileEvent(filename: string | null): void {
    if (filename === null || filename.startsWith('taskstore.db')) {
      // This notification's look replaces a chase look due: with a writer busy (a write
      // every millisecond) the chase would otherwise wake the watcher once more per write.
      this.cancelChase();
      this.schedulePoll();
    } else if (filename.endsWith(LOG_SUFFIX)) {
      const name = collectionOfLogFile(filename);
      if (this.trackAll && name !== undefined && !this.tracked.has(name)) this.discovered.add(name);
      this.logTimer ??= setTimeout(() => {
        this.logTimer = undefined;
        this.safePoll(false);
      }, LOG_EVENT_DELAY_MS).unref();
    }
  }

  private schedulePoll(): void {
    if (this.pollScheduled) return;
    this.pollScheduled = true;
    setImmediate(() => {
      this.pollScheduled = false;
      this.safePoll(false, 'notified');
    });
  }

  /**
   * `listDirectory`: also look for logs created by something other than TaskStore (the
   * safety poll does). `onlyIfCommitted`: see {@link poll}.
   */
  private safePoll(listDirectory: boolean, onlyIfCommitted: QuickLook = false): void {
    if (this.subscribers.size === 0) return;
    try {
      if (listDirectory) this.rewatchIfReplaced();
      if (listDirectory && this.trackAll) for (const name of logsInDirectory(this.host.dir)) if (!this.tracked.has(name)) this.discovered.add(name);
      this.poll([], [], onlyIfCommitted);
    } catch (err) {
      this.warnFailure(err);
    }
  }

  /**
   * A look that failed (the directory vanished, the disk is unreadable) is retried by the
   * next notification or safety poll; the same failure is reported once, not every 2 s.
   */
  private warnFailure(err: unknown): void {
    const message = `change feed: ${err instanceof Error ? err.message : String(err)}`;
    if (message === this.lastWarning) return;
    this.lastWarning = message;
    this.host.logger.warn(message);
  }

  /** Starts remembering the current versions of the collections a new watcher wants. */
  private track(wanted: ReadonlySet<string> | undefined): void {
    const { cache } = this.host.cache();
    const names = wanted === undefined ? [...new Set([...cache.files.collections(), ...logsInDirectory(this.host.dir)])] : [...wanted];
    if (wanted === undefined) this.trackAll = true;
    const missing = names.filter((name) => !this.tracked.has(name));
    if (missing.length === 0) return;
    cache.readTransaction(() => {
      for (const name of missing) {
        const state = cache.files.get(name);
        const log: TrackedLog = { name, cursor: undefined, current: new Map() };
        // A conflicted log has no records in the cache: start empty, catch up once resolved.
        if (state !== undefined && state.conflict_line === null) {
          log.cursor = cursorOf(state);
          cache.forEachCurrentVersion(name, (id, updatedAt, _line, text) => log.current.set(id, { updatedAt, text }));
        }
        this.tracked.set(name, log);
      }
    });
  }

  /**
   * Brings the tracked logs (or `only` these) up to what the cache has committed,
   * delivering the changes. `local` marks lines this Store just wrote; `found` are
   * changes already taken from them (delivered in the same batch).
   *
   * `onlyIfCommitted`: the look was woken by the cache's files ('notified') or is chasing
   * a commit about to show ('chasing'), so it can find nothing unless the cache committed
   * since the last look: when neither number of `cacheVersion()` moved, it stops there
   * (and a notification's look chases the commit it probably announced). A writer in
   * another process sets off several notifications per write (the journal twice, the
   * log, the WAL's frames), most of them before its commit is visible; a full look at
   * each cost the watcher about 0.3 ms of CPU per write, taken from the writer on a
   * two-core machine. A log that changed without a commit (git, an editor) is looked at
   * in full by its own notification's look, the settle timer and the safety poll.
   */
  private poll(local: readonly LocalLines[], found: readonly Change[] = [], onlyIfCommitted: QuickLook = false): void {
    if (this.polling) {
      this.deliver(inTimeOrder([...found]));
      return;
    }
    this.polling = true;
    const changes: Change[] = [...found];
    let delivered = false;
    try {
      let { cache, reopened } = this.host.cache();
      if (reopened) {
        // The cache was deleted under us: rebuild it now rather than wait.
        this.host.catchUp();
        cache = this.host.cache().cache;
      }
      // Before the read transaction: a commit between the two makes the next look look again (harmless).
      const version = this.host.cacheVersion();
      if (onlyIfCommitted !== false && !reopened && this.discovered.size === 0 && sameVersion(version, this.polledVersion)) {
        delivered = true;
        this.deliver(inTimeOrder(changes));
        if (onlyIfCommitted === 'notified') {
          // A new notification: chase its commit from the first step.
          this.awaitingCommit = true;
          this.chaseStep = 0;
        }
        this.scheduleChase(false);
        return; // a log's own notification still has its look coming (logTimer)
      }
      this.awaitingCommit = false;
      // This look covers a log notification waiting for its own.
      if (this.logTimer !== undefined) clearTimeout(this.logTimer);
      this.logTimer = undefined;
      cache.readTransaction(() => {
        const rows = new Map(cache.files.all().map((r) => [r.collection, r]));
        const names = new Set(this.tracked.keys());
        if (this.trackAll) {
          for (const name of rows.keys()) names.add(name);
          for (const name of this.discovered) names.add(name);
          this.discovered.clear();
        }
        for (const name of names) {
          let log = this.tracked.get(name);
          if (log === undefined) {
            if (!this.trackAll) continue;
            log = { name, cursor: undefined, current: new Map() };
            this.tracked.set(name, log);
          }
          const range = local.find((l) => l.collection === name);
          this.examine(cache, log, rows.get(name), range, changes);
        }
      });
      this.lastWarning = undefined;
      this.polledVersion = version;
      // Logs are examined one after the other, so the changes come grouped by collection;
      // delivered so, a change to one collection could follow a newer one to another, and a
      // consumer that saved the newer `updated_at` and resumed with `since` after a crash
      // skipped the older one. In time order (stable: per record, versions stay in order).
      delivered = true;
      this.deliver(inTimeOrder(changes));
      this.scheduleChase(changes.length > found.length);
      this.scheduleSettle();
    } finally {
      this.polling = false;
      // What was read before a failure is already in the feed's memory: deliver it rather than lose it.
      if (!delivered) this.deliver(inTimeOrder(changes));
    }
  }

  /**
   * A log ahead of the cache is, almost always, a write between its append and its
   * commit; the commit's own notification can arrive a moment before the commit is
   * visible to readers. Look again shortly, backing off, until the commit shows (a few
   * looks per write in flight at most; nothing while nothing is pending). The same after
   * a cache notification that found nothing committed ({@link awaitingCommit}). A new
   * cache notification puts the chase off (see onFileEvent).
   */
  private scheduleChase(progressed: boolean): void {
    const waiting = this.pending.size > 0 || this.awaitingCommit;
    // Nothing to chase any more: no wake-up for nothing (one per write, with a writer busy).
    if (!waiting) this.cancelChase();
    if (progressed || !waiting) this.chaseStep = 0;
    if (!waiting || this.chaseTimer !== undefined) return;
    if (this.chaseStep >= CHASE_DELAYS_MS.length) {
      this.awaitingCommit = false; // a notification that brought no commit (a checkpoint, a reader)
      return;
    }
    this.chaseTimer = setTimeout(() => {
      this.chaseTimer = undefined;
      this.safePoll(false, 'chasing');
    }, CHASE_DELAYS_MS[this.chaseStep++]).unref();
  }

  /** Drops a chase look that is due, if any. */
  private cancelChase(): void {
    if (this.chaseTimer !== undefined) clearTimeout(this.chaseTimer);
    this.chaseTimer = undefined;
  }

  /** One log: reads its committed tail, or diffs a rewrite, or notes that the cache is behind. */
  private examine(cache: CacheDb, log: TrackedLog, state: FileStateRow | undefined, local: LocalLines | undefined, out: Change[]): void {
    const path = logPath(this.host.dir, log.name);
    const source = (lineNo: number, otherwise: ChangeSource): ChangeSource =>
      local !== undefined && lineNo >= local.firstLine && lineNo <= local.lastLine ? 'local' : otherwise;
    if (state === undefined) {
      if (statSignature(path) !== 'absent') return this.notePending(log.name, path);
      this.pending.delete(log.name);
      // The cache agrees the log is gone (a checkout of a branch without it): so are its records.
      if (log.current.size > 0) this.diffRewrite(log, new Map(), () => 'rewrite', out);
      log.cursor = undefined;
      return;
    }
    if (state.conflict_line !== null) {
      // Wait for the merge to be resolved — but notice when it is: a log fixed by hand or
      // by a resolving tool no hook follows changes nothing in the cache, and nothing else
      // would catch it up (the feed waited until some other reader refreshed).
      this.pendingIfAhead(log.name, path, state);
      return;
    }
    if (log.cursor !== undefined && sameCursor(log.cursor, state)) {
      this.pendingIfAhead(log.name, path, state);
      return;
    }
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return this.notePending(log.name, path);
    }
    try {
      const st = fstatSync(fd, { bigint: true });
      const size = Number(st.size);
      // The cache's row must describe this very file, else the cache is behind a rewrite.
      // Same inode, size and mtime as recorded says so without reading (the cache's own rule).
      const exact = statMatches(st, state);
      if (!exact && (String(st.ino) !== state.ino || size < state.offset || fingerprintPrefix(fd, state.offset) !== state.fingerprint)) {
        return this.notePending(log.name, path);
      }
      if (size > state.offset) this.notePending(log.name, path);
      else this.pending.delete(log.name);
      const cursor = log.cursor;
      if (st.birthtimeNs !== 0n && st.birthtimeNs !== st.ctimeNs) birthTimesKept = true;
      const birth = birthTimesKept ? String(st.birthtimeNs) : undefined;
      const tailOnly =
        cursor === undefined
          ? log.current.size === 0
          : cursor.ino === state.ino &&
            (cursor.birth === undefined || birth === undefined || cursor.birth === birth) &&
            cursor.offset <= state.offset &&
            fingerprintPrefix(fd, cursor.offset) === cursor.fingerprint &&
            prefixKept(fd, cursor, state);
      if (tailOnly) {
        this.readTail(fd, log, cursor?.offset ?? 0, (cursor?.lines ?? 0) + 1, state.offset, (n) => source(n, 'external'), out);
      } else {
        const after = new Map<string, { text: string; line: number }>();
        cache.forEachCurrentVersion(log.name, (id, _updatedAt, line, text) => after.set(id, { text, line }));
        this.diffRewrite(log, after, (line) => source(line, 'rewrite'), out);
      }
      log.cursor = { ...cursorOf(state), ...(birth === undefined ? {} : { birth }) };
    } finally {
      closeSync(fd);
    }
  }

  /** Applies the complete lines in [from, to) to the remembered versions, collecting the changes. */
  private readTail(fd: number, log: TrackedLog, from: number, firstLine: number, to: number, source: (lineNo: number) => ChangeSource, out: Change[]): void {
    if (from >= to) return;
    forEachCommittedLine(fd, from, to, firstLine, (text, lineNo) => this.applyLine(log, text, lineNo, source(lineNo), out));
  }

  /** One committed line (without its line end) against the remembered versions: its change, if it makes one. */
  private applyLine(log: TrackedLog, text: string, lineNo: number, source: ChangeSource, out: Change[]): void {
    const parsed = parseLine(text);
    if (parsed.kind !== 'record') return; // malformed lines are reported by the cache (check)
    const record = parsed.record;
    // As the cache holds it (a Rust-format line with its filled-in id / updated_at), so
    // that comparing with the cache after a rewrite compares like with like.
    const held = readerText(text, parsed.filled);
    const before = log.current.get(record.id);
    if (!becomesCurrent(before, record)) return;
    // Current even when it changes nothing a reader sees (a second tombstone): the
    // remembered version is the one the cache holds.
    log.current.set(record.id, { updatedAt: record.updated_at, text: held });
    const change = changeForAppended(log.name, before, record, source, held);
    if (change !== undefined) out.push(change);
  }


  /** Compares the remembered current versions with the rebuilt ones: one change per record that differs. */
  private diffRewrite(log: TrackedLog, after: Map<string, { text: string; line: number }>, source: (line: number) => ChangeSource, out: Change[]): void {
    const changes: Change[] = [];
    const next = new Map<string, KnownVersion>();
    for (const [id, version] of after) {
      const before = log.current.get(id);
      if (before !== undefined && before.text === version.text) {
        next.set(id, before);
        continue;
      }
      const change = changeForRewrite(log.name, id, before, version, source(version.line));
      const updatedAt = change?.record.updated_at ?? (JSON.parse(version.text) as { updated_at: number }).updated_at;
      next.set(id, { updatedAt, text: version.text });
      if (change !== undefined) changes.push(change);
    }
    for (const [id, before] of log.current) {
      if (after.has(id)) continue;
      const change = changeForRewrite(log.name, id, before, undefined, 'rewrite');
      if (change !== undefined) changes.push(change);
    }
    log.current = next;
    // A loop, not push(...): a checkout that rewrites 200,000 records overflowed the stack.
    for (const change of byUpdatedAt(changes)) out.push(change);
  }

  private deliver(changes: Change[]): void {
    for (const change of changes) {
      for (const subscriber of this.subscribers) if (subscriber.wants(change.collection)) subscriber.push(change);
    }
  }

  /** Cursor and cache agree: is the file still exactly what the cache consumed (one stat)? */
  private pendingIfAhead(name: string, path: string, state: FileStateRow): void {
    if (unchangedByStat(path, state)) this.pending.delete(name);
    else this.notePending(name, path);
  }

  /** The log holds bytes (or a rewrite) the cache has not committed: a write in flight, or a change made outside TaskStore. */
  private notePending(name: string, path: string): void {
    const signature = statSignature(path);
    // Already caught up at exactly this state (e.g. a torn last line the cache will not take): nothing to wait for.
    if (this.caughtUpAt.get(name) === signature) return;
    const known = this.pending.get(name);
    if (known === undefined || known.signature !== signature) this.pending.set(name, { signature, since: performance.now() });
  }

  /**
   * A write in flight commits within milliseconds and wakes the feed through the cache's
   * WAL. A log that stays ahead of the cache, unchanged, for `settleMs` was changed by
   * something that does not update the cache (git without hooks, an editor): catch up.
   */
  private scheduleSettle(): void {
    if (this.pending.size === 0 || this.settleTimer !== undefined || this.subscribers.size === 0) return;
    this.settleTimer = setTimeout(() => {
      if (this.subscribers.size === 0) {
        this.settleTimer = undefined;
        return;
      }
      try {
        // A write that was in flight has committed by now: this look clears it.
        this.poll([]);
        const now = performance.now();
        let stale = false;
        for (const [name, pending] of this.pending) {
          if (now - pending.since >= this.timings.settleMs) {
            this.caughtUpAt.set(name, pending.signature);
            this.pending.delete(name);
            stale = true;
          }
        }
        if (stale) {
          this.host.catchUp();
          this.poll([]);
        }
      } catch (err) {
        this.warnFailure(err);
      } finally {
        this.settleTimer = undefined;
      }
      this.scheduleSettle();
    }, this.timings.settleMs);
    this.settleTimer.unref();
  }
}

/** `changes` in `updated_at` order, stable; most batches already are (one write), and are returned as they are. */
function inTimeOrder(changes: Change[]): Change[] {
  for (let i = 1; i < changes.length; i++) if (changes[i]!.record.updated_at < changes[i - 1]!.record.updated_at) return byUpdatedAt(changes);
  return changes;
}

/**
 * What a listener threw, as text, whatever it threw: `String()` itself throws for a
 * null-prototype object (and a `message` getter may throw), and an exception here would
 * escape the delivery loop and crash the process.
 */
function describeThrown(err: unknown): string {
  try {
    return err instanceof Error ? err.message : String(err);
  } catch {
    return Object.prototype.toString.call(err);
  }
}

/** Committed tails are usually one write's lines: read them into a buffer of their size, reused. */
const SMALL_TAIL = 64 * 1024;
const tailBuffer = Buffer.allocUnsafe(SMALL_TAIL);

/**
 * Calls `onLine(text, lineNo)` for each line in [from, to) of the log, which the cache
 * says are complete lines (`to` ends one). Lines that are not valid UTF-8 are skipped
 * (the cache reports them); a trailing `\r` is dropped and a byte-order mark before the
 * first line is skipped, as the cache does (an editor's mark belongs to the file, not to
 * the record: left in, it made the first line of a log another tool created unreadable).
 */
function forEachCommittedLine(fd: number, from: number, to: number, firstLine: number, onLine: (text: string, lineNo: number) => void): void {
  const emit = (bytes: Buffer, lineNo: number): void => {
    if (!isUtf8(bytes)) return;
    const text = withoutBom(bytes.toString('utf8'), lineNo);
    onLine(text.endsWith('\r') ? text.slice(0, -1) : text, lineNo);
  };
  if (to - from > SMALL_TAIL) {
    // A big catch-up: stream it in bounded memory.
    readLinesFrom(fd, from, firstLine, (line) => {
      if (line.offset < to) emit(line.raw, line.lineNo);
    });
    return;
  }
  const data = readRange(fd, from, to - from, tailBuffer);
  let start = 0;
  let lineNo = firstLine;
  for (let nl = data.indexOf(0x0a); nl !== -1; nl = data.indexOf(0x0a, start)) {
    emit(data.subarray(start, nl), lineNo++);
    start = nl + 1;
  }
}

/** Collection names of the logs in the store directory. */
function logsInDirectory(dir: string): string[] {
  const names: string[] = [];
  for (const entry of readdirSync(dir)) {
    const name = collectionOfLogFile(entry);
    if (name !== undefined) names.push(name);
  }
  return names;
}

/**
 * Whether the log still begins with the bytes the cursor consumed, as far as the CRCs can
 * tell: the cache's CRC of its consumed prefix must be the cursor's extended by the bytes
 * in between. The fingerprint windows (first and last KiB) miss an edit of equal length
 * saved in place in the middle of a big log; when something then appended (another
 * process, or this one) the cache rebuilt and extended the new CRC, and taking only the
 * tail lost the edit. Without a CRC on either side (older caches) the windows decide.
 */
function prefixKept(fd: number, cursor: Cursor, state: FileStateRow): boolean {
  if (cursor.prefixCrc === null || state.prefix_crc === null) return true;
  if (cursor.offset === state.offset) return cursor.prefixCrc === state.prefix_crc;
  return crc32Range(fd, cursor.offset, state.offset, cursor.prefixCrc) === state.prefix_crc;
}

/**
 * Whether this process has seen a real birth time: where Node cannot ask the kernel for
 * one (no statx), it reports the ctime, which every append moves, and comparing it would
 * take every append for a rewrite. A file whose birth time differs from its ctime (a log
 * appended to after it was made) shows that the birth times are real.
 */
let birthTimesKept = false;

function cursorOf(state: FileStateRow): Cursor {
  return { ino: state.ino, offset: state.offset, lines: state.lines, fingerprint: state.fingerprint, prefixCrc: state.prefix_crc };
}

function sameVersion(a: CacheVersion, b: CacheVersion | undefined): boolean {
  return b !== undefined && a.others === b.others && a.own === b.own;
}

function sameCursor(cursor: Cursor, state: FileStateRow): boolean {
  return cursor.ino === state.ino && cursor.offset === state.offset && cursor.fingerprint === state.fingerprint && cursor.prefixCrc === state.prefix_crc;
}

/**
 * Device, inode and (when real, see `birthTimesKept`) birth time of a directory, or
 * undefined when it is absent: a directory made right after one was removed may get its
 * inode number.
 */
function directoryIdentity(dir: string): string | undefined {
  const st = statSync(dir, { bigint: true, throwIfNoEntry: false });
  return st === undefined ? undefined : `${st.dev}:${st.ino}:${birthTimesKept ? st.birthtimeNs : ''}`;
}

/** inode, size and mtime of a log, or 'absent'. */
function statSignature(path: string): string {
  const st = statSync(path, { bigint: true, throwIfNoEntry: false });
  return st === undefined ? 'absent' : `${st.ino}:${st.size}:${st.mtimeNs}`;
}
