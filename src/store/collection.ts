/**
 * A generic collection: any record type, stored in `<name>.jsonl`, queried through the
 * cache. Each method is synchronous; a write returns once its line is durable and the
 * cache is updated.
 */
import { v7 as uuidv7 } from 'uuid';
import type { CollectionTable } from '../cache/collection-table.js';
import type { Query } from '../cache/query-builder.js';
import { AlreadyExistsError, NotFoundError, ReferencedError, TooLargeError, ValidationError } from '../errors.js';
import type { StoredRecord } from '../jsonl/line-codec.js';
import { jsonEqual } from '../merge/json-equal.js';
import { inOrderOf, serializeKeepingMembers } from './version-text.js';
import { repeatedKey, repeatedKeyOfParsed } from '../shared/json-keys.js';
import { compactJson } from '../shared/exact-json.js';
import {
  applySchema,
  assertNewId,
  copyFields,
  lostNonFinite,
  stampedRecord,
  nextUpdatedAt,
  plainRecordCopy,
  type RecordSchema,
} from './record-input.js';
import { argumentTypeError, assertIdArgument, parseOptionsArgument } from './arguments.js';
import { assertVersion, parseWriteOptions, type WriteOptions } from './write-options.js';
import { clockReading } from './clock.js';

/** Fields every stored record has. */
export interface RecordMeta {
  id: string;
  created_at?: number;
  updated_at: number;
}

/** What `create` accepts: the record, with `id`/`created_at` optional and `updated_at` ignored. */
export type NewRecord<T> = Omit<T, 'id' | 'created_at' | 'updated_at'> & { id?: string; created_at?: number; updated_at?: number };

export interface CollectionOptions<T> {
  /** `^[a-z][a-z0-9_]{0,63}$`; the log is `<name>.jsonl`. */
  name: string;
  /** Fields to index in the cache (real SQLite expression indexes). Queries on other fields work too, just slower. */
  indexes?: string[];
  /** Validates every version before it is written: anything with `parse(value)` that returns or throws (a zod schema fits). */
  schema?: RecordSchema<T>;
}

/** What a collection needs from its store. */
export interface CollectionHost {
  /** The collection's cache table, caught up first when inside a write scope; throws on conflict markers. */
  table(name: string): CollectionTable;
  /** Runs `fn` holding the write lock, then commits the lines it staged (or joins the enclosing scope). */
  write<R>(fn: () => R): R;
  /** As `write`, but inside an enclosing scope as a savepoint: a failure part-way undoes all that `fn` staged. */
  transaction<R>(fn: () => R): R;
  /** Stages one version: checks its size, applies it to the cache, queues its line (`text` when given, else the record serialized). */
  stage(name: string, record: StoredRecord, text?: string): void;
  now(): number;
  /** The store's `maxRecordBytes`, for the error about a record too large to serialize at all. */
  readonly maxRecordBytes: number;
  /** Live records that reference `id` of collection `name` (none for generic collections). */
  referrers(name: string, id: string): { collection: string; id: string; field: string }[];
}

export interface DeleteOptions extends WriteOptions {
  /** Delete even when live records still reference this one (they are left dangling; `check` reports them). */
  force?: boolean;
}

const RESERVED = ['deleted'] as const;

/**
 * The first field of `record` reserved for tombstones, when it holds one. A field the
 * current version (`previous`) already holds with the same value is kept, not refused:
 * another tool may have written `"deleted": false` (its own soft-delete flag) into the
 * log, and such a record, which reads as live (only `true` makes a tombstone), could
 * otherwise never be updated. Setting or changing the field is still refused.
 */
function reservedFieldIn(record: Record<string, unknown>, previous?: Record<string, unknown>): string | undefined {
  return RESERVED.find((key) => record[key] !== undefined && !(previous !== undefined && record[key] !== true && jsonEqual(record[key], previous[key])));
}

/** A query's keys: a misspelt one (`{ wher: … }`, `{ order: … }`) would otherwise drop its condition without a word. */
const QUERY_KEYS = ['where', 'orderBy', 'limit', 'offset'] as const;

let construct: (host: CollectionHost, name: string, schema: RecordSchema | undefined) => Collection<any>;
/** True only while {@link createCollection} constructs one: JavaScript can call the private constructor. */
let constructing = false;

/**
 * A collection of the store whose engine gives `host`. The constructor is private (get a
 * collection from `store.collection()`), so the public type declarations name none of
 * the engine's internals.
 */
export function createCollection<T extends object>(host: CollectionHost, name: string, schema: RecordSchema | undefined): Collection<T> {
  return construct(host, name, schema) as Collection<T>;
}

