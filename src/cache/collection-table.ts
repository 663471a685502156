/**
 * One collection's cache table: every version of every record, in file order, with the
 * current version of each id marked. History is answered from here, current-state
 * queries from the rows marked current (partial indexes cover only those).
 *
 * `state`: 0 = superseded, 1 = current and live, 2 = current tombstone (deleted).
 *
 * Only current rows are in the id index. An index of every version grows at the id's
 * place on every update; right after a full rebuild, which builds indexes with full
 * pages, each of those inserts split a page (twice the pages written per refresh at a
 * million lines). With current rows only, an update removes one entry and adds its
 * neighbour. The versions of an id are found through `prev` instead: starting from the
 * current row, each row names another row of the same id (0 at the end), so that the
 * chain visits every row of the id once. History sorts what the chain visits by `seq`.
 *
 * `prev` is NOT NULL, with 0 for "none", rather than NULL: a process of the previous
 * cache layout that still has the cache open (started before an upgrade, its statements
 * prepared again by SQLite against the new tables) inserts rows without naming `prev`.
 * Such a row would start a chain of its own, and every newer process's history would
 * silently lose the versions before it; NOT NULL makes that process's write fail instead.
 */
import type { SqliteDatabase, SqliteStatement } from './sqlite.js';
import { supersedes, type StoredRecord } from '../jsonl/line-codec.js';
import { StatementCache, lazyStatements } from './statement-cache.js';
import { buildCount, buildSelect, fieldExpression, type Query } from './query-builder.js';

import { STATE_LIVE, STATE_SUPERSEDED, STATE_TOMBSTONE, everyCurrentRowFrom, liveRow } from './row-state.js';
import type { ParsedBudget } from './parsed-budget.js';
import { ParsedReads, type RowColumns } from './parsed-reads.js';
import { dropEpoch, startEpoch } from './table-epochs.js';

interface CurrentRow {
  seq: number;
  updated_at: number;
  state: number;
  /** Another row of the same id, or 0 (none). */
  prev: number;
}

/** The name of collection `name`'s cache table. */
export function collectionTableName(name: string): string {
  return `c_${name}`;
}

/**
 * The columns of a collection table, as its `CREATE TABLE` names them.
 *
 * `line_no` (the version's line in the log) was `line` up to cache layout 5. The name
 * changed so that a process of layout 5 still running on this cache fails on its first
 * write instead of going on: it does not know table epochs (table-epochs.ts), so its
 * rebuild of a table would leave every newer process's parsed versions in place for
 * rows that then hold other records.
 */
const COLUMNS_SQL = `
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  state INTEGER NOT NULL,
  line_no INTEGER NOT NULL,
  prev INTEGER NOT NULL,
  data TEXT NOT NULL
`;

/**
 * True when `sql`, the `CREATE TABLE` SQLite keeps for collection `name`'s table, is not
 * this code's: the table was made by a process of an older TaskStore that had the cache
 * open when a newer one replaced its tables, and then met a collection the cache had no
 * table for yet (`CREATE TABLE IF NOT EXISTS` in its own layout, in a cache whose `meta`
 * names the new one). SQLite keeps the statement as written, less `IF NOT EXISTS`.
 * Compared as text (no pragma), so that looking at every table costs an open next to nothing.
 */
export function isOtherLayout(name: string, sql: string): boolean {
  return sql !== `CREATE TABLE "${collectionTableName(name)}" (${COLUMNS_SQL})`;
}

/**
 * The trigger that refuses to remove rows of collection table `table`, except in
 * {@link CollectionTable.clear}, which drops it for its DELETE and creates it again. A
 * process of cache layout 5 or older, still running on this cache, empties a table with
 * a DELETE and without a new epoch (see table-epochs.ts) when it rebuilds a collection
 * whose log is gone, empty, or conflicted from its first line: no INSERT follows, so the
 * renamed `line_no` column does not stop it, and this process's next writes would reuse
 * the emptied rows' `seq`s under the epoch other processes kept parsed versions with.
 * The trigger makes that DELETE fail, as such a process's INSERTs do.
 */
function keepRowsTriggerSql(table: string): string {
  return `CREATE TRIGGER IF NOT EXISTS "${keepRowsTriggerName(table)}" BEFORE DELETE ON "${table}"
    BEGIN SELECT RAISE(ABORT, 'rows of ${table} are removed only by a newer TaskStore than this process: restart it'); END`;
}

