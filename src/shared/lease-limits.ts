/**
 * The longest lease a claim or renewal may take: 24 hours. A loop that works longer
 * renews. The cap is what lets every process tell a lease that cannot be right (see
 * `LEASE_CLOCK_SKEW_MS` in src/records/claims.ts). Here, with no imports, so the CLI's
 * option parser can refuse a longer `--lease-ms` in its own words without loading the
 * library.
 */
export const MAX_LEASE_MS = 24 * 3600 * 1000;
