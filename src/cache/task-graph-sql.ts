/**
 * The readiness graph's tables, triggers and queries in the cache (what they mean, and
 * the readiness rule, are described in `records/task-graph.ts`, which uses them).
 *
 * Two derived tables beside the `task_specs` cache table:
 * - `task_graph_nodes`: one row per live task spec: the fields readiness and claims
 *   look at, plus `blocked` = how many of its dependencies are not complete;
 * - `task_graph_edges`: one row per entry of a live spec's `dependencies`.
 *
 * They are maintained by SQLite triggers on the `task_specs` cache table, so every
 * change to the table — live writes, catching up with other processes' lines, full
 * rebuilds, by the Store or by a bare engine that knows nothing of task specs — keeps
 * them right, in the same transaction. The cache table changes only through
 * `CollectionTable.apply` (insert a version, mark the previous current version
 * superseded) and `clear`, so the triggers
 * react to exactly two events: a row becomes the current live version, or stops being it.
 *
 * Queries name their index (`INDEXED BY`) and join order (`CROSS JOIN`), so their
 * speed does not depend on what SQLite's planner guesses. Each statement is prepared
 * once per table object.
 */
import type { CollectionTable } from './collection-table.js';
import type { RowColumns } from './parsed-reads.js';
import { STATE_LIVE, STATE_TOMBSTONE, liveRow } from './row-state.js';
import type { SqliteDatabase, SqliteStatement } from './sqlite.js';

const NODES = 'task_graph_nodes';
const EDGES = 'task_graph_edges';
const META = 'task_graph_meta';
/** Scratch: the (pos, dep_id) entries of the version being added, while its stale edges are removed. */
const KEPT = 'task_graph_kept';
/** Bump the version when the tables or triggers change: an older cache then gets the new ones and a backfill. */
const VERSION = 'v5';
const TRIGGERS = ['add', 'revive', 'tombstone', 'supersede', 'edge_added', 'edge_removed', 'remove'] as const;
/** Created last, so its presence means the whole graph is installed. */
const MARKER = `task_graph_${VERSION}_remove`;

/** A claimable task spec's position in claim order. */
export interface GraphCandidate {
  id: string;
  created_at: unknown;
}

/**
 * SQL that adds the live version `row` (NEW) of a task spec to the graph.
 *
 * The edges the previous version left (see removeSql) that this version no longer holds
 * go; the others stay. Which ones stay is looked up in a scratch table filled with this
 * version's entries, not in \`json_each\` of the version itself: SQLite evaluated that
 * subquery again (parsing the whole list) for each edge it deleted, so a spec with 10,000
 * dependencies whose list shifted by one took over 2 s per version, 20,000 over 8 s. The
 * scratch table is filled only when the spec has edges (not on a create, nor in a rebuild's
 * first version of each spec), and is empty again when the statement ends.
 */
function addSql(row: string): string {
  const depsType = `json_type(${row}.data, '$.dependencies')`;
  return `
    INSERT INTO ${NODES} (id, status, created_at, prd_id, assigned_to, lease_expires_at, bad_deps, blocked)
    VALUES (
      ${row}.id,
      json_extract(${row}.data, '$.status'),
      json_extract(${row}.data, '$.created_at'),
      json_extract(${row}.data, '$.prd_id'),
      json_extract(${row}.data, '$.assigned_to'),
      json_extract(${row}.data, '$.lease_expires_at'),
      CASE WHEN ${depsType} IS NULL OR ${depsType} = 'null' THEN 0
           WHEN ${depsType} = 'array' THEN (SELECT count(*) FROM json_each(${row}.data, '$.dependencies') WHERE type <> 'text')
           ELSE 1 END,
      0);
    INSERT INTO ${KEPT} (pos, dep_id)
      SELECT key, value FROM json_each(${row}.data, '$.dependencies')
      WHERE type = 'text' AND ${depsType} = 'array' AND EXISTS (SELECT 1 FROM ${EDGES} WHERE spec_id = ${row}.id);
    DELETE FROM ${EDGES} WHERE spec_id = ${row}.id
      AND NOT EXISTS (SELECT 1 FROM ${KEPT} AS k WHERE k.pos = ${EDGES}.pos AND k.dep_id = ${EDGES}.dep_id);
    DELETE FROM ${KEPT};
    INSERT OR IGNORE INTO ${EDGES} (spec_id, pos, dep_id)
      SELECT ${row}.id, key, value FROM json_each(${row}.data, '$.dependencies')
      WHERE type = 'text' AND ${depsType} = 'array';
    UPDATE ${NODES} SET blocked = blocked - (SELECT count(*) FROM ${EDGES} AS e WHERE e.dep_id = ${row}.id AND e.spec_id = ${NODES}.id)
      WHERE json_extract(${row}.data, '$.status') = 'complete'
        AND id IN (SELECT spec_id FROM ${EDGES} WHERE dep_id = ${row}.id) AND id <> ${row}.id;
    UPDATE ${NODES} SET blocked = bad_deps + (
        SELECT count(*) FROM ${EDGES} AS e LEFT JOIN ${NODES} AS d ON d.id = e.dep_id
        WHERE e.spec_id = ${row}.id AND d.status IS NOT 'complete')
      WHERE id = ${row}.id;`;
}