function keepRowsTriggerName(table: string): string {
  return `${table}__rows_kept`;
}

/** Drops collection `name`'s table (its indexes and triggers go with it) and its epoch. */
export function dropCollectionTable(db: SqliteDatabase, name: string): void {
  db.exec(`DROP TABLE IF EXISTS "${collectionTableName(name)}"`);
  dropEpoch(db, name);
}

/** `prev` of the last row of a chain (seqs start at 1). */
const NO_PREV = 0;

/** Rows per multi-row INSERT in a bulk load (7 parameters each, far below SQLite's limit of 32,766). */
const BULK_ROWS = 64;
/** A bulk load's queue is inserted early once its lines hold this many characters: big lines are not held 64 at a time. */
const BULK_MAX_CHARS = 4 << 20;
/**
 * The fewest new rows for which a bulk load pays outside a rebuild (createMany): below it,
 * dropping and building the indexes again, and SQLite preparing every statement of the
 * connection again after that schema change, cost more than the rows' index upkeep.
 */
const BULK_LOAD_MIN_NEW_ROWS = 1_000;


export class CollectionTable {
  readonly table: string;
  private readonly queries: StatementCache;
  private readonly clearHooks: (() => void)[] = [];
  private readonly stmts: {
    current: SqliteStatement<[string], CurrentRow>;
    live: SqliteStatement<[string], { data: string }>;
    supersede: SqliteStatement<[number]>;
    insert: SqliteStatement<[string, number, number, number, number, string]>;
    relink: SqliteStatement<[number, number]>;
    history: SqliteStatement<[string], { data: string }>;
    countLive: SqliteStatement<[], { n: number }>;
    clear: SqliteStatement<[]>;
  };
  /** Parsed reads that keep what they parsed between calls. */
  private readonly reads: ParsedReads;

  /**
   * While a full rebuild loads the table (see beginBulkLoad): the current version of each
   * id seen so far, kept in memory instead of being looked up through an index.
   */
  private bulk: BulkLoad | null = null;
  /** The index definitions dropped for a bulk load (or declared during it), by name: created by endBulkLoad. */
  private droppedIndexes = new Map<string, string>();
  /** A bulk load's multi-row INSERT (BULK_ROWS rows), and its one-row form for the last few; prepared on first use. */
  private bulkInsert: SqliteStatement | undefined;
  private oneBulkInsert: SqliteStatement | undefined;

