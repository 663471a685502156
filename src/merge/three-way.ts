/**
 * The three-way merge of one record: ours' current version and theirs' current
 * version, against the current version in the merge base (docs/merge.md).
 *
 * - A field changed on one side only takes that side's value.
 * - A field changed on both sides to different values takes the value of the side whose
 *   version has the higher `updated_at`; with equal `updated_at` it is a conflict.
 * - A tombstone competes as a whole version, not field by field (mixing "all fields
 *   removed" into a live record would produce a record nobody wrote): an untouched
 *   side loses to a changed one, otherwise the higher `updated_at` wins, and equal
 *   `updated_at` is a conflict.
 *
 * Fields are compared as JSON values (key order inside objects does not matter); a
 * removed field is a change. `updated_at` is not merged: the caller stamps the result.
 *
 * Pure: no file access.
 */
import {
  RecordVersion,
  UPDATED_AT,
  fieldsMemo,
  sameContent,
  sameField,
  type Field,
  type Fields,
  type FieldsOf,
} from './record-version.js';

type RecordMergeResult =
  /**
   * `fields` is the merged record in output order. Its `updated_at` entry is a
   * placeholder (the winning side's) that the caller replaces when it writes a new line.
   */
  | { kind: 'merged'; fields: Fields }
  | { kind: 'conflict'; reason: string };

/**
 * Merges one record. `base` is undefined when the merge base has no version of it.
 * `fieldsOf` splits versions into fields (pass a shared {@link fieldsMemo} to reuse the
 * result for further comparisons of the same record).
 *
 * @example
 * // base {a:0,b:0}; ours {a:1,b:1} at 5; theirs {a:0,b:1} at 6
 * mergeRecord(base, ours, theirs) // → merged {a:1,b:1} (a: ours only; b: same on both)
 */
export function mergeRecord(
  base: RecordVersion | undefined,
  ours: RecordVersion,
  theirs: RecordVersion,
  fieldsOf: FieldsOf = fieldsMemo(),
): RecordMergeResult {
  if (ours.text === theirs.text) return { kind: 'merged', fields: fieldsOf(ours) };
  if (ours.deleted !== theirs.deleted) return mergeDeleteWithUpdate(base, ours, theirs, fieldsOf);
  // A live record whose base version is a tombstone was re-created: there is no base to
  // diff against, so every field present on a side counts as that side's change.
  const fieldBase = base !== undefined && base.deleted && !ours.deleted ? undefined : base;
  return mergeFields(fieldBase, ours, theirs, fieldsOf);
}

function mergeDeleteWithUpdate(
  base: RecordVersion | undefined,
  ours: RecordVersion,
  theirs: RecordVersion,
  fieldsOf: FieldsOf,
): RecordMergeResult {
  const [tombstone, live] = ours.deleted ? [ours, theirs] : [theirs, ours];
  const winner = (version: RecordVersion): RecordMergeResult => ({ kind: 'merged', fields: fieldsOf(version) });
  if (base !== undefined && sameContent(fieldsOf(live), fieldsOf(base))) return winner(tombstone);
  if (base !== undefined && sameContent(fieldsOf(tombstone), fieldsOf(base))) return winner(live);
  if (tombstone.updatedAt > live.updatedAt) return winner(tombstone);
  if (live.updatedAt > tombstone.updatedAt) return winner(live);
  const deletedBy = tombstone === ours ? 'ours' : 'theirs';
  return {
    kind: 'conflict',
    reason: `deleted on ${deletedBy} and updated on the other side at the same updated_at (${live.updatedAt})`,
  };
}

function mergeFields(
  base: RecordVersion | undefined,
  ours: RecordVersion,
  theirs: RecordVersion,
  fieldsOf: FieldsOf,
): RecordMergeResult {
  const baseFields: Fields = base === undefined ? new Map() : fieldsOf(base);
  const oursFields = fieldsOf(ours);
  const theirsFields = fieldsOf(theirs);
  // The primary side gives key order (and the representation of values both sides agree on).
  const theirsPrimary = theirs.updatedAt > ours.updatedAt;
  const [primary, secondary] = theirsPrimary ? [theirsFields, oursFields] : [oursFields, theirsFields];

  const merged = new Map<string, Field>();
  const conflicting: string[] = [];
  const take = (key: string) => {
    if (key === UPDATED_AT) {
      if (!merged.has(key)) merged.set(key, (primary.get(key) ?? secondary.get(key)) as Field);
      return;
    }
    const o = oursFields.get(key);
    const t = theirsFields.get(key);
    let value: Field | undefined;
    if (sameField(o, t)) value = theirsPrimary ? t : o;
    else {
      const b = baseFields.get(key);
      if (sameField(o, b)) value = t;
      else if (sameField(t, b)) value = o;
      else if (ours.updatedAt !== theirs.updatedAt) value = theirsPrimary ? t : o;
      else {
        conflicting.push(key);
        return;
      }
    }
    if (value !== undefined) merged.set(key, value);
  };
  for (const key of primary.keys()) take(key);
  for (const key of secondary.keys()) if (!primary.has(key)) take(key);

  if (conflicting.length > 0) {
    const names = conflicting.map((k) => JSON.stringify(k)).join(', ');
    return {
      kind: 'conflict',
      reason:
        `${conflicting.length === 1 ? 'field' : 'fields'} ${names} changed on both sides ` +
        `at the same updated_at (${ours.updatedAt})`,
    };
  }
  return { kind: 'merged', fields: merged };
}
