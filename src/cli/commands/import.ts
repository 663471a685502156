import { COLLECTION_NAME, NotFoundError, recordType, REFERENCE_FIELDS, TaskStoreError, type Collection, type Store } from '../../index.js';
import type { CliContext } from '../context.js';
import { CliError, withContext } from '../errors.js';
import { withStore } from '../open-store.js';
import { createOutput, plural } from '../output.js';
import { readTextFile } from './create-prd.js';
import { unheldNumbers } from '../../shared/exact-integers.js';
import { compactJson, parseExact, stringifyExact } from '../../shared/exact-json.js';
import { createProgress } from '../progress.js';
import { memberText, topLevelKeys } from '../../shared/json-keys.js';

export interface ImportInput {
  /** Path of an export (`-` reads stdin). */
  file: string;
}

/** One record to import and where it came from (for error messages). */
export interface ImportEntry {
  collection: string;
  record: Record<string, unknown>;
  /** `line 3` (jsonl) or `prds[2]` (json). */
  where: string;
  /**
   * Set when the record's text is not what `JSON.stringify(record)` writes: the record as
   * compact JSON text whose members the stored line keeps. In `jsonl`, the line's own
   * record text (`1.0`, escapes such as `"\u00e9"`, every digit of an integer beyond
   * ±2^53); in `json`, set only when it holds a number a double does not hold, those
   * numbers' text (`record` holds them rounded).
   */
  text?: string;
}

export interface ImportReport {
  format: 'json' | 'jsonl';
  /** Records imported. */
  records: number;
  /** Records imported per collection. */
  collections: Record<string, number>;
}

/**
 * Parses an export in either format. Pure. A JSON document whose values are all arrays
 * is the `json` format; anything else is read as `jsonl`, one `{"collection","record"}`
 * object per non-blank line. Throws a {@link CliError} naming the line (or entry) of the
 * first bad input.
 */
