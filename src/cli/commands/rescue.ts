import type { CliContext } from '../context.js';
import { withStore } from '../open-store.js';
import { createOutput } from '../output.js';
import { collectionArgument } from '../collection-arg.js';

export interface RescueInput {
  collection?: string;
}

/** Re-applies the acknowledged versions kept in `<collection>.jsonl.rescued` files (see `taskstore check`). */
export async function run(ctx: CliContext, input: RescueInput): Promise<number> {
  if (input.collection !== undefined) collectionArgument(input.collection);
  const out = createOutput(ctx);
  const report = await withStore(ctx, (store) => store.rescue(input.collection));
  if (out.jsonMode) {
    out.json(report);
    return 0;
  }
  if (report.collections.length === 0) {
    out.note('(nothing to rescue)');
    return 0;
  }
  out.table(
    ['COLLECTION', 'RESCUED', 'RE-APPLIED'],
    report.collections.map((c) => [c.name, String(c.lines), String(c.applied)]),
  );
  return 0;
}
