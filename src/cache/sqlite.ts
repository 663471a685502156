/**
 * The part of the SQLite driver (better-sqlite3) that TaskStore uses, declared here as
 * TaskStore's own interface, the way kysely declares its `SqliteDatabase`: the cache
 * code depends on these few calls and nothing else, and the list shows at a glance what
 * another driver would have to provide. Only `cache-db.ts`, which opens the database,
 * refers to better-sqlite3 itself.
 */

/** What a write statement reports. */
interface SqliteRunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

/** A prepared statement: compiled once, run many times with different bound values. */
export interface SqliteStatement<Params extends unknown[] = unknown[], Row = unknown> {
  /** True when the statement returns rows (a SELECT, or a PRAGMA that answers). */
  readonly reader: boolean;
  /** True when the statement cannot change the database. */
  readonly readonly: boolean;
  run(...params: Params): SqliteRunResult;
  get(...params: Params): Row | undefined;
  all(...params: Params): Row[];
  iterate(...params: Params): IterableIterator<Row>;
  /** Rows as their first column's value instead of objects. */
  pluck(toggle?: boolean): this;
  /** Rows as arrays of column values instead of objects. */
  raw(toggle?: boolean): this;
}

// `any[]`, as the driver declares it: a transaction wraps a function of any parameters.
type AnyFunction = (...args: any[]) => unknown;
type ArgumentsOf<F extends AnyFunction> = F extends (...args: infer A) => unknown ? A : never;

/** `fn` wrapped in BEGIN … COMMIT (a SAVEPOINT when already inside a transaction), ROLLBACK when it throws. */
interface SqliteTransaction<F extends AnyFunction> {
  (...params: ArgumentsOf<F>): ReturnType<F>;
  /** The same, opened with BEGIN IMMEDIATE (takes the write lock first). */
  immediate(...params: ArgumentsOf<F>): ReturnType<F>;
}

/** An open SQLite connection, synchronous like every TaskStore call. */
export interface SqliteDatabase {
  readonly open: boolean;
  readonly inTransaction: boolean;
  /** `Params`: the bound values, as a tuple, or one object for named parameters (`@name`). */
  prepare<Params extends unknown[] | {} = unknown[], Row = unknown>(
    sql: string,
  ): Params extends unknown[] ? SqliteStatement<Params, Row> : SqliteStatement<[Params], Row>;
  /** Runs one or more statements that take no values. */
  exec(sql: string): unknown;
  pragma(sql: string): unknown;
  transaction<F extends AnyFunction>(fn: F): SqliteTransaction<F>;
  /** Defines an SQL function implemented in JavaScript (`deterministic`: same arguments, same result). */
  function(name: string, options: { deterministic?: boolean }, fn: AnyFunction): unknown;
  close(): unknown;
}