export class Collection<T extends object = Record<string, unknown>> {
  private constructor(
    private readonly host: CollectionHost,
    readonly name: string,
    private readonly schema: RecordSchema | undefined,
  ) {
    // `new Collection(...)` from JavaScript made an object whose every method failed with
    // "Cannot read properties of undefined".
    if (!constructing) throw new TypeError('a Collection is not constructed directly: get one from store.collection({ name })');
  }

  static {
    construct = (host, name, schema) => {
      constructing = true;
      try {
        return new Collection(host, name, schema);
      } finally {
        constructing = false;
      }
    };
  }

  /**
   * Creates a record and returns its id (a new UUIDv7 unless the record has one).
   * Throws `AlreadyExistsError` if a live record has that id.
   * @example const id = notes.create({ title: 'hello', status: 'open' });
   */
  create(record: NewRecord<T>): string {
    const input = plainRecordCopy(record);
    return this.host.write(() => this.createOne(input));
  }

  /**
   * Creates many records in one transaction with one fsync: all are written or none.
   * @example const ids = notes.createMany([{ title: 'a' }, { title: 'b' }]);
   */
  createMany(records: NewRecord<T>[]): string[] {
    if (!Array.isArray(records)) throw argumentTypeError('records', 'an array of records', records);
    const count = records.length;
    // A transaction, not a plain write: inside the caller's transaction this is a
    // savepoint, so a record that fails part-way leaves none of the batch staged, also
    // when the caller catches the error and goes on. (Every other write of a collection
    // stages one line, after its checks; savepoints would cost ~8 µs per such write.)
    return this.host.transaction(() => {
      const table = this.host.table(this.name);
      // Each record is copied (and checked) right before it is written, so a large batch
      // never holds a second copy of every record at once. A bad record still writes
      // nothing: the batch rolls back. Indexes, not forEach: forEach skips the holes of a sparse array
      // (`[, { … }]`), which then left a hole in the returned ids.
      const createAll = (): string[] => {
        const ids: string[] = new Array(count);
        for (let i = 0; i < count; i++) ids[i] = this.createOne(plainRecordCopy(records[i], `record ${i}`));
        return ids;
      };
      // Many records into a table no larger than them (an import into a new collection):
      // inserted without index upkeep, the indexes built once after. A failure rolls the
      // write (or, inside a transaction, its savepoint) back, the dropped indexes with it.
      if (!table.bulkLoadPays(count)) return createAll();
      table.beginBulkLoad();
      try {
        const ids = createAll();
        table.endBulkLoad();
        return ids;
      } catch (err) {
        table.abortBulkLoad();
        throw err;
      }
    });
  }

  /**
   * Creates a record from its JSON text (one object) and returns its id, as
   * `create(JSON.parse(text))` does — same validation, stamps and errors — except that
   * each member validation leaves as it is keeps its text: an integer beyond ±2^53, which
   * a parsed number rounds, is stored with every digit (so are `1.0` and escapes such as
   * `"\u00e9"`). Whitespace between tokens is dropped (the line stays one line).
   * Throws `ValidationError` when `text` is not a JSON object.
   * @example notes.createFromText('{"id":"a","n":12345678901234567890}'); notes.getText('a') // '{"id":"a","n":12345678901234567890,"created_at":…,"updated_at":…}'
   */
  createFromText(text: string): string {
    if (typeof text !== 'string') throw argumentTypeError('text', 'a string of JSON', text);
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (err) {
      throw new ValidationError(`text is not valid JSON (${(err as Error).message})`, { field: 'text' });
    }
    const input = plainRecordCopy(record, 'record', true);
    const compact = compactJson(text);
    const repeated = repeatedKey(compact);
    if (repeated !== undefined) {
      // Kept as written, the line would read two ways: get() (JSON.parse) the last value,
      // the cache's queries the first.
      throw new ValidationError(`text repeats the key ${JSON.stringify(repeated)} in one object; JSON.parse would keep its last value and drop the other`, {
        field: 'text',
        hint: 'give each key once per object',
      });
    }
    return this.host.write(() => this.createOne(input, compact));
  }

  /** The current version, or undefined when there is none or it is deleted. */
  get(id: string): (T & RecordMeta) | undefined {
    assertIdArgument(id);
    const text = this.host.table(this.name).liveText(id);
    return text === undefined ? undefined : (JSON.parse(text) as T & RecordMeta);
  }

