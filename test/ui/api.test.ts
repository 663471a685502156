/** The ui server's JSON API on a real store: every route's data, paging, search, errors. */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/index.js';
import { handleApi } from '../../src/ui/server/api.js';
import type {
  CollectionPageResponse,
  CollectionsResponse,
  ErrorResponse,
  ExecutionPageResponse,
  HistoryResponse,
  PrdBoardResponse,
  PrdListResponse,
  RecordResponse,
  SearchResponse,
} from '../../src/ui/api-types.js';
import { openStore } from '../cli/run-cli.js';
import { tempDir } from '../helpers/temp.js';
import { HOSTILE_TITLE, seedStore, type Seeded } from './seed.js';

let store: Store;
let seeded: Seeded;

beforeEach(() => {
  store = openStore(tempDir('taskstore-ui-api-'));
  seeded = seedStore(store);
});
afterEach(() => store.close());

function get<T>(path: string, status = 200): T {
  const url = new URL(path, 'http://x');
  const answer = handleApi(store, url.pathname, url.searchParams, 1_000);
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  return answer.body as T;
}

describe('GET /api/prds', () => {
  it('lists every PRD with complete / total task specs, in the library shape', () => {
    const body = get<PrdListResponse>('/api/prds');
    expect(body.now).toBe(1_000);
    const byTitle = Object.fromEntries(body.prds.map((p) => [p.prd.title, p]));
    expect(byTitle['Full-text search']!.progress).toEqual({ complete: 2, total: 9 });
    expect(byTitle['Billing export']!.progress).toEqual({ complete: 1, total: 2 });
    expect(byTitle[HOSTILE_TITLE]!.progress).toEqual({ complete: 0, total: 0 });
    expect(byTitle['Full-text search']!.prd).toEqual(store.getPrd(seeded.search));
  });

  it("each PRD's progress is its board's progress, after moves, deletes and a hand-written status in another case", () => {
    const specs = store.collection({ name: 'task_specs' });
    // A spec moved to another PRD, one deleted, one completed.
    specs.patch(seeded.specs.csv, { prd_id: seeded.search });
    specs.delete(seeded.specs.perf);
    specs.patch(seeded.specs.docs, { status: 'complete' });
    // A line another tool wrote: `Complete` is not the status `complete` (the board puts it
    // in no complete column, and the list must not count it either).
    const odd = { id: 'odd-case-spec', prd_id: seeded.billing, phase_name: 'odd', status: 'Complete', dependencies: [], created_at: 5, updated_at: 5 };
    appendFileSync(join(store.dir, 'task_specs.jsonl'), `${JSON.stringify(odd)}\n`);
    const list = get<PrdListResponse>('/api/prds');
    expect(list.prds.map((p) => p.prd.id).sort()).toEqual(store.listPrds().map((p) => p.id).sort());
    for (const { prd, progress } of list.prds) {
      expect(progress, prd.title).toEqual(get<PrdBoardResponse>(`/api/prds/${prd.id}`).progress);
    }
    expect(list.prds.find((p) => p.prd.id === seeded.billing)!.progress.total).toBe(2); // csv moved out, odd came in
  });
});

describe('GET /api/prds?limit=&offset=', () => {
  it('answers one page in listPrds() order, with the total of every PRD', () => {
    const all = store.listPrds().map((p) => p.id);
    const first = get<PrdListResponse>('/api/prds?limit=2');
    expect(first.prds.map((p) => p.prd.id)).toEqual(all.slice(0, 2));
    expect([first.total, first.limit, first.offset]).toEqual([all.length, 2, 0]);
    const second = get<PrdListResponse>('/api/prds?limit=2&offset=2');
    expect(second.prds.map((p) => p.prd.id)).toEqual(all.slice(2, 4));
    expect(second.total).toBe(all.length);
    // The default page is 100 PRDs; a bad limit is refused.
    expect(get<PrdListResponse>('/api/prds').limit).toBe(100);
    expect(get<ErrorResponse>('/api/prds?limit=0', 400).error.message).toBe('limit must be an integer from 1 to 500 (got "0")');
  });
});

