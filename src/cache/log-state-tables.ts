/**
 * The cache's bookkeeping about the logs, one small table each: `files` (how much of each
 * log the cache has consumed) and `bad_lines` (lines of a log that could not be applied).
 * Their SQL lives here only; everything else goes through these named methods. Each
 * statement is prepared once per connection.
 */
import type { StatementCache } from './statement-cache.js';

export interface FileStateRow {
  collection: string;
  /** Inode of the file when it was last consumed. */
  ino: string;
  /** Bytes consumed: the offset just past the last applied line. */
  offset: number;
  /** Complete lines consumed (so tail line numbers can be reported). */
  lines: number;
  fingerprint: string;
  /**
   * Modification and change times when last consumed, `<mtime ns>:<ctime ns>` (an older
   * cache holds the mtime alone: it mismatches once and is verified). Same inode, size and
   * stamp means unchanged without reading the file; anything else is verified by the
   * fingerprint (and, at the same size or for a new inode, the prefix CRC).
   */
  mtime_ns: string;
  /** First conflict-marker line, when the file is an unresolved merge. */
  conflict_line: number | null;
  /**
   * CRC-32 of every consumed byte (null when unknown). Lets a file that was replaced
   * (new inode: git writes merge and checkout results as new files) but only extends
   * what was consumed be caught up by its tail instead of rebuilt.
   */
  prefix_crc: number | null;
}

/** The `files` table: per log, what the cache has consumed of it. */
export class FileStates {
  /**
   * Rows read or written during the current write transaction. While this connection
   * holds the write lock no other connection can change the table, so a write, which
   * reads its log's row when it catches up and again when it stages its line, reads it
   * from SQLite once. Undefined outside a write transaction (see holdWriteLock).
   */
  #memo: Map<string, FileStateRow | undefined> | undefined;

  constructor(private readonly statements: StatementCache) {}

  /** Called when this connection takes (true) or gives up (false) the write lock, and after a rollback to a savepoint. */
  holdWriteLock(held: boolean): void {
    this.#memo = held ? new Map() : undefined;
  }

  /** The row of `collection`'s log, or undefined when the cache has consumed nothing of it. */
  get(collection: string): FileStateRow | undefined {
    const memo = this.#memo;
    if (memo?.has(collection) === true) return memo.get(collection);
    const row = this.statements.get('SELECT * FROM files WHERE collection = ?').get(collection) as FileStateRow | undefined;
    memo?.set(collection, row);
    return row;
  }

  /** Records what the cache has consumed of a log (replacing the previous row). */
  put(row: FileStateRow): void {
    // Forgotten first: should the statement fail, the next get() reads the table.
    this.#memo?.delete(row.collection);
    this.statements
      .get(
        `INSERT OR REPLACE INTO files (collection, ino, offset, lines, fingerprint, mtime_ns, conflict_line, prefix_crc)
       VALUES (@collection, @ino, @offset, @lines, @fingerprint, @mtime_ns, @conflict_line, @prefix_crc)`,
      )
      .run(row);
  }

  /** Forgets a log (it is gone). */
  remove(collection: string): void {
    this.#memo?.delete(collection);
    this.statements.get('DELETE FROM files WHERE collection = ?').run(collection);
  }

  /** Every row, in no particular order. */
  all(): FileStateRow[] {
    return this.statements.get('SELECT * FROM files').all() as FileStateRow[];
  }

  /** The collections whose logs the cache has consumed, in no particular order. */
  collections(): string[] {
    return (this.statements.get('SELECT collection FROM files').all() as { collection: string }[]).map((r) => r.collection);
  }
}

/** The `bad_lines` table: lines of a log the cache skipped, with the reason. */
export class BadLines {
  constructor(private readonly statements: StatementCache) {}

  /** `collection`'s skipped lines, by line number. */
  list(collection: string): { line: number; reason: string }[] {
    return this.statements.get('SELECT line, reason FROM bad_lines WHERE collection = ? ORDER BY line').all(collection) as {
      line: number;
      reason: string;
    }[];
  }

  /** Records one skipped line (replacing what was recorded for that line). */
  add(collection: string, line: number, reason: string): void {
    this.statements.get('INSERT OR REPLACE INTO bad_lines (collection, line, reason) VALUES (?, ?, ?)').run(collection, line, reason);
  }

  /** Forgets every skipped line of `collection` (its log is read again from the start, or is gone). */
  clear(collection: string): void {
    this.statements.get('DELETE FROM bad_lines WHERE collection = ?').run(collection);
  }
}
