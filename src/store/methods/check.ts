/** `store.check()`: the engine's consistency checks (`../check.ts`) plus those of the extensions. */
import { runCheck, type CheckReport } from '../check.js';
import type { Engine } from '../engine.js';
import { catchUpAll } from '../catch-up.js';
import { parseProgressOptions } from '../arguments.js';
import { progressCallback } from '../options.js';
import type { ProgressOptions } from './sync.js';

/** Consistency report: malformed lines, conflict markers, torn lines, cache drift, and the extensions' checks. */
export function check(engine: Engine, options: ProgressOptions = {}): CheckReport {
  engine.assertOpen();
  parseProgressOptions(options);
  // The cache holds the transaction's writes, the logs not yet: every one of them would be
  // reported as cache drift, with the advice to run sync.
  if (engine.scope !== undefined) throw new TypeError('check() cannot be called inside a transaction: call it after the transaction');
  engine.refresh();
  return runCheck({
    onProgress: progressCallback(options.onProgress, engine.options.logger, 'check()'),
    dir: engine.dir,
    cache: engine.cache,
    collections: engine.knownCollections(),
    table: (name) => engine.tableFor(name),
    conflicts: engine.conflicts,
    checkers: engine.extensions.flatMap((e) => (e.check === undefined ? [] : [() => e.check!()])),
    store: engine,
    removedTemps: engine.removedTemps.splice(0),
    underWriteLock: (compare) =>
      engine.write(() => {
        catchUpAll(engine);
        return compare();
      }, { readOnly: true }),
  });
}