describe('GET /api/prds/:id', () => {
  it('places each task spec in its column and reports the cycle', () => {
    const body = get<PrdBoardResponse>(`/api/prds/${seeded.search}`);
    const s = seeded.specs;
    expect(body.columns).toEqual({
      [s.schema]: 'complete',
      [s.indexer]: 'complete',
      [s.api]: 'running',
      [s.ui]: 'blocked',
      [s.docs]: 'ready',
      [s.migrate]: 'failed',
      [s.perf]: 'blocked',
      [s.loopA]: 'blocked',
      [s.loopB]: 'blocked',
    });
    expect(body.cycles).toEqual([[s.loopA, s.loopB].sort()]);
    expect(body.task_specs).toEqual(store.listTaskSpecs(seeded.search));
    const api = body.task_specs.find((t) => t.id === s.api) as Record<string, unknown>;
    expect(api.assigned_to).toBe('agent-7');
    expect(api.lease_expires_at).toBe(seeded.leaseExpiresAt);
  });

  it('agrees with listReadyTaskSpecs, and resolves an id prefix', () => {
    const body = get<PrdBoardResponse>(`/api/prds/${seeded.search.slice(0, 20)}`);
    const ready = Object.entries(body.columns).filter(([, c]) => c === 'ready').map(([id]) => id).sort();
    expect(ready).toEqual(store.listReadyTaskSpecs().filter((t) => t.prd_id === seeded.search).map((t) => t.id).sort());
  });

  it('describes a dependency in another PRD or on a missing spec', () => {
    const other = store.createTaskSpec({ prd_id: seeded.billing, phase_name: 'needs-search', dependencies: [seeded.specs.schema, 'no-such-spec'] });
    const body = get<PrdBoardResponse>(`/api/prds/${seeded.billing}`);
    expect(body.outside[seeded.specs.schema]).toMatchObject({ status: 'complete', phase_name: 'schema', prd_id: seeded.search });
    expect(body.outside['no-such-spec']).toEqual({ id: 'no-such-spec' });
    expect(body.columns[other]).toBe('blocked');
  });

  it('404s for an unknown PRD', () => {
    expect(get<ErrorResponse>('/api/prds/ffffffff', 404).error.code).toBe('NOT_FOUND');
  });
});

describe('GET /api/executions', () => {
  it('puts running executions first, then newest started first', () => {
    const body = get<ExecutionPageResponse>('/api/executions');
    expect(body.executions.map((e) => e.id)).toEqual([seeded.executions.apiRun, seeded.executions.schemaRun, seeded.executions.migrateRun]);
    expect(body.total).toBe(3);
    expect(body.task_specs[seeded.specs.api]).toEqual({ phase_name: 'api', prd_id: seeded.search });
    expect(body.executions[2]).toEqual(store.getExecution(seeded.executions.migrateRun));
  });

  it('pages through running-then-rest without skipping or repeating', () => {
    for (let i = 0; i < 7; i++) {
      store.createExecution({ ts_id: seeded.specs.api, worktree_path: `/wt/${i}`, branch_name: `b${i}`, started_at: 10_000 + i, status: i % 3 === 0 ? 'running' : 'complete' });
    }
    const full = get<ExecutionPageResponse>('/api/executions?limit=500').executions.map((e) => e.id);
    expect(full).toHaveLength(10);
    const firstNotRunning = full.findIndex((id) => store.getExecution(id)!.status !== 'running');
    expect(full.slice(firstNotRunning).every((id) => store.getExecution(id)!.status !== 'running')).toBe(true);
    for (const limit of [1, 2, 3, 4]) {
      const paged: string[] = [];
      for (let offset = 0; offset < 10; offset += limit) paged.push(...get<ExecutionPageResponse>(`/api/executions?limit=${limit}&offset=${offset}`).executions.map((e) => e.id));
      expect(paged).toEqual(full);
    }
  });

  it('filters by status and rejects a bad limit', () => {
    expect(get<ExecutionPageResponse>('/api/executions?status=failed').executions.map((e) => e.id)).toEqual([seeded.executions.migrateRun]);
    expect(get<ErrorResponse>('/api/executions?limit=0', 400).error.code).toBe('VALIDATION');
    expect(get<ErrorResponse>('/api/executions?limit=abc', 400).error.message).toContain('limit');
  });
});

