/**
 * The ui server's JSON API: one function from (path, query) to an answer, so every route
 * is testable without HTTP. Read-only: nothing here writes a record. Records are
 * returned in the library's shapes (built-in types read with their defaults, as the
 * `getX` / `listX` methods return them), with each integer beyond ±2^53 that a stored line
 * holds as its exact digits (`exact-records.ts`; the server prints answers with
 * `stringifyExact`), so no number is rounded on the way to the page.
 */
import { ExecutionStatusSchema, findCycles, NotFoundError, recordType, TaskStoreError, ValidationError, withReadDefaults, type Condition, type Execution, type Prd, type Store, type TaskSpec } from '../../index.js';
import { CliError } from '../../shared/errors.js';
import { resolveId } from '../../shared/id-prefix.js';
import { exactHistory, exactList, exactRecord, exactRecords } from '../../shared/exact-records.js';
import { readRecord } from '../../shared/read-record.js';
import { recordHistory } from '../../shared/record-history.js';
import type {
  AnyRecord,
  CollectionPageResponse,
  CollectionsResponse,
  ErrorResponse,
  ExecutionPageResponse,
  HistoryResponse,
  OutsideDependency,
  PrdBoardResponse,
  PrdListResponse,
  RecordResponse,
  SearchResponse,
} from '../api-types.js';
import { boardColumns, progressOf } from './board.js';
import { dependencyIds } from '../dependency-entries.js';
import { whereTextProblem } from '../where-text.js';

interface ApiAnswer {
  status: number;
  /** May hold `ExactInteger`s: print it with `stringifyExact` (plain `JSON.stringify` would show placeholders). */
  body: unknown;
}

/** Largest page a table may ask for. */
const MAX_LIMIT = 500;
const DEFAULT_LIMIT = 50;
/** The PRD list's page: its rows are heavier to draw than a table's, but 100 draw at once. */
const PRD_PAGE = 100;
const SEARCH_LIMIT = 30;
/** A generic collection's records whose titles a search looks at: its most recently updated ones. */
const SEARCH_SCAN = 20_000;

type Handler = (store: Store, params: string[], query: URLSearchParams, now: number) => unknown;

/**
 * Routes, first match wins; a capture group is one path segment (decoded). The list: the
 * query parameters the route reads. A record or PRD is also found by `?id=`: an id that is
 * `.` or `..` cannot be a path segment (every URL parser, the browser's and the server's,
 * removes it, `%2e` spelt too: `/api/records/..` is `/api/`), and the page asks that way.
 */
const ROUTES: [RegExp, Handler, readonly string[]][] = [
  [/^\/api\/prds$/, prdList, ['limit', 'offset']],
  [/^\/api\/prds\/([^/]+)$/, prdBoard, []],
  [/^\/api\/prd$/, byQueryId(prdBoard), ['id']],
  [/^\/api\/executions$/, executionPage, ['status', 'limit', 'offset']],
  [/^\/api\/records\/([^/]+)$/, recordOne, []],
  [/^\/api\/records\/([^/]+)\/history$/, recordHistoryAnswer, []],
  [/^\/api\/record$/, byQueryId(recordOne), ['id']],
  [/^\/api\/record\/history$/, byQueryId(recordHistoryAnswer), ['id']],
  [/^\/api\/collections$/, collectionList, []],
  [/^\/api\/collections\/([^/]+)$/, collectionPage, ['where', 'orderBy', 'limit', 'offset']],
  [/^\/api\/search$/, search, ['q']],
];

/**
 * Answers one API request, after catching the cache up with other processes' writes (one
 * `stat` per log when nothing changed). Errors become `{ error: { code, message, hint } }`
 * with 404 for a missing record, 400 for a bad request, 409 for a log with conflict
 * markers, 503 while another process holds the write lock too long, 500 otherwise.
 * @example handleApi(store, '/api/prds', new URLSearchParams(), Date.now()).body
 */
export function handleApi(store: Store, path: string, query: URLSearchParams, now: number): ApiAnswer {
  for (const [pattern, handler, reads] of ROUTES) {
    const m = pattern.exec(path);
    if (m === null) continue;
    try {
      assertQuery(query, reads);
      store.refresh();
      const params = m.slice(1).map((p) => decodeURIComponent(p));
      return { status: 200, body: handler(store, params, query, now) };
    } catch (err) {
      return errorAnswer(err);
    }
  }
  return { status: 404, body: errorBody('NOT_FOUND', `no API route ${path}`, 'the routes are listed in docs/ui.md') };
}

