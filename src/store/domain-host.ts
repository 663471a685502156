/**
 * How layers on top of the engine (the orchestrator's records, the git integration)
 * plug into it, and the narrow part of the engine the record layer works with. The
 * engine knows these shapes only: `store/` never imports `records/`.
 */
import type { CacheDb } from '../cache/cache-db.js';
import type { CollectionTable } from '../cache/collection-table.js';
import type { CheckProblem } from './check.js';
import type { Collection, CollectionOptions } from './collection.js';

/** A live record that references another (what blocks a delete). */
export interface Referrer {
  collection: string;
  id: string;
  field: string;
}

/** What a layer on top of the engine adds to it. */
export interface EngineExtension {
  /**
   * Called once for each cache table object the engine creates (again after the cache
   * file was replaced), before any line is applied to it: attach what is derived from
   * the table (the records' readiness graph).
   */
  tableCreated?(table: CollectionTable, cache: CacheDb): void;
  /** Live records that reference `id` of `collection`, asked before a delete (inside its write scope). */
  referrers?(collection: string, id: string): Referrer[];
  /** Problems `check()` reports besides the engine's own. */
  check?(): CheckProblem[];
}

/** The narrow part of the engine a domain layer (the orchestrator's records) works with. */
export interface DomainHost {
  /** Registers hooks; call before declaring any collection. */
  extend(extension: EngineExtension): void;
  collection<T extends object = Record<string, unknown>>(options: CollectionOptions<T>): Collection<T>;
  transaction<R>(fn: () => R): R;
  /**
   * Runs one read-only SQL statement (a named query of `cache/`) over the cache tables
   * of `collections`. `sql` receives the quoted table names in the same order; each table
   * has the columns `(seq, id, updated_at, state, line, prev, data)`, `state = STATE_LIVE`
   * (`cache/row-state.ts`) marking the current live versions and `data` the record's
   * JSON. A lookup by `id` writes its condition with `liveRow()` (same file): the id
   * index holds current rows only, and SQLite uses it only when the query says so.
   * Tables are caught up (inside a write scope) and refused while conflicted, exactly
   * as for collection reads.
   */
  queryCache<R>(collections: readonly string[], sql: (...tables: string[]) => string, params?: readonly unknown[]): R[];
  /** The cache table of `collection`, caught up and refused while conflicted, as for collection reads. */
  cacheTable(collection: string): CollectionTable;
}