/**
 * SQL that removes the live version `row` (OLD) of a task spec from the graph. With
 * `keepEdges` (the version is superseded: a new current version follows at once, in
 * the same apply) its edges stay, and the next version's insert changes only the edges
 * that differ, so the edge set, and the cycle check's cached answer, change only when
 * dependencies do.
 */
function removeSql(row: string, keepEdges: boolean): string {
  return `${keepEdges ? '' : `
    DELETE FROM ${EDGES} WHERE spec_id = ${row}.id;`}
    UPDATE ${NODES} SET blocked = blocked + (SELECT count(*) FROM ${EDGES} AS e WHERE e.dep_id = ${row}.id AND e.spec_id = ${NODES}.id)
      WHERE (SELECT status FROM ${NODES} WHERE id = ${row}.id) = 'complete'
        AND id IN (SELECT spec_id FROM ${EDGES} WHERE dep_id = ${row}.id);
    DELETE FROM ${NODES} WHERE id = ${row}.id;`;
}

/**
 * The tables, indexes and triggers. `task_graph_lease` kept its name when v4 gave it the
 * claim-order columns: a process of the previous version still running on the same
 * cache names it in its expired-lease query (INDEXED BY), which works with either.
 */
function schemaSql(source: string): string {
  const t = (name: (typeof TRIGGERS)[number]) => `task_graph_${VERSION}_${name}`;
  return `
    DROP TABLE IF EXISTS ${NODES};
    DROP TABLE IF EXISTS ${EDGES};
    DROP TABLE IF EXISTS ${META};
    DROP TABLE IF EXISTS ${KEPT};
    CREATE TABLE ${META} (k INTEGER PRIMARY KEY CHECK (k = 0), edges_version INTEGER NOT NULL);
    INSERT INTO ${META} VALUES (0, 0);
    CREATE TABLE ${NODES} (
      id TEXT PRIMARY KEY,
      status,
      created_at,
      prd_id,
      assigned_to,
      lease_expires_at,
      bad_deps INTEGER NOT NULL,
      blocked INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX task_graph_ready ON ${NODES} (status, blocked, created_at, id);
    CREATE INDEX task_graph_prd_ready ON ${NODES} (prd_id, status, blocked, created_at, id);
    CREATE INDEX task_graph_lease ON ${NODES} (status, created_at, id, lease_expires_at, prd_id);
    CREATE INDEX task_graph_bad_deps ON ${NODES} (id) WHERE bad_deps > 0;
    CREATE TABLE ${EDGES} (
      spec_id TEXT NOT NULL,
      pos INTEGER NOT NULL,
      dep_id TEXT NOT NULL,
      PRIMARY KEY (spec_id, pos)
    ) WITHOUT ROWID;
    CREATE INDEX task_graph_edges_dep ON ${EDGES} (dep_id, spec_id);
    CREATE TABLE ${KEPT} (pos INTEGER NOT NULL, dep_id TEXT NOT NULL, PRIMARY KEY (pos, dep_id)) WITHOUT ROWID;
    CREATE TRIGGER ${t('add')} AFTER INSERT ON ${source} WHEN NEW.state = ${STATE_LIVE}
    BEGIN ${addSql('NEW')}
    END;
    CREATE TRIGGER ${t('revive')} AFTER UPDATE OF state ON ${source} WHEN NEW.state = ${STATE_LIVE} AND OLD.state <> ${STATE_LIVE}
    BEGIN ${addSql('NEW')}
    END;
    CREATE TRIGGER ${t('tombstone')} AFTER INSERT ON ${source} WHEN NEW.state = ${STATE_TOMBSTONE}
    BEGIN DELETE FROM ${EDGES} WHERE spec_id = NEW.id;
    END;
    CREATE TRIGGER ${t('supersede')} AFTER UPDATE OF state ON ${source} WHEN OLD.state = ${STATE_LIVE} AND NEW.state <> ${STATE_LIVE}
    BEGIN ${removeSql('OLD', true)}
    END;
    CREATE TRIGGER ${t('edge_added')} AFTER INSERT ON ${EDGES}
    BEGIN UPDATE ${META} SET edges_version = edges_version + 1;
    END;
    CREATE TRIGGER ${t('edge_removed')} AFTER DELETE ON ${EDGES}
    BEGIN UPDATE ${META} SET edges_version = edges_version + 1;
    END;
    CREATE TRIGGER ${MARKER} AFTER DELETE ON ${source} WHEN OLD.state = ${STATE_LIVE}
    BEGIN ${removeSql('OLD', false)}
    END;`;
}

