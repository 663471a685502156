/**
 * Reads of a collection table's rows that keep what they parsed between calls (the
 * versions, in parsed-versions.ts), for `list()` and the ready query: from the second
 * read of a table in a process, a read asks its query for the rows' `seq`s alone, copies
 * the versions kept for them, and fetches and parses only the rest.
 *
 * What keeps a kept version right: a row's text never changes until its table is
 * emptied, and creating or emptying a table starts a new epoch (table-epochs.ts). A read
 * reads the epoch, and SQLite's `schema_version`, before and after its own reads; inside
 * a transaction it parses every row.
 */
import type { SqliteDatabase, SqliteStatement } from './sqlite.js';
import type { StatementCache } from './statement-cache.js';
import type { ParsedBudget } from './parsed-budget.js';
import { ParsedVersions, cloneJson, keptWeight } from './parsed-versions.js';
import { READ_EPOCH_SQL } from './table-epochs.js';

/** The columns {@link ParsedReads.rows} asks a query of the caller's to select, in this order. */
export type RowColumns = 'data' | 'seq' | 'seq, data';

/**
 * The weight (see parsed-versions.ts, keptWeight) each of the two generations of parsed
 * versions holds: a whole collection of ~17,000 records like the benchmark's (300
 * characters, three objects or arrays each) is listed from them; parsed, they take
 * ~1.1 bytes per character of text.
 */
export const PARSED_GENERATION_WEIGHT = 8 << 20;

/**
 * The weight the parsed versions of all collections of one cache connection hold
 * together (parsed-budget.ts): four generations, 32 Mi. One collection holds at most two,
 * so a process that lists one big collection over and over keeps all it kept before the
 * budget, with two more generations for the others it reads (task specs next to
 * executions, a dashboard's few collections). Measured (docs/benchmarks.md, round
 * nineteen): ~33 MB of heap held for records like the benchmark's however many
 * collections are read (40 collections of 5,000 listed in turn held 99 MB before); no
 * shape measured costs more than ~2 bytes of heap per unit of weight, so ≤ ~65 MB.
 */
export const PARSED_BUDGET_WEIGHT = 4 * PARSED_GENERATION_WEIGHT;

/**
 * The most calls of one query shape that parse without keeping after its calls found
 * mostly rows not kept (see {@link ParsedReads.rows}): each such call doubles the
 * stretch, up to this many.
 */
const MAX_PLAIN_STRETCH = 16;
/** The most query shapes {@link ParsedReads} remembers as missing (fields and orders are part of the SQL text). */
const MAX_MISSING_SHAPES = 64;

export class ParsedReads {
  /** Versions parsed by {@link rows}, kept for the next call. */
  private readonly parsed: ParsedVersions;
  /** Whether {@link rows} was called before (the first call keeps nothing). */
  private readBefore = false;
  /**
   * After the connection's budget took back all this table kept (parsed-budget.ts):
   * reads that parse without keeping (`plain`), a stretch that doubles each time it
   * happens again, up to MAX_PLAIN_STRETCH; see {@link keepsWhenEmpty}.
   */
  private readonly pushedOut = { plain: 0, stretch: 0 };
  /**
   * Query shapes (by SQL text) whose recent calls found mostly rows not kept: queries
   * that differ only in their values and together pick more rows than the kept versions
   * hold (500 owners of a 100,000-record collection, each ~500 rows). Keeping cost them a
   * second statement, a copy and the bookkeeping on every call: 2× the plain parse. Such
   * a shape parses plainly for `plain` calls, a stretch that doubles on every call that
   * misses again and ends at the first call that finds most of its rows kept.
   */
  private readonly missingShapes = new Map<string, { plain: number; stretch: number }>();
  /** The cache's `schema_version` when {@link ownLayoutSchema} last looked at the table, and what it found. */
  private layoutSeen: { schema: number; own: boolean } | undefined;
  private readonly stmts: {
    epoch: SqliteStatement<[string], number>;
    schemaVersion: SqliteStatement<[], number>;
    rowsBySeq: SqliteStatement<[string], [number, string]>;
  };

