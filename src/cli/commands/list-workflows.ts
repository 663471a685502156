import type { CliContext } from '../context.js';
import { withStoreForReading } from '../open-store.js';
import { exactRecords } from '../../shared/exact-records.js';
import { createOutput } from '../output.js';
import { COLUMNS, printRecords } from '../records-view.js';

export async function run(ctx: CliContext): Promise<number> {
  const out = createOutput(ctx);
  await withStoreForReading(ctx, (store) => {
    const workflows = exactRecords(store, 'workflows', store.listWorkflows());
    if (out.jsonMode) out.json(workflows);
    else printRecords(out, store, workflows, COLUMNS.workflows!, 'no workflows');
  });
  return 0;
}