/** `handler`, given the id of the query's `id` parameter as its one path segment. */
function byQueryId(handler: Handler): Handler {
  return (store, _p, query, now) => {
    const id = query.get('id');
    if (id === null || id === '') throw new ValidationError('the query names no record: give its id (or a unique prefix) as ?id=…', { field: 'id' });
    return handler(store, [id], new URLSearchParams(), now);
  };
}

function errorAnswer(err: unknown): ApiAnswer {
  if (err instanceof TaskStoreError) {
    const byCode: Record<string, number> = { NOT_FOUND: 404, VALIDATION: 400, INVALID_NAME: 400, CONFLICT_MARKERS: 409, LOCKED: 503 };
    const status = byCode[err.code] ?? 500;
    return { status, body: errorBody(err.code, err.message, err.hint) };
  }
  if (err instanceof CliError) return { status: 400, body: errorBody('BAD_REQUEST', err.message, err.hint) };
  if (err instanceof URIError) return { status: 400, body: errorBody('BAD_REQUEST', 'malformed percent-encoding in the path') };
  return { status: 500, body: errorBody('INTERNAL', err instanceof Error ? err.message : String(err)) };
}

function errorBody(code: string, message: string, hint?: string): ErrorResponse {
  return { error: { code, message, ...(hint === undefined ? {} : { hint }) } };
}

// ---------------------------------------------------------------- PRDs

function prdList(store: Store, _p: string[], query: URLSearchParams, now: number): PrdListResponse {
  // One page, as `listPrds()` orders them (created_at, then id: no PRD skipped or repeated
  // between pages). Drawing all 10,000 PRDs of a large store took the page 5–9 s.
  const { limit, offset } = paging(query, PRD_PAGE);
  const prds = store.collection({ name: 'prds' });
  const rows = prds.list({ orderBy: 'created_at', limit, offset }).map((r) => withReadDefaults('prds', r) as unknown as Prd);
  // One grouped query for every PRD's counts (two counts per PRD cost 1,000 queries at 500 PRDs).
  const progress = store.prdProgress();
  return {
    now,
    prds: exactRecords(store, 'prds', rows).map((prd) => ({ prd, progress: progress.get(prd.id) ?? { complete: 0, total: 0 } })),
    total: prds.count(),
    limit,
    offset,
  };
}

function prdBoard(store: Store, [input]: string[], _q: URLSearchParams, now: number): PrdBoardResponse {
  const { id } = resolveId(store, input!, { collections: ['prds'], what: 'PRD' });
  const prd = store.getPrd(id);
  if (prd === undefined) throw new NotFoundError(`prds has no record with id ${id}`, { data: { collection: 'prds', id } });
  // `listTaskSpecs(id)`, read from the lines so its integers beyond ±2^53 keep their digits.
  const specs = exactList(store, 'task_specs', { where: { prd_id: id }, orderBy: 'created_at' }) as unknown as TaskSpec[];
  const byId = new Map(specs.map((s) => [s.id, s]));
  const outside: Record<string, OutsideDependency> = {};
  for (const spec of specs) {
    // A dependency that is not a string (a number written by hand), or a `dependencies`
    // that is not an array, names no task spec: it stays unmet, and the spec keeps it as
    // the line holds it.
    for (const dep of dependencyIds(spec.dependencies)) {
      if (byId.has(dep) || Object.hasOwn(outside, dep)) continue;
      // `""` is an id no record can have (getTaskSpec refuses it): a missing dependency.
      const found = dep === '' ? undefined : store.getTaskSpec(dep);
      const other = found === undefined ? undefined : exactRecord(store, 'task_specs', found);
      outside[dep] = other === undefined ? { id: dep } : { id: dep, status: other.status, phase_name: other.phase_name, prd_id: other.prd_id };
    }
  }
  const statusOf = (dep: string): string | undefined => (typeof dep === 'string' ? (byId.get(dep)?.status ?? outside[dep]?.status) : undefined);
  return {
    now,
    prd: exactRecord(store, 'prds', prd),
    progress: progressOf(specs),
    task_specs: specs,
    columns: boardColumns(specs, statusOf),
    // Cycles among this PRD's specs (a cycle through another PRD shows in that PRD's graph too).
    cycles: findCycles(new Map(specs.map((s) => [s.id, dependencyIds(s.dependencies)]))),
    outside,
  };
}

