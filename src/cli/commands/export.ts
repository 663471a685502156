import type { Store } from '../../index.js';
import type { CliContext } from '../context.js';
import { withStoreForReading } from '../open-store.js';
import { createOutput } from '../output.js';
import { parseExact, stringifyExact } from '../../shared/exact-json.js';

export type ExportFormat = 'json' | 'jsonl';

export interface ExportInput {
  format?: ExportFormat;
}

/**
 * Every current (live) record of every collection, as stored, collection by collection
 * (sorted), oldest write first. Read from the stored lines: an integer beyond ±2^53 is an
 * `ExactInteger` that prints with every digit (a number would round it).
 */
export function exportRecords(store: Store): Record<string, Record<string, unknown>[]> {
  const result: Record<string, Record<string, unknown>[]> = {};
  for (const name of store.collectionNames()) {
    const records = store.collection({ name }).listTexts().map((text) => parseExact(text) as Record<string, unknown>);
    if (records.length > 0) result[name] = records;
  }
  return result;
}

/**
 * Prints all current records: `jsonl` is one `{"collection","record"}` object per line;
 * `json` is one `{ "<collection>": [records] }` document. The default is `jsonl`, or
 * `json` with `--json` (one JSON document, as for every command).
 */
export async function run(ctx: CliContext, input: ExportInput): Promise<number> {
  const out = createOutput(ctx);
  const data = await withStoreForReading(ctx, (store) => exportRecords(store));
  if ((input.format ?? (ctx.json ? 'json' : 'jsonl')) === 'json') {
    out.json(data);
    return 0;
  }
  const chunk: string[] = [];
  for (const [collection, records] of Object.entries(data)) {
    for (const record of records) {
      chunk.push(`${stringifyExact({ collection, record })}\n`);
      if (chunk.length >= 1000) out.raw(chunk.splice(0).join(''));
    }
  }
  out.raw(chunk.join(''));
  return 0;
}
