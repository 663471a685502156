/**
 * Record ids on the command line, like git's short hashes: any unique prefix of an id
 * is accepted wherever an id is taken, and tables show each id shortened to a prefix
 * that is unique in the store (at least {@link MIN_SHORT} characters).
 *
 * Prefixes are matched with an exact range query on `id` (`id >= p AND id < p + U+10FFFF`),
 * never with LIKE, whose `_` and `%` are wildcards.
 */
import { NotFoundError, TaskStoreError, type Collection } from '../index.js';
import { CliError } from './errors.js';

/** Shortest id prefix shown in tables. */
const MIN_SHORT = 8;
/** How many candidates an ambiguity error lists. */
const MAX_CANDIDATES = 10;
/**
 * Up to this many (id × collection) lookups, a table's ids are shortened against their
 * nearest neighbours found by two indexed queries each; above it (long tables), every
 * live id is read once from the id index and each shown id's neighbours are found in it
 * by binary search.
 */
const MAX_NEIGHBOUR_LOOKUPS = 2000;

/** What id resolution needs from a store. */
interface IdStore {
  collectionNames(): string[];
  collection(options: { name: string }): Collection<Record<string, unknown>>;
  /** Sorted live ids of a collection (the Store has it; without it, long tables look ids up one by one). */
  liveIds?(name: string): string[];
  /** The nearest live ids on each side of each of `ids`, in one statement (the Store has it). */
  liveNeighbourIds?(name: string, ids: readonly string[]): string[];
}

interface IdMatch {
  collection: string;
  id: string;
  /** True when only a deleted record (a tombstone) has this exact id. */
  deleted?: boolean;
}

interface ResolveIdOptions {
  /** Search only these collections (default: every collection of the store). */
  collections?: readonly string[];
  /** Words for messages: `PRD`, `task spec`; default `record`. */
  what?: string;
  /** Name of the option or argument, for messages (`--prd-id`). */
  argument?: string;
  /** Also accept the exact id of a deleted record (for `history`). Prefixes match live records only. */
  includeDeleted?: boolean;
}

/** Ids longer than this are shortened in messages (never in `data`, which keeps the exact id). */
const MAX_MESSAGE_ID = 200;
/** How much of a shortened id a message keeps. */
const MESSAGE_ID_START = 100;

/**
 * An id as a message quotes it: whole up to {@link MAX_MESSAGE_ID} characters, else its
 * start, `…` and its length. A 10 MB id given by mistake came back whole in the message
 * (beside the exact id in the error's `data`): 20 MB of error for one typo.
 * @example idInMessage('0192f3a4') // '"0192f3a4"'
 * idInMessage('x'.repeat(5000)) // '"xxx…xxx"… (5000 characters)'
 */
export function idInMessage(id: string): string {
  if (id.length <= MAX_MESSAGE_ID) return JSON.stringify(id);
  return `${JSON.stringify(cut(id, MESSAGE_ID_START))}… (${id.length} characters)`;
}

/** The upper bound of the range of strings that start with `prefix`. */
function upperBound(prefix: string): string {
  return `${prefix}\u{10FFFF}`;
}

/**
 * Resolves a full id or a unique id prefix to one record. An exact id always wins over
 * longer ids it is a prefix of. Throws `NotFoundError` when nothing matches and a
 * {@link CliError} listing the candidates when several do.
 * @example resolveId(store, '0192f3a4', { collections: ['prds'], what: 'PRD' }) // { collection: 'prds', id: '0192f3a4-…' }
 */
