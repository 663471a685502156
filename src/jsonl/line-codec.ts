/**
 * The JSONL line format, as pure functions: no file access here.
 *
 * A valid line is one JSON object with a non-empty string `id` and an integer
 * `updated_at`. A tombstone additionally has `"deleted": true`. Anything else is a
 * malformed line: it is reported with a reason, and never silently dropped.
 *
 * Lines written by the original Rust TaskStore lack one of the two in two places, and
 * one rule, applied here and so by every reader (the cache, `check`, the merge driver),
 * fills them in without touching the line:
 * - no `id` member, and a non-empty string `repo_path`: the id is `repo_path` (the Rust
 *   store keys repository state by path);
 * - no `updated_at` member, and an integer `created_at`: the version is `created_at` (a
 *   Rust dependency is resolved by appending a second line with the same `created_at`;
 *   the versions tie, and the later line wins as for any tie).
 * A member that is present but invalid is never replaced: that line is malformed.
 */
import { spellControls } from './control-chars.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.js';

/** One parsed version of a record, exactly as it appears on disk. */
export interface StoredRecord {
  id: string;
  updated_at: number;
  deleted?: boolean;
  [field: string]: unknown;
}

/**
 * What the Rust-format rule filled in for a line that lacked it (see the file comment).
 * The line itself is never rewritten; readers see it with these members added.
 */
export interface FilledStamps {
  id?: string;
  updated_at?: number;
}

type ParsedLine =
  /** `record` has `id` and `updated_at` (filled in when `filled` is set). */
  | { kind: 'record'; record: StoredRecord; filled?: FilledStamps }
  | { kind: 'conflict-marker'; marker: string }
  | { kind: 'malformed'; reason: string };

const CONFLICT_MARKER = /^(<{7} |={7}$|>{7} |<{7}$|>{7}$|\|{7}( |$))/;

/** True for the lines git writes around an unresolved conflict (`<<<<<<< `, `=======`, `>>>>>>> `, and diff3's `|||||||`). */
export function isConflictMarker(line: string): boolean {
  return CONFLICT_MARKER.test(stripCr(line));
}

/** Parses one line (without its `\n`; a trailing `\r` is tolerated). */
export function parseLine(line: string): ParsedLine {
  if (isConflictMarker(line)) return { kind: 'conflict-marker', marker: stripCr(line).slice(0, 7) };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    // V8's message quotes the line: the reason reaches terminals (see control-chars.ts).
    return { kind: 'malformed', reason: `not valid JSON (${spellControls((err as Error).message)})` };
  }
  const filled = fillRustStamps(value);
  const problem = recordProblem(value);
  if (problem !== undefined) return { kind: 'malformed', reason: problem };
  if (nestsDeeperThan(value, MAX_JSON_DEPTH, line.length)) {
    // The cache's JSON functions (SQLite) refuse it: it could be neither indexed nor queried.
    return { kind: 'malformed', reason: `nested more than ${MAX_JSON_DEPTH} levels deep` };
  }
  return filled === undefined ? { kind: 'record', record: value as StoredRecord } : { kind: 'record', record: value as StoredRecord, filled };
}

/**
 * Applies the Rust-format rule to a parsed line, in place: an absent `id` comes from a
 * non-empty string `repo_path`, an absent `updated_at` from an integer `created_at`.
 * Returns what was filled in, or undefined when nothing was.
 */
function fillRustStamps(value: unknown): FilledStamps | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  let filled: FilledStamps | undefined;
  if (!Object.hasOwn(record, 'id') && typeof record.repo_path === 'string' && record.repo_path.length > 0) {
    record.id = record.repo_path;
    filled = { id: record.repo_path };
  }
  if (!Object.hasOwn(record, 'updated_at') && Number.isSafeInteger(record.created_at)) {
    record.updated_at = record.created_at;
    filled = { ...filled, updated_at: record.created_at as number };
  }
  return filled;
}

/**
 * The line as readers see it: `text` (a record line without its line end) with the
 * members the Rust-format rule filled in written out, `id` first and `updated_at` last.
 * Returns `text` itself when nothing was filled in. The log is never rewritten: this is
 * the text the cache serves, so every read has an `id` and an `updated_at`.
 */
export function readerText(text: string, filled: FilledStamps | undefined): string {
  if (filled === undefined) return text;
  let out = text;
  // A filled line has at least the member it was filled from, so it is never `{}`.
  if (filled.updated_at !== undefined) {
    const end = out.lastIndexOf('}');
    out = `${out.slice(0, end)},"updated_at":${filled.updated_at}${out.slice(end)}`;
  }
  if (filled.id !== undefined) {
    const start = out.indexOf('{') + 1;
    out = `${out.slice(0, start)}"id":${JSON.stringify(filled.id)},${out.slice(start)}`;
  }
  return out;
}

/** Why `value` is not a storable record version, or undefined when it is one. */
export function recordProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'not a JSON object';
  }
  const { id, updated_at: updatedAt } = value as Record<string, unknown>;
  if (typeof id !== 'string' || id.length === 0) return 'no non-empty string "id"';
  if (typeof updatedAt !== 'number' || !Number.isSafeInteger(updatedAt)) return 'no integer "updated_at"';
  return undefined;
}

/** True when this version is a tombstone (the record is deleted). */
export function isTombstone(record: StoredRecord): boolean {
  return record.deleted === true;
}

/** Serializes a record as one line, without the trailing newline. */
export function serializeRecord(record: StoredRecord): string {
  return JSON.stringify(record);
}

/**
 * Which of two versions of one id a reader takes as current: the higher `updated_at`,
 * and on equal `updated_at` the one later in the file. `bLater` says whether `b` comes
 * after `a` in the file. Returns true when `b` supersedes `a`.
 */
export function supersedes(a: { updated_at: number }, b: { updated_at: number }, bLater: boolean): boolean {
  return b.updated_at > a.updated_at || (b.updated_at === a.updated_at && bLater);
}

/**
 * A log's first line without a leading UTF-8 byte-order mark (Windows editors save one).
 * The mark is accepted and left in the file; it is just not part of the record.
 */
export function withoutBom(text: string, lineNo: number): string {
  return lineNo === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
