/**
 * The epoch of each collection table: a number that changes whenever the table is
 * created or emptied, the only times a row (`seq`) can come to hold another text. A
 * reader that keeps what it parsed by row (parsed-versions.ts) reads the epoch before
 * and after a query: the same number both times means every row it saw still holds the
 * text it held under that number.
 *
 * Epochs are random rather than counted, so that a cache deleted and created again, or
 * a table dropped and created again, never repeats a number a reader still holds.
 */
import { randomInt } from 'node:crypto';
import type { SqliteDatabase } from './sqlite.js';

export const TABLE_EPOCHS_DDL = 'CREATE TABLE IF NOT EXISTS table_epochs (collection TEXT PRIMARY KEY, epoch INTEGER NOT NULL)';

/** Gives collection `name`'s table a new epoch; in the transaction that creates or empties it. */
export function startEpoch(db: SqliteDatabase, name: string): void {
  db.prepare('INSERT OR REPLACE INTO table_epochs (collection, epoch) VALUES (?, ?)').run(name, randomInt(2 ** 48 - 1));
}

/** Forgets collection `name`'s epoch, with its table. */
export function dropEpoch(db: SqliteDatabase, name: string): void {
  db.prepare('DELETE FROM table_epochs WHERE collection = ?').run(name);
}

/** The statement reading one collection's epoch (no row: the table was made without one). */
export const READ_EPOCH_SQL = 'SELECT epoch FROM table_epochs WHERE collection = ?';
