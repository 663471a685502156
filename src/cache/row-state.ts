/**
 * The `state` column of a collection's cache table: which version of an id a row is.
 * Queries interpolate these constants rather than writing the numbers, so the meaning
 * lives in one place; the SQL text they produce is the same (`state = 1`), which the
 * partial indexes (`… WHERE state = 1`) need to match a query's condition.
 */
export const STATE_SUPERSEDED = 0;
export const STATE_LIVE = 1;
export const STATE_TOMBSTONE = 2;
