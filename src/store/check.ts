/**
 * `store.check()`: everything that can be wrong with a store, as a list of problems.
 * It changes nothing. Cache drift is found by folding each log independently of the
 * ingest code (a second implementation of "which version is current") and comparing.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CacheDb } from '../cache/cache-db.js';
import type { CollectionTable } from '../cache/collection-table.js';
import { collectionOfLogFile, LOG_SUFFIX } from '../jsonl/collection-name.js';
import { parseLine, readerText, supersedes, withoutBom, type FilledStamps, type StoredRecord } from '../jsonl/line-codec.js';
import { repeatedKeyOfParsed } from '../shared/json-keys.js';
import { readLinesFrom } from '../jsonl/log-io.js';
import { logPath } from './ingest.js';
import { fileSize } from './methods/file-size.js';
import { tempTarget } from './stale-temps.js';

export interface CheckProblem {
  /** e.g. `malformed_line`, `conflict_markers`, `torn_line`, `cache_drift`, `invalid_file_name`, plus those of registered checkers. */
  kind: string;
  collection?: string;
  line?: number;
  id?: string;
  message: string;
}

export interface CheckReport {
  ok: boolean;
  problems: CheckProblem[];
}

/** An additional check (domain references, git setup ...). */
type Checker = (store: unknown) => CheckProblem[];

interface CheckContext {
  dir: string;
  cache: CacheDb;
  collections: string[];
  table(name: string): CollectionTable;
  conflicts: ReadonlyMap<string, number>;
  checkers: Checker[];
  store: unknown;
  /** Temp files of interrupted compactions removed when the store was opened. */
  removedTemps?: string[];
  /** Bytes of logs read so far, and in all (the drift check reads every log once). */
  onProgress?: (done: number, total: number) => void;
  /**
   * Runs `compare` again holding the store's write lock, the cache caught up under it:
   * for a collection whose first comparison found drift (see {@link runCheck}).
   */
  underWriteLock?: <R>(compare: () => R) => R;
}

const MAX_DRIFT_REPORTS = 20;
/** Lines reported per collection for a repeated key (the rest are counted in the last one). */
const MAX_REPEATED_KEY_REPORTS = 20;

export function runCheck(ctx: CheckContext): CheckReport {
  const problems: CheckProblem[] = [];
  const sizes = ctx.collections.map((name) => fileSize(logPath(ctx.dir, name)));
  const total = sizes.reduce((a, b) => a + b, 0);
  let before = 0;
  for (const [i, name] of ctx.collections.entries()) {
    const base = before;
    before += sizes[i]!;
    const progress = ctx.onProgress && ((done: number) => ctx.onProgress!(base + done, total));
    const conflictLine = ctx.conflicts.get(name);
    if (conflictLine !== undefined) {
      problems.push({
        kind: 'conflict_markers',
        collection: name,
        line: conflictLine,
        message: `${name}.jsonl line ${conflictLine} has a git conflict marker: resolve the merge, then run taskstore sync`,
      });
      continue;
    }
    for (const { line, reason } of ctx.cache.badLines.list(name)) {
      problems.push({ kind: 'malformed_line', collection: name, line, message: `${name}.jsonl line ${line}: ${reason}` });
    }
    // Read without the write lock, log first and cache second, the comparison sees a
    // writer's line in the log before its cache commit, or its cache row after the log
    // was read (a compaction's rewrite likewise): drift that is not there. Writers
    // append and commit holding the lock, so drift found is looked at again under it,
    // caught up first; only what is still there is reported. A store nobody writes
    // while it is checked pays nothing for this.
    const found: CheckProblem[] = [];
    compareWithLog(ctx, name, progress, found);
    if (ctx.underWriteLock !== undefined && found.some((p) => p.kind === 'cache_drift')) {
      found.length = 0;
      ctx.underWriteLock(() => compareWithLog(ctx, name, undefined, found));
    }
    for (const problem of found) problems.push(problem);
  }
  for (const entry of readdirSync(ctx.dir)) {
    if (entry.endsWith('.jsonl.torn')) {
      const lines = readFileSync(join(ctx.dir, entry), 'utf8').split('\n').filter((l) => l !== '').length;
      problems.push({
        kind: 'torn_line',
        collection: entry.slice(0, -'.jsonl.torn'.length),
        message: `${entry} holds ${lines} line(s) cut from the log after an interrupted write; inspect it, then delete it`,
      });
    } else if (entry.endsWith('.jsonl.rescued')) {
      const lines = readFileSync(join(ctx.dir, entry), 'utf8').split('\n').filter((l) => l !== '').length;
      problems.push({
        kind: 'rescued_lines',
        collection: entry.slice(0, -'.jsonl.rescued'.length),
        message: `${entry} holds ${lines} acknowledged version(s) that vanished when git or another tool rewrote the log, and that no recent git commit holds: run taskstore rescue to re-apply them (or delete the file to discard them)`,
      });
    } else if (entry.endsWith(LOG_SUFFIX) && collectionOfLogFile(entry) === undefined) {
      problems.push({
        kind: 'invalid_file_name',
        message: `${entry} is not a valid collection name and is ignored (use a-z, 0-9 and _, starting with a letter)`,
      });
    }
  }
  for (const entry of ctx.removedTemps ?? []) {
    const target = tempTarget(entry);
    problems.push({
      kind: 'stale_temp_file',
      message:
        target === undefined || target.endsWith(LOG_SUFFIX)
          ? `${entry} was left behind by an interrupted compaction and has been removed (the log was not touched)`
          : `${entry} was left behind by an interrupted write of ${target} and has been removed (${target} was not touched)`,
    });
  }
  ctx.onProgress?.(total, total);
  // A loop, not push(...): 200,000 dangling references as arguments overflowed the stack.
  for (const checker of ctx.checkers) for (const problem of checker(ctx.store)) problems.push(problem);
  return { ok: problems.length === 0, problems };
}