  /**
   * Replaces the whole record (keeping `id` and `created_at`). Throws `NotFoundError` unless it is live;
   * with `ifUpdatedAt`, `StaleError` (nothing written) unless the current version has that `updated_at`.
   * @example notes.update(id, { title: 'renamed', status: 'done' }, { ifUpdatedAt: read.updated_at });
   */
  update(id: string, record: NewRecord<T>, options?: WriteOptions): T & RecordMeta {
    assertIdArgument(id);
    // ±Infinity let through: a record read back from a line holding `1e400` gives it again;
    // the line written must then hold it as that text (checked in writeChecked).
    const seen = { nonFinite: false };
    const input = plainRecordCopy(record, 'record', true, seen);
    const { ifUpdatedAt } = parseWriteOptions(options);
    return this.host.write(() => {
      const previous = this.requireLive(id, ifUpdatedAt);
      return this.writeVersion(id, input, previous, 'replace', seen.nonFinite);
    });
  }

  /**
   * Merges top-level fields into the current version (a field set to `undefined` is left
   * as it was; `null` stores null). Throws `NotFoundError` unless it is live; with
   * `ifUpdatedAt`, `StaleError` (nothing written) unless the current version has that `updated_at`.
   * @example notes.patch(id, { status: 'done' });
   */
  patch(id: string, partial: Partial<NewRecord<T>>, options?: WriteOptions): T & RecordMeta {
    assertIdArgument(id);
    const seen = { nonFinite: false };
    const input = plainRecordCopy(partial, 'patch', true, seen);
    const { ifUpdatedAt } = parseWriteOptions(options);
    return this.host.write(() => {
      const previous = this.requireLive(id, ifUpdatedAt);
      return this.writeVersion(id, input, previous, 'merge', seen.nonFinite);
    });
  }

  /**
   * Appends a tombstone. Throws `NotFoundError` unless the record is live; `StaleError`
   * when `ifUpdatedAt` is not the current version's; `ReferencedError` (code `REFERENCED`)
   * while live records reference it (a PRD with task specs, a task spec with executions …)
   * unless `{ force: true }`.
   */
  delete(id: string, options?: DeleteOptions): void {
    assertIdArgument(id);
    const { ifUpdatedAt } = parseWriteOptions(options, ['ifUpdatedAt', 'force']);
    if (options?.force !== undefined && typeof options.force !== 'boolean') throw argumentTypeError('force', 'a boolean', options.force);
    this.host.write(() => {
      const { record: previous } = this.requireLive(id, ifUpdatedAt);
      if (options?.force !== true) this.refuseIfReferenced(id);
      const tombstone: StoredRecord = { id, updated_at: this.stamp(previous.updated_at as number), deleted: true };
      this.host.stage(this.name, tombstone);
    });
  }

  /**
   * Live records matching `query`, in `orderBy` order (default `updated_at`, then `id`).
   * @example notes.list({ where: { status: 'open', updated_at: { gt: since } }, orderBy: '-updated_at', limit: 20 });
   */
  list(query?: Query): (T & RecordMeta)[] {
    parseOptionsArgument(query, QUERY_KEYS, 'query');
    return this.host.table(this.name).listRecords<T & RecordMeta>(query);
  }

  /** How many live records match `query.where` (the query's other keys are allowed, and ignored). */
  count(query?: Pick<Query, 'where'>): number {
    parseOptionsArgument(query, QUERY_KEYS, 'query');
    return this.host.table(this.name).count(query);
  }

  /**
   * The current version's line exactly as the log holds it (without the newline), or
   * undefined when there is none or it is deleted. Unlike {@link Collection.get}, nothing
   * is re-serialized: an integer beyond 2^53 keeps every digit (a number would round it).
   * @example notes.getText(id) // '{"id":"a","n":12345678901234567890,"updated_at":1718000000000}'
   */
  getText(id: string): string | undefined {
    assertIdArgument(id);
    return this.host.table(this.name).liveText(id);
  }

  /** The lines of the live records matching `query`, exactly as the log holds them, in the order {@link Collection.list} returns. */
  listTexts(query?: Query): string[] {
    parseOptionsArgument(query, QUERY_KEYS, 'query');
    return this.host.table(this.name).select(query);
  }

  /** The lines of every version of a record in file order, exactly as the log holds them (tombstones included). */
  historyTexts(id: string): string[] {
    assertIdArgument(id);
    return this.host.table(this.name).historyTexts(id);
  }

  /** Every version of a record in file order, tombstones included (empty if the id never existed). */
  history(id: string): StoredRecord[] {
    assertIdArgument(id);
    return this.host
      .table(this.name)
      .historyTexts(id)
      .map((text) => JSON.parse(text) as StoredRecord);
  }

