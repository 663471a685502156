/**
 * Serializes a new version of a record so that the members it did not change keep the
 * exact bytes of the previous version's line.
 *
 * Why: `JSON.parse` + `JSON.stringify` is lossy for text a person or another program
 * wrote: `12345678901234567890` comes back as `12345678901234567000`, `1.0` as `1`,
 * `"\u00e9"` as `"é"`. A patch of `title` must not rewrite those. Each member of the new
 * version whose value still means the same JSON as the previous version's member of that
 * key keeps the previous member's text; every other member is serialized.
 *
 * Pure: no file access.
 */
import { jsonEqual } from '../merge/json-equal.js';
import { splitArrayElements, splitObjectMembers, type RawMember } from '../merge/json-members.js';
import type { StoredRecord } from '../jsonl/line-codec.js';

/**
 * The line text (without `\n`) for `record`, reusing members of `previousText` (the
 * previous version's line) whose values are unchanged. A changed object or array keeps,
 * in turn, the text of its unchanged members and elements: a patch of `meta.status` (the
 * whole `meta` given again, as read) must not rewrite `meta.big`'s digits either.
 * @example serializeKeepingMembers({ id: 'a', big: 12345678901234567000, updated_at: 2 }, '{"id":"a","big":12345678901234567890,"updated_at":1}')
 * // → '{"id":"a","big":12345678901234567890,"updated_at":2}'
 */
export function serializeKeepingMembers(record: StoredRecord, previousText: string | undefined): string {
  if (previousText === undefined) return JSON.stringify(record);
  return objectKeeping(previousText, record, 0) ?? JSON.stringify(record);
}

/**
 * How deep inside changed objects and arrays text is kept. Each level reads its whole
 * value again, so a change deep inside a big nested value would cost depth × size;
 * below this depth a changed value is serialized whole (its digits as a number holds them).
 */
const MAX_KEEP_DEPTH = 32;

/** `value`'s text, keeping `rawValue` (its previous text) where it means the same JSON. */
function valueKeeping(rawValue: string, value: unknown, depth: number): string {
  const old: unknown = JSON.parse(rawValue);
  if (jsonEqual(old, value)) return rawValue;
  if (typeof value !== 'object' || value === null || typeof old !== 'object' || old === null || Array.isArray(value) !== Array.isArray(old)) {
    return JSON.stringify(value);
  }
  // Text JSON.stringify would write as it is holds nothing to keep: its unchanged parts
  // come out the same. (Most lines: this write path skips the splitting below.)
  if (depth >= MAX_KEEP_DEPTH || JSON.stringify(old) === rawValue) return JSON.stringify(value);
  const kept = Array.isArray(value) ? arrayKeeping(rawValue, value, depth + 1) : objectKeeping(rawValue, value as Record<string, unknown>, depth + 1);
  return kept ?? JSON.stringify(value);
}

/** An object's text keeping its previous members' text; undefined when `rawObject` cannot be split. */
function objectKeeping(rawObject: string, value: Record<string, unknown>, depth: number): string | undefined {
  const previous = lastMemberByKey(rawObject);
  if (previous === undefined) return undefined;
  const parts: string[] = [];
  for (const key of Object.keys(value)) {
    const item = value[key];
    if (item === undefined) continue; // JSON.stringify drops it too
    const old = previous.get(key);
    parts.push(old === undefined ? `${JSON.stringify(key)}:${JSON.stringify(item)}` : `${old.rawKey}:${valueKeeping(old.rawValue, item, depth)}`);
  }
  return `{${parts.join(',')}}`;
}

/**
 * An array's text keeping its previous elements' text: element i against the previous
 * element i, or, when elements were added or removed in front, against the one as far
 * from the end (a prepend keeps the rest). Linear: each element is compared with two.
 */
function arrayKeeping(rawArray: string, value: unknown[], depth: number): string | undefined {
  let elements: string[];
  try {
    elements = splitArrayElements(rawArray);
  } catch {
    return undefined;
  }
  const shift = value.length - elements.length;
  const parts = value.map((item, i) => {
    const fromEnd = elements[i - shift];
    if (shift !== 0 && fromEnd !== undefined && jsonEqual(JSON.parse(fromEnd), item)) return fromEnd;
    const aligned = elements[i];
    return aligned === undefined ? JSON.stringify(item) : valueKeeping(aligned, item, depth);
  });
  return `[${parts.join(',')}]`;
}

/** Members by decoded key; for a key written twice the last one wins, as in `JSON.parse`. */
function lastMemberByKey(text: string): Map<string, RawMember> | undefined {
  let members: RawMember[];
  try {
    members = splitObjectMembers(text);
  } catch {
    return undefined; // not an object we can split: fall back to plain serialization
  }
  const byKey = new Map<string, RawMember>();
  for (const member of members) byKey.set(member.key, member);
  return byKey;
}

