/**
 * A record's history: every stored version (live, or deleted given its full id) with
 * the fields each changed, and — after git merges — which version each was made from.
 * Shared by `taskstore history`, the MCP server's history tool and the dashboard's
 * history page. Reads through the public entry only.
 */
import { jsonEqual, type Store } from '../index.js';
import { resolveId } from './id-prefix.js';

export interface HistoryInput {
  id: string;
  /** Look for the id in this (valid) collection only: an id two collections have is otherwise ambiguous. */
  collection?: string;
}

interface FieldChange {
  field: string;
  /** Absent when the field was added. */
  old?: unknown;
  /** Absent when the field was removed. */
  new?: unknown;
}

interface HistoryVersion {
  /** The version as stored (a tombstone is `{ id, updated_at, deleted: true }`). */
  record: Record<string, unknown>;
  deleted: boolean;
  /**
   * The version (1-based, in file order) this one was based on: normally the one before
   * it; after a merge of branches, versions of both branches are interleaved in the file,
   * and a version is compared with the one it was made from instead. Null for the first.
   */
  basedOn: number | null;
  /** For a version the merge driver wrote when it merged two branches' edits: the other branch's version (1-based). */
  mergeOf: number | null;
  /** Fields that differ from the version it was based on, in file order (every field for the first); `id` and `updated_at` are not listed. */
  changes: FieldChange[];
}

export interface RecordHistory {
  collection: string;
  id: string;
  versions: HistoryVersion[];
}

/** Every version of a record (live, or deleted given its full id), with what each changed. */
export function recordHistory(store: Store, input: HistoryInput): RecordHistory {
  const match = resolveId(store, input.id, { includeDeleted: true, ...(input.collection === undefined ? {} : { collections: [input.collection] }) });
  const versions = store.collection({ name: match.collection }).history(match.id);
  return { collection: match.collection, id: match.id, versions: diffVersions(versions) };
}

const SKIPPED = new Set(['id', 'updated_at', 'deleted']);
/** How far back a version's base is looked for (keeps long histories linear in time). */
const LOOK_BACK = 50;

/** The field changes from `before` to `after`. Pure. */
function fieldChanges(before: Record<string, unknown>, after: Record<string, unknown>): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (SKIPPED.has(field)) continue;
    const had = Object.hasOwn(before, field);
    const has = Object.hasOwn(after, field);
    if (had && has && jsonEqual(before[field], after[field])) continue;
    changes.push({ field, ...(had ? { old: before[field] } : {}), ...(has ? { new: after[field] } : {}) });
  }
  return changes;
}

/**
 * Pure: pairs each version with the version it was based on and the field changes from
 * it. Versions are in file order. After a git merge, the versions two branches made from
 * a common one sit one after the other, so the previous version is not always the base:
 * comparing with it would show the other branch's edits as reverted. The base of a
 * version is the one before it, unless an earlier live version differs from it in
 * strictly fewer fields (but in some): then it was made on another branch from that
 * one. A version whose every change brings in a value of another branch's version
 * (neither its base nor an ancestor of it) is the merge of the two.
 */
export function diffVersions(versions: readonly Record<string, unknown>[]): HistoryVersion[] {
  const basedOn: (number | null)[] = [];
  const result: HistoryVersion[] = [];
  const isAncestor = (candidate: number, of: number | null): boolean => {
    for (let v = of; v !== null; v = basedOn[v]!) if (v === candidate) return true;
    return false;
  };
  versions.forEach((record, i) => {
    const deleted = record.deleted === true;
    const previous = i - 1;
    let base: number | null = i === 0 ? null : previous;
    if (!deleted && i > 0 && versions[previous]!.deleted !== true) {
      let best = fieldChanges(versions[previous]!, record).length;
      for (let j = previous - 1; j >= Math.max(0, i - LOOK_BACK); j--) {
        if (versions[j]!.deleted === true) break; // nothing before a deletion is a base of what follows it
        const n = fieldChanges(versions[j]!, record).length;
        if (n > 0 && n < best) {
          best = n;
          base = j;
        }
      }
    }
    basedOn.push(base);
    const from = base === null || versions[base]!.deleted === true ? {} : versions[base]!;
    const changes = deleted ? [] : fieldChanges(from, record);
    let mergeOf: number | null = null;
    if (!deleted && base !== null && changes.length > 0) {
      for (let j = i - 1; j >= Math.max(0, i - LOOK_BACK) && mergeOf === null; j--) {
        const other = versions[j]!;
        if (j === base || other.deleted === true || isAncestor(j, base) || isAncestor(base, j)) continue;
        const fromOther = changes.every((ch) => (Object.hasOwn(ch, 'new') ? Object.hasOwn(other, ch.field) && jsonEqual(other[ch.field], ch.new) : !Object.hasOwn(other, ch.field)));
        if (fromOther) mergeOf = j;
      }
    }
    result.push({ record, deleted, basedOn: base === null ? null : base + 1, mergeOf: mergeOf === null ? null : mergeOf + 1, changes });
  });
  return result;
}