export function resolveId(store: IdStore, input: string, options: ResolveIdOptions = {}): IdMatch {
  const what = options.what ?? 'record';
  const label = options.argument === undefined ? '' : ` (${options.argument})`;
  if (typeof input !== 'string' || input === '') {
    throw new CliError(`the ${what} id${label} is empty`, { hint: 'pass a full id or a unique prefix of one' });
  }
  const names = options.collections ?? store.collectionNames();
  const matches: IdMatch[] = [];
  let conflict: unknown;
  for (const name of names) {
    try {
      for (const record of store.collection({ name }).list({
        where: { id: { gte: input, lt: upperBound(input) } },
        orderBy: 'id',
        limit: MAX_CANDIDATES + 1,
      })) {
        if (record.id.startsWith(input)) matches.push({ collection: name, id: record.id });
      }
    } catch (err) {
      // A collection with conflict markers cannot be read; the others still can.
      if (err instanceof TaskStoreError && err.code === 'CONFLICT_MARKERS') conflict ??= err;
      else throw err;
    }
  }
  const exact = matches.filter((m) => m.id === input);
  if (exact.length === 1) return exact[0]!;
  // A full id wins over longer ids it is a prefix of, a deleted record's too: the history
  // of a deleted `a` is not that of a live `ab`.
  if (options.includeDeleted && exact.length === 0 && matches.length > 0) {
    const deleted = deletedIn(store, names, input);
    if (deleted.length > 0) return deletedMatch(input, label, deleted);
  }
  const candidates = exact.length > 1 ? exact : matches;
  if (candidates.length === 1) return candidates[0]!;
  if (candidates.length > 1) {
    const shown = candidates.slice(0, MAX_CANDIDATES);
    const width = Math.max(...shown.map((m) => m.collection.length));
    throw new CliError(
      exact.length > 1
        ? `the id ${idInMessage(input)}${label} is ambiguous: ${exact.length} collections have a record with it`
        : `the id prefix ${idInMessage(input)}${label} is ambiguous: it matches ${candidates.length > MAX_CANDIDATES ? `more than ${MAX_CANDIDATES}` : candidates.length} ${what}s`,
      {
        details: [
          ...shown.map((m) => `${m.collection.padEnd(width)}  ${m.id}`),
          ...(candidates.length > MAX_CANDIDATES ? ['…'] : []),
        ],
        hint: exact.length > 1
          ? AMBIGUOUS_ID_HINT
          : 'type more characters of the id',
      },
    );
  }
  // Only on the way to "not found": a record deleted since is worth saying so (a newcomer
  // who deletes twice, or shows what another loop just deleted, was told to check the id).
  const deleted = deletedIn(store, names, input);
  if (options.includeDeleted && deleted.length > 0) return deletedMatch(input, label, deleted);
  if (conflict !== undefined) throw conflict;
  const where = options.collections?.length === 1 ? ` in ${options.collections[0]}` : '';
  throw new NotFoundError(`no ${what} has the id or id prefix ${idInMessage(input)}${label}${where}`, {
    data: { id: input, collections: [...names] },
    hint: deleted.length > 0
      ? `it was deleted from ${deleted.join(' and ')}; its history keeps every version`
      : options.includeDeleted
        ? 'check the id; a deleted record is found by its full id only'
        : 'check the id (list commands show ids); any unique prefix of an id works',
  });
}

/** The deleted record `id` names, or, when several collections had one, the error that lists them. */
function deletedMatch(id: string, label: string, collections: readonly string[]): IdMatch {
  if (collections.length === 1) return { collection: collections[0]!, id, deleted: true };
  const width = Math.max(...collections.map((c) => c.length));
  throw new CliError(`the id ${JSON.stringify(id)}${label} is ambiguous: ${collections.length} collections had a record with it, deleted since`, {
    details: collections.map((c) => `${c.padEnd(width)}  ${id}  (deleted)`),
    hint: AMBIGUOUS_ID_HINT,
  });
}

/** The collections among `names` whose log holds versions of exactly `id` (it is not live when asked after a live lookup). */
function deletedIn(store: IdStore, names: readonly string[], id: string): string[] {
  return names.filter((name) => {
    try {
      return store.collection({ name }).history(id).length > 0;
    } catch (err) {
      if (err instanceof TaskStoreError && err.code === 'CONFLICT_MARKERS') return false;
      throw err;
    }
  });
}

/** Ids are unique per collection: an id two collections have needs its collection named. */
const AMBIGUOUS_ID_HINT = 'name the collection too (taskstore show, describe, history, update and delete take --collection NAME)';