/** Fills the graph from the live rows already in the cache table (a cache built before the graph existed). */
function backfillSql(source: string): string {
  return `
    INSERT INTO ${NODES} (id, status, created_at, prd_id, assigned_to, lease_expires_at, bad_deps, blocked)
      SELECT id, json_extract(data, '$.status'), json_extract(data, '$.created_at'), json_extract(data, '$.prd_id'),
             json_extract(data, '$.assigned_to'), json_extract(data, '$.lease_expires_at'),
             CASE WHEN json_type(data, '$.dependencies') IS NULL OR json_type(data, '$.dependencies') = 'null' THEN 0
                  WHEN json_type(data, '$.dependencies') = 'array' THEN (SELECT count(*) FROM json_each(data, '$.dependencies') WHERE type <> 'text')
                  ELSE 1 END,
             0
      FROM ${source} WHERE state = ${STATE_LIVE};
    INSERT INTO ${EDGES} (spec_id, pos, dep_id)
      SELECT t.id, j.key, j.value FROM ${source} AS t, json_each(t.data, '$.dependencies') AS j
      WHERE t.state = ${STATE_LIVE} AND j.type = 'text' AND json_type(t.data, '$.dependencies') = 'array';
    UPDATE ${NODES} SET blocked = bad_deps + (
      SELECT count(*) FROM ${EDGES} AS e LEFT JOIN ${NODES} AS d ON d.id = e.dep_id
      WHERE e.spec_id = ${NODES}.id AND d.status IS NOT 'complete');`;
}

/** Candidates with the id their line holds where the id column cannot give it (see `idAsWritten`). */
function exactIds(rows: unknown[]): GraphCandidate[] {
  return (rows as { id: string; created_at: unknown; written_id: string | null }[]).map(({ id, created_at, written_id }) => ({
    id: id.includes('\ufffd') && written_id !== null ? (JSON.parse(written_id) as string) : id,
    created_at,
  }));
}

export class TaskGraphTables {
  private readonly source: string;
  private readonly statements = new Map<string, SqliteStatement>();

  constructor(
    private readonly db: SqliteDatabase,
    private readonly table: CollectionTable,
  ) {
    this.source = `"${table.table}"`;
    this.install();
    // A full rebuild deletes every row of the cache table: emptying the graph first
    // spares the delete trigger its bookkeeping for each of them.
    table.onClear(() => this.db.exec(`DELETE FROM ${EDGES}; DELETE FROM ${NODES};`));
  }

