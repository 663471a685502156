/**
 * Timestamps as text. A stored timestamp is any integer of Unix milliseconds up to
 * 2^53 - 1, but a JavaScript Date holds only ±8.64e15 ms (±100,000,000 days around 1970):
 * `new Date(9e15).toISOString()` throws "Invalid time value". A line another program or a
 * broken clock wrote can hold such a stamp, and every message and table that shows it
 * must still answer.
 */

/** The largest distance from 1970 a Date can hold, in ms. */
export const MAX_DATE_MS = 8.64e15;

/**
 * `ms` as an ISO 8601 UTC time (`2024-05-01T12:34:56.789Z`), or undefined when it is no
 * integer a Date can hold.
 * @example isoTime(0) // '1970-01-01T00:00:00.000Z'; isoTime(9e15) // undefined
 */
export function isoTime(ms: number): string | undefined {
  if (!Number.isSafeInteger(ms) || Math.abs(ms) > MAX_DATE_MS) return undefined;
  return new Date(ms).toISOString();
}
