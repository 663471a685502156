/**
 * Records ready to print with the integers their stored lines hold (see `exact-json.ts`):
 * each record read through the library is matched with its current version's line
 * (`Collection.getText`). Shared by the CLI's JSON output, its tables and the MCP server.
 */
import { withReadDefaults, type Query, type Store } from '../index.js';
import { mayHoldInexact, overlay, parseExact, withExactIntegers } from './exact-json.js';
import type { RecordHistory } from './record-history.js';

/**
 * `record` of `collection` with its integers beyond ±2^53 as the current version's line
 * writes them. A record that is no longer the current version (another `updated_at`) is
 * returned as is.
 */
export function exactRecord<T>(store: Store, collection: string, record: T): T {
  if (!isRecord(record) || typeof record.id !== 'string' || record.id === '') return record;
  const text = store.collection({ name: collection }).getText(record.id);
  if (text === undefined) return record;
  const exact = withExactIntegers(record, text);
  if (exact === record) return record;
  // Written since `record` was read: its digits may be another version's.
  return (JSON.parse(text) as { updated_at?: unknown }).updated_at === record.updated_at ? exact : record;
}

/**
 * {@link exactRecord} for any stored version of a record, current or not (the change
 * feed's `previous`, or a record replaced since it was read): its line is found among the
 * record's versions by its `updated_at`. Returned as is when no single line has it.
 */
export function exactVersion<T>(store: Store, collection: string, record: T): T {
  const current = exactRecord(store, collection, record);
  if (current !== record || !isRecord(record) || typeof record.id !== 'string' || record.id === '') return current;
  const texts = store.collection({ name: collection }).historyTexts(record.id).filter(mayHoldInexact);
  const lines = texts.filter((text) => (JSON.parse(text) as { updated_at?: unknown }).updated_at === record.updated_at);
  return lines.length === 1 ? withExactIntegers(record, lines[0]!) : record;
}

/**
 * `collection.list(query)` as the library's `listX` methods return it (built-in types
 * with their read defaults), each record's integers beyond ±2^53 as its line writes
 * them. One query: the records are parsed from the very lines that give the digits, so
 * a long list costs no lookup per record (as {@link exactRecords} does).
 */
export function exactList(store: Store, collection: string, query: Query): Record<string, unknown>[] {
  return store
    .collection({ name: collection })
    .listTexts(query)
    .map((text) => withExactIntegers(withReadDefaults(collection, JSON.parse(text) as Record<string, unknown>), text));
}

/** {@link exactRecord} for each of `records`. */
export function exactRecords<T>(store: Store, collection: string, records: readonly T[]): T[] {
  return records.map((record) => exactRecord(store, collection, record));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `history` with the integers beyond ±2^53 of each version (its record, and the old and
 * new values of its changes) as the version lines write them. Returned as is when the
 * versions read are not the lines read (a write in between).
 */
export function exactHistory(store: Store, history: RecordHistory): RecordHistory {
  const texts = store.collection({ name: history.collection }).historyTexts(history.id);
  if (texts.length !== history.versions.length || !texts.some(mayHoldInexact)) return history;
  const lines = texts.map((text) => parseExact(text) as Record<string, unknown>);
  const field = (version: number | null, name: string): unknown => (version === null ? undefined : Object.hasOwn(lines[version]!, name) ? lines[version]![name] : undefined);
  return {
    ...history,
    versions: history.versions.map((version, i) => ({
      ...version,
      record: overlay(version.record, lines[i]) as Record<string, unknown>,
      changes: version.changes.map((change) => ({
        ...change,
        ...(Object.hasOwn(change, 'old') ? { old: overlay(change.old, field(version.basedOn === null ? null : version.basedOn - 1, change.field)) } : {}),
        ...(Object.hasOwn(change, 'new') ? { new: overlay(change.new, field(i, change.field)) } : {}),
      })),
    })),
  };
}
