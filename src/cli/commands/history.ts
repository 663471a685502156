import type { Store } from '../../index.js';
import type { CliContext } from '../context.js';
import { resolveId } from '../id-prefix.js';
import { withStoreForReading } from '../open-store.js';
import { createOutput, formatTime, formatValue, type Output } from '../output.js';
import { jsonEqual } from '../../merge/json-equal.js';
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
  /** Fields that differ from the previous version in file order (every field for the first); `id` and `updated_at` are not listed. */
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
  const versions = store.collection({ name: match.collection }).history(match.id) as Record<string, unknown>[];
  return { collection: match.collection, id: match.id, versions: diffVersions(versions) };
}

/** Pure: pairs each version with the field changes from the one before it. */
export function diffVersions(versions: readonly Record<string, unknown>[]): HistoryVersion[] {
  let previous: Record<string, unknown> = {};
  return versions.map((record) => {
    const deleted = record.deleted === true;
    const changes: FieldChange[] = [];
    if (!deleted) {
      const fields = [...new Set([...Object.keys(previous), ...Object.keys(record)])];
      for (const field of fields) {
        if (field === 'id' || field === 'updated_at' || field === 'deleted') continue;
        const had = Object.hasOwn(previous, field);
        const has = Object.hasOwn(record, field);
        if (had && has && jsonEqual(previous[field], record[field])) continue;
        changes.push({ field, ...(had ? { old: previous[field] } : {}), ...(has ? { new: record[field] } : {}) });
      }
    }
    previous = deleted ? {} : record;
    return { record, deleted, changes };
  });
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
  history.versions.forEach((version, i) => {
    const when = formatTime(version.record.updated_at);
    const label = version.deleted ? c.red('deleted') : live ? c.yellow('updated') : c.green(i === 0 ? 'created' : 'recreated');
    out.line('', `${c.bold(`#${i + 1}`)}  ${when}  ${label}`);
    live = !version.deleted;
    const width = Math.max(0, ...version.changes.map((ch) => ch.field.length));
    for (const change of version.changes) {
      const field = visible(change.field, true).padEnd(width);
      const oldText = Object.hasOwn(change, 'old') ? formatValue(JSON.stringify(change.old), 50) : undefined;
      const newText = Object.hasOwn(change, 'new') ? formatValue(JSON.stringify(change.new), 50) : c.dim('(removed)');
      out.line(oldText === undefined ? `    ${field}  ${newText}` : `    ${field}  ${c.red(oldText)} → ${c.green(newText)}`);
    }
    if (!version.deleted && version.changes.length === 0) out.line(`    ${c.dim('(no field changed)')}`);
  });
}
