/**
 * The one bound on parsed versions shared by all collections of a cache connection
 * (parsed-budget.ts), with the real ParsedVersions of several collections charging it.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ParsedBudget } from '../../src/cache/parsed-budget.js';
import { ParsedVersions } from '../../src/cache/parsed-versions.js';

/** The seqs of `seqs` that `kept` still has (reading moves them to its younger generation, as a list does: it may drop the rest of the older). */
function keptOf(kept: ParsedVersions, seqs: number[]): number[] {
  return seqs.filter((seq) => kept.get(seq) !== undefined);
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Fills `kept` (read under epoch 1) with entries `from`..`to` of weight 1. */
function fill(kept: ParsedVersions, from: number, to: number): void {
  kept.useEpoch(1);
  for (const seq of range(from, to)) kept.add(seq, { seq }, 1);
}

describe('ParsedBudget', () => {
  it('takes weight back from the collection read least recently: its older generation, then its younger one', () => {
    const budget = new ParsedBudget(40);
    const [a, b, c] = [new ParsedVersions(10, budget), new ParsedVersions(10, budget), new ParsedVersions(10, budget)];
    fill(a, 1, 20); // a: older 1–10, younger 11–20
    fill(b, 1, 20); // b likewise; the budget is full
    expect(budget.weight).toBe(40);
    c.useEpoch(1);
    c.add(1, { seq: 1 }, 1); // 41: a, read least recently, gives its older generation back
    expect([a.weight, b.weight, c.weight, budget.weight]).toEqual([10, 20, 1, 31]);
    fill(c, 2, 10); // c's younger full at 10
    c.add(11, { seq: 11 }, 1); // 41 again: a's younger goes too
    expect([a.weight, b.weight, c.weight, budget.weight]).toEqual([0, 20, 11, 31]);
    expect(keptOf(a, range(1, 20))).toEqual([]);
  });

  it('keeps the collection being read for last, and then takes only its older generation', () => {
    const budget = new ParsedBudget(15);
    const kept = new ParsedVersions(10, budget);
    fill(kept, 1, 10);
    fill(kept, 11, 15); // older 1–10, younger 11–15: 15
    kept.add(16, { seq: 16 }, 1); // 16 > 15: nobody else holds anything; its older generation goes
    expect(kept.weight).toBe(6);
    expect(keptOf(kept, range(1, 16))).toEqual(range(11, 16));
  });

  it('never takes back from the collection keeping a version before the others, even one read after it', () => {
    const budget = new ParsedBudget(30);
    const [a, b] = [new ParsedVersions(10, budget), new ParsedVersions(10, budget)];
    fill(a, 1, 15); // a: older 1–10, younger 11–15
    fill(b, 1, 15); // b read last
    a.add(16, { seq: 16 }, 1); // 31: b gives back its older generation, though a was read before it
    expect([a.weight, b.weight]).toEqual([16, 5]);
  });

  it('a read makes a collection the last to give back, whatever order the collections were first filled in', () => {
    const budget = new ParsedBudget(30);
    const [a, b, c] = [new ParsedVersions(10, budget), new ParsedVersions(10, budget), new ParsedVersions(10, budget)];
    fill(a, 1, 10);
    fill(b, 1, 10);
    fill(c, 1, 10);
    a.useEpoch(1); // a list of a starts: now b is read least recently
    const d = new ParsedVersions(10, budget);
    fill(d, 1, 1);
    expect([a.weight, b.weight, c.weight, d.weight]).toEqual([10, 0, 10, 1]);
  });

  it('gets back all of a collection that is forgotten (an epoch change, a table no longer used), and holds nothing of it', () => {
    const budget = new ParsedBudget(100);
    const [a, b] = [new ParsedVersions(10, budget), new ParsedVersions(10, budget)];
    fill(a, 1, 15);
    fill(b, 1, 5);
    expect([budget.weight, budget.holders]).toEqual([20, 2]);
    a.useEpoch(2); // the table was emptied and filled again
    expect([budget.weight, budget.holders]).toEqual([5, 1]);
    b.forget();
    expect([budget.weight, budget.holders]).toEqual([0, 0]);
  });

  it('keeps one collection alone exactly as before: a budget of two generations never sheds it', () => {
    const alone = new ParsedVersions(10);
    const shared = new ParsedVersions(10, new ParsedBudget(20));
    for (const kept of [alone, shared]) fill(kept, 1, 25);
    const seqs = range(1, 25);
    expect(keptOf(shared, seqs)).toEqual(keptOf(alone, seqs));
  });

  it('refuses a budget that cannot hold one generation', () => {
    expect(() => new ParsedVersions(10, new ParsedBudget(9))).toThrow(RangeError);
    expect(() => new ParsedBudget(Number.NaN)).toThrow(RangeError);
  });

  it('property: any sequence of reads, adds and forgets over several collections keeps the counts exact and bounded, and never returns a wrong version', () => {
    const generation = 10;
    const command = fc.oneof(
      fc.record({ op: fc.constant('epoch' as const), h: fc.nat(3), epoch: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ op: fc.constant('add' as const), h: fc.nat(3), seq: fc.integer({ min: 1, max: 30 }), weight: fc.integer({ min: 1, max: generation + 2 }) }),
      fc.record({ op: fc.constant('get' as const), h: fc.nat(3), seq: fc.integer({ min: 1, max: 30 }) }),
      fc.record({ op: fc.constant('forget' as const), h: fc.nat(3) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: generation, max: 6 * generation }), fc.array(command, { maxLength: 300 }), (limit, commands) => {
        const budget = new ParsedBudget(limit);
        const holders = Array.from({ length: 4 }, () => new ParsedVersions(generation, budget));
        // The epoch each holder reads under, as ParsedVersions knows it (undefined after a forget).
        const epochs: (number | undefined)[] = holders.map(() => undefined);
        /** The one value a (holder, epoch, seq) names: in the cache, (epoch, seq) names one text for ever. */
        const valueOf = (h: number, seq: number) => ({ h, epoch: epochs[h] ?? null, seq });
        for (const c of commands) {
          const kept = holders[c.h]!;
          if (c.op === 'epoch') {
            kept.useEpoch(c.epoch);
            epochs[c.h] = c.epoch;
          } else if (c.op === 'add') {
            kept.add(c.seq, valueOf(c.h, c.seq), c.weight);
          } else if (c.op === 'get') {
            const got = kept.get(c.seq);
            if (got !== undefined) expect(got).toEqual(valueOf(c.h, c.seq));
          } else {
            kept.forget();
            epochs[c.h] = undefined;
          }
          // Exact: what the budget counts is what the holders hold, entry by entry.
          let sum = 0;
          for (const holder of holders) {
            expect(holder.weight).toBe(entryWeights(holder));
            expect(holder.weight).toBeGreaterThanOrEqual(0);
            sum += holder.weight;
          }
          expect(budget.weight).toBe(sum);
          // Bounded: never over the budget once an operation is done (a budget holds a generation).
          expect(budget.weight).toBeLessThanOrEqual(limit);
          // A holder that keeps nothing is not held by the budget.
          expect(budget.holders).toBe(holders.filter((h) => h.weight > 0).length);
        }
      }),
      { numRuns: 300 },
    );
  });
});

/** The weights of the entries `kept` holds, added up from its two generations (private: read here to check its own count). */
function entryWeights(kept: ParsedVersions): number {
  const { young, old } = kept as unknown as { young: Map<number, { weight: number }>; old: Map<number, { weight: number }> };
  let sum = 0;
  for (const generation of [young, old]) for (const entry of generation.values()) sum += entry.weight;
  return sum;
}
