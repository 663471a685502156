import type { Logger } from '../../src/index.js';

/** A logger that records warnings instead of printing them, so tests can assert on them. */
export function quietLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    warnings,
    debug() {},
    info() {},
    warn(m: string) {
      warnings.push(m);
    },
    error(m: string) {
      warnings.push(m);
    },
  };
}