export function parseExport(text: string, file: string): { format: 'json' | 'jsonl'; entries: ImportEntry[] } {
  const whole = tryParse(text);
  if (isObject(whole) && Object.values(whole).every(Array.isArray)) {
    const twice = memberWrittenTwice(text);
    if (twice !== undefined) throw bad(file, 'names the collection', `${JSON.stringify(twice)} twice (JSON keeps only the last of the two lists: merge them into one)`);
    // Parsed again, exactly, only when some integer would be rounded (the same keys and order).
    const exact = holdsInexact(text) ? (parseExact(text) as Record<string, unknown[]>) : undefined;
    const entries: ImportEntry[] = [];
    for (const [collection, records] of Object.entries(whole)) {
      (records as unknown[]).forEach((record, i) => entries.push(checkEntry(collection, record, `${collection}[${i}]`, file, exact?.[collection]![i])));
    }
    return { format: 'json', entries };
  }
  const lines = text.split('\n');
  if (whole === undefined && lines.find((l) => l.trim() !== '')?.trim() === '{') {
    // A pretty-printed document (the json format) with a syntax error somewhere.
    throw bad(file, 'is', `not valid JSON (${parseError(text)})`);
  }
  const entries: ImportEntry[] = [];
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    const where = `line ${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw bad(file, where, `is not valid JSON (${(err as Error).message})`);
    }
    if (!isObject(value)) throw bad(file, where, 'is not a JSON object');
    if (typeof value.collection !== 'string') throw bad(file, where, 'has no string "collection"');
    if (!('record' in value)) throw bad(file, where, 'has no "record"');
    // An export line holds these two members only; another (a field typed beside "record"
    // instead of in it) would be dropped without a word.
    const other = Object.keys(value).find((key) => key !== 'collection' && key !== 'record');
    if (other !== undefined) throw bad(file, where, `has the member ${JSON.stringify(other)} besides "collection" and "record" (record fields go inside "record")`);
    // Written twice, JSON.parse keeps the last: the first record (or collection) would be dropped.
    const twice = mayNameTwice(line) ? memberWrittenTwice(line) : undefined;
    if (twice !== undefined) throw bad(file, where, `has ${JSON.stringify(twice)} twice (one line holds one record)`);
    // The record as the line writes it: its members keep their bytes (`1.0`, `"\u00e9"`,
    // every digit of an integer beyond ±2^53, `1e400`), as `export` printed them from the log.
    const recordText = memberText(line, 'record');
    const text = recordText === undefined ? undefined : compactJson(recordText);
    entries.push(checkEntry(value.collection, value.record, where, file, undefined, text !== JSON.stringify(value.record) ? text : undefined));
  });
  return { format: 'jsonl', entries };
}

/** The first top-level key that `json` (valid JSON text, an object) writes more than once. */
function memberWrittenTwice(json: string): string | undefined {
  const seen = new Set<string>();
  for (const key of topLevelKeys(json)) {
    if (seen.has(key)) return key;
    seen.add(key);
  }
  return undefined;
}

/**
 * Cheap test before {@link memberWrittenTwice}: a line naming its members once holds each
 * word once, unless a `\u` escape spells one (`"\u0072ecord"`).
 */
function mayNameTwice(line: string): boolean {
  return line.includes('\\u') || occursTwice(line, '"record"') || occursTwice(line, '"collection"');
}

function occursTwice(text: string, word: string): boolean {
  const first = text.indexOf(word);
  return first >= 0 && text.indexOf(word, first + word.length) >= 0;
}

/** True when `json` (valid JSON text) holds a number literal whose value `JSON.parse` would not keep (an integer beyond ±2^53, `-0` …). */
function holdsInexact(json: string): boolean {
  return unheldNumbers(json).length > 0;
}

/**
 * `exact`: the record parsed by `parseExact` when its text holds an integer a number
 * would round; its compact text then keeps those digits (see {@link ImportEntry.text}).
 * `text`: the record's own compact text, when it differs from what `JSON.stringify` writes.
 */
function checkEntry(collection: string, record: unknown, where: string, file: string, exact?: unknown, text?: string): ImportEntry {
  if (!COLLECTION_NAME.test(collection)) {
    throw bad(file, where, `names the collection ${JSON.stringify(collection)}, which is not a valid collection name (a-z, 0-9 and _, starting with a letter)`);
  }
  if (!isObject(record)) throw bad(file, where, 'has a record that is not a JSON object');
  if (record.id !== undefined && (typeof record.id !== 'string' || record.id === '')) throw bad(file, where, 'has a record whose "id" is not a non-empty string');
  if (record.deleted !== undefined) throw bad(file, where, 'has a tombstone ("deleted"); exports hold live records only');
  if (text !== undefined) return { collection, record, where, text };
  return exact === undefined ? { collection, record, where } : { collection, record, where, text: stringifyExact(exact) };
}

function bad(file: string, where: string, what: string): CliError {
  return new CliError(`${file} ${where} ${what}`, {
    hint: 'import takes the output of `taskstore export` (--format jsonl or json); nothing was imported',
  });
}

/**
 * Creates every entry, ids kept, in one transaction: all are imported or none is. A
 * record whose id is already live in its collection is an error. `updated_at` is stamped
 * anew by the store (as on every write); `created_at` is kept; an integer beyond ±2^53
 * keeps its digits (see {@link ImportEntry.text}).
 *
 * Each collection's entries are created in file order, the runs of entries without exact
 * text by one `createMany` each, so that a large import into a new collection loads in
 * bulk. When anything fails, the whole file is created again one entry at a time, in
 * file order (the failure left nothing), to name the first entry of the file that fails.
 */
export function importEntries(
  store: Store,
  entries: readonly ImportEntry[],
  file: string,
  onProgress?: (done: number, total: number) => void,
): Omit<ImportReport, 'format'> {
  // No prototype: a collection may be named `constructor`.
  const collections = Object.create(null) as Record<string, number>;
  const byCollection = new Map<string, ImportEntry[]>();
  for (const entry of entries) {
    const list = byCollection.get(entry.collection);
    if (list === undefined) byCollection.set(entry.collection, [entry]);
    else list.push(entry);
  }
  const handles = new Map<string, Collection<Record<string, unknown>>>();
  // The store validates the built-in record types against their stored schema itself.
  const collectionOf = (name: string): Collection<Record<string, unknown>> => {
    let collection = handles.get(name);
    if (collection === undefined) handles.set(name, (collection = store.collection<Record<string, unknown>>({ name })));
    return collection;
  };
  const createOne = (entry: ImportEntry): void => {
    try {
      // A record holding an integer beyond ±2^53 keeps its digits: its members that
      // validation leaves as they are are stored as `entry.text` writes them.
      if (entry.text === undefined) collectionOf(entry.collection).create(entry.record);
      else collectionOf(entry.collection).createFromText(entry.text);
    } catch (err) {
      // Keeps the library's class and code (a NotFoundError stays one); adds where it happened.
      if (err instanceof TaskStoreError) throw withContext(err, `${file} ${entry.where} (${entry.collection})`, { data: { file, where: entry.where }, hint: 'nothing was imported' });
      throw err;
    }
  };
  let done = 0;
  store.transaction(() => {
    try {
      // A savepoint: when it fails, nothing of it is left for the replay below.
      store.transaction(() => {
        for (const [name, list] of byCollection) {
          const collection = collectionOf(name);
          const createRun = (run: ImportEntry[]): void => {
            onProgress?.(done, entries.length);
            collection.createMany(run.map((entry) => entry.record));
            done += run.length;
          };
          let run: ImportEntry[] = [];
          for (const entry of list) {
            if (entry.text === undefined) {
              run.push(entry);
              continue;
            }
            if (run.length > 0) createRun(run);
            run = [];
            createOne(entry);
            done++;
          }
          if (run.length > 0) createRun(run);
          collections[name] = list.length;
        }
      });
    } catch (err) {
      // Created again one entry at a time in file order (the failed savepoint left
      // nothing), to name the first entry of the file that fails, whichever collection
      // it is in: collections are created one after the other above.
      store.transaction(() => entries.forEach(createOne)); // throws, naming the entry
      throw err; // a failure one entry at a time did not repeat (a full disk freed meanwhile)
    }
    onProgress?.(done, entries.length);
    // Inside the transaction: the imported records are visible, so a reference may name
    // a record of the same import or one already in the store.
    refuseDanglingReferences(store, entries, file);
  });
  return { records: entries.length, collections };
}

/** Throws NOT_FOUND for the first imported record whose reference names no live record. */
function refuseDanglingReferences(store: Store, entries: readonly ImportEntry[], file: string): void {
  for (const entry of entries) {
    for (const ref of REFERENCE_FIELDS) {
      if (ref.from !== entry.collection || !ref.checkedOnWrite) continue;
      const value = entry.record[ref.field];
      const target = ref.many === true && Array.isArray(value) ? value.find((id) => !isLive(store, ref.to, id)) : isLive(store, ref.to, value) ? undefined : value;
      if (target === undefined) continue;
      throw new NotFoundError(
        `${file} ${entry.where} (${entry.collection}): ${ref.field} ${JSON.stringify(target)} does not name a live ${recordType(ref.to)!.label}, neither in the import nor in the store`,
        { data: { file, where: entry.where, collection: entry.collection, field: ref.field, ref: target }, hint: 'import the referenced record too (or fix the field); nothing was imported' },
      );
    }
  }
}

/** `id` is absent (`null`, `undefined`: no reference) or names a live record of `collection`. */
function isLive(store: Store, collection: string, id: unknown): boolean {
  return id === undefined || id === null || (typeof id === 'string' && store.collection({ name: collection }).get(id) !== undefined);
}

export async function run(ctx: CliContext, input: ImportInput): Promise<number> {
  const out = createOutput(ctx);
  const text = readTextFile(ctx, input.file, 'import file');
  const { format, entries } = parseExport(text, input.file);
  const progress = createProgress(ctx.stderr, { label: 'taskstore: import' });
  let result;
  try {
    result = await withStore(ctx, (store) => importEntries(store, entries, input.file, (done, total) => progress.update(done, total)), { create: true });
  } finally {
    progress.clear();
  }
  const report: ImportReport = { format, ...result };
  if (out.jsonMode) out.json(report);
  else {
    const names = Object.keys(report.collections);
    out.line(`imported ${plural(report.records, 'record')}${names.length === 0 ? '' : ` into ${names.map((n) => `${n} (${report.collections[n]})`).join(', ')}`}`);
  }
  return 0;
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parseError(text: string): string {
  try {
    JSON.parse(text);
    return 'unknown error';
  } catch (err) {
    return (err as Error).message;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
