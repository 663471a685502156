import { visible } from '../terminal-safe.js';
import type { Store } from '../../index.js';
import type { CliContext } from '../context.js';
import { resolveId } from '../../shared/id-prefix.js';
import { withStore } from '../open-store.js';
import { createOutput } from '../output.js';
import { recordWhat } from '../record-types.js';
import { lookIn } from '../collection-arg.js';

export interface DeleteInput {
  id: string;
  /** Delete even while live records reference it. */
  force?: boolean;
  /** `--collection`: look for the id in this collection only. */
  collection?: string;
}

export interface DeleteResult {
  collection: string;
  id: string;
  deleted: true;
}

/** Appends a tombstone for one live record (found by id or unique prefix in any collection). */
export function deleteRecord(store: Store, input: DeleteInput): DeleteResult {
  const { collection, id } = resolveId(store, input.id, lookIn(input.collection));
  store.collection({ name: collection }).delete(id, { force: input.force === true });
  return { collection, id, deleted: true };
}

export async function run(ctx: CliContext, input: DeleteInput): Promise<number> {
  const out = createOutput(ctx);
  const result = await withStore(ctx, (store) => deleteRecord(store, input));
  if (out.jsonMode) out.json(result);
  else out.line(`deleted ${recordWhat(result.collection)} ${visible(result.id, true)}`);
  return 0;
}
