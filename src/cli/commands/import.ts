import { COLLECTION_NAME, gitIntegrationStatus, NotFoundError, recordType, REFERENCE_FIELDS, TaskStoreError, type Collection, type Store } from '../../index.js';
import type { CliContext } from '../context.js';
import { CliError, withContext } from '../errors.js';
import { gitIsMissing, mergeDriverNote } from '../driver-note.js';
import { storeLocation, withStore } from '../open-store.js';
import { createOutput, plural } from '../output.js';
import { checkFileName, notUtf8, unreadableFile } from './create-prd.js';
import { isUtf8 } from 'node:buffer';
import { closeSync, fstatSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { forEachRawLine } from '../line-reader.js';
import { invalidUtf8Offset } from '../utf8.js';
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
    const entry = parseExportLine(raw, i + 1, file);
    if (entry !== undefined) entries.push(entry);
  });
  return { format: 'jsonl', entries };
}

/** Line `lineNo` (1-based) of a `jsonl` export: its entry, or undefined for a blank line. Throws a {@link CliError} naming the line. */
function parseExportLine(raw: string, lineNo: number, file: string): ImportEntry | undefined {
  return readExportLine(raw, lineNo, file, true);
}

/**
 * {@link parseExportLine}; `exact: false` only checks the line (every error it can throw
 * is thrown) without working out the record's exact text: the first of an import's two
 * readings, which keeps nothing.
 */
function readExportLine(raw: string, lineNo: number, file: string, exact: boolean): ImportEntry | undefined {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (line.trim() === '') return undefined;
  const where = `line ${lineNo}`;
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
  if (!exact) return checkEntry(value.collection, value.record, where, file);
  // The record as the line writes it: its members keep their bytes (`1.0`, `"\u00e9"`,
  // every digit of an integer beyond ±2^53, `1e400`), as `export` printed them from the log.
  const recordText = memberText(line, 'record');
  const text = recordText === undefined ? undefined : compactJson(recordText);
  return checkEntry(value.collection, value.record, where, file, undefined, text !== JSON.stringify(value.record) ? text : undefined);
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
  return importBatches(store, (onBatch) => onBatch(entries), file, entries.length, onProgress);
}

/**
 * {@link importEntries} for entries handed over in batches, in file order (a large export
 * read from its file a batch at a time): one transaction around them all, each batch
 * written as `importEntries` writes its whole input. A batch that fails is created again
 * one entry at a time: every earlier batch went in whole, so the first entry that fails
 * then is the first of the file. References are checked as each batch goes in; those that
 * name no live record yet (a record later in the file) are kept, as the field and the ids
 * it names only, and checked again at the end, in file order.
 */
