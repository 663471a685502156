import { readdirSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { COLLECTION_NAME, type BadLine, type Store } from '../../index.js';
import type { CliContext } from '../context.js';
import { storeLocation, withStoreForReading } from '../open-store.js';
import { createOutput, plural, type Output } from '../output.js';
import { compactJson, parseExact, stringifyExact } from '../../shared/exact-json.js';
import { repeatedKey } from '../../shared/json-keys.js';
import { visible } from '../terminal-safe.js';

export type ExportFormat = 'json' | 'jsonl';

export interface ExportInput {
  format?: ExportFormat;
  /** `--strict`: exit {@link EXIT_INCOMPLETE} when malformed lines were left out. */
  strict?: boolean;
}

/** `export --strict`: everything valid was printed, but the logs hold lines that are not records. */
export const EXIT_INCOMPLETE = 3;

/** How many left-out lines the warning names before "and N more". */
const MAX_LISTED = 5;

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
 * Every current (live) record as an export line, `{"collection":…,"record":…}`, the record
 * being its stored line itself (whitespace between tokens dropped): every member keeps
 * the bytes the log holds — `1.0`, `"\u00e9"`, an integer beyond ±2^53 — so `import`
 * stores the same bytes again. A line that writes a key twice (which `check` reports) is
 * printed as readers take it, the last value, as before.
 */
export function exportLines(store: Store): string[] {
  const lines: string[] = [];
  for (const name of store.collectionNames()) {
    const prefix = `{"collection":${JSON.stringify(name)},"record":`;
    for (const text of store.collection({ name }).listTexts()) {
      const compact = compactJson(text);
      lines.push(`${prefix}${repeatedKey(compact) === undefined ? compact : stringifyExact(parseExact(compact))}}\n`);
    }
  }
  return lines;
}

/**
 * Prints all current records: `jsonl` is one `{"collection","record"}` object per line;
 * `json` is one `{ "<collection>": [records] }` document. The default is `jsonl`, or
 * `json` with `--json` (one JSON document, as for every command).
 *
 * Lines of the logs that are not valid records cannot be exported as records; they are
 * never left out silently: a warning on stderr counts them and names file:line. The exit
 * code stays 0 (one bad line must not stop every export, as `sync`), unless `--strict`.
 */
export async function run(ctx: CliContext, input: ExportInput): Promise<number> {
  const out = createOutput(ctx);
  const json = (input.format ?? (ctx.json ? 'json' : 'jsonl')) === 'json';
  const { data, lines, skipped } = await withStoreForReading(ctx, (store) => ({
    data: json ? exportRecords(store) : undefined,
    lines: json ? undefined : exportLines(store),
    skipped: store.badLines(),
  }));
  if (data !== undefined) {
    out.json(data);
  } else {
    for (let i = 0; i < lines!.length; i += 1000) out.raw(lines!.slice(i, i + 1000).join(''));
  }
  const files = filesLeftOut(storeLocation(ctx).dir);
  if (skipped.length === 0 && files.length === 0) return 0;
  if (skipped.length > 0) warnLeftOut(ctx, out, skipped);
  if (files.length > 0) warnFilesLeftOut(out, files);
  return input.strict ? EXIT_INCOMPLETE : 0;
}

/**
 * Files of the store directory that hold records the export cannot print: a `*.jsonl`
 * whose name is no collection name (`Notes.jsonl`, written by another tool or a hand
 * edit: the store ignores it, and only `check` said so) and a `.rescued` file (versions
 * waiting for `taskstore rescue`). An export is how a store moves elsewhere; they must
 * not stay behind without a word.
 */
function filesLeftOut(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.filter((entry) => (entry.endsWith('.jsonl') && !COLLECTION_NAME.test(entry.slice(0, -'.jsonl'.length))) || entry.endsWith('.jsonl.rescued')).sort();
}

/** `export left out N files …`, each with why. */
function warnFilesLeftOut(out: Output, files: string[]): void {
  out.warn(`export left out ${plural(files.length, 'file')} of the store directory that ${files.length === 1 ? 'is' : 'are'} not a collection's log:`);
  for (const file of files) {
    out.note(
      file.endsWith('.rescued')
        ? `  ${visible(file, true)}: versions a git rewrite lost, not in the log yet (run \`taskstore rescue\`, then export again)`
        : `  ${visible(file, true)}: not a valid collection name, so the store ignores it (rename it to a-z, 0-9 and _, starting with a letter, to export its records)`,
    );
  }
}

/** `export left out N malformed lines …`, then the first few as `file:line: reason`, then `and N more`. */
function warnLeftOut(ctx: CliContext, out: Output, skipped: BadLine[]): void {
  const dir = storeLocation(ctx).dir;
  const shown = (collection: string): string => {
    const path = join(dir, `${collection}.jsonl`);
    const rel = relative(ctx.cwd, path);
    return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
  };
  out.warn(
    `export left out ${plural(skipped.length, 'malformed line')} (not valid records; the logs keep them ` +
      'untouched: fix them and export again; `taskstore check` lists them all):',
  );
  for (const bad of skipped.slice(0, MAX_LISTED)) out.note(`  ${shown(bad.collection)}:${bad.line}: ${bad.reason}`);
  if (skipped.length > MAX_LISTED) out.note(`  and ${skipped.length - MAX_LISTED} more`);
}
