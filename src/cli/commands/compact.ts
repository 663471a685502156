import { NotFoundError, type Store } from '../../index.js';
import { assertCollectionName } from '../../jsonl/collection-name.js';
import type { CliContext } from '../context.js';
import { withStore } from '../open-store.js';
import { createOutput, formatBytes } from '../output.js';
import { createProgress } from '../progress.js';

export interface CompactInput {
  collection?: string;
}

/** `compact nope`: say which collections exist (the generic not-found hint is about ids). */
function assertCollectionExists(store: Store, name: string): void {
  assertCollectionName(name);
  const names = store.collectionNames();
  if (names.includes(name)) return;
  throw new NotFoundError(`there is no collection named ${name}`, {
    data: { collection: name },
    hint: names.length === 0 ? 'the store has no collections yet' : `collections in this store: ${names.join(', ')}`,
  });
}

/** Rewrites the JSONL files keeping the current version of each id (and every malformed line). */
export async function run(ctx: CliContext, input: CompactInput): Promise<number> {
  const out = createOutput(ctx);
  const progress = createProgress(ctx.stderr, { label: 'taskstore: compact' });
  let report;
  try {
    report = await withStore(ctx, (store) => {
      if (input.collection !== undefined) assertCollectionExists(store, input.collection);
      return store.compact(input.collection, { onProgress: (done, total) => progress.update(done, total) });
    });
  } finally {
    progress.clear();
  }
  if (out.jsonMode) {
    out.json(report);
    return 0;
  }
  if (report.collections.length === 0) {
    out.note('(nothing to compact)');
    return 0;
  }
  out.table(
    ['COLLECTION', 'LINES', 'BYTES'],
    report.collections.map((c) => [
      c.name,
      `${c.linesBefore} → ${c.linesAfter}`,
      `${formatBytes(c.bytesBefore)} → ${formatBytes(c.bytesAfter)}`,
    ]),
  );
  return 0;
}
