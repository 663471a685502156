/** `store.badLines()`: the log lines the cache skipped, as the last catch-up found them. */
import type { Engine } from '../engine.js';
import type { BadLine } from '../ingest.js';

/** Every skipped line of every log, by collection (sorted) and line number. Reads the cache only. */
export function badLines(engine: Engine): BadLine[] {
  engine.assertOpen();
  return engine
    .knownCollections()
    .flatMap((collection) => engine.cache.badLines.list(collection).map(({ line, reason }) => ({ collection, line, reason })));
}
