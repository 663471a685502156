import { jsonEqual, type Store } from '../../index.js';
import type { CliContext } from '../context.js';
import { resolveId } from '../id-prefix.js';
import { withStoreForReading } from '../open-store.js';
import { createOutput, formatTime, formatValue, type Output } from '../output.js';
import { visible } from '../terminal-safe.js';

export interface HistoryInput {
  id: string;
}

export interface FieldChange {
  field: string;
  /** Absent when the field was added. */
  old?: unknown;
  /** Absent when the field was removed. */
  new?: unknown;
}

export interface HistoryVersion {
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
  const match = resolveId(store, input.id, { includeDeleted: true });
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

export async function run(ctx: CliContext, input: HistoryInput): Promise<number> {
  const out = createOutput(ctx);
  const history = await withStoreForReading(ctx, (store) => recordHistory(store, input));
  if (out.jsonMode) out.json(history);
  else printHistory(out, history);
  return 0;
}

function printHistory(out: Output, history: RecordHistory): void {
  const { c } = out;
  out.line(`${c.dim(history.collection)} ${c.bold(visible(history.id, true))}  ${c.dim(`${history.versions.length} version${history.versions.length === 1 ? '' : 's'}`)}`);
  let live = false;
  let branched = false;
  history.versions.forEach((version, i) => {
    const when = formatTime(version.record.updated_at);
    const label = version.deleted
      ? c.red('deleted')
      : version.mergeOf !== null
        ? c.cyan(`merged #${version.basedOn} and #${version.mergeOf}`)
        : live
          ? c.yellow('updated')
          : c.green(i === 0 ? 'created' : 'recreated');
    // A version made on another branch than the one listed just before it.
    const fork = version.basedOn !== null && version.basedOn !== i && version.mergeOf === null;
    if (fork) branched = true;
    out.line('', `${c.bold(`#${i + 1}`)}  ${when}  ${label}${fork ? c.dim(`  (on another branch, from #${version.basedOn})`) : ''}`);
    live = !version.deleted;
    const width = Math.max(0, ...version.changes.map((ch) => ch.field.length));
    for (const change of version.changes) {
      const field = visible(change.field, true).padEnd(width);
      const oldText = Object.hasOwn(change, 'old') ? formatValue(JSON.stringify(change.old), 50) : undefined;
      const newText = Object.hasOwn(change, 'new') ? formatValue(JSON.stringify(change.new), 50) : c.dim('(removed)');
      const origin = version.mergeOf === null ? '' : c.dim(`  (from #${version.mergeOf})`);
      out.line(oldText === undefined ? `    ${field}  ${newText}${origin}` : `    ${field}  ${c.red(oldText)} → ${c.green(newText)}${origin}`);
    }
    if (!version.deleted && version.changes.length === 0) out.line(`    ${c.dim('(no field changed)')}`);
  });
  if (branched) {
    out.line(
      '',
      c.dim('Versions from different branches are listed in file order; each is compared with the version it was made from.'),
    );
  }
}
