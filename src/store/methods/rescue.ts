/**
 * `store.rescue()`: re-applies the versions kept in `<collection>.jsonl.rescued`
 * (acknowledged writes a rewrite of the log by git or another tool lost, see check()).
 */
import { readdirSync } from 'node:fs';
import { collectionOfLogFile } from '../../jsonl/collection-name.js';
import { assertCollectionArgument } from '../arguments.js';
import { parseLine } from '../../jsonl/line-codec.js';
import { logPath } from '../ingest.js';
import { readRescuedLines, removeRescued, RESCUED_SUFFIX } from '../rescue.js';
import { readableTable } from '../catch-up.js';
import type { Engine } from '../engine.js';

export interface RescueReport {
  /** Per rescued file: lines it held, and how many were appended (the others were in the log already). */
  collections: { name: string; lines: number; applied: number }[];
}

/**
 * Each rescued line the log does not hold is appended as it was, with its original
 * updated_at, so a version that is still the newest becomes current again and one
 * superseded since stays history. The rescued file is removed once its lines are
 * durable in the log.
 */
export function rescue(engine: Engine, collection?: string): RescueReport {
  engine.assertOpen();
  // The .rescued file is removed once its lines are committed; inside a transaction they
  // are only staged, and a rollback (or a crash before the commit) would lose them for good.
  if (engine.scope !== undefined) throw new TypeError('rescue() cannot be called inside a transaction: call it after the transaction');
  if (collection !== undefined) assertCollectionArgument(collection);
  const names = collection === undefined ? rescuedCollections(engine.dir) : [collection];
  const report: RescueReport = { collections: [] };
  engine.write(() => {
    for (const name of names) {
      const lines = readRescuedLines(`${logPath(engine.dir, name)}${RESCUED_SUFFIX}`);
      if (lines.length === 0) continue;
      const table = readableTable(engine, name);
      let applied = 0;
      for (const text of lines) {
        const parsed = parseLine(text);
        if (parsed.kind !== 'record' || table.hasVersionText(parsed.record.id, text)) continue;
        engine.stage(name, parsed.record, text);
        applied++;
      }
      report.collections.push({ name, lines: lines.length, applied });
    }
  });
  for (const { name } of report.collections) removeRescued(`${logPath(engine.dir, name)}${RESCUED_SUFFIX}`);
  return report;
}

/** Collections that have a `<name>.jsonl.rescued` file. */
function rescuedCollections(dir: string): string[] {
  return readdirSync(dir)
    .map((e) => (e.endsWith(RESCUED_SUFFIX) ? collectionOfLogFile(e.slice(0, -RESCUED_SUFFIX.length)) : undefined))
    .filter((name) => name !== undefined)
    .sort();
}
