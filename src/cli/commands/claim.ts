import type { Store, TaskSpec } from '../../index.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { resolveId } from '../../shared/id-prefix.js';
import { warnIfWorktreeCopy, withStore } from '../open-store.js';
import { exactRecords } from '../../shared/exact-records.js';
import { createOutput, type Output } from '../output.js';
import { COLUMNS, printRecords, type Column } from '../records-view.js';

export interface ClaimInput {
  /** A task spec id or prefix; without one, the next claimable spec. */
  id?: string;
  as: string;
  leaseMs?: number;
}

/** The columns of a claimed spec: who holds it and until when. */
export const CLAIM_COLUMNS: Column[] = [
  ...COLUMNS.task_specs!.filter((c) => c.field !== 'workflow_name' && c.field !== 'dependencies'),
  { header: 'LEASE UNTIL', field: 'lease_expires_at', time: true },
];

/** Resolves a task spec id or unique prefix (live task specs only). */
export function taskSpecId(store: Store, id: string): string {
  return resolveId(store, id, { collections: ['task_specs'], what: 'task spec' }).id;
}

/** Claims the named spec, or the next claimable one; undefined when none is claimable. */
export function claim(store: Store, input: ClaimInput): TaskSpec | undefined {
  const options = input.leaseMs === undefined ? {} : { leaseMs: input.leaseMs };
  if (input.id === undefined) return store.claimNextReadyTaskSpec(input.as, options);
  return store.claimTaskSpec(taskSpecId(store, input.id), input.as, options);
}

/** Prints one claimed / renewed / released spec: a one-row table, or the spec as JSON. */
export function printClaim(out: Output, store: Store, spec: TaskSpec): void {
  const exact = exactRecords(store, 'task_specs', [spec]);
  if (out.jsonMode) out.json(exact[0]);
  else printRecords(out, store, exact, CLAIM_COLUMNS);
}

export async function run(ctx: CliContext, input: ClaimInput): Promise<number> {
  const out = createOutput(ctx);
  warnIfWorktreeCopy(ctx);
  await withStore(ctx, (store) => {
    const spec = claim(store, input);
    if (spec === undefined) {
      throw new CliError('no task spec is claimable (none is ready, and no claim has an expired lease)', {
        hint: '`taskstore ready --explain` shows what the pending specs wait for',
      });
    }
    printClaim(out, store, spec);
  });
  return 0;
}
