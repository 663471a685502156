import { PrdStatusSchema, type Prd, type Store } from '../../index.js';
import type { CliContext } from '../context.js';
import { withStoreForReading } from '../open-store.js';
import { exactRecords } from '../../shared/exact-records.js';
import { createOutput } from '../output.js';
import { COLUMNS, printRecords } from '../records-view.js';
import { statusOption } from '../status-option.js';

export interface ListPrdsInput {
  status?: string;
}

/** PRDs, optionally with one status, oldest first. */
export function listPrds(store: Store, input: ListPrdsInput): Prd[] {
  return store.listPrds(input.status === undefined ? undefined : statusOption(PrdStatusSchema.options, input.status, 'list-prds'));
}

export async function run(ctx: CliContext, input: ListPrdsInput): Promise<number> {
  if (input.status !== undefined) statusOption(PrdStatusSchema.options, input.status, 'list-prds');
  const out = createOutput(ctx);
  await withStoreForReading(ctx, (store) => {
    const prds = exactRecords(store, 'prds', listPrds(store, input));
    if (out.jsonMode) out.json(prds);
    else printRecords(out, store, prds, COLUMNS.prds!, input.status === undefined ? 'no PRDs' : `no ${input.status} PRDs`);
  });
  return 0;
}