// ---------------------------------------------------------------- executions

function executionPage(store: Store, _p: string[], query: URLSearchParams, now: number): ExecutionPageResponse {
  const { limit, offset } = paging(query);
  const status = optionalString(query, 'status');
  if (status !== undefined && !ExecutionStatusSchema.safeParse(status).success) {
    // A misspelt status would otherwise answer with an empty page, as if nothing ran.
    throw new ValidationError(`status must be one of ${ExecutionStatusSchema.options.join(', ')} (got ${JSON.stringify(status)})`, { field: 'status' });
  }
  const all = store.collection({ name: 'executions' });
  const order = '-started_at';
  let rows: AnyRecord[];
  let total: number;
  if (status !== undefined) {
    const where = { status };
    total = all.count({ where });
    rows = all.list({ where, orderBy: order, limit, offset }) as AnyRecord[];
  } else {
    // Running first, then the rest; each part newest started first.
    const runningWhere = { status: 'running' };
    const restWhere = { status: { ne: 'running' } };
    const running = all.count({ where: runningWhere });
    total = all.count(); // every execution is running or not: no scan for the rest's count
    rows = [];
    if (offset < running) rows.push(...(all.list({ where: runningWhere, orderBy: order, limit, offset }) as AnyRecord[]));
    if (rows.length < limit) {
      rows.push(...(all.list({ where: restWhere, orderBy: order, limit: limit - rows.length, offset: Math.max(0, offset - running) }) as AnyRecord[]));
    }
  }
  const executions = exactRecords(store, 'executions', rows.map((r) => withReadDefaults('executions', r) as unknown as Execution));
  const taskSpecs: ExecutionPageResponse['task_specs'] = {};
  for (const e of executions) {
    // A ts_id another program wrote as a number, null or "" names no task spec (and
    // getTaskSpec refuses it): the page lists the execution without one, rather than
    // one such line making the whole page a 500.
    if (typeof e.ts_id !== 'string' || e.ts_id === '' || Object.hasOwn(taskSpecs, e.ts_id)) continue;
    const found: TaskSpec | undefined = store.getTaskSpec(e.ts_id);
    const spec = found === undefined ? undefined : exactRecord(store, 'task_specs', found);
    if (spec !== undefined) taskSpecs[e.ts_id] = { phase_name: spec.phase_name, prd_id: spec.prd_id };
  }
  return { now, executions, task_specs: taskSpecs, total, limit, offset };
}

// ---------------------------------------------------------------- records

function recordOne(store: Store, [input]: string[], _q: URLSearchParams, now: number): RecordResponse {
  const match = resolveId(store, input!);
  const record = readRecord(store, match.collection, match.id) as AnyRecord | undefined;
  if (record === undefined) throw new NotFoundError(`${match.collection} has no record with id ${match.id}`, { data: { ...match } });
  return { now, collection: match.collection, record: exactRecord(store, match.collection, record) };
}

function recordHistoryAnswer(store: Store, [input]: string[], _q: URLSearchParams, now: number): HistoryResponse {
  // Every stored version has an id and an updated_at: the shape the page's types declare.
  return { now, ...(exactHistory(store, recordHistory(store, { id: input! })) as unknown as Omit<HistoryResponse, 'now'>) };
}

// ---------------------------------------------------------------- generic collections

function collectionList(store: Store, _p: string[], _q: URLSearchParams, now: number): CollectionsResponse {
  return { now, collections: store.collectionNames().map((name) => ({ name, count: store.collection({ name }).count() })) };
}

function collectionPage(store: Store, [name]: string[], query: URLSearchParams, now: number): CollectionPageResponse {
  if (!store.collectionNames().includes(name!)) throw new NotFoundError(`there is no collection named ${name}`, { data: { collection: name } });
  const { limit, offset } = paging(query);
  const where = parseWhere(query.get('where'));
  const orderBy = optionalString(query, 'orderBy');
  const c = store.collection({ name: name! });
  const records = exactList(store, name!, { where, ...(orderBy === undefined ? {} : { orderBy }), limit, offset }) as AnyRecord[];
  return { now, collection: name!, records, total: c.count({ where }), limit, offset };
}

