/**
 * The task graph: readiness of task specs, maintained on write inside the cache, so the
 * orchestrator's hot queries (ready specs, the next claimable spec, dependency cycles)
 * cost what their answer costs instead of a join over every spec and edge.
 *
 * The graph lives in the cache, beside the `task_specs` cache table: its tables, the
 * triggers that keep it right on every change of that table, and its named queries are
 * in `cache/task-graph-sql.ts`. This module holds the rules on top: claim order, the
 * cycle check and its cached answer, and an independent recomputation for `check`.
 *
 * Readiness rule: a spec is *ready* when it is live, its `status` is `pending`, and every
 * entry of its `dependencies` is a string naming a live task spec whose status is
 * `complete`. A dependency on a missing or deleted spec, a non-string entry, or a
 * `dependencies` value that is not an array (only possible in hand-written lines; null
 * counts as none) keeps it waiting. `check()` reports each of them (record-checks.ts).
 */
import type { CacheDb } from '../cache/cache-db.js';
import type { CollectionTable } from '../cache/collection-table.js';
import type { GraphCandidate, TaskGraphTables } from '../cache/task-graph-sql.js';
import { latestPlausibleLeaseEnd } from './claims.js';
import { findCycles } from './cycles.js';

export class TaskGraph {
  private readonly tables: TaskGraphTables;
  private cachedCycles: { version: number; groups: string[][] } | undefined;

  constructor(cache: CacheDb, table: CollectionTable) {
    this.tables = cache.taskGraph(table);
  }

  /** Ready specs, parsed (objects of their own), oldest first (`created_at`, then `id`). */
  readySpecs<R>(): R[] {
    return this.tables.readySpecs<R>();
  }

  /**
   * The first `limit` claimable specs in claim order (`created_at`, then `id`): ready
   * ones, and `running` ones whose lease ended before `now`. `more` is false when these
   * are all the claimable specs there are.
   */
  firstClaimable(now: number, prdId: string | undefined, limit: number): { candidates: GraphCandidate[]; more: boolean } {
    const ready = this.tables.firstReady(prdId, limit);
    const expired = this.expired(now, prdId, limit);
    const more = ready.length === limit || expired.length === limit;
    const candidates = [...ready, ...expired].sort(compareClaimOrder);
    // With more to come, only the first `limit` are surely the first overall (a list cut
    // at `limit` may hold others that come before the rest of the other list).
    return { candidates: more ? candidates.slice(0, limit) : candidates, more };
  }

  /** Running specs whose lease ended before `now` (or cannot be right: see `leaseExpired`), in claim order. */
  expired(now: number, prdId?: string, limit = -1): GraphCandidate[] {
    return this.tables.expired(now, latestPlausibleLeaseEnd(now), prdId, limit);
  }

  /** Live task specs per PRD id: total, and how many are `complete`. */
  progressByPrd(): Map<string, { complete: number; total: number }> {
    return new Map(this.tables.progressByPrd().map((r) => [r.prd_id, { complete: r.complete, total: r.total }]));
  }

  /** Ids of the live task specs whose `dependencies` name `id`, in id order. */
  dependents(id: string): string[] {
    return this.tables.dependents(id);
  }

  /** Whether `id` is ready now (live, pending, nothing blocking). */
  isReady(id: string): boolean {
    const row = this.tables.readiness(id);
    return row !== undefined && row.status === 'pending' && row.blocked === 0;
  }

  /**
   * The dependency cycles among live specs (see `findCycles`). A cycle runs only through
   * specs that have edges, and the edge table changes only when some spec's
   * dependencies do (a status change rewrites no edge), so the answer is computed from
   * the edges alone and kept until the edge table's version counter moves — in this
   * process or any other.
   */
  cycles(): string[][] {
    const version = this.tables.edgesVersion();
    // Inside a transaction the counter may count edges that a rollback takes back (and a
    // later commit counts again, for other edges): cache only what is committed.
    const cacheable = !this.tables.inTransaction;
    if (!cacheable || this.cachedCycles?.version !== version) {
      const { specs: from, deps: to } = this.tables.edges();
      const graph = new Map<string, string[]>();
      for (let i = 0; i < from.length; i++) {
        let out = graph.get(from[i]!);
        if (out === undefined) graph.set(from[i]!, (out = []));
        out.push(to[i]!);
      }
      const groups = findCycles(graph);
      if (!cacheable) return groups;
      this.cachedCycles = { version, groups };
    }
    return this.cachedCycles!.groups.map((group) => [...group]);
  }

