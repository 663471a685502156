/**
 * One bound on the parsed versions all collections of one cache connection keep
 * (parsed-versions.ts). Each collection's versions are bounded on their own (two
 * generations), but a process that reads many collections (a dashboard, an MCP server,
 * an orchestrator) would hold that bound once per collection: 50 collections, ~1 GB.
 * With one budget shared by every collection of the connection, the total stays under
 * the budget however many collections are read.
 *
 * When a collection keeping a version takes the total over the budget, weight is taken
 * back from the collections read least recently first: the older generation of each
 * (versions it did not read since its younger generation started), then its younger
 * one. The collection being read comes last, and gives up its older generation only:
 * the versions it is reading now stay. Whole generations go at once (not one entry at a
 * time), so a full budget sheds rarely, and in one step each time.
 *
 * Pure bookkeeping, no I/O: the holders (parsed-versions.ts) tell it what they keep and
 * drop; it decides who gives back what.
 */

/** What the budget can ask to give weight back: one collection's parsed versions. */
export interface BudgetHolder {
  /** Drops the older generation; returns the weight it held (0 when there was none). */
  shedOlder(): number;
  /** Drops the younger generation; returns the weight it held (0 when there was none). */
  shedYounger(): number;
}

export class ParsedBudget {
  /** The weight all holders keep, in {@link keptWeight} units (parsed-versions.ts). */
  #weight = 0;
  /**
   * The holders that keep something, least recently read first. A Set iterates in
   * insertion order, so moving a holder to the end on each read is one delete and one
   * add; a holder that keeps nothing leaves the set, so a forgotten one is not held.
   */
  readonly #holders = new Set<BudgetHolder>();

  /** `limit`: the most weight kept by every holder together (see parsed-reads.ts). */
  constructor(readonly limit: number) {
    if (!(limit >= 0)) throw new RangeError(`a parsed-version budget must be 0 or more, not ${limit}`);
  }

  /** The weight kept now, by every holder together. */
  get weight(): number {
    return this.#weight;
  }

  /** The holders that keep something (for tests: each holds weight, and theirs add up to {@link weight}). */
  get holders(): number {
    return this.#holders.size;
  }

  /** `holder` is being read now: it becomes the last to give weight back. */
  touch(holder: BudgetHolder): void {
    if (this.#holders.delete(holder)) this.#holders.add(holder);
  }

  /**
   * `holder` now keeps `weight` more, for the read going on (it is the one reading). Over
   * the budget, the others give weight back, least recently read first (see above).
   */
  charge(holder: BudgetHolder, weight: number): void {
    this.#weight += weight;
    if (!this.#holders.has(holder)) this.#holders.add(holder);
    if (this.#weight > this.limit) this.#shedFor(holder);
  }

  /** `holder` dropped `weight` on its own (a generation it rotated out, an entry it moved, everything); `empty`: it keeps nothing now. */
  release(holder: BudgetHolder, weight: number, empty: boolean): void {
    this.#weight -= weight;
    if (empty) this.#holders.delete(holder);
  }

  #shedFor(reader: BudgetHolder): void {
    // Deleting the element being visited from a Set does not disturb its iteration.
    for (const holder of this.#holders) {
      if (holder === reader) continue;
      this.#weight -= holder.shedOlder();
      if (this.#weight <= this.limit) return;
      this.#weight -= holder.shedYounger();
      this.#holders.delete(holder);
      if (this.#weight <= this.limit) return;
    }
    this.#weight -= reader.shedOlder();
  }
}