  /** Creates the tables and triggers once per cache (and fills them from what the cache holds). */
  private install(): void {
    const present = () => this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?").get(MARKER) !== undefined;
    if (present()) return;
    const create = (): void => {
      if (present()) return; // another process installed it while this one waited for the lock
      // Triggers of any version go: two versions' triggers on one table would both run.
      const triggers = this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'task\\_graph\\_%' ESCAPE '\\'").all() as { name: string }[];
      for (const { name } of triggers) this.db.exec(`DROP TRIGGER IF EXISTS "${name}"`);
      // The edge counter goes on from where it was (the tables are made anew): a process
      // that kept its cycle answer with the counter's value must see it move, even when
      // the backfill alone would bring a new counter back to exactly that value.
      const hasMeta = this.db.prepare("SELECT 1 FROM pragma_table_info(?) WHERE name = 'edges_version'").get(META) !== undefined;
      const before = hasMeta ? Number((this.db.prepare(`SELECT max(edges_version) AS v FROM ${META}`).get() as { v: number | null }).v ?? 0) : 0;
      this.db.exec(schemaSql(this.source));
      this.db.exec(backfillSql(this.source));
      this.db.prepare(`UPDATE ${META} SET edges_version = edges_version + ? + 1`).run(before);
    };
    if (this.db.inTransaction) this.db.transaction(create)();
    else this.db.transaction(create).immediate();
  }

  /** True inside a transaction (whose changes a rollback may still take back). */
  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  /**
   * Ready specs, parsed, oldest first (`created_at`, then `id`): objects of their own,
   * from the versions the task specs' table keeps parsed (see CollectionTable.parsedRows).
   */
  readySpecs<R>(): R[] {
    const spec = (columns: RowColumns): string => columns.split(', ').map((c) => `t.${c}`).join(', ');
    return this.table.parsedRows<R>(
      (columns) => `
        SELECT ${spec(columns)} FROM ${NODES} AS n INDEXED BY task_graph_ready
        CROSS JOIN ${this.source} AS t INDEXED BY "${this.sourceName()}__id"
        WHERE n.status = 'pending' AND n.blocked = 0 AND t.id = n.id AND ${liveRow('t.')}
        ORDER BY n.created_at, n.id`,
      [],
    );
  }

  /** The first `limit` ready specs (`created_at`, then `id`), optionally of one PRD. */
  firstReady(prdId: string | undefined, limit: number): GraphCandidate[] {
    return exactIds(
      prdId === undefined
        ? this.statement(`
            SELECT id, created_at, ${this.idAsWritten()} FROM ${NODES} AS n INDEXED BY task_graph_ready
            WHERE status = 'pending' AND blocked = 0 ORDER BY created_at, id LIMIT ?`).all(limit)
        : this.statement(`
            SELECT id, created_at, ${this.idAsWritten()} FROM ${NODES} AS n INDEXED BY task_graph_prd_ready
            WHERE prd_id = ? AND status = 'pending' AND blocked = 0 ORDER BY created_at, id LIMIT ?`).all(prdId, limit),
    );
  }

  /**
   * The id as the spec's line writes it, as JSON text. An id holding half a surrogate pair
   * (a hand-written `"\ud800"`) is no UTF-8: the id column keeps its bytes but reads in
   * JavaScript as U+FFFD, an id no lookup finds. The JSON text keeps the escape.
   */
  private idAsWritten(): string {
    return `(SELECT t.data -> '$.id' FROM ${this.source} AS t INDEXED BY "${this.sourceName()}__id" WHERE t.id = n.id AND ${liveRow('t.')}) AS written_id`;
  }

  /**
   * Running specs whose lease ended before `now` or ends after `latest` (a lease no clock
   * that is right could have written), in claim order (at most `limit`; -1: all). A lease
   * that is not a number (a hand-written line) is neither: SQLite orders text after every
   * number, so without the type test it would count as too far ahead.
   *
   * The running specs are read in claim order from their index, which holds the lease and
   * the PRD too, and the read stops at `limit`. An index on the lease found the expired
   * ones directly but had to sort all of them for the first: claimNextReadyTaskSpec,
   * asking for one, paid ~4 ms per call with 5,000 expired leases. This way a call costs
   * what reading the running specs before the first expired ones costs, under 0.1 µs each (a store
   * holding 5,000 live leases and no expired one: ~0.3 ms).
   */
  expired(now: number, latest: number, prdId?: string, limit = -1): GraphCandidate[] {
    return exactIds(
      this.statement(`
      SELECT id, created_at, ${this.idAsWritten()} FROM ${NODES} AS n INDEXED BY task_graph_lease
      WHERE status = 'running' AND (lease_expires_at < ? OR (lease_expires_at > ? AND typeof(lease_expires_at) IN ('integer', 'real')))
        AND (? IS NULL OR prd_id = ?)
      ORDER BY created_at, id LIMIT ?`).all(now, latest, prdId ?? null, prdId ?? null, limit),
    );
  }

