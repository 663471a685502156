import { assertCollectionName, NotFoundError, type Store } from '../../index.js';
import type { CliContext } from '../context.js';
import { withStoreForReading } from '../open-store.js';
import { createOutput, plural } from '../output.js';
import { fieldTypesFor, withReadDefaults } from '../record-types.js';
import { columnsFor, emptyPageNote, morePagesNote, printRecords } from '../records-view.js';
import { parseWhere } from '../where.js';
import { exactRecords } from '../../shared/exact-records.js';
import { collectionArgument } from '../collection-arg.js';

export interface ListInput {
  collection: string;
  /** `--where` conditions (`field=value`, `field>n`, `field in a,b` …), all of which must hold. */
  where?: string[];
  limit?: number;
  offset?: number;
}

/** Records of any collection, filtered by `--where` conditions, in the default order (updated_at, id). */
export function listCollection(store: Store, input: ListInput): Record<string, unknown>[] {
  assertCollectionName(input.collection);
  const where = parseWhere(input.where ?? [], fieldTypesFor(input.collection));
  if (!store.collectionNames().includes(input.collection)) {
    const names = store.collectionNames();
    throw new NotFoundError(`there is no collection named ${input.collection}`, {
      data: { collection: input.collection },
      hint: names.length === 0 ? 'the store has no collections yet' : `collections in this store: ${names.join(', ')}`,
    });
  }
  return store
    .collection({ name: input.collection })
    .list({ where, limit: input.limit, offset: input.offset })
    .map((record) => withReadDefaults(input.collection, record));
}

export async function run(ctx: CliContext, input: ListInput): Promise<number> {
  collectionArgument(input.collection);
  const out = createOutput(ctx);
  await withStoreForReading(ctx, (store) => {
    const records = exactRecords(store, input.collection, listCollection(store, input));
    if (out.jsonMode) out.json(records);
    else {
      // Counted only for an empty page or a full one: records may match that the page does not show.
      const collection = store.collection({ name: input.collection });
      const full = input.limit !== undefined && records.length === input.limit;
      const total = records.length > 0 && !full ? records.length : collection.count({ where: parseWhere(input.where ?? [], fieldTypesFor(input.collection)) });
      let note = emptyPageNote({ what: `records in ${input.collection}`, noun: 'record', limit: input.limit, offset: input.offset, total });
      // "no records in notes" after a --where that matched none read as an empty collection.
      const all = total === 0 && (input.where ?? []).length > 0 ? collection.count() : 0;
      if (all === 1) note = `the one record in ${input.collection} does not match the --where conditions`;
      else if (all > 1) note = `none of the ${plural(all, 'record')} in ${input.collection} matches the --where conditions`;
      printRecords(out, store, records, columnsFor(input.collection, records), note);
      const more = morePagesNote({ offset: input.offset ?? 0, shown: records.length, total });
      if (more !== undefined) out.note(more);
    }
  });
  return 0;
}