  /**
   * Differences between the maintained graph and one recomputed from the cache table's
   * live rows (a second, independent implementation of the readiness rule), as messages.
   */
  drift(): { id: string; message: string }[] {
    const specs = new Map<string, Record<string, unknown>>();
    for (const { id, data } of this.tables.liveSpecs()) {
      specs.set(id, JSON.parse(data) as Record<string, unknown>);
    }
    const expected = new Map<string, { fields: string; blocked: number }>();
    for (const [id, spec] of specs) {
      const deps = spec.dependencies;
      let blocked = 0;
      if (Array.isArray(deps)) {
        for (const dep of deps) if (typeof dep !== 'string' || specs.get(dep)?.status !== 'complete') blocked++;
      } else if (deps !== undefined && deps !== null) blocked = 1;
      expected.set(id, { fields: nodeFields(spec), blocked });
    }
    const rows = this.tables.nodes();
    const actual = new Map(rows.map((r) => [r.id, { fields: JSON.stringify(NODE_FIELDS.map((f) => r[f] ?? null)), blocked: r.blocked }]));
    const problems: { id: string; message: string }[] = [];
    for (const [id, want] of expected) {
      const got = actual.get(id);
      if (got === undefined) problems.push({ id, message: `task spec ${id} is missing from the readiness graph: run taskstore sync` });
      else if (got.blocked !== want.blocked) {
        problems.push({ id, message: `task spec ${id}: the readiness graph says ${got.blocked} unmet dependencies, the records say ${want.blocked}: run taskstore sync` });
      } else if (got.fields !== want.fields) {
        problems.push({ id, message: `task spec ${id}: the readiness graph holds ${got.fields}, the records ${want.fields}: run taskstore sync` });
      }
    }
    for (const id of actual.keys()) {
      if (!expected.has(id)) problems.push({ id, message: `task spec ${id} is in the readiness graph but not live: run taskstore sync` });
    }
    return problems;
  }
}

const NODE_FIELDS = ['status', 'created_at', 'prd_id', 'assigned_to', 'lease_expires_at'] as const;

/** The node fields of a spec as SQLite's json_extract gives them (true/false as 1/0, objects as JSON text), for comparison. */
function nodeFields(spec: Record<string, unknown>): string {
  return JSON.stringify(
    NODE_FIELDS.map((f) => {
      const v = spec[f];
      if (v === undefined || v === null) return null;
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (typeof v === 'object') return JSON.stringify(v);
      return v;
    }),
  );
}

/**
 * Claim order, as the graph's queries order their rows (SQLite's order): `created_at`
 * absent first, then numbers, then text (a hand-written line's), then id in code-point
 * order, which is the order of SQLite's UTF-8 bytes. (Code-unit order, JavaScript's `<`,
 * puts an id with a character beyond U+FFFF before one with U+E000–U+FFFF: a ready spec
 * and a spec whose lease ended were then merged in an order neither query has, and the
 * next claim did not take the spec `listReadyTaskSpecs` lists first.)
 */
function compareClaimOrder(a: GraphCandidate, b: GraphCandidate): number {
  const rank = (v: unknown) => (typeof v === 'number' ? 1 : typeof v === 'string' ? 2 : 0);
  const ra = rank(a.created_at);
  const rb = rank(b.created_at);
  if (ra !== rb) return ra - rb;
  if (ra !== 0 && a.created_at !== b.created_at) return compareSqliteOrder(a.created_at as number | string, b.created_at as number | string);
  return compareCodePoints(a.id, b.id);
}

/** Two numbers, or two strings in code-point order (SQLite compares text as UTF-8 bytes). */
function compareSqliteOrder(a: number | string, b: number | string): number {
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b);
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Code-point order of two strings. At the first code unit that differs, a surrogate
 * stands for its whole character (`codePointAt`), above every other BMP character; a
 * lone surrogate keeps its own value, as its three bytes sort among SQLite's.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a.charCodeAt(i) !== b.charCodeAt(i)) return a.codePointAt(i)! < b.codePointAt(i)! ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}
