/**
 * The change feed's data: what a watcher receives, and the pure rules that turn versions
 * into changes. No file or cache access here.
 */
import { supersedes, type StoredRecord } from '../jsonl/line-codec.js';
import { jsonEqual } from '../merge/json-equal.js';
import { parseExact } from '../shared/exact-json.js';

/** Where a change came from. */
export type ChangeSource =
  /** A write made through this Store object, delivered once it is durable (committed). */
  | 'local'
  /** Lines another process or tool appended to a log. */
  | 'external'
  /** Found by rebuilding a rewritten log (git checkout/merge/rebase/pull, a hand edit), or replayed by `since`. */
  | 'rewrite';

export type ChangeOp = 'create' | 'update' | 'delete';

/**
 * The line each version a change carries was parsed from, beside the object rather than
 * in it (a `Change` keeps its documented shape). Why: a record parsed from a line holds an
 * integer beyond ±2^53 rounded, and once a rewrite removed that line (a checkout of a
 * branch without the record), no store lookup can give the digits back.
 */
const versionTexts = new WeakMap<object, string>();

/** `JSON.parse(text)`, remembered as parsed from `text` (see {@link changeLineText}). */
function parseVersion(text: string): StoredRecord {
  return remembered(JSON.parse(text) as StoredRecord, text);
}

function remembered(record: StoredRecord, text: string): StoredRecord {
  versionTexts.set(record, text);
  return record;
}

/**
 * The JSON text of the line a change's `record` or `previous` was read from (as the cache
 * holds it), or undefined for any other object. Gives the exact digits of integers beyond
 * ±2^53, which the parsed record rounds, also for a version whose line is gone from the
 * log (a record a rewrite made vanish).
 * @example store.watch((c) => console.log(changeLineText(c.record))); // '{"id":"big-1","n":12345678901234567890,"updated_at":7}'
 */
export function changeLineText(version: object): string | undefined {
  return versionTexts.get(version);
}

/** One change to one record, as delivered by `store.watch()` and `store.changes()`. */
export interface Change<T = Record<string, unknown>> {
  collection: string;
  id: string;
  op: ChangeOp;
  /**
   * The new current version; for a delete the tombstone, or — when a rewrite made the
   * record vanish without a tombstone — its last version.
   */
  record: T & StoredRecord;
  /** The version this one replaced, when known (absent for creates and replays). */
  previous?: T & StoredRecord;
  source: ChangeSource;
}

export interface WatchOptions {
  /** Only these collections (default: every collection, including ones created later). */
  collections?: readonly string[];
  /**
   * Unix ms: first replay the current version of every record with `updated_at >= since`
   * (op `update`, or `delete` for a tombstone; source `rewrite`), oldest first, then go live.
   */
  since?: number;
}

export interface ChangesOptions extends WatchOptions {
  /** Ends the iteration (the loop finishes normally) when aborted. */
  signal?: AbortSignal;
}

/** A current version as the feed remembers it: its stamp and exact JSON text. */
export interface KnownVersion {
  updatedAt: number;
  text: string;
}

const isDeletedText = (record: StoredRecord): boolean => record.deleted === true;

/**
 * Whether a newly read version becomes its record's current one, given the version that
 * was current before it (read later in the log than `before`): not when it is older.
 */
export function becomesCurrent(before: KnownVersion | undefined, record: StoredRecord): boolean {
  return before === undefined || supersedes({ updated_at: before.updatedAt }, record, true);
}

/**
 * The change a newly read version makes, given the version that was current before it
 * (read later in the log than `before`), or undefined when it does not become current
 * (an older version appended after a newer one) or when nothing a reader sees changed.
 */