  /**
   * `table`: the cache table of collection `collection`; `queries`: its statements by SQL
   * text; `hasOwnLayout`: whether the table, as the cache holds it now, is of this layout
   * (asked again only when the cache's schema changed); `budget`: the bound shared with
   * the connection's other collections (see {@link PARSED_BUDGET_WEIGHT}).
   */
  constructor(
    private readonly db: SqliteDatabase,
    table: string,
    private readonly collection: string,
    private readonly queries: StatementCache,
    private readonly hasOwnLayout: () => boolean,
    budget: ParsedBudget,
  ) {
    this.parsed = new ParsedVersions(PARSED_GENERATION_WEIGHT, budget);
    this.stmts = {
      epoch: db.prepare<[string], number>(READ_EPOCH_SQL).pluck(true),
      schemaVersion: db.prepare<[], number>('PRAGMA schema_version').pluck(true),
      rowsBySeq: db.prepare<[string], [number, string]>(`SELECT seq, data FROM "${table}" WHERE seq IN (SELECT value FROM json_each(?))`).raw(true),
    };
  }

  /**
   * The rows a query of the caller's picks, parsed; each call returns objects of its own.
   * `sql(columns)` is the query selecting `columns` of this table's rows (`data`, `seq`,
   * or `seq, data`, in that order), in the order the answer needs, with `params`.
   *
   * A table read more than once keeps what it parsed (see parsed-versions.ts) and parses
   * only the versions it has not seen:
   * - The first call of this object parses and keeps nothing: a one-shot CLI reads once.
   * - With nothing kept, or most rows new, one statement reads rows and texts together,
   *   and keeps what it parses.
   * - Inside a transaction every row is parsed: rows this connection has not committed
   *   may be rolled back, and their `seq` given to other texts.
   */
  rows<R>(sql: (columns: RowColumns) => string, params: readonly unknown[]): R[] {
    if (this.db.inTransaction || !this.readBefore) {
      this.readBefore = true;
      return this.parseEvery<R>(sql, params);
    }
    const schema = this.ownLayoutSchema();
    if (schema === undefined) return this.parseAfterEpochChange<R>(sql, params);
    const epoch = this.readEpoch();
    if (epoch === undefined) return this.parseEvery<R>(sql, params);
    this.parsed.useEpoch(epoch);
    if (this.parsed.isEmpty()) {
      return this.keepsWhenEmpty() ? this.parseAndKeepEvery<R>(sql, params, epoch, schema) : this.parseEvery<R>(sql, params);
    }
    this.pushedOut.stretch = 0; // what the last reads kept was still here: keeping pays again
    const shapeSql = sql('seq');
    const shape = this.missingShapes.get(shapeSql);
    if (shape !== undefined && shape.plain > 0) {
      shape.plain--;
      return this.parseEvery<R>(sql, params);
    }
    const seqs = this.queries.get(shapeSql).pluck(true).all(...params) as number[];
    const values: unknown[] = new Array(seqs.length);
    const missing: number[] = [];
    for (let i = 0; i < seqs.length; i++) {
      const kept = this.parsed.get(seqs[i]!);
      if (kept === undefined) missing.push(i);
      else values[i] = cloneJson(kept);
    }
    if (missing.length * 2 > seqs.length) {
      const stretch = Math.min((shape?.stretch ?? 0) * 2 || 1, MAX_PLAIN_STRETCH);
      // Bounded as the statement cache is: the oldest shape goes first.
      if (shape === undefined && this.missingShapes.size >= MAX_MISSING_SHAPES) this.missingShapes.delete(this.missingShapes.keys().next().value!);
      this.missingShapes.set(shapeSql, { plain: stretch, stretch });
      return this.parseAndKeepEvery<R>(sql, params, epoch, schema);
    }
    if (shape !== undefined) this.missingShapes.delete(shapeSql);
    if (missing.length > 0) {
      const texts = new Map<number, string>();
      for (const [seq, text] of this.stmts.rowsBySeq.all(JSON.stringify(missing.map((i) => seqs[i])))) texts.set(seq, text);
      for (const i of missing) {
        const text = texts.get(seqs[i]!);
        if (text === undefined) return this.parseAfterEpochChange<R>(sql, params); // emptied since: another epoch
        values[i] = this.parseAndKeep(seqs[i]!, text);
      }
    }
    // The same epoch after the reads as before them: every row read held the text it was
    // kept with. The same schema: the table is still the one of this layout found before.
    if (!this.unchangedSince(epoch, schema)) return this.parseAfterEpochChange<R>(sql, params);
    return values as R[];
  }