describe('records and history', () => {
  it('returns a record by id prefix, with its collection', () => {
    const body = get<RecordResponse>(`/api/records/${seeded.specs.api.slice(0, 30)}`);
    expect(body.collection).toBe('task_specs');
    expect(body.record).toEqual(store.getTaskSpec(seeded.specs.api));
  });

  it('returns the history as field diffs, deletions included', () => {
    const body = get<HistoryResponse>(`/api/records/${seeded.search}/history`);
    expect(body.versions).toHaveLength(3);
    expect(body.versions[1]!.changes).toEqual([
      { field: 'status', old: 'draft', new: 'ready' },
      { field: 'review_passes', old: 0, new: 1 },
    ]);
    store.collection({ name: 'notes' }).delete(seeded.notes[0]!);
    get<ErrorResponse>(`/api/records/${seeded.notes[0]}`, 404);
    const gone = get<HistoryResponse>(`/api/records/${seeded.notes[0]}/history`);
    expect(gone.versions.map((v) => v.deleted)).toEqual([false, true]);
  });

  it('says which records an ambiguous prefix matches', () => {
    const body = get<ErrorResponse>('/api/records/0', 400);
    expect(body.error.message).toContain('ambiguous');
  });

  it('finds a record, its history and a PRD by ?id=, also an id `.` or `..` that no URL can hold as a path segment', () => {
    const dots = store.collection({ name: 'dots' });
    dots.create({ id: '.', n: 1 });
    dots.create({ id: '..', n: 2 });
    dots.patch('..', { n: 3 });
    const dotPrd = store.createPrd({ id: '%2e%2E', title: 'encoded dots', content: 'x' });
    // The path form asks for another URL: the parser removes the dot segment, %2e spelt too.
    expect(new URL('/api/records/%2e%2E/history', 'http://x').pathname).toBe('/api/history');
    get<ErrorResponse>(`/api/records/${encodeURIComponent('..')}`, 404);
    for (const [id, n] of [['.', 1], ['..', 3]] as const) {
      expect(get<RecordResponse>(`/api/record?id=${encodeURIComponent(id)}`)).toMatchObject({ collection: 'dots', record: { id, n } });
      expect(get<HistoryResponse>(`/api/record/history?id=${encodeURIComponent(id)}`)).toMatchObject({ collection: 'dots', id });
    }
    expect(get<HistoryResponse>('/api/record/history?id=..').versions).toHaveLength(2);
    expect(get<PrdBoardResponse>(`/api/prd?id=${encodeURIComponent(dotPrd)}`).prd).toMatchObject({ id: '%2e%2E', title: 'encoded dots' });
    // The same answers as the path form, prefixes included; a missing id, or one given twice, is a 400.
    expect(get<RecordResponse>(`/api/record?id=${seeded.specs.api.slice(0, 30)}`)).toEqual(get<RecordResponse>(`/api/records/${seeded.specs.api.slice(0, 30)}`));
    expect(get<PrdBoardResponse>(`/api/prd?id=${seeded.search}`)).toEqual(get<PrdBoardResponse>(`/api/prds/${seeded.search}`));
    expect(get<ErrorResponse>('/api/record', 400).error.message).toContain('?id=');
    expect(get<ErrorResponse>('/api/record?id=', 400).error.code).toBe('VALIDATION');
    expect(get<ErrorResponse>('/api/record?id=.&id=..', 400).error.message).toContain('more than once');
    expect(get<ErrorResponse>('/api/prd?id=.&where=x', 400).error.message).toContain('"where"');
    get<ErrorResponse>('/api/record?id=nope', 404);
  });
});

