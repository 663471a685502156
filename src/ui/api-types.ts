/**
 * The JSON the `taskstore ui` server answers under `/api/`, shared by the server and the
 * page. Records travel in the library's own shapes (`Prd`, `TaskSpec`, `Execution`, the
 * stored version of any generic record); what the page needs beyond them (progress,
 * board columns, cycles) sits beside the records, never mixed into them. Types only.
 */
import type { Execution, Prd, TaskSpec } from '../records/registry.js';

export type { TaskSpec };

/** Any stored record: the library's generic shape. */
export type AnyRecord = Record<string, unknown> & { id: string; updated_at: number };

/** Every answer carries the server's clock, so the page shows lease and duration without trusting its own. */
interface Stamped {
  /** The server's `Date.now()` when it answered (ms). */
  now: number;
}

export interface Progress {
  complete: number;
  total: number;
}

/** `GET /api/prds?limit=&offset=` — one page of PRDs, in `listPrds()` order (created_at, then id). */
export interface PrdListResponse extends Stamped {
  prds: { prd: Prd; progress: Progress }[];
  /** Every PRD, not only this page's. */
  total: number;
  limit: number;
  offset: number;
}

/** The board's columns, left to right. */
export const BOARD_COLUMNS = ['blocked', 'ready', 'running', 'complete', 'failed'] as const;
export type BoardColumn = (typeof BOARD_COLUMNS)[number];

/** A dependency of one of the PRD's task specs that lives outside it (or nowhere). */
export interface OutsideDependency {
  id: string;
  /** Undefined when no live task spec has this id. */
  status?: string;
  phase_name?: string;
  prd_id?: string;
}

/** `GET /api/prds/:id` — one PRD with its task specs, placed on the board. */
export interface PrdBoardResponse extends Stamped {
  prd: Prd;
  progress: Progress;
  task_specs: TaskSpec[];
  /** Task spec id → its column. */
  columns: Record<string, BoardColumn>;
  /** Dependency cycles among these specs (groups of ids, as `findDependencyCycles`). */
  cycles: string[][];
  /** Dependencies that are not task specs of this PRD, by id. */
  outside: Record<string, OutsideDependency>;
}

/** `GET /api/executions?status=&limit=&offset=` — running first, then newest started first. */
export interface ExecutionPageResponse extends Stamped {
  executions: Execution[];
  /** For each `ts_id` on the page: its task spec's phase and PRD (absent when the spec is gone). */
  task_specs: Record<string, { phase_name: string; prd_id: string }>;
  total: number;
  limit: number;
  offset: number;
}

/** `GET /api/records/:id` (a full id or a unique prefix). */
export interface RecordResponse extends Stamped {
  collection: string;
  record: AnyRecord;
}

interface FieldChange {
  field: string;
  /** Absent when the field was added. */
  old?: unknown;
  /** Absent when the field was removed. */
  new?: unknown;
}

/** `GET /api/records/:id/history` — every version, each with the fields it changed. */
export interface HistoryResponse extends Stamped {
  collection: string;
  id: string;
  /**
   * In file order. `basedOn` is the 1-based version a version was made from (after a merge
   * the two branches' versions interleave in the file, so it is not always the one before);
   * `mergeOf` names the other branch's version for a version the merge driver wrote.
   */
  versions: { record: AnyRecord; deleted: boolean; basedOn: number | null; mergeOf: number | null; changes: FieldChange[] }[];
}

/** `GET /api/collections` */
export interface CollectionsResponse extends Stamped {
  collections: { name: string; count: number }[];
}

/** `GET /api/collections/:name?where=<JSON>&orderBy=&limit=&offset=` — `where` is the library's query `where`. */
export interface CollectionPageResponse extends Stamped {
  collection: string;
  records: AnyRecord[];
  total: number;
  limit: number;
  offset: number;
}

/** `GET /api/search?q=` — records whose id starts with `q`, or whose title (phase name, name) contains it. */
export interface SearchResponse extends Stamped {
  results: { collection: string; id: string; label: string; match: 'id' | 'title' }[];
}

/** An error answer (any 4xx/5xx). */
export interface ErrorResponse {
  error: { code: string; message: string; hint?: string };
}

/**
 * One message of the live channel (`GET /api/events`, server-sent events named `change`).
 * `id` and `op` are absent when the server only knows that a collection changed.
 */
export interface LiveChange {
  collection: string;
  id?: string;
  op?: 'create' | 'update' | 'delete';
  updated_at?: number;
}
