/**
 * The JSONL line format, as pure functions: no file access here.
 *
 * A valid line is one JSON object with a non-empty string `id` and an integer
 * `updated_at`. A tombstone additionally has `"deleted": true`. Anything else is a
 * malformed line: it is reported with a reason, and never silently dropped.
 */

/** One parsed version of a record, exactly as it appears on disk. */
export interface StoredRecord {
  id: string;
  updated_at: number;
  deleted?: boolean;
  [field: string]: unknown;
}

export type ParsedLine =
  | { kind: 'record'; record: StoredRecord }
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
    return { kind: 'malformed', reason: `not valid JSON (${(err as Error).message})` };
  }
  const problem = recordProblem(value);
  if (problem !== undefined) return { kind: 'malformed', reason: problem };
  return { kind: 'record', record: value as StoredRecord };
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
