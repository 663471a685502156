import { NotFoundError, type Store } from '../../index.js';
import type { CliContext } from '../context.js';
import { resolveId } from '../../shared/id-prefix.js';
import { withStoreForReading } from '../open-store.js';
import { createOutput, formatTime, isTimeField, type Output } from '../output.js';
import { readRecord } from '../../shared/read-record.js';
import { exactRecord } from '../../shared/exact-records.js';
import { stringifyExact } from '../../shared/exact-json.js';
import { visible } from '../terminal-safe.js';
import { lookIn } from '../collection-arg.js';

/** Lines of `content` shown before `show` points to `describe`. */
const CONTENT_PREVIEW_LINES = 12;

export interface ShowInput {
  id: string;
  /** `--collection`: look for the id in this collection only. */
  collection?: string;
}

export interface ShownRecord {
  collection: string;
  record: Record<string, unknown>;
}

/** One live record, found by id or unique id prefix in any collection. */
export function showRecord(store: Store, input: ShowInput): ShownRecord {
  const match = resolveId(store, input.id, lookIn(input.collection));
  const record = readRecord(store, match.collection, match.id);
  // resolveId returns live records only; a delete in between is the only way to get here.
  if (record === undefined) throw new NotFoundError(`${match.collection} has no record with id ${match.id}`, { data: { ...match } });
  return { collection: match.collection, record };
}

export async function run(ctx: CliContext, input: ShowInput): Promise<number> {
  const out = createOutput(ctx);
  await withStoreForReading(ctx, (store) => {
    const { collection, record: read } = showRecord(store, input);
    const record = exactRecord(store, collection, read);
    if (out.jsonMode) out.json(record);
    else printRecord(out, collection, record);
  });
  return 0;
}

/** `collection id` then one aligned `field  value` line per field; long content is cut. */
export function printRecord(out: Output, collection: string, record: Record<string, unknown>): void {
  out.line(`${out.c.dim(collection)} ${out.c.bold(visible(String(record.id), true))}`);
  const rows: [string, string][] = [];
  for (const [field, value] of Object.entries(record)) {
    if (field === 'id') continue;
    rows.push([visible(field, true), displayValue(out, field, value, String(record.id))]);
  }
  out.pairs(rows);
}

function displayValue(out: Output, field: string, value: unknown, id: string): string {
  if (value === null || value === undefined) return out.c.dim('null');
  if (isTimeField(field) && typeof value === 'number') return `${formatTime(value)} ${out.c.dim(`(${value})`)}`;
  if (typeof value === 'string') {
    if (value === '') return out.c.dim('""');
    // CRLF content shows as lines; every other control character is spelled out.
    const lines = visible(value.replace(/\r\n/g, '\n')).split('\n');
    // A final newline ends the last line; it does not start one more (20 lines are not "9 more" after 12).
    const count = lines.length > 1 && lines[lines.length - 1] === '' ? lines.length - 1 : lines.length;
    // Nor is it printed as an empty line of its own, which split the field table.
    if (count <= CONTENT_PREVIEW_LINES) return lines.slice(0, count).join('\n');
    const more = count - CONTENT_PREVIEW_LINES;
    return `${lines.slice(0, CONTENT_PREVIEW_LINES).join('\n')}\n${out.c.dim(`… ${more} more line${more === 1 ? '' : 's'} (taskstore describe ${visible(id, true)})`)}`;
  }
  return visible(stringifyExact(value));
}
