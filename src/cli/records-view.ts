/**
 * Tables of records: the columns shown for each record type, with ids (and fields that
 * hold ids) shortened to unique prefixes.
 */
import type { Store } from '../index.js';
import { stringifyExact } from '../shared/exact-json.js';
import { shortIds } from '../shared/id-prefix.js';
import { formatTime, formatValue, plural, type Output } from './output.js';
import { visible } from './terminal-safe.js';

export interface Column {
  header: string;
  /** Field read from the record. */
  field: string;
  /** The field holds an id, or a list of ids: shorten them. */
  id?: boolean;
  time?: boolean;
  /** Widest cell, in characters (default 60). */
  max?: number;
  /** Colour the cell (status columns). */
  status?: boolean;
}

export const COLUMNS: Record<string, Column[]> = {
  prds: [
    { header: 'ID', field: 'id', id: true },
    { header: 'TITLE', field: 'title', max: 50 },
    { header: 'STATUS', field: 'status', status: true },
    { header: 'REVIEWS', field: 'review_passes' },
    { header: 'CREATED', field: 'created_at', time: true },
  ],
  task_specs: [
    { header: 'ID', field: 'id', id: true },
    { header: 'PRD', field: 'prd_id', id: true },
    { header: 'PHASE', field: 'phase_name', max: 40 },
    { header: 'STATUS', field: 'status', status: true },
    { header: 'WORKFLOW', field: 'workflow_name', max: 20 },
    { header: 'ASSIGNED', field: 'assigned_to', max: 20 },
    { header: 'DEPENDS ON', field: 'dependencies', id: true, max: 40 },
  ],
  executions: [
    { header: 'ID', field: 'id', id: true },
    { header: 'TASK SPEC', field: 'ts_id', id: true },
    { header: 'STATUS', field: 'status', status: true },
    { header: 'BRANCH', field: 'branch_name', max: 30 },
    { header: 'PHASE', field: 'current_phase', max: 20 },
    { header: 'ITER', field: 'iteration_count' },
    { header: 'STARTED', field: 'started_at', time: true },
    { header: 'WORKTREE', field: 'worktree_path', max: 40 },
  ],
  dependencies: [
    { header: 'ID', field: 'id', id: true },
    { header: 'FROM', field: 'from_exec_id', id: true },
    { header: 'TO', field: 'to_exec_id', id: true },
    { header: 'TYPE', field: 'dependency_type' },
    { header: 'RESOLVED', field: 'resolved_at', time: true },
    { header: 'PAYLOAD', field: 'payload', max: 30 },
  ],
  workflows: [
    { header: 'ID', field: 'id', id: true },
    { header: 'NAME', field: 'name', max: 30 },
    { header: 'VERSION', field: 'version', max: 20 },
    { header: 'UPDATED', field: 'updated_at', time: true },
  ],
  repo_state: [
    { header: 'REPO', field: 'repo_path', max: 60 },
    { header: 'LAST SYNCED COMMIT', field: 'last_synced_commit', max: 40 },
    { header: 'UPDATED', field: 'updated_at', time: true },
  ],
};

/** Fields never shown as their own column of a generic collection's table. */
const STAMPS = new Set(['id', 'created_at', 'updated_at']);
const MAX_GENERIC_COLUMNS = 6;

/** Columns for a generic collection: id, the first fields seen (up to six), updated_at. */
function genericColumns(records: readonly Record<string, unknown>[]): Column[] {
  const fields: string[] = [];
  for (const record of records) {
    for (const key of Object.keys(record)) {
      if (!STAMPS.has(key) && !fields.includes(key) && fields.length < MAX_GENERIC_COLUMNS) fields.push(key);
    }
  }
  return [
    { header: 'ID', field: 'id', id: true },
    ...fields.map((field) => ({ header: field.toUpperCase(), field, max: 40, time: field.endsWith('_at') })),
    { header: 'UPDATED', field: 'updated_at', time: true },
  ];
}

