/**
 * `store.rescue()`: re-applies the versions kept in `<collection>.jsonl.rescued`
 * (acknowledged writes a rewrite of the log by git or another tool lost, see check()).
 */
import { readdirSync } from 'node:fs';
import { collectionOfLogFile } from '../../jsonl/collection-name.js';
import { assertCollectionArgument } from '../arguments.js';
import { parseLine } from '../../jsonl/line-codec.js';
import { logPath } from '../ingest.js';
import { keepRescuedLines, readRescuedLines, removeRescued, RESCUED_SUFFIX } from '../rescue.js';
import { readableTable } from '../catch-up.js';
import type { Engine } from '../engine.js';

export interface RescueReport {
  /** Per rescued file: lines it held, and how many were appended (the others were in the log already). */
  collections: { name: string; lines: number; applied: number }[];
}

/**
 * Each rescued line the log does not hold is appended as it was, with its original
 * updated_at, so a version that is still the newest becomes current again and one
 * superseded since stays history. A rescued file is removed in a later pass under the
 * write lock, once the log holds every line of it: lines another process rescued after
 * the first pass read the file are applied by the next pass, never removed unread. A
 * line that is no record (cut by a crash, edited by hand) cannot be applied: it stays in
 * the file, which `check()` goes on reporting.
 */
export function rescue(engine: Engine, collection?: string): RescueReport {
  engine.assertOpen();
  if (collection !== undefined) assertCollectionArgument(collection);
  const found = new Map<string, { name: string; lines: number; applied: number }>();
  let pending = collection === undefined ? rescuedCollections(engine.dir) : [collection];
  // Two passes normally: one appends, the next (the appended lines committed) removes.
  // Inside a transaction, one: its lines are only staged, and a rollback (or a crash
  // before the commit) would lose them for good with the file; the next rescue() removes it.
  const passes = engine.scope === undefined ? MAX_PASSES : 1;
  for (let pass = 0; pass < passes && pending.length > 0; pass++) {
    pending = engine.write(() => pending.filter((name) => rescuePass(engine, name, found)));
  }
  return { collections: [...found.values()] };
}

const MAX_PASSES = 4;

/**
 * One pass over `name`'s rescued file, holding the write lock: stages the lines the log
 * lacks (true: another pass is needed), or, when the log holds every record line of the
 * file, removes it, keeping only the lines that are no record.
 */
function rescuePass(engine: Engine, name: string, found: Map<string, { name: string; lines: number; applied: number }>): boolean {
  const path = `${logPath(engine.dir, name)}${RESCUED_SUFFIX}`;
  const lines = readRescuedLines(path);
  if (lines.length === 0) return false;
  const table = readableTable(engine, name);
  const entry = found.get(name) ?? { name, lines: lines.length, applied: 0 };
  found.set(name, entry);
  const notRecords: string[] = [];
  let staged = 0;
  for (const text of lines) {
    const parsed = parseLine(text);
    if (parsed.kind !== 'record') notRecords.push(text);
    else if (!table.hasVersionText(parsed.record.id, text)) {
      engine.stage(name, parsed.record, text);
      staged++;
    }
  }
  entry.applied += staged;
  if (staged > 0) return true;
  // Every record line is in the log, committed by an earlier pass or before.
  if (notRecords.length === 0) removeRescued(path);
  else if (notRecords.length < lines.length) keepRescuedLines(path, notRecords, engine.options.durability);
  return false;
}

/** Collections that have a `<name>.jsonl.rescued` file. */
function rescuedCollections(dir: string): string[] {
  return readdirSync(dir)
    .map((e) => (e.endsWith(RESCUED_SUFFIX) ? collectionOfLogFile(e.slice(0, -RESCUED_SUFFIX.length)) : undefined))
    .filter((name) => name !== undefined)
    .sort();
}
