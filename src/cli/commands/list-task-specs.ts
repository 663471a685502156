import { TaskSpecStatusSchema, type Store, type TaskSpec } from '../../index.js';
import type { CliContext } from '../context.js';
import { resolveId } from '../../shared/id-prefix.js';
import { withStoreForReading } from '../open-store.js';
import { exactRecords } from '../../shared/exact-records.js';
import { createOutput } from '../output.js';
import { withReadDefaults } from '../record-types.js';
import { COLUMNS, printRecords } from '../records-view.js';
import { statusOption } from '../status-option.js';

export interface ListTaskSpecsInput {
  prdId?: string;
  status?: string;
  ready?: boolean;
}

/** Task specs: of one PRD, with one status, and/or only those ready to start; oldest first. */
export function listTaskSpecs(store: Store, input: ListTaskSpecsInput): TaskSpec[] {
  const status = input.status === undefined ? undefined : parseStatus(input.status);
  const prdId = input.prdId === undefined ? undefined : resolveId(store, input.prdId, { collections: ['prds'], what: 'PRD', argument: '--prd-id' }).id;
  let specs: TaskSpec[];
  if (input.ready) specs = store.listReadyTaskSpecs().filter((s) => prdId === undefined || s.prd_id === prdId);
  else if (prdId !== undefined) specs = store.listTaskSpecs(prdId);
  else if (status === 'pending') return store.listPendingTaskSpecs();
  else {
    const all = store.collection<TaskSpec>({ name: 'task_specs' }).list({ where: status === undefined ? {} : { status }, orderBy: 'created_at' });
    return all.map((s) => withReadDefaults('task_specs', s));
  }
  return status === undefined ? specs : specs.filter((s) => s.status === status);
}

function parseStatus(status: string): TaskSpec['status'] {
  return statusOption(TaskSpecStatusSchema.options, status, 'list-task-specs');
}

export async function run(ctx: CliContext, input: ListTaskSpecsInput): Promise<number> {
  if (input.status !== undefined) parseStatus(input.status);
  const out = createOutput(ctx);
  await withStoreForReading(ctx, (store) => {
    const specs = exactRecords(store, 'task_specs', listTaskSpecs(store, input));
    if (out.jsonMode) out.json(specs);
    else printRecords(out, store, specs, COLUMNS.task_specs!, emptyNote(input));
  });
  return 0;
}

/** What an empty list says, naming the filters: a bare "no task specs" read as an empty store. */
function emptyNote(input: ListTaskSpecsInput): string {
  const specs = `${input.status === undefined ? '' : `${input.status} `}task specs${input.prdId === undefined ? '' : ` of PRD ${input.prdId}`}`;
  return input.ready ? `no ${specs} are ready` : `no ${specs}`;
}
