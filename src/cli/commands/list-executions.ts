import { ExecutionStatusSchema, type Execution, type Store } from '../../index.js';
import type { CliContext } from '../context.js';
import { withStoreForReading } from '../open-store.js';
import { exactRecords } from '../../shared/exact-records.js';
import { createOutput } from '../output.js';
import { COLUMNS, emptyPageNote, morePagesNote, printRecords } from '../records-view.js';
import { statusOption } from '../status-option.js';

export const DEFAULT_LIMIT = 100;

export interface ListExecutionsInput {
  status?: string;
  limit?: number;
  offset?: number;
}

export interface ExecutionsPage {
  executions: Execution[];
  /** Executions matching the filter, on all pages. */
  total: number;
}

/** One page of executions (`started_at`, then id). */
export function listExecutions(store: Store, input: ListExecutionsInput): ExecutionsPage {
  const status = input.status === undefined ? undefined : parseStatus(input.status);
  const executions = store.listExecutionsPaginated(status, input.limit ?? DEFAULT_LIMIT, input.offset ?? 0);
  const total = store.collection({ name: 'executions' }).count({ where: status === undefined ? {} : { status } });
  return { executions, total };
}

function parseStatus(status: string): Execution['status'] {
  return statusOption(ExecutionStatusSchema.options, status, 'list-executions');
}

export async function run(ctx: CliContext, input: ListExecutionsInput): Promise<number> {
  if (input.status !== undefined) parseStatus(input.status);
  const out = createOutput(ctx);
  await withStoreForReading(ctx, (store) => {
    const page = listExecutions(store, input);
    const { total } = page;
    const executions = exactRecords(store, 'executions', page.executions);
    if (out.jsonMode) {
      out.json(executions);
      return;
    }
    const offset = input.offset ?? 0;
    const what = input.status === undefined ? 'executions' : `${input.status} executions`;
    printRecords(out, store, executions, COLUMNS.executions!, emptyPageNote({ what, noun: what.slice(0, -1), limit: input.limit, offset, total }));
    const more = morePagesNote({ offset, shown: executions.length, total });
    if (more !== undefined) out.note(more);
  });
  return 0;
}
