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
import { repeatedKeyOfParsed } from '../shared/json-keys.js';
import type { StoredRecord } from '../jsonl/line-codec.js';

/**
 * The line text (without `\n`) for `record`, reusing members of `previousText` (the
 * previous version's line) whose values are unchanged. A changed object or array keeps,
 * in turn, the text of its unchanged members and elements: a patch of `meta.status` (the
 * whole `meta` given again, as read) must not rewrite `meta.big`'s digits either.
 *
 * Members keep the previous line's order, at every depth (a schema or a caller that
 * rebuilt the object in another order does not move them: nothing the writer of the line
 * wrote is moved); a new member goes right after the old one it follows in `record`
 * (a patched-in field before the `updated_at` that ends the line, as before).
 *
 * A key the previous line writes twice in one object (another program's line: reads take
 * the last value, queries the first) is never silently resolved to one of them: when the
 * write leaves it as read (equal to the last value), every occurrence is kept as written.
 * Only a member the write changes, or one of `given` (the top-level fields a patch names:
 * the caller chose that value), is written once.
 * @example serializeKeepingMembers({ id: 'a', big: 12345678901234567000, updated_at: 2 }, '{"id":"a","big":12345678901234567890,"updated_at":1}')
 * // → '{"id":"a","big":12345678901234567890,"updated_at":2}'
 */
export function serializeKeepingMembers(record: StoredRecord, previousText: string | undefined, given?: ReadonlySet<string>): string {
  if (previousText === undefined) return JSON.stringify(record);
  return objectKeeping(previousText, record, 0, given ?? NONE_GIVEN) ?? JSON.stringify(record);
}

const NONE_GIVEN: ReadonlySet<string> = new Set();
/** Everything under a member a patch names: its repeated keys are resolved to the value given. */
const ALL_GIVEN = true;

/**
 * How deep inside changed objects and arrays text is kept. Each level reads its whole
 * value again, so a change deep inside a big nested value would cost depth × size;
 * below this depth a changed value is serialized whole (its digits as a number holds them).
 */
const MAX_KEEP_DEPTH = 32;

/**
 * `value`'s text, keeping `rawValue` (its previous text) where it means the same JSON.
 * `chosen`: the caller named this value (a patched field): a repeated key inside it is
 * written once, with the value given, instead of kept twice.
 */
function valueKeeping(rawValue: string, value: unknown, depth: number, chosen: boolean): string {
  const old: unknown = JSON.parse(rawValue);
  if (jsonEqual(old, value) && !(chosen && repeatedKeyOfParsed(rawValue, old) !== undefined)) return rawValue;
  if (typeof value !== 'object' || value === null || typeof old !== 'object' || old === null || Array.isArray(value) !== Array.isArray(old)) {
    return JSON.stringify(value);
  }
  // Text JSON.stringify would write as it is holds nothing to keep: its unchanged parts
  // come out the same, in the same order. (Most lines: this write path skips the splitting below.)
  if (depth >= MAX_KEEP_DEPTH || (JSON.stringify(old) === rawValue && keysInOrderDeep(old, value))) return JSON.stringify(value);
  const kept = Array.isArray(value)
    ? arrayKeeping(rawValue, value, depth + 1, chosen)
    : objectKeeping(rawValue, value as Record<string, unknown>, depth + 1, chosen ? ALL_GIVEN : NONE_GIVEN);
  return kept ?? JSON.stringify(value);
}

/**
 * An object's text keeping its previous members' text and order; undefined when
 * `rawObject` cannot be split. `given`: keys whose values the caller chose (or
 * {@link ALL_GIVEN}).
 */
function objectKeeping(rawObject: string, value: Record<string, unknown>, depth: number, given: ReadonlySet<string> | typeof ALL_GIVEN): string | undefined {
  let members: RawMember[];
  try {
    members = splitObjectMembers(rawObject);
  } catch {
    return undefined; // not an object we can split: fall back to plain serialization
  }
  // For a key written twice, the last one: the value JSON.parse read.
  const last = new Map<string, RawMember>();
  let repeated: Set<string> | undefined;
  for (const member of members) {
    if (last.has(member.key)) (repeated ??= new Set()).add(member.key);
    last.set(member.key, member);
  }
  const { leading, after } = newKeysByAnchor(value, last);
  const parts: string[] = [];
  const pushNew = (keys: string[] | undefined): void => {
    for (const key of keys ?? []) parts.push(`${JSON.stringify(key)}:${JSON.stringify(value[key])}`);
  };
  pushNew(leading);
  let written: Set<string> | undefined;
  for (const member of members) {
    emitMember(member);
    // After a key's last occurrence: the new keys that follow it (only kept keys anchor any).
    if (last.get(member.key) === member) pushNew(after.get(member.key));
  }
  return `{${parts.join(',')}}`;

  function emitMember(member: RawMember): void {
    const key = member.key;
    // hasOwn: a key `__proto__` is an own member or none (never the prototype).
    if (!Object.hasOwn(value, key)) return; // removed by this write
    const item = value[key];
    if (item === undefined) return; // JSON.stringify drops it too
    const chosen = given === ALL_GIVEN || given.has(key);
    if (repeated?.has(key) === true) {
      const read = last.get(key)!;
      // Left as read: every occurrence stays as written (which one is right is not this write's to say).
      if (!chosen && jsonEqual(JSON.parse(read.rawValue), item)) {
        parts.push(`${member.rawKey}:${member.rawValue}`);
        return;
      }
      if ((written ??= new Set()).has(key)) return;
      written.add(key);
      parts.push(`${read.rawKey}:${valueKeeping(read.rawValue, item, depth, chosen)}`);
      return;
    }
    parts.push(`${member.rawKey}:${valueKeeping(member.rawValue, item, depth, chosen)}`);
  }
}