describe('generic collections', () => {
  it('lists collections with counts', () => {
    const body = get<CollectionsResponse>('/api/collections');
    expect(body.collections).toContainEqual({ name: 'notes', count: 4 });
    expect(body.collections).toContainEqual({ name: 'task_specs', count: 11 });
  });

  it('filters with the library where, sorts and pages', () => {
    const where = encodeURIComponent(JSON.stringify({ status: 'open' }));
    const body = get<CollectionPageResponse>(`/api/collections/notes?where=${where}&orderBy=title&limit=2`);
    expect(body.total).toBe(3);
    expect(body.records.map((r) => r.title)).toEqual(['<script>window.__pwned="note"</script>', 'Buy milk']);
    const page2 = get<CollectionPageResponse>(`/api/collections/notes?where=${where}&orderBy=title&limit=2&offset=2`);
    expect(page2.records.map((r) => r.title)).toEqual(['Release 100% of 1_000 things']);
  });

  it('refuses a where that is not a JSON object, and an unknown collection', () => {
    expect(get<ErrorResponse>('/api/collections/notes?where=status%3Dopen', 400).error.message).toContain('JSON object');
    expect(get<ErrorResponse>('/api/collections/notes?where=%5B1%5D', 400).error.code).toBe('VALIDATION');
    expect(get<ErrorResponse>('/api/collections/nope', 404).error.code).toBe('NOT_FOUND');
  });

  it('refuses a where with an integer JSON.parse would round, up to one beyond the largest double', () => {
    for (const n of ['12345678901234567890', '9'.repeat(400)]) {
      expect(get<ErrorResponse>(`/api/collections/notes?where=${encodeURIComponent(`{"n":${n}}`)}`, 400).error.code).toBe('VALIDATION');
    }
  });

  it('refuses a where with a number JSON.parse would change in any other spelling: a point, an exponent, beyond the range', () => {
    for (const n of ['12345678901234567890.0', '1.2345678901234567890e19', '1e400', '-1e400', '1e-400']) {
      const error = get<ErrorResponse>(`/api/collections/notes?where=${encodeURIComponent(`{"n":{"gt":${n}}}`)}`, 400).error;
      expect(error.code, n).toBe('VALIDATION');
      expect(error.message).toContain(`where: n.gt: ${n} cannot be held exactly by a number (a double)`);
    }
    for (const n of ['0.1', '2.5e3', '1e21', '1152921504606846976.0']) get(`/api/collections/notes?where=${encodeURIComponent(`{"n":${n}}`)}`);
  });
});

describe('GET /api/search', () => {
  it('finds by id prefix and by title, ids first', () => {
    const byId = get<SearchResponse>(`/api/search?q=${seeded.specs.docs.slice(0, 30)}`);
    expect(byId.results[0]).toEqual({ collection: 'task_specs', id: seeded.specs.docs, label: 'docs', match: 'id' });
    const byTitle = get<SearchResponse>('/api/search?q=SEARCH');
    expect(byTitle.results).toContainEqual({ collection: 'prds', id: seeded.search, label: 'Full-text search', match: 'title' });
    const phase = get<SearchResponse>('/api/search?q=indexer');
    expect(phase.results.map((r) => r.id)).toEqual([seeded.specs.indexer]);
  });

  it('treats % and _ as plain characters', () => {
    expect(get<SearchResponse>('/api/search?q=100%25').results.map((r) => r.id)).toEqual([seeded.notes[2]]);
    expect(get<SearchResponse>('/api/search?q=1_0').results.map((r) => r.id)).toEqual([seeded.notes[2]]);
    expect(get<SearchResponse>('/api/search?q=m_lk').results).toEqual([]);
    expect(get<SearchResponse>('/api/search?q=').results).toEqual([]);
  });
});

it('404s an unknown route and 400s bad percent-encoding', () => {
  expect(get<ErrorResponse>('/api/nope', 404).error.code).toBe('NOT_FOUND');
  expect(get<ErrorResponse>('/api/records/%E0%A4%A', 400).error.code).toBe('BAD_REQUEST');
});

it('answers 409 with the conflict error while a log has git conflict markers, and the rest still works', () => {
  appendFileSync(join(store.dir, 'notes.jsonl'), '<<<<<<< HEAD\n');
  const body = get<ErrorResponse>('/api/collections/notes', 409);
  expect(body.error.code).toBe('CONFLICT_MARKERS');
  expect(body.error.message).toContain('notes.jsonl');
  expect(get<PrdListResponse>('/api/prds').prds).toHaveLength(3);
});