export function importBatches(
  store: Store,
  forEachBatch: (onBatch: (batch: readonly ImportEntry[]) => void) => void,
  file: string,
  total: number,
  onProgress?: (done: number, total: number) => void,
): Omit<ImportReport, 'format'> {
  // No prototype: a collection may be named `constructor`.
  const collections = Object.create(null) as Record<string, number>;
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
  const writeBatch = (batch: readonly ImportEntry[]): void => {
    const byCollection = new Map<string, ImportEntry[]>();
    for (const entry of batch) {
      const list = byCollection.get(entry.collection);
      if (list === undefined) byCollection.set(entry.collection, [entry]);
      else list.push(entry);
    }
    for (const [name, list] of byCollection) {
      const collection = collectionOf(name);
      const createRun = (run: ImportEntry[]): void => {
        onProgress?.(done, total);
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
    }
  };
  const unresolved: PendingReference[] = [];
  store.transaction(() => {
    forEachBatch((batch) => {
      try {
        // A savepoint: when it fails, nothing of it is left for the replay below.
        store.transaction(() => writeBatch(batch));
      } catch (err) {
        // Created again one entry at a time in file order (the failed savepoint left
        // nothing), to name the first entry of the file that fails, whichever collection
        // it is in: collections are created one after the other above.
        store.transaction(() => batch.forEach(createOne)); // throws, naming the entry
        throw err; // a failure one entry at a time did not repeat (a full disk freed meanwhile)
      }
      for (const entry of batch) collections[entry.collection] = (collections[entry.collection] ?? 0) + 1;
      // Inside the transaction: the imported records are visible, so a reference may name
      // a record of the same import or one already in the store.
      noteUnresolvedReferences(store, batch, unresolved);
    });
    onProgress?.(done, total);
    // The import only creates records: a reference that named a live record when its batch went in still does.
    refuseDanglingReferences(store, unresolved, file);
  });
  return { records: done, collections };
}

/** A checked reference of an imported record that named no live record when its batch was written. */
interface PendingReference {
  collection: string;
  where: string;
  field: string;
  to: string;
  many: boolean;
  value: unknown;
}

/** Adds to `out` each checked reference of `batch` that names no live record (yet). */
function noteUnresolvedReferences(store: Store, batch: readonly ImportEntry[], out: PendingReference[]): void {
  for (const entry of batch) {
    for (const ref of REFERENCE_FIELDS) {
      if (ref.from !== entry.collection || !ref.checkedOnWrite) continue;
      const pending = { collection: entry.collection, where: entry.where, field: ref.field, to: ref.to, many: ref.many === true, value: entry.record[ref.field] };
      if (deadTarget(store, pending) !== undefined) out.push(pending);
    }
  }
}

/** The id `ref` names that is not live, if any. */
function deadTarget(store: Store, ref: PendingReference): unknown {
  const { value } = ref;
  return ref.many && Array.isArray(value) ? value.find((id) => !isLive(store, ref.to, id)) : isLive(store, ref.to, value) ? undefined : value;
}

/** Throws NOT_FOUND for the first of `refs` (in file order) that names no live record. */
function refuseDanglingReferences(store: Store, refs: readonly PendingReference[], file: string): void {
  for (const ref of refs) {
    const target = deadTarget(store, ref);
    if (target === undefined) continue;
    throw new NotFoundError(
      `${file} ${ref.where} (${ref.collection}): ${ref.field} ${JSON.stringify(target)} does not name a live ${recordType(ref.to)!.label}, neither in the import nor in the store`,
      { data: { file, where: ref.where, collection: ref.collection, field: ref.field, ref: target }, hint: 'import the referenced record too (or fix the field); nothing was imported' },
    );
  }
}

/** `id` is absent (`null`, `undefined`: no reference) or names a live record of `collection`. */
function isLive(store: Store, collection: string, id: unknown): boolean {
  return id === undefined || id === null || (typeof id === 'string' && store.collection({ name: collection }).get(id) !== undefined);
}

export async function run(ctx: CliContext, input: ImportInput): Promise<number> {
  const out = createOutput(ctx);
  checkFileName(input.file, OPTION);
  const source = openImportFile(ctx, input.file);
  const progress = createProgress(ctx.stderr, { label: 'taskstore: import', env: ctx.env });
  let report: ImportReport;
  // Whether this import made the store (the store says: a store another process created
  // at the same moment is not ours to warn about).
  let created = false;
  try {
    const onProgress = (done: number, total: number): void => progress.update(done, total);
    if (startsAsJsonl(source.fd)) {
      // Read twice, a line at a time: first every line is checked (so that a file that
      // is not an export is refused before any store is opened or created), then the
      // records are written in batches. Read whole (the file, its lines and every parsed
      // record at once), a million-record export took 1.4 GB.
      const total = checkExportLines(source.fd, input.file);
      const result = await withStore(
        ctx,
        (store) => {
          created = store.created;
          return importBatches(store, (onBatch) => forEachExportBatch(source.fd, input.file, onBatch), input.file, total, onProgress);
        },
        { create: true },
      );
      report = { format: 'jsonl', ...result };
    } else {
      // A JSON document (or something that is no export at all) is parsed whole.
      const { format, entries } = parseExport(textOf(source.fd, input.file), input.file);
      const result = await withStore(
        ctx,
        (store) => {
          created = store.created;
          return importEntries(store, entries, input.file, onProgress);
        },
        { create: true },
      );
      report = { format, ...result };
    }
  } finally {
    progress.clear();
    source.close();
  }
  if (out.jsonMode) out.json(report);
  else {
    const names = Object.keys(report.collections);
    out.line(`imported ${plural(report.records, 'record')}${names.length === 0 ? '' : ` into ${names.map((n) => `${n} (${report.collections[n]})`).join(', ')}`}`);
  }
  if (created) noteMissingDriver(ctx, out);
  return 0;
}

/** A store this import created in a git work tree without the merge driver: say so, as `init` does. */
function noteMissingDriver(ctx: CliContext, out: ReturnType<typeof createOutput>): void {
  let note: string | undefined;
  try {
    note = mergeDriverNote(gitIntegrationStatus({ cwd: ctx.cwd, storeDir: storeLocation(ctx).dir, probeDriver: false }));
  } catch (err) {
    if (!gitIsMissing(err)) throw err; // no git: nothing for git to merge wrongly
  }
  if (note !== undefined) out.note(note);
}

const OPTION = 'import file';

/** Records (or input bytes, for big records) per batch of a `jsonl` import read from its file. */
const BATCH_RECORDS = 10_000;
const BATCH_BYTES = 16 * 1024 * 1024;

/**
 * The file to import, open for reading; stdin (`-`) is first copied to a temporary file,
 * which is read twice (see `run`) and removed by `close`.
 */
function openImportFile(ctx: CliContext, path: string): { fd: number; close(): void } {
  if (path === '-') return spool(0, path);
  let fd: number;
  try {
    fd = openSync(resolve(ctx.cwd, path), 'r');
    const st = fstatSync(fd);
    // Opening a directory succeeds; reading it would fail later, less clearly.
    if (st.isDirectory()) {
      closeSync(fd);
      throw Object.assign(new Error('it is a directory'), { code: 'EISDIR' });
    }
    // A pipe (`import <(…)`, a FIFO) cannot be read twice: copied like stdin.
    if (!st.isFile()) {
      try {
        return spool(fd, path);
      } finally {
        closeSync(fd);
      }
    }
  } catch (err) {
    throw err instanceof CliError ? err : unreadableFile(err, path, OPTION);
  }
  return { fd, close: () => closeSync(fd) };
}

/** A copy of what `input` (stdin, a pipe) holds, in a temporary file removed by `close`. */
function spool(input: number, name: string): { fd: number; close(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'taskstore-import-'));
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  let fd: number | undefined;
  try {
    const path = join(dir, 'stdin');
    fd = openSync(path, 'w+', 0o600);
    const chunk = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      let n: number;
      try {
        n = readSync(input, chunk, 0, chunk.length, null);
      } catch (err) {
        // stdin in non-blocking mode (some terminals and parents) has nothing yet: wait a moment.
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
          continue;
        }
        if ((err as NodeJS.ErrnoException).code === 'EOF') break;
        throw unreadableFile(err, name, OPTION);
      }
      if (n === 0) break;
      writeSync(fd, chunk, 0, n);
    }
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    remove();
    throw err;
  }
  const spooled = fd;
  return {
    fd: spooled,
    close: () => {
      closeSync(spooled);
      remove();
    },
  };
}