/**
 * Where each new key of `value` (one `old` lacks) goes: after the old key it follows in
 * `value`'s order (`after`), or first when no old key precedes it (`leading`). Keys whose
 * value is undefined are left out, as JSON.stringify leaves them out.
 */
function newKeysByAnchor(value: Record<string, unknown>, old: ReadonlyMap<string, unknown> | Record<string, unknown>): { leading: string[]; after: Map<string, string[]> } {
  const has = old instanceof Map ? (key: string) => old.has(key) : (key: string) => Object.hasOwn(old, key);
  const leading: string[] = [];
  const after = new Map<string, string[]>();
  let anchor: string | undefined;
  let anchored = false;
  for (const key of Object.keys(value)) {
    if (value[key] === undefined) continue;
    if (has(key)) {
      anchor = key;
      anchored = true;
    } else if (!anchored) {
      leading.push(key);
    } else {
      const list = after.get(anchor!);
      if (list === undefined) after.set(anchor!, [key]);
      else list.push(key);
    }
  }
  return { leading, after };
}

/**
 * True when the keys `value` shares with `old` are in `old`'s order (new keys anywhere
 * between them): then `value`'s own order is the order a write keeps.
 */
function sameKeyOrder(old: unknown, value: unknown): boolean {
  if (typeof old !== 'object' || old === null || Array.isArray(old)) return true;
  const oldKeys = Object.keys(old);
  let j = 0;
  for (const key of Object.keys(value as object)) {
    if (!Object.hasOwn(old, key)) continue;
    while (j < oldKeys.length && !Object.hasOwn(value as object, oldKeys[j]!)) j++;
    if (oldKeys[j] !== key) return false;
    j++;
  }
  return true;
}

/** {@link sameKeyOrder} at every depth (of the members and elements both hold). */
function keysInOrderDeep(old: unknown, value: unknown): boolean {
  if (typeof old !== 'object' || old === null || typeof value !== 'object' || value === null) return true;
  if (Array.isArray(old) || Array.isArray(value)) {
    if (!Array.isArray(old) || !Array.isArray(value)) return true;
    // Grown or shrunk: elements are matched from either end (arrayKeeping), not by index.
    if (old.length !== value.length) return false;
    for (let i = 0; i < old.length; i++) if (!keysInOrderDeep(old[i], value[i])) return false;
    return true;
  }
  if (!sameKeyOrder(old, value)) return false;
  for (const key of Object.keys(old)) {
    if (Object.hasOwn(value, key) && !keysInOrderDeep((old as Record<string, unknown>)[key], (value as Record<string, unknown>)[key])) return false;
  }
  return true;
}

/**
 * An array's text keeping its previous elements' text: element i against the previous
 * element i, or, when elements were added or removed in front, against the one as far
 * from the end (a prepend keeps the rest). Linear: each element is compared with two.
 */
function arrayKeeping(rawArray: string, value: unknown[], depth: number, chosen: boolean): string | undefined {
  let elements: string[];
  try {
    elements = splitArrayElements(rawArray);
  } catch {
    return undefined;
  }
  const shift = value.length - elements.length;
  const parts = value.map((item, i) => {
    const fromEnd = elements[i - shift];
    if (shift !== 0 && fromEnd !== undefined && jsonEqual(JSON.parse(fromEnd), item) && !(chosen && repeatedKeyOfParsed(fromEnd, item) !== undefined)) return fromEnd;
    const aligned = elements[i];
    return aligned === undefined ? JSON.stringify(item) : valueKeeping(aligned, item, depth, chosen);
  });
  return `[${parts.join(',')}]`;
}

/**
 * `record` with its top-level members in `reference`'s order (the previous version as
 * parsed, whose keys are in its line's order), then the members `reference` lacks, in
 * `record`'s order: the object a write returns and caches lists its fields as its line
 * does. `record` itself when already so.
 */
export function inOrderOf(record: Record<string, unknown>, reference: Record<string, unknown>): Record<string, unknown> {
  if (sameKeyOrder(reference, record)) return record;
  const out: Record<string, unknown> = {};
  const put = (key: string): void => {
    // defineProperty: a key `__proto__` stays an own member, not a prototype.
    Object.defineProperty(out, key, { value: record[key], enumerable: true, writable: true, configurable: true });
  };
  const { leading, after } = newKeysByAnchor(record, reference);
  leading.forEach(put);
  for (const key of Object.keys(reference)) {
    if (!Object.hasOwn(record, key) || record[key] === undefined) continue;
    put(key);
    after.get(key)?.forEach(put);
  }
  return out;
}
