import type { SqliteDatabase, SqliteStatement } from './sqlite.js';

/**
 * Prepared statements by SQL text. Queries differ in shape only (values are bound), so
 * an application runs a handful of distinct texts: preparing each once saves most of a
 * small query's cost. Bounded; the oldest entry goes first.
 */
export class StatementCache {
  private readonly statements = new Map<string, SqliteStatement>();

  constructor(
    private readonly db: SqliteDatabase,
    private readonly capacity = 64,
  ) {}

  get(sql: string): SqliteStatement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      if (this.statements.size >= this.capacity) this.statements.delete(this.statements.keys().next().value!);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

/**
 * An object whose members are the statements of `sql`, each prepared on its first use:
 * a process prepares only what it runs (a one-shot CLI that lists PRDs reads one of the
 * record tables, and only through a few of its statements).
 */
export function lazyStatements<S extends Record<string, SqliteStatement<any, any>>>(db: SqliteDatabase, sql: { readonly [K in keyof S]: string }): S {
  const statements = {} as S;
  for (const key of Object.keys(sql) as (keyof S & string)[]) {
    let prepared: S[typeof key] | undefined;
    Object.defineProperty(statements, key, { enumerable: true, get: () => (prepared ??= db.prepare(sql[key]) as S[typeof key]) });
  }
  return statements;
}
