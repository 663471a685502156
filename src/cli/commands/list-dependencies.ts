import type { Dependency, Store } from '../../index.js';
import type { CliContext } from '../context.js';
import { resolveId } from '../../shared/id-prefix.js';
import { withStoreForReading } from '../open-store.js';
import { exactRecords } from '../../shared/exact-records.js';
import { createOutput } from '../output.js';
import { withReadDefaults } from '../record-types.js';
import { COLUMNS, printRecords } from '../records-view.js';

export interface ListDependenciesInput {
  execId?: string;
  unresolved?: boolean;
}

/** Dependencies (of one execution, from or to it), optionally only unresolved ones; oldest first. */
export function listDependencies(store: Store, input: ListDependenciesInput): Dependency[] {
  let deps: Dependency[];
  if (input.execId !== undefined) {
    const execId = resolveId(store, input.execId, { collections: ['executions'], what: 'execution', argument: '--exec-id' }).id;
    deps = store.listDependencies(execId);
  } else {
    deps = store
      .collection<Dependency>({ name: 'dependencies' })
      .list({ orderBy: 'created_at' })
      .map((d) => withReadDefaults('dependencies', d));
  }
  return input.unresolved ? deps.filter((d) => d.resolved_at === null || d.resolved_at === undefined) : deps;
}

export async function run(ctx: CliContext, input: ListDependenciesInput): Promise<number> {
  const out = createOutput(ctx);
  await withStoreForReading(ctx, (store) => {
    const deps = exactRecords(store, 'dependencies', listDependencies(store, input));
    if (out.jsonMode) out.json(deps);
    else printRecords(out, store, deps, COLUMNS.dependencies!, `no ${input.unresolved ? 'unresolved ' : ''}dependencies${input.execId === undefined ? '' : ` from or to execution ${input.execId}`}`);
  });
  return 0;
}
