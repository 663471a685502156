/**
 * The longest lease a claim or renewal may take: 24 hours. A loop that works longer
 * renews. The cap is what lets every process tell a lease that cannot be right (see
 * {@link LEASE_CLOCK_SKEW_MS}). Here, with no imports, so the CLI's option parser can
 * refuse a longer `--lease-ms` in its own words without loading the library, and the
 * dashboard judges a lease by the rule the store claims by.
 */
export const MAX_LEASE_MS = 24 * 3600 * 1000;

/**
 * How far ahead of a reader's clock an honest claimer's clock may run: one hour. A lease
 * that ends more than `MAX_LEASE_MS + LEASE_CLOCK_SKEW_MS` after the reader's now was
 * written by a clock that was wrong (far ahead, or since set back by NTP): no claimer
 * could have asked for it. It counts as ended, so the spec does not stay held until
 * that clock's idea of the future, and its claimer learns at its next renewal
 * (ClaimedError) that someone else took over. An honest claimer whose clock is within
 * the skew of the others' never loses a live lease to this rule.
 */
export const LEASE_CLOCK_SKEW_MS = 3600 * 1000;

/** A lease ending after this, seen at `now`, cannot be right (see {@link LEASE_CLOCK_SKEW_MS}). */
export function latestPlausibleLeaseEnd(now: number): number {
  return now + MAX_LEASE_MS + LEASE_CLOCK_SKEW_MS;
}