  /** `parsedBudget`: the bound on parsed versions this table shares with the other tables of its connection (parsed-budget.ts). */
  constructor(
    private readonly db: SqliteDatabase,
    readonly name: string,
    parsedBudget: ParsedBudget,
  ) {
    this.table = collectionTableName(name);
    this.queries = new StatementCache(db);
    const t = `"${this.table}"`;
    const createTable = (): void => {
      db.exec(`
        CREATE TABLE IF NOT EXISTS ${t} (${COLUMNS_SQL});
        CREATE INDEX IF NOT EXISTS "${this.table}__id" ON ${t} (id, state) WHERE state > ${STATE_SUPERSEDED};
        CREATE INDEX IF NOT EXISTS "${this.table}__order" ON ${t} (updated_at, id) WHERE state = ${STATE_LIVE};
        ${keepRowsTriggerSql(this.table)};
      `);
    };
    if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(this.table) === undefined) {
      // The table and its epoch in one transaction: no reader sees one without the other.
      db.transaction(() => {
        createTable();
        startEpoch(db, name);
      }).immediate();
    } else {
      createTable(); // an index a failed bulk load left dropped comes back
    }
    this.stmts = lazyStatements<CollectionTable['stmts']>(db, {
      current: `SELECT seq, updated_at, state, prev FROM ${t} WHERE id = ? AND state > ${STATE_SUPERSEDED}`,
      live: `SELECT data FROM ${t} WHERE id = ? AND ${liveRow()}`,
      supersede: `UPDATE ${t} SET state = ${STATE_SUPERSEDED} WHERE seq = ?`,
      insert: `INSERT INTO ${t} (id, updated_at, state, line_no, prev, data) VALUES (?, ?, ?, ?, ?, ?)`,
      relink: `UPDATE ${t} SET prev = ? WHERE seq = ?`,
      history: `SELECT data FROM ${t} WHERE seq IN (${versionsOf(t)}) ORDER BY seq`,
      countLive: `SELECT count(*) AS n FROM ${t} WHERE state = ${STATE_LIVE}`,
      clear: `DELETE FROM ${t}`,
    });
    this.reads = new ParsedReads(db, this.table, name, this.queries, () => this.hasOwnLayout(), parsedBudget);
  }

  /**
   * Applies one version read from (or just appended to) the log, which comes after every
   * version applied before it. This is the only code path that changes the table: live
   * writes, tail catch-up and full rebuilds all go through it, so a live cache and a
   * rebuilt one cannot differ.
   */
  apply(record: StoredRecord, lineNo: number, text: string): void {
    const newState = record.deleted === true ? STATE_TOMBSTONE : STATE_LIVE;
    if (this.bulk !== null) return this.applyBulk(record, lineNo, text, newState);
    const current = this.stmts.current.get(record.id);
    if (current === undefined) {
      this.stmts.insert.run(record.id, record.updated_at, newState, lineNo, NO_PREV, text);
    } else if (supersedes(current, record, true)) {
      this.stmts.supersede.run(current.seq);
      this.stmts.insert.run(record.id, record.updated_at, newState, lineNo, current.seq, text);
    } else {
      // An older version arriving late (a merge): it joins the chain right after the current row.
      const seq = Number(this.stmts.insert.run(record.id, record.updated_at, STATE_SUPERSEDED, lineNo, current.prev, text).lastInsertRowid);
      this.stmts.relink.run(seq, current.seq);
    }
  }

  /**
   * The same rule as `apply`, for a bulk load: the current version per id comes from the
   * in-memory map, and no index is maintained row by row (endBulkLoad builds them once,
   * which is several times cheaper than keeping them up to date on every insert).
   */
  private applyBulk(record: StoredRecord, lineNo: number, text: string, newState: number): void {
    const bulk = this.bulk!;
    const currentSeq = bulk.currentSeq.get(record.id);
    if (currentSeq === undefined || supersedes({ updated_at: bulk.updatedAt(currentSeq) }, record, true)) {
      const prev = currentSeq ?? NO_PREV;
      if (currentSeq !== undefined) {
        if (bulk.hasTriggers) {
          // The task graph's triggers see the very statements, in the very order, of a
          // row-by-row load: the queued rows first, then this supersede.
          this.flushBulk(bulk);
          this.stmts.supersede.run(currentSeq);
        } else {
          // Marked at the end, in seq order (see endBulkLoad).
          bulk.superseded.push(currentSeq);
        }
      }
      const seq = this.addBulkRow(record.id, record.updated_at, newState, lineNo, prev, text);
      bulk.currentSeq.set(record.id, seq);
      bulk.setRow(seq, record.updated_at, prev, newState);
    } else {
      // As in apply(): after the current row in the chain; the current row's new `prev`
      // is written at the end of the load (it may still be queued).
      const seq = this.addBulkRow(record.id, record.updated_at, STATE_SUPERSEDED, lineNo, bulk.prev(currentSeq), text);
      bulk.relink(currentSeq, seq);
    }
  }

  /**
   * Queues one row of a bulk load, with its `seq` given (the next in file order), and
   * inserts the queue as one multi-row INSERT once it is full: a row costs about a
   * quarter less than one statement per row.
   */
  private addBulkRow(id: string, updatedAt: number, state: number, lineNo: number, prev: number, text: string): number {
    const bulk = this.bulk!;
    const seq = bulk.queue(id, updatedAt, state, lineNo, prev, text);
    if (bulk.queued === BULK_ROWS || bulk.queuedChars >= BULK_MAX_CHARS) this.flushBulk(bulk);
    return seq;
  }

  /** Inserts the queued rows of a bulk load. */
  private flushBulk(bulk: BulkLoad): void {
    if (bulk.queued === 0) return;
    if (bulk.queued === BULK_ROWS) {
      this.bulkInsert ??= this.db.prepare(`INSERT INTO "${this.table}" (seq, id, updated_at, state, line_no, prev, data) VALUES ${Array(BULK_ROWS).fill('(?, ?, ?, ?, ?, ?, ?)').join(', ')}`);
      this.bulkInsert.run(...bulk.params);
    } else {
      this.oneBulkInsert ??= this.db.prepare(`INSERT INTO "${this.table}" (seq, id, updated_at, state, line_no, prev, data) VALUES (?, ?, ?, ?, ?, ?, ?)`);
      for (let i = 0; i < bulk.params.length; i += 7) this.oneBulkInsert.run(...bulk.params.slice(i, i + 7));
    }
    bulk.clearQueue();
  }

  /**
   * True when loading `newRows` rows in bulk (beginBulkLoad) costs less than applying
   * them one by one: when they are many, and at least as many as the rows the table
   * already holds (its indexes are built again over all of them). A read of `max(seq)`:
   * rows are never removed except by `clear()`, so it bounds their number.
   */
  bulkLoadPays(newRows: number): boolean {
    // Already loading in bulk (a createMany from a schema's parse, during a createMany of
    // this collection): the rows join the load under way, whose state a second one would replace.
    if (newRows < BULK_LOAD_MIN_NEW_ROWS || this.bulk !== null) return false;
    const maxSeq = this.db.prepare(`SELECT coalesce(max(seq), 0) AS n FROM "${this.table}"`).pluck(true).get() as number;
    return newRows >= maxSeq;
  }

  /**
   * Starts a bulk load: until endBulkLoad, rows are inserted many per statement, and
   * the table's indexes are dropped, to be built once at the end (several times cheaper
   * than keeping them up to date row by row). Used by a full rebuild, into the table it
   * just cleared, and by a large createMany, into a table that may hold rows already:
   * the current row of each id is read into memory first, since the id index is gone.
   * Runs inside the caller's transaction (or savepoint), so a failure rolls the dropped
   * indexes back with everything else; the caller must call endBulkLoad (or
   * abortBulkLoad) in every case. A read of the table during the load ends it there
   * (see settle).
   */
  beginBulkLoad(): void {
    const rowsBefore = this.db
      .prepare(`SELECT seq, id, updated_at, state, prev FROM "${this.table}" WHERE state > ${STATE_SUPERSEDED} ORDER BY seq`)
      .all() as (CurrentRow & { id: string })[];
    const indexes = this.db
      .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL")
      .all(this.table) as { name: string; sql: string }[];
    for (const { name } of indexes) this.db.exec(`DROP INDEX "${name.replace(/"/g, '""')}"`);
    this.droppedIndexes = new Map(indexes.map((i) => [i.name, i.sql]));
    const next = (this.db.prepare(`SELECT coalesce(max(seq), 0) + 1 AS next FROM "${this.table}"`).get() as { next: number }).next;
    // The trigger that keeps rows (a BEFORE DELETE) sees no insert or update.
    const hasTriggers =
      this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? AND name <> ?").get(this.table, keepRowsTriggerName(this.table)) !== undefined;
    const bulk = new BulkLoad(next, hasTriggers);
    for (const row of rowsBefore) {
      bulk.currentSeq.set(row.id, row.seq);
      bulk.setRow(row.seq, row.updated_at, row.prev, row.state);
    }
    this.bulk = bulk;
  }

  /**
   * Before a savepoint opens (nothing to do unless a bulk load runs, e.g. a schema's
   * `parse` writing in a transaction of its own): ends the load there (see settle). A rollback to the
   * savepoint then undoes rows only, none of which the load holds in memory; kept
   * going, the load would still insert the rows the rolled-back writes queued, and take
   * their ids for existing ones.
   */
  settleBeforeSavepoint(): void {
    this.settle();
  }

  /**
   * Before a read of the table during a bulk load (a schema's `parse` reading the
   * collection): ends the load there — the queued rows inserted, the superseded rows
   * marked, the indexes built — and the rest of the batch is applied row by row. The
   * read then sees exactly the current rows, and is answered through the indexes:
   * without them each read scans the table, and a `parse` that reads for every record
   * made the load quadratic (20,000 records each checking a parent with `get`: 5.7 s,
   * against 0.3 s one by one).
   */
  private settle(): void {
    if (this.bulk !== null) this.endBulkLoad();
  }

  /**
   * Ends a bulk load: inserts what is queued, marks the superseded versions, then builds
   * the dropped indexes again, each in one pass over the table. The superseded versions
   * are marked in seq order, which visits the table's pages front to back: marking each
   * as it was found, at random places in a table larger than the page cache, cost about
   * a fifth of a million-line rebuild. The table leaves bulk mode first: when a
   * statement here fails (disk full), the caller's rollback restores the indexes, and
   * later writes must not be queued into a load that is over.
   */
  endBulkLoad(): void {
    const bulk = this.bulk;
    const dropped = [...this.droppedIndexes.values()];
    this.droppedIndexes.clear();
    this.bulk = null;
    if (bulk !== null) {
      this.flushBulk(bulk);
      const seqs = Float64Array.from(bulk.superseded).sort();
      for (const seq of seqs) this.stmts.supersede.run(seq);
      for (const seq of Float64Array.from(bulk.relinked).sort()) this.stmts.relink.run(bulk.prev(seq), seq);
    }
    if (dropped.length > 0) buildIndexes(this.db, dropped);
  }

  /** Leaves bulk mode after a failure; the caller's rollback restores the indexes. */
  abortBulkLoad(): void {
    this.bulk = null;
    this.droppedIndexes.clear();
  }

  /** The current version's `updated_at` and state, tombstones included (for stamping and existence checks). */
  current(id: string): { updatedAt: number; live: boolean } | undefined {
    const bulk = this.bulk;
    if (bulk !== null) {
      // The id index is dropped during a bulk load; its map knows every current row.
      const seq = bulk.currentSeq.get(id);
      return seq === undefined ? undefined : { updatedAt: bulk.updatedAt(seq), live: bulk.state(seq) === STATE_LIVE };
    }
    const row = this.stmts.current.get(id);
    return row === undefined ? undefined : { updatedAt: row.updated_at, live: row.state === STATE_LIVE };
  }

  /** The current live version's JSON text, or undefined when absent or deleted. */
  liveText(id: string): string | undefined {
    this.settle();
    return this.stmts.live.get(id)?.data;
  }

  historyTexts(id: string): string[] {
    this.settle();
    return this.stmts.history.all(id).map((r) => r.data);
  }

  /** The JSON texts of the matching current versions. */
  select(query?: Query): string[] {
    this.settle();
    const { sql, params } = buildSelect(this.table, query);
    // pluck: one string per row instead of a row object (these statements select only `data`).
    return this.queries.get(sql).pluck(true).all(...params) as string[];
  }

  /**
   * The matching current versions, parsed: {@link select} and `JSON.parse`, but with the
   * versions kept between calls (see {@link parsedRows}).
   */
  listRecords<R>(query?: Query): R[] {
    const { params } = buildSelect(this.table, query);
    return this.parsedRows<R>((columns) => buildSelect(this.table, query, columns).sql, params);
  }

  /** The rows a query of the caller's picks, parsed, each call objects of its own (see ParsedReads.rows). */
  parsedRows<R>(sql: (columns: RowColumns) => string, params: readonly unknown[]): R[] {
    this.settle();
    return this.reads.rows<R>(sql, params);
  }

  /**
   * Drops the parsed versions this table object keeps, giving their weight back to the
   * connection's budget: called when the store stops using the object (its table was
   * dropped by a rollback), whose versions would otherwise hold part of the budget until
   * the others' reads pushed them out.
   */
  forgetParsed(): void {
    this.reads.forget();
  }

  /** The weight of the parsed versions this table object keeps (parsed-versions.ts, keptWeight): for tests. */
  get parsedWeight(): number {
    return this.reads.keptWeight;
  }

  /**
   * True when the table is of this layout, with the trigger keeping its rows, in a cache
   * that has table epochs (see ParsedReads: asked only when the cache's schema changed).
   */
  private hasOwnLayout(): boolean {
    const found = this.db
      .prepare<[string, string], { tableSql: string | null; epochs: number; kept: number }>(
        `SELECT (SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?) AS tableSql,
                EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'table_epochs') AS epochs,
                EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?) AS kept`,
      )
      .get(this.table, keepRowsTriggerName(this.table))!;
    return found.tableSql !== null && !isOtherLayout(this.name, found.tableSql) && found.epochs === 1 && found.kept === 1;
  }

  count(query?: Pick<Query, 'where'>): number {
    this.settle();
    if (query?.where === undefined) return this.stmts.countLive.get()!.n;
    const { sql, params } = buildCount(this.table, query);
    return (this.queries.get(sql).get(...params) as { n: number }).n;
  }


  /** Ids of the live records, sorted (read from the `(id, state)` index, no JSON parsed). */
  liveIds(): string[] {
    this.settle();
    return this.queries.get(`SELECT id FROM "${this.table}" WHERE ${liveRow()} ORDER BY id`).pluck().all() as string[];
  }

  /**
   * The nearest live id below and above each of `ids` (by the index's byte order, that is
   * by code point), found by two seeks of the id index per id in one statement: a long
   * table's ids are shortened against these instead of against every live id (reading a
   * million-record collection's ids cost a 5,000-row table ~0.9 s, most of it garbage).
   */
  liveNeighbourIds(ids: readonly string[]): string[] {
    this.settle();
    if (ids.length === 0) return [];
    const t = `"${this.table}"`;
    const sql =
      `SELECT (SELECT id FROM ${t} WHERE id < j.value AND ${liveRow()} ORDER BY id DESC LIMIT 1),` +
      ` (SELECT id FROM ${t} WHERE id > j.value AND ${liveRow()} ORDER BY id LIMIT 1) FROM json_each(?) AS j`;
    const out: string[] = [];
    for (const pair of this.queries.get(sql).raw(true).all(JSON.stringify(ids)) as (string | null)[][]) {
      for (const id of pair) if (id !== null) out.push(id);
    }
    return out;
  }

  /**
   * Calls `fn` with each current version (live or tombstone) as id and JSON text, in table
   * order, for consistency checks: streamed, since a table can hold a million (an array of
   * them and a map built from it cost `check()` ~8 s, half of it garbage collection).
   * `fn` must not use the database.
   */
  forEachCurrentText(fn: (id: string, text: string) => void): void {
    this.settle();
    const from = everyCurrentRowFrom(this.db, this.table);
    const rows = this.db.prepare(`SELECT id, data FROM ${from} WHERE state > ${STATE_SUPERSEDED}`).raw().iterate() as Iterable<[string, string]>;
    for (const [id, text] of rows) fn(id, text);
  }

  /** True when the table holds this exact version line for `id`. */
  hasVersionText(id: string, text: string): boolean {
    this.settle();
    const t = `"${this.table}"`;
    return this.queries.get(`SELECT 1 FROM ${t} WHERE seq IN (${versionsOf(t)}) AND data = ? LIMIT 1`).get(id, text) !== undefined;
  }

  /**
   * Remembers the current versions (live and tombstones) in a temporary table, before a
   * rebuild replaces them: what a rewrite of the log must not lose unnoticed. Kept in
   * SQLite rather than in memory, since a log can hold hundreds of thousands of records.
   */
  snapshotCurrent(): void {
    this.settle();
    this.db.exec(`DROP TABLE IF EXISTS temp."${this.table}__before"`);
    this.db.exec(`CREATE TEMP TABLE "${this.table}__before" AS SELECT id, updated_at, data FROM ${everyCurrentRowFrom(this.db, this.table)} WHERE state > ${STATE_SUPERSEDED}`);
  }

  /**
   * The snapshot's versions whose id now has no version, or only older ones (the rebuild
   * lost them), in id order; drops the snapshot.
   */
  takeLostSinceSnapshot(): { updatedAt: number; text: string }[] {
    const before = `temp."${this.table}__before"`;
    const rows = this.db
      .prepare(
        `SELECT b.updated_at AS updatedAt, b.data AS text FROM ${before} AS b
         WHERE NOT EXISTS (SELECT 1 FROM "${this.table}" AS c WHERE c.id = b.id AND c.state > ${STATE_SUPERSEDED} AND c.updated_at >= b.updated_at)
         ORDER BY b.id`,
      )
      .all() as { updatedAt: number; text: string }[];
    this.db.exec(`DROP TABLE ${before}`);
    return rows;
  }

  /**
   * Line numbers compaction keeps, ascending: every current version, every tombstone
   * (current or not), and, when `since` is given, every superseded version whose
   * `updated_at` is at or after it (retention).
   */
  keptLineNumbers(since?: number): number[] {
    this.settle();
    const recent = since === undefined ? '' : ' OR updated_at >= ?';
    const sql = `SELECT line_no FROM "${this.table}" WHERE state > ${STATE_SUPERSEDED} OR json_type(data, '$.deleted') = 'true'${recent} ORDER BY line_no`;
    return this.db.prepare(sql).pluck(true).all(...(since === undefined ? [] : [since])) as number[];
  }

  /**
   * How many rows history cannot reach: rows no chain from a current row visits, plus
   * links to a row of another id. 0 in a sound table; `check()` reports anything else.
   * The chains are walked in memory from one scan of `(seq, prev, state)`: 2.5× faster
   * than a recursive query at 300,000 rows (0.4 s against 1 s).
   */
  unreachableVersions(): number {
    this.settle();
    const t = `"${this.table}"`;
    const { maxSeq, total } = this.db.prepare(`SELECT coalesce(max(seq), 0) AS maxSeq, count(*) AS total FROM ${t}`).get() as { maxSeq: number; total: number };
    // Seqs are dense (each load starts at 1, each insert takes the next); a damaged table
    // with huge ones must not make this allocate gigabytes.
    if (maxSeq > 8 * total + 1_000_000) return total;
    const prevOf = new Float64Array(maxSeq + 1);
    const isRow = new Uint8Array(maxSeq + 1);
    const heads: number[] = [];
    for (const [seq, prev, state] of this.db.prepare(`SELECT seq, prev, state FROM ${t}`).raw().iterate() as Iterable<[number, number, number]>) {
      prevOf[seq] = prev;
      isRow[seq] = 1;
      if (state > STATE_SUPERSEDED) heads.push(seq);
    }
    const seen = new Uint8Array(maxSeq + 1);
    let reached = 0;
    for (let seq of heads) {
      while (seq !== NO_PREV && isRow[seq] === 1 && seen[seq] === 0) {
        seen[seq] = 1;
        reached++;
        seq = prevOf[seq]!;
      }
    }
    const misplaced = (
      this.db.prepare(`SELECT count(*) AS n FROM ${t} AS a JOIN ${t} AS b ON b.seq = a.prev WHERE a.prev <> ${NO_PREV} AND b.id <> a.id`).get() as { n: number }
    ).n;
    return total - reached + misplaced;
  }

  /**
   * How many stored versions a newer version of their id superseded, tombstones aside:
   * what compaction drops (it keeps every tombstone, see {@link keptLineNumbers}).
   */
  supersededCount(): number {
    this.settle();
    const sql = `SELECT count(*) AS n FROM "${this.table}" WHERE state = ${STATE_SUPERSEDED} AND json_type(data, '$.deleted') IS NOT 'true'`;
    return (this.db.prepare(sql).get() as { n: number }).n;
  }

  /** Empties the table (a full rebuild follows); hooks registered with {@link onClear} run first. */
  clear(): void {
    for (const hook of this.clearHooks) hook();
    // The new epoch would make the next read drop them; dropped now, their weight is free
    // for the other collections at once (and a rollback of this clear loses nothing but them).
    this.reads.forget();
    // The trigger refusing deletes is lifted for this DELETE only (see keepRowsTriggerSql).
    this.db.exec(`DROP TRIGGER IF EXISTS "${keepRowsTriggerName(this.table)}"`);
    this.stmts.clear.run();
    this.db.exec(keepRowsTriggerSql(this.table));
    startEpoch(this.db, this.name);
  }

  /** Runs `hook` before every {@link clear} (tables derived from this one empty themselves cheaply). */
  onClear(hook: () => void): void {
    this.clearHooks.push(hook);
  }

  /** Creates an expression index on a field of the current live versions, once. */
  ensureIndex(field: string): void {
    const expr = fieldExpression(field);
    const indexName = `${this.table}__f_${field}`;
    const sql = `CREATE INDEX IF NOT EXISTS "${indexName}" ON "${this.table}" (${expr}) WHERE state = ${STATE_LIVE}`;
    // During a bulk load (a schema's parse declaring the collection): built with the
    // others at its end. Created now, a dropped one would make endBulkLoad's CREATE fail.
    if (this.bulk !== null) {
      if (!this.droppedIndexes.has(indexName)) this.droppedIndexes.set(indexName, sql);
      return;
    }
    this.db.exec(sql);
  }
}