/** The whole file as text, refused when it is not UTF-8 (a byte-order mark dropped). */
function textOf(fd: number, path: string): string {
  // From the start, whatever the descriptor's position (the copy of stdin was written through it).
  const bytes = Buffer.allocUnsafe(fstatSync(fd).size);
  for (let at = 0; at < bytes.length; ) {
    const n = readSync(fd, bytes, at, bytes.length - at, at);
    if (n === 0) throw new CliError(`cannot read ${OPTION} ${path}: it shrank while being read`);
    at += n;
  }
  const bad = isUtf8(bytes) ? -1 : invalidUtf8Offset(bytes);
  if (bad >= 0) throw notUtf8(path, OPTION, bad, bytes[bad]!);
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Each line of the file as text (a byte-order mark before the first dropped), refused
 * at the first byte that is not UTF-8 (the same offset a check of the whole file gives:
 * a `\n` never continues a multi-byte sequence). `onLine` returning false stops.
 */
function forEachTextLine(fd: number, path: string, onLine: (text: string, lineNo: number) => boolean | void): void {
  forEachRawLine(fd, ({ bytes, lineNo, offset }) => {
    if (!isUtf8(bytes)) {
      const bad = invalidUtf8Offset(bytes);
      throw notUtf8(path, OPTION, offset + bad, bytes[bad]!);
    }
    const text = bytes.toString('utf8');
    return onLine(lineNo === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, lineNo);
  });
}

/**
 * Whether the file is a `jsonl` export as far as its start tells: its first non-blank
 * line is a JSON value on its own, and another non-blank line follows (two values are
 * never one JSON document). Anything else — a pretty-printed document, a document on
 * one line, a first line that does not parse — is read whole, as `parseExport` rules.
 */
function startsAsJsonl(fd: number): boolean {
  let first = true;
  let jsonl = false;
  try {
    forEachTextLine(fd, '', (raw) => {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line.trim() === '') return true;
      if (!first) {
        jsonl = true;
        return false;
      }
      first = false;
      return tryParse(line) !== undefined;
    });
  } catch {
    return false; // not UTF-8: read whole, which says where
  }
  return jsonl;
}

/** Checks every line of a `jsonl` export (throws naming the first bad one); returns the number of records. */
function checkExportLines(fd: number, file: string): number {
  let records = 0;
  forEachTextLine(fd, file, (raw, lineNo) => {
    if (readExportLine(raw, lineNo, file, false) !== undefined) records++;
  });
  return records;
}

/** The entries of a `jsonl` export, in file order, in batches of at most {@link BATCH_RECORDS} records or about {@link BATCH_BYTES}. */
function forEachExportBatch(fd: number, file: string, onBatch: (batch: readonly ImportEntry[]) => void): void {
  let batch: ImportEntry[] = [];
  let bytes = 0;
  forEachTextLine(fd, file, (raw, lineNo) => {
    const entry = parseExportLine(raw, lineNo, file);
    if (entry === undefined) return;
    batch.push(entry);
    bytes += raw.length;
    if (batch.length >= BATCH_RECORDS || bytes >= BATCH_BYTES) {
      onBatch(batch);
      batch = [];
      bytes = 0;
    }
  });
  if (batch.length > 0) onBatch(batch);
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