  /** `sourceText`: the compact text `input` was parsed from, whose unchanged members are kept (see {@link Collection.createFromText}). */
  private createOne(input: Record<string, unknown>, sourceText?: string): string {
    const id = input.id === undefined ? uuidv7() : input.id;
    assertNewId(id);
    const table = this.host.table(this.name);
    const current = table.current(id);
    if (current?.live === true) {
      throw new AlreadyExistsError(`${this.name} already has a record with id ${id}`, { data: { collection: this.name, id } });
    }
    const updatedAt = this.stamp(current?.updatedAt);
    const createdAt = input.created_at === undefined ? updatedAt : input.created_at;
    this.assertTimestamp(createdAt, 'created_at');
    this.writeChecked(id, input, createdAt, updatedAt, undefined, sourceText);
    return id;
  }

  private writeVersion(
    id: string,
    input: Record<string, unknown>,
    { record: previous, text: previousText }: { record: Record<string, unknown>; text: string },
    mode: 'replace' | 'merge',
    inputNonFinite: boolean,
  ): T & RecordMeta {
    if (input.id !== undefined && input.id !== id) {
      throw new ValidationError(`cannot change a record's id (from ${id} to ${String(input.id)})`, { field: 'id' });
    }
    const fields = mode === 'merge' ? copyFields(previous, input) : input;
    const updatedAt = this.stamp(previous.updated_at as number);
    // The first version's created_at stays, and one given is ignored. A version without
    // one (a line another program wrote: the built-in types require it) takes the one
    // given, so that such a record can be repaired in place instead of failing every write.
    let createdAt = previous.created_at;
    if (createdAt === undefined && input.created_at !== undefined) {
      this.assertTimestamp(input.created_at, 'created_at');
      createdAt = input.created_at;
    }
    // A patch names the fields it sets: a key the stored line repeats is written once, with the value given.
    const given = mode === 'merge' ? new Set(Object.keys(input)) : undefined;
    return this.writeChecked(id, fields, createdAt, updatedAt, { record: previous, text: previousText, given, nonFinite: inputNonFinite });
  }

  /**
   * Assembles the version (stamps last, so they always hold), validates it and stages it.
   * Given the previous version: a version that changes nothing but `updated_at` is not
   * written (the previous one is returned), and unchanged members keep their exact bytes.
   * Given `sourceText` (a new record's own text), its unchanged members keep their bytes.
   * Either way members keep the order of that text (the previous line, or the source).
   */
  private writeChecked(
    id: string,
    fields: Record<string, unknown>,
    createdAt: unknown,
    updatedAt: number,
    previous?: { record: Record<string, unknown>; text: string; given?: ReadonlySet<string>; nonFinite?: boolean },
    sourceText?: string,
  ): T & RecordMeta {
    const given = reservedFieldIn(fields, previous?.record);
    if (given !== undefined) throw new ValidationError(`field ${given} is reserved for tombstones; use delete() to delete a record`, { field: given });
    const stamps: Record<string, unknown> = createdAt === undefined ? { updated_at: updatedAt } : { created_at: createdAt, updated_at: updatedAt };
    const candidate = stampedRecord(id, fields, stamps);
    // The schema's result is copied like the caller's input: it may hold getters or
    // values JSON would change just as well. Over a previous version or a source text,
    // ±Infinity is let through (a member read from `1e400`), then checked on the line
    // written (see lostNonFinite): kept as its text when the schema left it as it was.
    const seen = { nonFinite: previous?.nonFinite === true };
    const result = this.schema === undefined ? candidate : plainRecordCopy(copyFields(applySchema(this.schema, candidate), { id }, stamps), 'record', previous !== undefined || sourceText !== undefined, seen);
    // Listed in the order of the text it came from (a schema rebuilds objects in its own order).
    const order = previous?.record ?? (sourceText === undefined ? undefined : fields);
    const validated = order === undefined ? result : inOrderOf(result, order);
    if (this.schema !== undefined) {
      // A version holding `deleted: true` reads as a tombstone: a create that returned an
      // id get() cannot find, a patch that deleted the record.
      const returned = reservedFieldIn(validated, previous?.record);
      if (returned !== undefined) throw new ValidationError(`the schema returned a field ${returned}, which is reserved for tombstones; nothing was written`, { field: returned });
    }
    if (previous !== undefined && sameExceptUpdatedAt(validated, previous.record) && !resolvesRepeatedKey(previous)) return previous.record as T & RecordMeta;
    const text = this.lineText(validated as StoredRecord, previous?.text ?? sourceText, previous?.given);
    if (seen.nonFinite) {
      const lost = lostNonFinite(validated, text);
      if (lost !== undefined) throw new ValidationError(`field ${lost.path} is ${lost.value}, which JSON cannot store`, { field: lost.path });
    }
    this.host.stage(this.name, validated as StoredRecord, text);
    return validated as T & RecordMeta;
  }

