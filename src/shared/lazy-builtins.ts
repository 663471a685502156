/**
 * A Node built-in that a one-shot command rarely needs, loaded on first use instead of by
 * a static import: `node:zlib` serves only the CRC-32 of a log that git replaced. (The
 * timers use the global `performance`, not `node:perf_hooks`, which loads ten modules of
 * its own.) `list-prds` loads 54 of Node's internal modules instead of 64; in 60 starts
 * of `node -e` each way, `require('perf_hooks')` cost ~1.4 ms and `require('zlib')`
 * ~0.2 ms, too little to show in the whole command (0.965× and 1.006× in two 61-run
 * loops). `node:crypto` and `node:child_process` stay static imports: the bundled uuid
 * and commander load them at start anyway.
 */
import { createRequire } from 'node:module';

const requireBuiltin = createRequire(import.meta.url);

let zlibModule: typeof import('node:zlib') | undefined;

export function zlib(): typeof import('node:zlib') {
  return (zlibModule ??= requireBuiltin('node:zlib') as typeof import('node:zlib'));
}
