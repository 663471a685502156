/**
 * Parsed record versions kept between reads, so that listing a collection again parses
 * only the versions it has not seen. `JSON.parse` was most of a `list()`: of a whole
 * 10,000-record collection, ~17 ms of ~26 ms, while finding which rows to return costs
 * ~1.5 ms and copying an already parsed record a quarter of parsing it.
 *
 * A version is known by its cache row (`seq`). Within one epoch of its table (see
 * table-epochs.ts) a row's text never changes: rows are only added, or marked
 * superseded, never rewritten; they are removed only when the whole table is emptied,
 * and that starts a new epoch. So `(epoch, seq)` names one text for ever, and the
 * entries of another epoch are dropped as a whole.
 *
 * Bounded by the characters of the texts held: two generations, each up to
 * `generationChars`. An entry read from the older one moves to the younger; when the
 * younger is full it becomes the older and the old older is dropped, so versions
 * superseded long ago, and records no longer read, leave on their own.
 */
export class ParsedVersions {
  private epoch: number | undefined;
  private young = new Map<number, Entry>();
  private old = new Map<number, Entry>();
  private youngChars = 0;

  constructor(private readonly generationChars: number) {}

  /** Starts over unless the entries held were read under `epoch`. */
  useEpoch(epoch: number): void {
    if (epoch === this.epoch) return;
    this.forget();
    this.epoch = epoch;
  }

  isEmpty(): boolean {
    return this.young.size === 0 && this.old.size === 0;
  }

  forget(): void {
    this.epoch = undefined;
    this.young = new Map();
    this.old = new Map();
    this.youngChars = 0;
  }

  /** The parsed version kept for row `seq`, or undefined. The value is shared: hand out a {@link cloneJson} of it. */
  get(seq: number): unknown {
    const entry = this.young.get(seq);
    if (entry !== undefined) return entry.value;
    const older = this.old.get(seq);
    if (older === undefined) return undefined;
    this.old.delete(seq);
    this.keep(seq, older);
    return older.value;
  }

  /** Keeps `value`, parsed from a text of `chars` characters; a text bigger than a generation is not kept. */
  add(seq: number, value: unknown, chars: number): void {
    if (chars <= this.generationChars) this.keep(seq, { value, chars });
  }

  private keep(seq: number, entry: Entry): void {
    if (this.youngChars + entry.chars > this.generationChars) {
      this.old = this.young;
      this.young = new Map();
      this.youngChars = 0;
    }
    this.young.set(seq, entry);
    this.youngChars += entry.chars;
  }
}

interface Entry {
  value: unknown;
  chars: number;
}

/**
 * A deep copy of a value `JSON.parse` returned, equal to parsing its text again: same
 * members in the same order, nothing shared. Object spread defines each member as an own
 * property, as `JSON.parse` does, so a member named `__proto__` stays a member (an
 * assignment into a fresh object would set its prototype instead), and a property
 * someone added to `Object.prototype` is not copied.
 */
export function cloneJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const copy: unknown[] = value.slice();
    for (let i = 0; i < copy.length; i++) {
      const item = copy[i];
      if (typeof item === 'object' && item !== null) copy[i] = cloneJson(item);
    }
    return copy as T;
  }
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const key of Object.keys(copy)) {
    const member = copy[key];
    if (typeof member === 'object' && member !== null) copy[key] = cloneJson(member);
  }
  return copy as T;
}
