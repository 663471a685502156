/**
 * The `state` column of a collection's cache table: which version of an id a row is.
 * Queries interpolate these constants rather than writing the numbers, so the meaning
 * lives in one place; the SQL text they produce is the same (`state = 1`), which the
 * partial indexes (`… WHERE state = 1`) need to match a query's condition.
 */
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
