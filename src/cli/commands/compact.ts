import { assertCollectionName, NotFoundError, TaskStoreError, type CompactReport, type Store } from '../../index.js';
import type { CliContext } from '../context.js';
import { withStore } from '../open-store.js';
import { createOutput, formatBytes } from '../output.js';
import { createProgress } from '../progress.js';
import { collectionArgument } from '../collection-arg.js';

export interface CompactInput {
  collection?: string;
  keepDays?: number;
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
  if (input.collection !== undefined) collectionArgument(input.collection);
  const out = createOutput(ctx);
  const progress = createProgress(ctx.stderr, { label: 'taskstore: compact', env: ctx.env });
  let report: CompactReport;
  try {
    report = await withStore(ctx, (store) => {
      if (input.collection !== undefined) assertCollectionExists(store, input.collection);
      return store.compact(input.collection, { keepDays: input.keepDays, onProgress: (done, total) => progress.update(done, total) });
    });
  } catch (err) {
    // A conflicted log stops compaction of that log only: show what was done for the others, then the error.
    const compacted = err instanceof TaskStoreError ? (err.data.compacted as CompactReport | undefined) : undefined;
    if (compacted !== undefined && out.jsonMode) out.json(compacted);
    else if (compacted !== undefined && compacted.collections.length > 0) printReport(out, compacted);
    throw err;
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
  printReport(out, report);
  return 0;
}

function printReport(out: ReturnType<typeof createOutput>, report: CompactReport): void {
  out.table(
    ['COLLECTION', 'LINES', 'BYTES'],
    report.collections.map((c) => [
      c.name,
      `${c.linesBefore} → ${c.linesAfter}`,
      `${formatBytes(c.bytesBefore)} → ${formatBytes(c.bytesAfter)}`,
    ]),
  );
}
