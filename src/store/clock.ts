/**
 * The wall clock as the store reads it for what it writes: stamps, leases, the retention
 * of `compact({ keepDays })`. A reading that is no time (a fraction, NaN, before 1970,
 * past the last a Date holds) comes from a broken clock or clock shim: written, it would
 * be a stamp every later write of the record has to climb over (a record stamped in the
 * year 285,000 stays there), and a retention start computed from it decides which
 * history compaction drops. It is refused before anything is written.
 */
import { ValidationError } from '../errors.js';
import { MAX_DATE_MS } from '../shared/time.js';

/** `now` when it is an integer of Unix milliseconds from 1970 to the last Date; else ValidationError on `field`. */
export function clockReading(now: number, field: string): number {
  if (Number.isSafeInteger(now) && now >= 0 && now <= MAX_DATE_MS) return now;
  if (!Number.isSafeInteger(now)) {
    throw new ValidationError(`the clock returned ${now}, which is not an integer Unix-milliseconds timestamp; nothing was written`, {
      field,
      hint: 'stamps are integer milliseconds: make Date.now() (or the clock shim in use) return integers',
    });
  }
  const when = now < 0 ? 'before 1970' : `past the last time a Date holds (${MAX_DATE_MS}, in the year 275760)`;
  throw new ValidationError(`the clock returned ${now}, which is ${when}: no clock that is right says so; nothing was written`, {
    field,
    hint: "set this machine's clock (or fix the clock shim in use): stamps, leases and compaction's keepDays are read from it",
  });
}