/** U+FFFD, which the cache's id column reads as in JavaScript where it holds half a surrogate pair (see {@link idOfCurrentRow}). */
const REPLACEMENT = '\ufffd';

/**
 * The id of a cache row whose id column reads `id` and whose text is `text`. An id with
 * half a surrogate pair (another tool can write `"\ud800"` into a log; TaskStore refuses
 * such new ids) is not valid UTF-8: the id column keeps its bytes, but they reach JavaScript
 * as U+FFFD, so `"\ud800"` and `"\ud801"` read as one column value (lookups compare the text's id). The
 * row's text keeps the id as written: compared by the column, two such records were
 * reported as one record with two current versions, for ever, however often `sync` ran.
 */
function idOfCurrentRow(id: string, text: string): string {
  return id.includes(REPLACEMENT) ? (JSON.parse(text) as { id: string }).id : id;
}

/**
 * Folds the log afresh and compares the cache's current versions with it: adds to
 * `problems` the lines that write a key twice (as the fold finds them), then the drift.
 */
function compareWithLog(ctx: CheckContext, name: string, onProgress: ((done: number) => void) | undefined, problems: CheckProblem[]): void {
  const path = logPath(ctx.dir, name);
  /** Per id, the log's current version, and what the cache's current row(s) said of it. */
  const expected = new Map<string, { updated_at: number; text: string; cached?: 'same' | 'differs' | 'twice' }>();
  let repeats = 0;
  if (existsSync(path)) {
    const fd = openSync(path, 'r');
    try {
      let reported = 0;
      readLinesFrom(fd, 0, 1, (line) => {
        if (onProgress !== undefined && line.offset - reported >= 1 << 20) {
          reported = line.offset;
          onProgress(line.offset);
        }
        const lineText = withoutBom(line.text, line.lineNo);
        const parsed = parseLine(lineText);
        if (parsed.kind !== 'record' || line.invalidUtf8) return;
        const key = repeatedKeyOf(lineText, parsed.record, parsed.filled);
        if (key !== undefined && ++repeats <= MAX_REPEATED_KEY_REPORTS) {
          problems.push({
            kind: 'repeated_key',
            collection: name,
            line: line.lineNo,
            id: parsed.record.id,
            message: `${name}.jsonl line ${line.lineNo} (${name}/${parsed.record.id}) writes the key ${JSON.stringify(key)} twice in one object: reads take the last value, queries and indexes the first; write the record again with the value it should have (taskstore update ${parsed.record.id} --set …)`,
          });
        }
        const id = parsed.record.id;
        const previous = expected.get(id);
        if (previous === undefined || supersedes(previous, parsed.record, true)) {
          const text = lineText.endsWith('\r') ? lineText.slice(0, -1) : lineText;
          expected.set(id, { updated_at: parsed.record.updated_at, text: readerText(text, parsed.filled) });
        }
      });
    } finally {
      closeSync(fd);
    }
  }
  if (repeats > MAX_REPEATED_KEY_REPORTS) {
    problems.push({ kind: 'repeated_key', collection: name, message: `${name}.jsonl: ${repeats - MAX_REPEATED_KEY_REPORTS} more line(s) write a key twice in one object` });
  }
  const extra: string[] = [];
  ctx.table(name).forEachCurrentText((column, text) => {
    const id = idOfCurrentRow(column, text);
    const version = expected.get(id);
    if (version === undefined) {
      if (extra.length < MAX_DRIFT_REPORTS) extra.push(id);
    } else {
      // A damaged cache can hold two current rows for one id: reads would return either.
      version.cached = version.cached !== undefined ? 'twice' : text === version.text ? 'same' : 'differs';
    }
  });
  let drift = 0;
  const report = (id: string, message: string): void => {
    if (drift++ < MAX_DRIFT_REPORTS) problems.push({ kind: 'cache_drift', collection: name, id, message });
  };
  for (const [id, { cached }] of expected) {
    if (cached === undefined) report(id, `${name}/${id} is in the log but missing from the cache: run taskstore sync`);
    else if (cached === 'differs') report(id, `${name}/${id} differs between the cache and the log: run taskstore sync`);
    else if (cached === 'twice') report(id, `${name}/${id} has more than one current version in the cache: run taskstore sync`);
  }
  for (const id of extra) report(id, `${name}/${id} is in the cache but not in the log: run taskstore sync`);
  // History reaches older versions through each row's link to another row of its id
  // (docs/format.md): a damaged link hides versions from history without changing any
  // current version, which the comparison above cannot see.
  const unreachable = ctx.table(name).unreachableVersions();
  if (unreachable > 0 && drift < MAX_DRIFT_REPORTS) {
    problems.push({ kind: 'cache_drift', collection: name, message: `${name}: ${unreachable} stored version(s) cannot be reached by history in the cache: run taskstore sync` });
  }
}

/**
 * A key `text` (a record's line) writes twice in one object, or undefined. Another
 * program's line may (JSON allows it); TaskStore never writes one. `JSON.parse` keeps the
 * last value, SQLite's JSON functions (queries, indexes) the first, so such a record
 * reads one way and is found another.
 */
function repeatedKeyOf(text: string, record: StoredRecord, filled: FilledStamps | undefined): string | undefined {
  // The stamps the Rust-format rule filled in are keys of the record, not of the text.
  const added = (filled?.id === undefined ? 0 : 1) + (filled?.updated_at === undefined ? 0 : 1);
  return repeatedKeyOfParsed(text, record, added);
}
