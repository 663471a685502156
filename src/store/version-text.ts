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
import { splitObjectMembers, type RawMember } from '../merge/json-members.js';
import type { StoredRecord } from '../jsonl/line-codec.js';

/**
 * The line text (without `\n`) for `record`, reusing members of `previousText` (the
 * previous version's line) whose values are unchanged.
 * @example serializeKeepingMembers({ id: 'a', big: 12345678901234567000, updated_at: 2 }, '{"id":"a","big":12345678901234567890,"updated_at":1}')
 * // → '{"id":"a","big":12345678901234567890,"updated_at":2}'
 */
export function serializeKeepingMembers(record: StoredRecord, previousText: string | undefined): string {
  if (previousText === undefined) return JSON.stringify(record);
  const previous = lastMemberByKey(previousText);
  if (previous === undefined) return JSON.stringify(record);
  const parts: string[] = [];
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (value === undefined) continue; // JSON.stringify drops it too
    const old = previous.get(key);
    if (old !== undefined && jsonEqual(JSON.parse(old.rawValue), value)) {
      parts.push(`${old.rawKey}:${old.rawValue}`);
    } else {
      parts.push(`${JSON.stringify(key)}:${JSON.stringify(value)}`);
    }
  }
  return `{${parts.join(',')}}`;
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