/**
 * The current version of each id during a bulk load, kept small: a million-line rebuild
 * holds one entry per id. id → row seq in a Map, and each row's updated_at in a growable
 * Float64Array indexed by seq (rows of one load get consecutive seqs), instead of an
 * object per id.
 */
class BulkLoad {
  readonly currentSeq = new Map<string, number>();
  private base = -1;
  private stamps: Float64Array = new Float64Array(1 << 16);
  /** Each current row's `prev` (NO_PREV for none), indexed as `stamps`. */
  private prevs: Float64Array = new Float64Array(1 << 16);
  /** Each current row's state (live or tombstone), indexed as `stamps`. */
  private states: Uint8Array = new Uint8Array(1 << 16);
  /** Rows superseded during the load (no triggers on the table): marked at its end, in seq order. */
  readonly superseded: number[] = [];
  /** Current rows whose `prev` changed after they were queued: written at the end of the load. */
  readonly relinked = new Set<number>();
  /** Rows not inserted yet, as the INSERT's parameters (seven per row), and the seq the next row gets. */
  readonly params: (string | number)[] = [];
  queued = 0;
  queuedChars = 0;

  constructor(
    private nextSeq: number,
    /** The table has triggers: rows are inserted before any other statement runs. */
    readonly hasTriggers: boolean,
  ) {}