export function columnsFor(collection: string, records: readonly Record<string, unknown>[]): Column[] {
  // hasOwn: a generic collection may be named `constructor`, which every object has.
  return Object.hasOwn(COLUMNS, collection) ? COLUMNS[collection]! : genericColumns(records);
}

const STATUS_COLOURS: Record<string, 'green' | 'yellow' | 'red' | 'cyan' | 'dim'> = {
  complete: 'green',
  running: 'cyan',
  active: 'cyan',
  in_progress: 'cyan',
  ready: 'cyan',
  pending: 'yellow',
  paused: 'yellow',
  blocked: 'yellow',
  draft: 'dim',
  failed: 'red',
  cancelled: 'dim',
  stopped: 'dim',
};

/**
 * What an empty page of a paged list says (on stderr), truthful when records match but
 * none is shown: `--limit 0` shows none, an `--offset` past the end neither.
 * @example emptyPageNote({ what: 'records in notes', noun: 'record', limit: 0, offset: 0, total: 2 }) // 'nothing shown (--limit 0); 2 records match'
 */
export function emptyPageNote(page: { what: string; noun: string; limit: number | undefined; offset: number | undefined; total: number }): string {
  const { what, noun, limit, offset = 0, total } = page;
  if (total > 0 && limit === 0) return `nothing shown (--limit 0); ${plural(total, noun)} ${total === 1 ? 'matches' : 'match'}`;
  if (total > 0 && offset > 0) return `no ${what} at offset ${offset} of ${total}`;
  return `no ${what}`;
}

/**
 * What follows a page that is not the last one (on stderr): where it sits and how to get
 * the next, so a `--limit` page is not taken for everything there is. Undefined otherwise.
 * @example morePagesNote({ offset: 0, shown: 100, total: 250 }) // '(showing 1-100 of 250; --offset 100 for more)'
 */
export function morePagesNote(page: { offset: number; shown: number; total: number }): string | undefined {
  const { offset, shown, total } = page;
  return shown > 0 && offset + shown < total ? `(showing ${offset + 1}-${offset + shown} of ${total}; --offset ${offset + shown} for more)` : undefined;
}

/** Prints `records` as a table (or `(none)` on stderr when there are none). */
export function printRecords(out: Output, store: Store, records: readonly Record<string, unknown>[], columns: Column[], emptyNote = 'no records'): void {
  if (records.length === 0) {
    out.note(`(${emptyNote})`);
    return;
  }
  const ids: string[] = [];
  for (const record of records) {
    for (const column of columns) {
      if (!column.id) continue;
      const value = record[column.field];
      if (typeof value === 'string') ids.push(value);
      else if (Array.isArray(value)) ids.push(...value.filter((v): v is string => typeof v === 'string'));
    }
  }
  const short = shortIds(store, ids);
  const shortId = (id: string): string => visible(short.get(id) ?? id, true);
  const cell = (record: Record<string, unknown>, column: Column): string => {
    const value = record[column.field];
    if (column.id) {
      if (typeof value === 'string') return shortId(value);
      if (Array.isArray(value)) return value.length === 0 ? '-' : value.map((v) => (typeof v === 'string' ? shortId(v) : stringifyExact(v))).join(',');
      if (value === null || value === undefined) return column.field === 'to_exec_id' ? out.c.dim('(all)') : '-';
    }
    if (column.time) return value === null || value === undefined ? '-' : formatTime(value);
    const text = formatValue(value, column.max ?? 60);
    if (column.status && typeof value === 'string') {
      // hasOwn: a status read from a hand-edited log can be any text, `toString` included.
      const colour = Object.hasOwn(STATUS_COLOURS, value) ? STATUS_COLOURS[value] : undefined;
      return colour === undefined ? text : out.c[colour](text);
    }
    return text;
  };
  out.table(
    columns.map((c) => visible(c.header, true)),
    records.map((record) => columns.map((column) => cell(record, column))),
    // Single ids, times and statuses are never cut (a cut id could not be typed back); text and id lists are.
    columns.map((c) => !(c.time || c.status || (c.id && !records.some((r) => Array.isArray(r[c.field]))))),
  );
}