function parseWhere(text: string | null): Record<string, never> {
  if (text === null || text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ValidationError('where must be a JSON object, e.g. {"status":"open"}', { field: 'where' });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError('where must be a JSON object, e.g. {"status":"open"}', { field: 'where' });
  }
  // A key given twice (JSON.parse keeps the last) or a number JSON.parse rounds: the
  // filter would answer another question than the one asked.
  const problem = whereTextProblem(text);
  if (problem !== undefined) throw new ValidationError(`where: ${problem.message}`, { field: `where.${problem.path}` });
  return value as Record<string, never>;
}

// ---------------------------------------------------------------- search

/** The field shown as a record's name: the registry's title field (other collections: `title`). */
function labelField(collection: string): string {
  return recordType(collection)?.titleField ?? 'title';
}

function search(store: Store, _p: string[], query: URLSearchParams, now: number): SearchResponse {
  const q = (query.get('q') ?? '').trim();
  const results: SearchResponse['results'] = [];
  if (q === '') return { now, results };
  const seen = new Set<string>();
  const needle = q.toLowerCase();
  for (const name of store.collectionNames()) {
    const c = store.collection({ name });
    const field = labelField(name);
    const labelOf = (r: Record<string, unknown>): string => (typeof r[field] === 'string' ? (r[field] as string) : r.id as string);
    // Id prefix: an exact range on id (never LIKE, whose _ and % are wildcards).
    for (const r of c.list({ where: { id: { gte: q, lt: `${q}\u{10FFFF}` } }, orderBy: 'id', limit: 10 })) {
      if (r.id.startsWith(q) && !seen.has(r.id)) {
        seen.add(r.id);
        results.push({ collection: name, id: r.id, label: labelOf(r), match: 'id' });
      }
    }
    // Title: LIKE narrows (its wildcards only widen the match), the substring test decides.
    const where: Record<string, Condition> = { [field]: { like: `%${q}%` } };
    if (recordType(name) === undefined) {
      // A generic collection may hold millions of records, whose titles no index serves:
      // only its most recently updated ones are looked at (beside a collection of
      // 1,000,000, every keystroke took 0.7–1.0 s, the most of it scanning that one).
      const [edge] = c.list({ orderBy: '-updated_at', offset: SEARCH_SCAN - 1, limit: 1 });
      if (edge !== undefined) where.updated_at = { gte: edge.updated_at };
    }
    for (const r of c.list({ where, orderBy: '-updated_at', limit: 50 })) {
      const label = labelOf(r);
      if (!seen.has(r.id) && typeof r[field] === 'string' && label.toLowerCase().includes(needle)) {
        seen.add(r.id);
        results.push({ collection: name, id: r.id, label, match: 'title' });
      }
    }
  }
  // Id matches first, then titles; a stable, short list.
  results.sort((a, b) => (a.match === b.match ? 0 : a.match === 'id' ? -1 : 1));
  return { now, results: results.slice(0, SEARCH_LIMIT) };
}

// ---------------------------------------------------------------- query parameters

/**
 * Every parameter of this API takes one value: `?status=running&status=failed` is a 400
 * naming it, not an answer for one of the two (`URLSearchParams.get` would take the first
 * without a word). A parameter the route does not read is a 400 too: a misspelt
 * `?stauts=failed` would otherwise answer with every execution. Checked here for every
 * route, before any handler reads the query.
 */
function assertQuery(query: URLSearchParams, reads: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of query.keys()) {
    if (seen.has(name)) {
      throw new ValidationError(`query parameter ${JSON.stringify(name)} was given more than once; it takes one value`, { field: name });
    }
    seen.add(name);
    if (!reads.includes(name)) {
      throw new ValidationError(`query parameter ${JSON.stringify(name)} is not one this route reads (it reads ${reads.length === 0 ? 'none' : reads.join(', ')})`, {
        field: name,
      });
    }
  }
}

function paging(query: URLSearchParams, fallback = DEFAULT_LIMIT): { limit: number; offset: number } {
  return { limit: intParam(query, 'limit', fallback, 1, MAX_LIMIT), offset: intParam(query, 'offset', 0, 0, Number.MAX_SAFE_INTEGER) };
}

function intParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const text = query.get(name);
  if (text === null || text === '') return fallback;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new ValidationError(`${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(text)})`, { field: name });
  }
  return Number(text);
}

function optionalString(query: URLSearchParams, name: string): string | undefined {
  const v = query.get(name);
  return v === null || v === '' ? undefined : v;
}
