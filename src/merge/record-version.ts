/**
 * One version of a record as the merge sees it: the exact line text plus lazy access
 * to its top-level fields.
 *
 * Fields are split out only for the records the two sides disagree on, and only for as
 * long as that record's merge takes (see {@link fieldsMemo}): keeping them, or the
 * parsed objects, for every line of three large files would cost more in garbage
 * collection than parsing the few lines that need it again.
 *
 * Pure: no file access.
 */
import { isTombstone, type StoredRecord } from '../jsonl/line-codec.js';
import { parseExact } from '../shared/exact-json.js';
import { jsonEqual, ownValue } from './json-equal.js';
import { splitObjectMembers } from './json-members.js';

/** One top-level field of a version: source text for output, parsed value for comparison. */
export interface Field {
  /** The key as written in the source line (quotes and escapes included). */
  readonly rawKey: string;
  /** The value as written in the source line. */
  readonly rawValue: string;
  /** The parsed value (from `parseExact` of the whole line: integers a number would round are `ExactInteger`s). */
  readonly value: unknown;
}

/** Ordered fields of a version by decoded key. Key order is the order of the source line. */
export type Fields = ReadonlyMap<string, Field>;

/** The field the merge never merges: it orders versions instead. */
export const UPDATED_AT = 'updated_at';

export class RecordVersion {
  /**
   * Only what ordering versions needs is kept from the parsed line.
   *
   * @param text the line, without its line end (known to be a valid record)
   */
  constructor(
    readonly text: string,
    readonly id: string,
    readonly updatedAt: number,
    /** True for a tombstone (`"deleted": true`). */
    readonly deleted: boolean,
  ) {}

  /** Builds a version from a line and its parsed record (from `parseLine`). */
  static of(text: string, record: StoredRecord): RecordVersion {
    return new RecordVersion(text, record.id, record.updated_at, isTombstone(record));
  }

  /** For `supersedes` from the line codec. */
  get updated_at(): number {
    return this.updatedAt;
  }

  /** Top-level fields in source order (parsed on every call: see {@link fieldsMemo}). */
  fields(): Fields {
    // Integers beyond ±2^53 stay their digits (ExactInteger): JSON.parse would round
    // 9007199254740993 to 9007199254740992, and the merge would then take a side's
    // change of one into the other for "no change" and drop it.
    const record = parseExact(this.text) as object;
    const fields = new Map<string, Field>();
    for (const m of splitObjectMembers(this.text)) {
      // A key written twice: JSON.parse keeps the last value, and so do we.
      fields.set(m.key, { rawKey: m.rawKey, rawValue: m.rawValue, value: ownValue(record, m.key) });
    }
    return fields;
  }
}

/** Returns the fields of a version; one function serves one record's merge. */
export type FieldsOf = (version: RecordVersion) => Fields;

/**
 * A {@link FieldsOf} that splits each version at most once. Create one per record being
 * merged and drop it afterwards, so the fields are garbage as soon as the record is done.
 */
export function fieldsMemo(): FieldsOf {
  const versions: RecordVersion[] = [];
  const fields: Fields[] = [];
  return (version) => {
    const i = versions.indexOf(version); // at most four versions per record: base, ours, theirs, shown
    if (i >= 0) return fields[i] as Fields;
    const f = version.fields();
    versions.push(version);
    fields.push(f);
    return f;
  };
}

/** Two optional field values are the same JSON (absent only equals absent). */
export function sameField(a: Field | undefined, b: Field | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.rawValue === b.rawValue || jsonEqual(a.value, b.value);
}

/** Two versions hold the same fields with equal values, `updated_at` aside. */
export function sameContent(a: Fields, b: Fields): boolean {
  const size = (f: Fields) => f.size - (f.has(UPDATED_AT) ? 1 : 0);
  if (size(a) !== size(b)) return false;
  for (const [key, field] of a) {
    if (key === UPDATED_AT) continue;
    if (!sameField(field, b.get(key))) return false;
  }
  return true;
}