  /**
   * The version's line. A record whose JSON text is longer than a JavaScript string can be
   * (~512 MiB; a 100 MB string of control characters, each escaped as six) made
   * JSON.stringify throw V8's bare `RangeError: Invalid string length`: it is a record
   * over the size limit like any other, and says so.
   */
  private lineText(record: StoredRecord, previousText: string | undefined, given?: ReadonlySet<string>): string {
    try {
      return serializeKeepingMembers(record, previousText, given);
    } catch (err) {
      if (!(err instanceof RangeError && /string length/i.test(err.message))) throw err;
      const limit = this.host.maxRecordBytes;
      throw new TooLargeError(`record ${record.id} is too large to write: its JSON text would be longer than a JavaScript string can be, far over the ${limit}-byte limit`, {
        data: { collection: this.name, id: record.id, bytes: null, limit },
        hint: 'store large content elsewhere',
        cause: err,
      });
    }
  }

  private refuseIfReferenced(id: string): void {
    const referrers = this.host.referrers(this.name, id);
    if (referrers.length === 0) return;
    const shown = referrers.slice(0, 5).map((r) => `${r.collection}/${r.id} (${r.field})`).join(', ');
    const more = referrers.length > 5 ? ` and ${referrers.length - 5} more` : '';
    throw new ReferencedError(`${this.name}/${id} is still referenced by ${referrers.length} live record(s): ${shown}${more}; nothing was deleted`, {
      data: { collection: this.name, id, referencedBy: referrers },
      hint: 'delete (or re-point) the referencing records first, or pass { force: true } (CLI: --force) to delete it anyway',
    });
  }

  /** The current live version and its line; with `ifUpdatedAt`, first checks it is still that version (a deleted record is stale, not missing). */
  private requireLive(id: string, ifUpdatedAt?: number): { record: Record<string, unknown>; text: string } {
    const table = this.host.table(this.name);
    if (ifUpdatedAt !== undefined) {
      const current = table.current(id);
      if (current !== undefined) assertVersion(this.name, id, ifUpdatedAt, current.live ? current.updatedAt : null);
    }
    const text = table.liveText(id);
    if (text === undefined) {
      throw new NotFoundError(`${this.name} has no record with id ${id}`, { data: { collection: this.name, id } });
    }
    return { record: JSON.parse(text) as Record<string, unknown>, text };
  }

  /**
   * The next `updated_at` for a record whose current version has `previous`, checked
   * before anything is written: a stamp that is not a safe integer (a fractional clock,
   * or a previous stamp at 2^53 - 1) would be skipped as malformed on the next rebuild,
   * silently bringing the older version back; a clock before 1970 or past the last Date
   * is no time (see clock.ts).
   */
  private stamp(previous: number | undefined): number {
    const now = clockReading(this.host.now(), 'updated_at');
    const next = nextUpdatedAt(now, previous);
    if (!Number.isSafeInteger(next)) {
      throw new ValidationError(
        `the current version's updated_at (${previous}) leaves no later integer stamp below 2^53; nothing was written`,
        { field: 'updated_at', hint: 'an updated_at this large was written by hand or by a broken clock: fix that line in the log, then run taskstore sync' },
      );
    }
    return next;
  }

  private assertTimestamp(value: unknown, field: string): void {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      throw new ValidationError(`${field} must be an integer timestamp in Unix milliseconds`, { field });
    }
  }
}

/** True when two versions hold the same JSON apart from `updated_at`. */
function sameExceptUpdatedAt(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const { updated_at: _a, ...restA } = a;
  const { updated_at: _b, ...restB } = b;
  return jsonEqual(restA, restB);
}

/**
 * True when a patch that changes no value still changes the line: it names a member in
 * which the previous line writes a key twice (another program's line), and the caller's
 * value, even the one reads showed, is written once (see serializeKeepingMembers). That
 * is how such a line is repaired, so it is not skipped as a write that changes nothing.
 */
function resolvesRepeatedKey(previous: { record: Record<string, unknown>; text: string; given?: ReadonlySet<string> }): boolean {
  if (previous.given === undefined || previous.given.size === 0) return false;
  if (repeatedKeyOfParsed(previous.text, previous.record) === undefined) return false;
  const record = previous.record as StoredRecord;
  return serializeKeepingMembers(record, previous.text, previous.given) !== serializeKeepingMembers(record, previous.text);
}