  /** Queues a row and returns its seq. */
  queue(id: string, updatedAt: number, state: number, lineNo: number, prev: number, text: string): number {
    const seq = this.nextSeq++;
    this.params.push(seq, id, updatedAt, state, lineNo, prev, text);
    this.queued++;
    this.queuedChars += text.length;
    return seq;
  }

  clearQueue(): void {
    this.params.length = 0;
    this.queued = 0;
    this.queuedChars = 0;
  }

  /** Records a current row's `updated_at`, `prev` and state. */
  setRow(seq: number, updatedAt: number, prev: number, state: number): void {
    if (this.base < 0) this.base = seq;
    const i = seq - this.base;
    if (i < 0) throw new Error(`bulk load: row seq ${seq} before the first (${this.base})`);
    if (i >= this.stamps.length) {
      const size = Math.max(this.stamps.length * 2, i + 1);
      this.stamps = grow(this.stamps, size);
      this.prevs = grow(this.prevs, size);
      const states = new Uint8Array(size);
      states.set(this.states);
      this.states = states;
    }
    this.stamps[i] = updatedAt;
    this.prevs[i] = prev;
    this.states[i] = state;
  }

  state(seq: number): number {
    return this.states[seq - this.base]!;
  }

  updatedAt(seq: number): number {
    return this.stamps[seq - this.base]!;
  }

