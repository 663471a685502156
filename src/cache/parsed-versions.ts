import { ParsedBudget, type BudgetHolder } from './parsed-budget.js';

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
 * Bounded by the weight of the texts held (see {@link keptWeight}): two generations,
 * each up to `generationWeight`. An entry read from the older one moves to the younger; when the
 * younger is full it becomes the older and the old older is dropped, so versions
 * superseded long ago, and records no longer read, leave on their own.
 *
 * And bounded together with the other collections of its connection: every change of
 * the weight held is told to a {@link ParsedBudget} (parsed-budget.ts), which may take a
 * whole generation back when the total is over; what it takes is simply not found by
 * the next {@link get}, and is parsed again.
 */
export class ParsedVersions implements BudgetHolder {
  private epoch: number | undefined;
  private young = new Map<number, Entry>();
  private old = new Map<number, Entry>();
  private youngWeight = 0;
  private oldWeight = 0;
  /** Whether the budget took back everything kept (see {@link takeEmptiedByBudget}). */
  private emptiedByBudget = false;

  /**
   * `budget`: shared with the other collections of the connection; by default one of
   * its own that holds both generations, the bound of a collection alone. A budget
   * smaller than a generation could not hold the versions of the read going on.
   */
  constructor(
    private readonly generationWeight: number,
    private readonly budget: ParsedBudget = new ParsedBudget(2 * generationWeight),
  ) {
    if (budget.limit < generationWeight) throw new RangeError(`a parsed-version budget (${budget.limit}) must hold a generation (${generationWeight})`);
  }

  /**
   * Starts over unless the entries held were read under `epoch`. Called at the start of
   * every read that keeps versions: that read makes these the last the budget takes back.
   */
  useEpoch(epoch: number): void {
    if (epoch !== this.epoch) {
      this.forget();
      this.epoch = epoch;
    }
    this.budget.touch(this);
  }

  isEmpty(): boolean {
    return this.young.size === 0 && this.old.size === 0;
  }

  /** The weight held, both generations (for tests: it must be what the budget counts). */
  get weight(): number {
    return this.youngWeight + this.oldWeight;
  }

  /**
   * True, once, when the budget took back everything kept since the last call: versions
   * kept by one read were pushed out by other collections' reads before the next read
   * of this one (see ParsedReads.keepsWhenEmpty).
   */
  takeEmptiedByBudget(): boolean {
    const emptied = this.emptiedByBudget;
    this.emptiedByBudget = false;
    return emptied;
  }

  /** Drops everything, and gives its weight back to the budget. */
  forget(): void {
    const weight = this.youngWeight + this.oldWeight;
    this.emptiedByBudget = false;
    this.epoch = undefined;
    this.young = new Map();
    this.old = new Map();
    this.youngWeight = 0;
    this.oldWeight = 0;
    this.budget.release(this, weight, true);
  }

  /** The parsed version kept for row `seq`, or undefined. The value is shared: hand out a {@link cloneJson} of it. */
  get(seq: number): unknown {
    const entry = this.young.get(seq);
    if (entry !== undefined) return entry.value;
    const older = this.old.get(seq);
    if (older === undefined) return undefined;
    this.old.delete(seq);
    this.oldWeight -= older.weight;
    // Released, then charged again by keep(): the total does not move, unless keep()
    // rotates the generations.
    this.budget.release(this, older.weight, false);
    this.keep(seq, older);
    return older.value;
  }

  /** Keeps `value`, parsed from a text of {@link keptWeight} `weight`; a text heavier than a generation is not kept. */
  add(seq: number, value: unknown, weight: number): void {
    if (weight > this.generationWeight) return;
    // A row kept already (a read that parsed all its rows again, most of them being new):
    // (epoch, seq) names one text, so the kept value stands for the new one. Counted twice,
    // the weight would drift above what the generations hold; kept in both, twice the memory.
    if (this.young.has(seq)) return;
    const older = this.old.get(seq);
    if (older !== undefined) {
      this.old.delete(seq);
      this.oldWeight -= older.weight;
      this.budget.release(this, older.weight, false);
    }
    this.keep(seq, { value, weight });
  }

  shedOlder(): number {
    const weight = this.oldWeight;
    this.old = new Map();
    this.oldWeight = 0;
    return weight;
  }

  shedYounger(): number {
    // The budget asks for the younger generation only once the older one is gone: all is.
    this.emptiedByBudget = true;
    const weight = this.youngWeight;
    this.young = new Map();
    this.youngWeight = 0;
    return weight;
  }

  private keep(seq: number, entry: Entry): void {
    if (this.youngWeight + entry.weight > this.generationWeight) {
      this.budget.release(this, this.oldWeight, false);
      this.old = this.young;
      this.oldWeight = this.youngWeight;
      this.young = new Map();
      this.youngWeight = 0;
    }
    this.young.set(seq, entry);
    this.youngWeight += entry.weight;
    // Last: the budget may take this collection's older generation back.
    this.budget.charge(this, entry.weight);
  }
}

interface Entry {
  value: unknown;
  weight: number;
}

/** The weight of one object or array in {@link keptWeight}. */
const CONTAINER_WEIGHT = 64;

/**
 * What keeping `text` parsed costs, in the units of a generation's bound: its characters,
 * plus 64 for each object or array it opens (every `{` and `[`, those inside strings too,
 * which only overcounts). Measured in V8 (Node 20), a parsed record like the benchmark's
 * takes ~1.1 bytes per character of its text, but an empty object ~61 bytes for its
 * three characters `{},`: counted by characters alone, a collection of such records held
 * ~21 times the bound.
 */
export function keptWeight(text: string): number {
  let containers = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) containers++;
  }
  return text.length + CONTAINER_WEIGHT * containers;
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