export function changeForAppended(
  collection: string,
  before: KnownVersion | undefined,
  record: StoredRecord,
  source: ChangeSource,
  /** The line `record` was parsed from, as the cache holds it (see {@link changeLineText}). */
  text?: string,
): Change | undefined {
  if (!becomesCurrent(before, record)) return undefined;
  // The current version appended again (a line repeated by a tool, or re-spelled: key
  // order, spacing): it wins the tie, but nothing a reader sees changed — as for a
  // rewrite, no change (an update whose record equaled its previous was delivered).
  if (before !== undefined && before.updatedAt === record.updated_at && jsonEqual(parseExact(before.text), parseExact(text ?? JSON.stringify(record)))) return undefined;
  // A tombstone for a record that did not exist (already deleted, or never in this log):
  // readers saw no record before and see none now — as for a rewrite, no change (a second
  // `delete` was delivered for a record deleted once).
  if (isDeletedText(record) && (before === undefined || isTombstoneText(before))) return undefined;
  return makeChange(collection, before, text === undefined ? record : remembered(record, text), source);
}

/**
 * The change from `before` to `after` (both current versions, before and after a rewrite),
 * or undefined when nothing a reader can see changed: the same JSON (a rewrite may
 * re-spell a line: key order, spacing), or a record that did not exist before and does
 * not exist now (tombstones only).
 */
export function changeForRewrite(
  collection: string,
  id: string,
  before: KnownVersion | undefined,
  after: { text: string; record?: StoredRecord } | undefined,
  source: ChangeSource,
): Change | undefined {
  if (after !== undefined) {
    if (before !== undefined && before.text === after.text) return undefined;
    const record = after.record === undefined ? parseVersion(after.text) : remembered(after.record, after.text);
    // Compared with the digits of integers beyond ±2^53 (a parsed number rounds them, and
    // a rewrite that changed only those digits — a 64-bit id fixed by hand — looked like
    // a mere re-spelling and was never delivered).
    if (before !== undefined && jsonEqual(parseExact(before.text), parseExact(after.text))) return undefined;
    if (isDeletedText(record) && (before === undefined || isTombstoneText(before))) return undefined;
    return makeChange(collection, before, record, source);
  }
  // Vanished without a tombstone (e.g. checked out a branch where it never existed).
  if (before === undefined || isTombstoneText(before)) return undefined;
  return { collection, id, op: 'delete', record: parseVersion(before.text), source };
}

function makeChange(collection: string, before: KnownVersion | undefined, record: StoredRecord, source: ChangeSource): Change {
  const previous = before === undefined ? undefined : parseVersion(before.text);
  const op: ChangeOp = isDeletedText(record) ? 'delete' : previous === undefined || isDeletedText(previous) ? 'create' : 'update';
  return previous === undefined
    ? { collection, id: record.id, op, record, source }
    : { collection, id: record.id, op, record, previous, source };
}

/** Whether a remembered version is a tombstone, without parsing it unless it may be one. */
function isTombstoneText(version: KnownVersion): boolean {
  return version.text.includes('"deleted"') && (JSON.parse(version.text) as StoredRecord).deleted === true;
}

/**
 * The records a `since` replay hands out, as `[id, version]`: current versions with
 * `updated_at >= since`, oldest first (ties by id). Not parsed yet: a replay of a million
 * records parses each one only when its watcher takes it (see {@link replayChange}).
 */
export function replayEntries(current: ReadonlyMap<string, KnownVersion>, since: number): [string, KnownVersion][] {
  const picked: [string, KnownVersion][] = [];
  for (const entry of current) if (entry[1].updatedAt >= since) picked.push(entry);
  picked.sort((a, b) => a[1].updatedAt - b[1].updatedAt || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return picked;
}

/** One replayed record's change (`op: 'update'`, or `'delete'` for a tombstone; `source: 'rewrite'`). */
export function replayChange(collection: string, id: string, version: KnownVersion): Change {
  const record = parseVersion(version.text);
  return { collection, id, op: record.deleted === true ? 'delete' : 'update', record, source: 'rewrite' };
}

/** The replay of `since` for one collection, all at once (see {@link replayEntries}). */
export function replayChanges(collection: string, current: ReadonlyMap<string, KnownVersion>, since: number): Change[] {
  return replayEntries(current, since).map(([id, version]) => replayChange(collection, id, version));
}

/** Orders a batch of changes from different collections by `updated_at` (stable otherwise). */
export function byUpdatedAt(changes: Change[]): Change[] {
  return changes
    .map((change, i) => ({ change, i }))
    .sort((a, b) => a.change.record.updated_at - b.change.record.updated_at || a.i - b.i)
    .map((x) => x.change);
}