  /** A current row's `prev`. */
  prev(seq: number): number {
    return this.prevs[seq - this.base]!;
  }

  /** Puts row `seq` (a late, older version) right after current row `current` in the chain. */
  relink(current: number, seq: number): void {
    this.prevs[current - this.base] = seq;
    this.relinked.add(current);
  }
}

function grow(array: Float64Array, size: number): Float64Array {
  const grown = new Float64Array(size);
  grown.set(array);
  return grown;
}

/**
 * SQL selecting the seqs of every row of the id bound to the statement's first
 * parameter: the chain from its current row through `prev`. UNION, not UNION ALL: a
 * chain that looped (a damaged cache) still ends.
 */
function versionsOf(table: string): string {
  return `WITH RECURSIVE chain(seq) AS (
      SELECT seq FROM ${table} WHERE id = ? AND state > ${STATE_SUPERSEDED}
      UNION
      SELECT r.prev FROM chain JOIN ${table} AS r ON r.seq = chain.seq WHERE r.prev <> ${NO_PREV}
    ) SELECT seq FROM chain`;
}

/**
 * How the dropped indexes are built at the end of a bulk load. SQLite sorts an index's
 * entries in runs of at most the page cache's size, then merges them: with the cache's
 * 64 MiB, a million-line rebuild sorted each index in one run (a merge sort over a list
 * far larger than the CPU's caches), and `PRAGMA threads` had nothing to share out.
 * Runs of 2 MiB, sorted by up to two helper threads while the main thread reads the
 * table, built the four indexes of a million-line rebuild in ~2.0 s instead of ~3.4 s,
 * and the rebuild's peak RSS fell from 325 to 269 MiB; a 100,000-record `createMany`
 * was unchanged (see docs/benchmarks.md, round eleven). Both settings are restored
 * afterwards, also when a build fails.
 */
const INDEX_SORT_CACHE_KIB = 2048;
const INDEX_SORT_THREADS = 2;

function buildIndexes(db: SqliteDatabase, sqls: readonly string[]): void {
  const cacheSize = Number(db.prepare<[], number>('PRAGMA cache_size').pluck(true).get());
  db.exec(`PRAGMA cache_size = -${INDEX_SORT_CACHE_KIB}; PRAGMA threads = ${INDEX_SORT_THREADS}`);
  try {
    for (const sql of sqls) db.exec(sql);
  } finally {
    db.exec(`PRAGMA cache_size = ${cacheSize}; PRAGMA threads = 0`);
  }
}