  /**
   * Whether a read that finds nothing kept keeps what it parses. Not for a stretch of
   * reads after the budget took back everything this table kept before its next read: a
   * process listing more collections in turn than the budget holds (a dashboard of 40)
   * would otherwise pay, on every list() of every collection, the parse and the copy and
   * the keeping, ~1.8× a plain parse, only to push out the next collection due to be read.
   * Parsing some of them plainly leaves the budget to the others, which then find their
   * versions kept. The stretch ends at the first read that finds something kept.
   */
  private keepsWhenEmpty(): boolean {
    const out = this.pushedOut;
    if (this.parsed.takeEmptiedByBudget()) {
      out.stretch = Math.min(out.stretch * 2 || 1, MAX_PLAIN_STRETCH);
      out.plain = out.stretch;
    }
    if (out.plain === 0) return true;
    out.plain--;
    return false;
  }

  /**
   * The cache's `schema_version` now, when the table is of this layout (see the
   * constructor's `hasOwnLayout`); undefined when it is not. A process of layout 5 or
   * older, still running on the cache, may have dropped the table and made it again in its
   * own layout (to it, this layout's is "another"), or made the whole cache again in its
   * layout, `table_epochs` gone: it knows nothing of epochs, so the epoch row left behind,
   * or none at all, says nothing of what the rows hold. Any such change is a schema
   * change, so the table is looked at only when the version moved: one read of a counter
   * per call instead of a scan of `sqlite_master`.
   */
  private ownLayoutSchema(): number | undefined {
    const schema = this.stmts.schemaVersion.get()!;
    if (this.layoutSeen?.schema !== schema) this.layoutSeen = { schema, own: this.hasOwnLayout() };
    return this.layoutSeen.own ? schema : undefined;
  }

  /** The table's epoch; undefined when it has none, or `table_epochs` went away since {@link ParsedReads.ownLayoutSchema} looked. */
  private readEpoch(): number | undefined {
    try {
      return this.stmts.epoch.get(this.collection);
    } catch {
      return undefined; // the list then parses every row, and reports any real trouble
    }
  }

  /** True when the table still has epoch `epoch` and the cache schema version `schema`. */
  private unchangedSince(epoch: number, schema: number): boolean {
    return this.readEpoch() === epoch && this.stmts.schemaVersion.get() === schema;
  }

  /** One statement reads the rows and their texts (consistent on its own); each text is parsed and kept. */
  private parseAndKeepEvery<R>(sql: (columns: RowColumns) => string, params: readonly unknown[], epoch: number, schema: number): R[] {
    const rows = this.queries.get(sql('seq, data')).raw(true).all(...params) as [number, string][];
    // Read under another epoch than `epoch`: keeping them under it would be harmless (an
    // epoch is never current again), but useless.
    const keep = this.unchangedSince(epoch, schema);
    const values: unknown[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const [seq, text] = rows[i]!;
      values[i] = keep ? this.parseAndKeep(seq, text) : JSON.parse(text);
    }
    return values as R[];
  }

  /** Parses `text`, keeps the result for row `seq`, and returns a copy of its own. */
  private parseAndKeep(seq: number, text: string): unknown {
    const value = JSON.parse(text) as unknown;
    this.parsed.add(seq, value, keptWeight(text));
    return cloneJson(value);
  }

  /** Every row's text, parsed, nothing kept: one plucked statement (one string per row, no row object). */
  private parseEvery<R>(sql: (columns: RowColumns) => string, params: readonly unknown[]): R[] {
    const texts = this.queries.get(sql('data')).pluck(true).all(...params) as unknown[];
    for (let i = 0; i < texts.length; i++) texts[i] = JSON.parse(texts[i] as string);
    return texts as R[];
  }

  /** The weight of the versions kept (for tests). */
  get keptWeight(): number {
    return this.parsed.weight;
  }

  /** Drops the versions kept, giving their weight back to the budget: the table object is no longer used. */
  forget(): void {
    this.parsed.forget();
  }

  private parseAfterEpochChange<R>(sql: (columns: RowColumns) => string, params: readonly unknown[]): R[] {
    this.parsed.forget();
    return this.parseEvery<R>(sql, params);
  }
}