/** Length of the longest common prefix of `a` and `b` (in UTF-16 units). */
export function commonPrefixLength(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/**
 * For each id, the shortest prefix (at least `min` characters, never cutting a
 * surrogate pair) that no other id in `others` starts with. Pure.
 * @example shortestUniquePrefixes(['abcdef12', 'abcdef34'], [], 4) // Map { 'abcdef12' => 'abcdef1', 'abcdef34' => 'abcdef3' }
 */
export function shortestUniquePrefixes(ids: readonly string[], others: readonly string[] = [], min = MIN_SHORT): Map<string, string> {
  const all = [...new Set([...ids, ...others])].sort();
  const result = new Map<string, string>();
  const index = new Map(all.map((id, i) => [id, i]));
  for (const id of ids) {
    const i = index.get(id)!;
    const before = i > 0 ? commonPrefixLength(id, all[i - 1]!) : 0;
    const after = i < all.length - 1 ? commonPrefixLength(id, all[i + 1]!) : 0;
    result.set(id, cut(id, Math.max(min, Math.max(before, after) + 1)));
  }
  return result;
}

/**
 * Pushes onto `out` the nearest other id on each side of every id of `ids` in `sorted`
 * (a collection's live ids in the cache's order): the only ids a prefix must differ from.
 * Handing the prefix computation every live id instead made it sort and index the whole
 * store for a page of 100 rows (0.3 s at 170,000 records). The cache orders ids by their
 * UTF-8 bytes, that is by code point, and so does the search here ({@link compareCodePoints});
 * in that order, the ids sharing any prefix are contiguous, so the id sharing the longest
 * prefix with `id` is next to it.
 */
function nearestNeighbours(sorted: readonly string[], ids: readonly string[], out: string[]): void {
  for (const id of ids) {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareCodePoints(sorted[mid]!, id) < 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) out.push(sorted[lo - 1]!);
    const after = sorted[lo] === id ? lo + 1 : lo;
    if (after < sorted.length) out.push(sorted[after]!);
  }
}

/**
 * Compares strings by code point (SQLite's order of UTF-8 text), not by UTF-16 unit as
 * `<` does: the two differ where a character above U+FFFF meets one in U+E000–U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** A UTF-16 unit's rank in code point order: surrogates (U+D800–U+DFFF) after U+E000–U+FFFF. */
function codePointRank(unit: number): number {
  return unit < 0xd800 ? unit : unit < 0xe000 ? unit + 0x2000 : unit - 0x800;
}

function cut(id: string, length: number): string {
  if (length >= id.length) return id;
  const code = id.charCodeAt(length - 1);
  // Do not split a surrogate pair.
  return code >= 0xd800 && code <= 0xdbff ? id.slice(0, length + 1) : id.slice(0, length);
}

/**
 * Short forms for the ids shown in a table: each the shortest prefix that is unique
 * among the live ids of every collection of the store, so what a table shows can be
 * typed back as an id. Cost, per collection: one read of its id index when it has no more
 * live records than twice the ids shown; otherwise two index seeks per id, in one
 * statement (a store without `liveNeighbourIds`: one query per seek for a few ids, the
 * whole id index read for many).
 */
export function shortIds(store: IdStore, ids: readonly string[], min = MIN_SHORT): Map<string, string> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const names = store.collectionNames();
  const others: string[] = [];
  const readAll = store.liveIds !== undefined && unique.length * names.length * 2 > MAX_NEIGHBOUR_LOOKUPS;
  for (const name of names) {
    try {
      const collection = store.collection({ name });
      // A collection with no more records than the lookups would make is read whole:
      // one query instead of two per id (a short table of PRDs, an empty collection).
      if (store.liveNeighbourIds !== undefined && store.liveIds !== undefined) {
        // Reading every id costs one row per live record, the seeks two per shown id: a
        // long table over a million-record collection must not read the million.
        if (collection.count() <= unique.length * 2) nearestNeighbours(store.liveIds(name), unique, others);
        else for (const id of store.liveNeighbourIds(name, unique)) others.push(id); // not push(...): a table may show 100,000s of ids
        continue;
      }
      if (readAll || (store.liveIds !== undefined && collection.count() <= unique.length * 2)) {
        nearestNeighbours(store.liveIds!(name), unique, others);
        continue;
      }
      for (const id of unique) {
        // The nearest live id on each side.
        for (const record of collection.list({ where: { id: { lt: id } }, orderBy: '-id', limit: 1 })) others.push(record.id);
        for (const record of collection.list({ where: { id: { gt: id } }, orderBy: 'id', limit: 1 })) others.push(record.id);
      }
    } catch (err) {
      if (err instanceof TaskStoreError && err.code === 'CONFLICT_MARKERS') continue;
      throw err;
    }
  }
  return shortestUniquePrefixes(unique, others, min);
}
