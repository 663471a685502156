/**
 * The `state` column of a collection's cache table: which version of an id a row is.
 * Queries interpolate these constants rather than writing the numbers, so the meaning
 * lives in one place; the SQL text they produce is the same (`state = 1`), which the
 * partial indexes (`… WHERE state = 1`) need to match a query's condition. Also how a
 * read of every current row goes through the table (see everyCurrentRowFrom).
 */
import type { SqliteDatabase } from './sqlite.js';

export const STATE_SUPERSEDED = 0;
export const STATE_LIVE = 1;
export const STATE_TOMBSTONE = 2;

/**
 * The condition for a current live row, as queries that look a row up by id must write
 * it: `state = 1`, plus `state > 0`, the condition of the partial `(id, state)` index
 * (only current rows are in it, see collection-table.ts). SQLite's planner uses a partial
 * index only when the query's terms include the index's own; it cannot prove that
 * `state = 1` implies `state > 0`. `alias` is a table alias with its dot (`d.`).
 */
export function liveRow(alias = ''): string {
  return `${alias}state = ${STATE_LIVE} AND ${alias}state > ${STATE_SUPERSEDED}`;
}


/**
 * The FROM clause for a read of every current row of `table` (`WHERE state > 0`).
 * For that condition SQLite takes the partial `(id, state)` index, as it would for a
 * few rows, and fetches each row by its seq from there: ~3.9 µs a row at 1,000,000
 * rows, against ~0.9 µs for reading the table in order (a read of 850,000 current rows
 * out of 1,000,000: 3.3 s against 0.8 s). So when current rows are more than a quarter
 * of all rows (a log whose records were rarely updated), the table is read in order
 * (`NOT INDEXED`); otherwise the index's few rows are cheaper. Deciding costs two
 * counts: ~30 ms at 1,000,000 rows, from the index and the seq column.
 */
export function everyCurrentRowFrom(db: SqliteDatabase, table: string): string {
  const current = Number(db.prepare(`SELECT count(*) FROM "${table}" WHERE state > ${STATE_SUPERSEDED}`).pluck().get());
  const rows = Number(db.prepare(`SELECT coalesce(max(seq), 0) FROM "${table}"`).pluck().get());
  return current * 4 > rows ? `"${table}" NOT INDEXED` : `"${table}"`;
}
