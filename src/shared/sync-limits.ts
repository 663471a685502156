/**
 * The most retries `gitSync()` takes after rejected pushes. Here, with no imports, so the
 * CLI's option parser can refuse a larger `--retries` as a usage error, as it refuses a
 * `--lease-ms` over its limit, without loading the library.
 */
export const MAX_SYNC_RETRIES = 1000;