  /**
   * Ids of the live task specs whose `dependencies` name `id`, in id order: what refuses
   * the delete of spec `id`. It used to be a `json_each` over every live spec's list
   * (~5.5 ms at 10,000 specs, for every delete of any task spec); the edges give the
   * specs whose list holds `id` as a string entry from their index. The old reading also
   * matched values that are no such entry (a `dependencies` that is a string or an
   * object, not a list; a nested list whose JSON text is the id): those specs have
   * `bad_deps` > 0, few and indexed apart, and are asked exactly as before, so the same
   * specs refuse a delete.
   *
   * The partial index is not named (INDEXED BY): SQLite takes it by itself, and a process
   * of an earlier version sharing the cache may install its own graph, which has no such
   * index; naming it would make this statement fail there instead of reading the nodes.
   */
  dependents(id: string): string[] {
    return this.statement(`
      SELECT spec_id FROM ${EDGES} INDEXED BY task_graph_edges_dep WHERE dep_id = ?
      UNION
      SELECT n.id FROM ${NODES} AS n
      CROSS JOIN ${this.source} AS t INDEXED BY "${this.sourceName()}__id"
      WHERE n.bad_deps > 0 AND t.id = n.id AND ${liveRow('t.')}
        AND EXISTS (SELECT 1 FROM json_each(t.data, '$.dependencies') AS e WHERE e.value = ?)
      ORDER BY 1`)
      .pluck()
      .all(id, id) as string[];
  }

  /** Status and unmet-dependency count of live spec `id`, or undefined when it is not live. */
  readiness(id: string): { status: unknown; blocked: number } | undefined {
    return this.statement(`SELECT status, blocked FROM ${NODES} WHERE id = ?`).get(id) as { status: unknown; blocked: number } | undefined;
  }

  /** A counter that moves whenever an edge is added or removed, in this process or any other. */
  edgesVersion(): number {
    return (this.statement(`SELECT edges_version FROM ${META}`).get() as { edges_version: number }).edges_version;
  }

  /** Every edge as two parallel lists (spec i depends on dep i). */
  edges(): { specs: string[]; deps: string[] } {
    // Two JSON arrays instead of 20,000 row objects: building one JavaScript object per
    // row costs far more than SQLite's part of the work at this size.
    const { specs, deps } = this.statement(`SELECT json_group_array(spec_id) AS specs, json_group_array(dep_id) AS deps FROM ${EDGES}`).get() as {
      specs: string;
      deps: string;
    };
    return { specs: JSON.parse(specs) as string[], deps: JSON.parse(deps) as string[] };
  }

  /**
   * Per PRD id (a string `prd_id`), how many live task specs it has and how many of them
   * have status `complete` (exactly that text): one grouped pass over the graph's narrow
   * rows, through the index that starts with `prd_id` and holds `status`.
   */
  progressByPrd(): { prd_id: string; total: number; complete: number }[] {
    return this.statement(`
      SELECT prd_id, count(*) AS total, count(CASE WHEN status = 'complete' THEN 1 END) AS complete
      FROM ${NODES} INDEXED BY task_graph_prd_ready
      WHERE typeof(prd_id) = 'text' GROUP BY prd_id`).all() as { prd_id: string; total: number; complete: number }[];
  }

  /** The live task specs (id and JSON text), from the cache table itself rather than the graph. */
  liveSpecs(): { id: string; data: string }[] {
    return this.db.prepare(`SELECT id, data FROM ${this.source} WHERE state = ${STATE_LIVE}`).all() as { id: string; data: string }[];
  }

  /** The graph's node rows: the fields it keeps of each live spec, and its unmet-dependency count. */
  nodes(): ({ id: string; blocked: number } & Record<string, unknown>)[] {
    return this.db.prepare(`SELECT id, status, created_at, prd_id, assigned_to, lease_expires_at, blocked FROM ${NODES}`).all() as ({
      id: string;
      blocked: number;
    } & Record<string, unknown>)[];
  }

  private sourceName(): string {
    return this.source.slice(1, -1);
  }

  private statement(sql: string): SqliteStatement {
    let statement = this.statements.get(sql);
    if (statement === undefined) this.statements.set(sql, (statement = this.db.prepare(sql)));
    return statement;
  }
}
