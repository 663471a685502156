/**
 * A small store that exercises every view of `taskstore ui`: PRDs at several stages, a
 * board with every column (a claimed spec with a lease, a spec waiting for another, a
 * dependency cycle), executions in every state, a generic collection, a record with a
 * history, and a hostile PRD and note whose text tries to run script.
 */
import type { Store } from '../../src/index.js';

/** What the hostile records try; the page must run none of it. The flag `window.__pwned` must stay unset. */
export const HOSTILE_TITLE = `<img src=x onerror="window.__pwned='title'">Hostile PRD`;
export const HOSTILE_CONTENT = [
  '# Hostile content',
  '',
  '<script>window.__pwned = "script"</script>',
  '',
  '[click me](javascript:window.__pwned="link")',
  '',
  '<a href="javascript:window.__pwned=\'raw-link\'" id="raw-js-link">raw link</a>',
  '',
  '<img src="x" onerror="window.__pwned=\'img\'">',
  '',
  '<iframe src="javascript:window.parent.__pwned=\'iframe\'"></iframe>',
  '',
  '<svg><script>window.__pwned="svg"</script></svg>',
  '',
  '**bold survives**',
].join('\n');

export interface Seeded {
  search: string;
  billing: string;
  hostile: string;
  specs: Record<'schema' | 'api' | 'indexer' | 'ui' | 'docs' | 'migrate' | 'perf' | 'loopA' | 'loopB' | 'invoice' | 'csv', string>;
  executions: { apiRun: string; schemaRun: string; migrateRun: string };
  notes: string[];
  hostileNote: string;
  /** When the claimed spec's lease ends (ms). */
  leaseExpiresAt: number;
}

export function seedStore(store: Store, now = Date.now()): Seeded {
  const search = store.createPrd({
    title: 'Full-text search',
    description: 'Search across tasks and PRDs',
    status: 'draft',
    content: '# Search\n\nUsers find records by **any word**.\n\n- index titles\n- index content\n\n```sql\nCREATE VIRTUAL TABLE fts USING fts5(title);\n```\n',
  });
  // A history: draft → ready → active, with review passes.
  store.collection({ name: 'prds' }).patch(search, { status: 'ready', review_passes: 1 });
  store.collection({ name: 'prds' }).patch(search, { status: 'active', review_passes: 2 });

  const spec = (phase: string, extra: Record<string, unknown> = {}): string => store.createTaskSpec({ prd_id: search, phase_name: phase, ...extra });
  const schema = spec('schema', { status: 'complete' });
  const indexer = spec('indexer', { status: 'complete', dependencies: [schema] });
  const leaseExpiresAt = now + 4 * 60_000;
  const api = spec('api', { status: 'running', assigned_to: 'agent-7', lease_expires_at: leaseExpiresAt, dependencies: [schema] });
  const ui = spec('ui', { dependencies: [api] });
  const docs = spec('docs', { dependencies: [schema, indexer] });
  const migrate = spec('migrate', { status: 'failed' });
  const perf = spec('perf', { status: 'blocked', description: 'waits for a benchmark machine' });
  const loopA = spec('loop-a');
  const loopB = spec('loop-b', { dependencies: [loopA] });
  store.collection({ name: 'task_specs' }).patch(loopA, { dependencies: [loopB] });

  const billing = store.createPrd({ title: 'Billing export', status: 'ready', content: 'Export invoices as CSV.' });
  const invoice = store.createTaskSpec({ prd_id: billing, phase_name: 'invoice-model', status: 'complete' });
  const csv = store.createTaskSpec({ prd_id: billing, phase_name: 'csv-writer', dependencies: [invoice] });

  const hostile = store.createPrd({ title: HOSTILE_TITLE, description: '<b onmouseover="window.__pwned=1">desc</b>', content: HOSTILE_CONTENT });

  const apiRun = store.createExecution({ ts_id: api, worktree_path: '/wt/api', branch_name: 'ts/api', started_at: now - 125_000, iteration_count: 3, current_phase: 'test' });
  const schemaRun = store.createExecution({ ts_id: schema, worktree_path: '/wt/schema', branch_name: 'ts/schema', started_at: now - 3_600_000, status: 'running' });
  store.completeExecution(schemaRun);
  const migrateRun = store.createExecution({
    ts_id: migrate,
    worktree_path: '/wt/migrate',
    branch_name: 'ts/migrate',
    started_at: now - 7_200_000,
    status: 'failed',
    completed_at: now - 7_000_000,
    iteration_count: 5,
    current_phase: 'review',
    error_message: 'tests failed 5 times',
  });

  const notes = store.collection({ name: 'notes', indexes: ['status'] });
  const noteIds = [
    notes.create({ title: 'Buy milk', status: 'open', owner: 'ana' }),
    notes.create({ title: 'Write the README', status: 'done', owner: 'bo' }),
    notes.create({ title: 'Release 100% of 1_000 things', status: 'open', owner: 'ana' }),
  ];
  const hostileNote = notes.create({ title: '<script>window.__pwned="note"</script>', status: 'open', owner: '<img src=x onerror="window.__pwned=2">' });
  return {
    search,
    billing,
    hostile,
    specs: { schema, api, indexer, ui, docs, migrate, perf, loopA, loopB, invoice, csv },
    executions: { apiRun, schemaRun, migrateRun },
    notes: noteIds,
    hostileNote,
    leaseExpiresAt,
  };
}
