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
