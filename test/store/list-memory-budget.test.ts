/**
 * The parsed versions list() keeps (parsed-versions.ts) are bounded once for the whole
 * store, not once per collection (parsed-budget.ts): a process listing many collections
 * again and again holds at most PARSED_BUDGET_WEIGHT of them, and every list() still
 * returns exactly what a fresh store reads, whatever was pushed out meanwhile.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { Engine } from '../../src/store/engine.js';
import { PARSED_BUDGET_WEIGHT, PARSED_GENERATION_WEIGHT } from '../../src/cache/parsed-reads.js';
import { keptWeight } from '../../src/cache/parsed-versions.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';

const OPTIONS = { durability: 'none', logger: quietLogger() } as const;
const COLLECTIONS = 30;
const RECORDS = 500;

/**
 * A record of ~430 characters weighing ~2,900: 40 small objects, each counted as 64 on
 * top of its characters (what a tiny object costs in memory). 500 of them weigh ~1.4 Mi,
 * 30 such collections ~42 Mi, more than the budget: kept per collection, as before the
 * budget, they would all stay.
 */
function record(collection: number, i: number): Record<string, unknown> {
  return { id: `c${collection}-r${i}`, title: `record ${i} of collection ${collection}`, parts: Array.from({ length: 40 }, (_, k) => ({ k })) };
}

const names = Array.from({ length: COLLECTIONS }, (_, c) => `col${c}`);

/** What a store that kept nothing yet reads: each collection's list() from a fresh connection. */
function freshLists(dir: string): Map<string, unknown[]> {
  const fresh = Store.open(dir, OPTIONS);
  try {
    return new Map(names.map((name) => [name, fresh.collection({ name }).list()]));
  } finally {
    fresh.close();
  }
}

describe('one memory budget for the parsed versions of all collections', () => {
  it('keeps the total under the budget while 30 collections are listed round after round, each list() equal to a fresh store’s', () => {
    const dir = join(tempDir(), '.taskstore');
    const engine = Engine.open(dir, OPTIONS);
    try {
      names.forEach((name, c) => engine.collection({ name }).createMany(Array.from({ length: RECORDS }, (_, i) => record(c, i))));
      const budget = engine.cache.parsedBudget;
      expect(budget.limit).toBe(PARSED_BUDGET_WEIGHT);
      // The scenario means something: kept per collection, the versions would weigh more than the budget.
      const unbounded = names.reduce((sum, name) => sum + engine.collection({ name }).listTexts().reduce((w, t) => w + keptWeight(t), 0), 0);
      expect(unbounded).toBeGreaterThan(1.2 * PARSED_BUDGET_WEIGHT);

      let expected = freshLists(dir);
      let most = 0;
      for (let round = 0; round < 4; round++) {
        if (round === 2) {
          // Writes between rounds: kept versions of updated records must not come back.
          names.forEach((name, c) => {
            if (c % 3 === 0) engine.collection({ name }).patch(`c${c}-r7`, { title: `patched in round ${round}` });
          });
          expected = freshLists(dir);
        }
        for (const name of names) {
          expect(engine.collection({ name }).list()).toEqual(expected.get(name));
          expect(budget.weight).toBeLessThanOrEqual(PARSED_BUDGET_WEIGHT);
          most = Math.max(most, budget.weight);
        }
      }
      // The budget was used, not bypassed: it filled to within one collection of its bound.
      expect(most).toBeGreaterThan(PARSED_BUDGET_WEIGHT - 2 * (unbounded / COLLECTIONS));
      // Exact: the budget counts what the tables keep.
      const held = names.reduce((sum, name) => sum + engine.tables.get(name)!.parsedWeight, 0);
      expect(held).toBe(budget.weight);
    } finally {
      engine.close();
    }
  });

  it('keeps all of a collection listed over and over, as without the budget, while others come and go', () => {
    const dir = join(tempDir(), '.taskstore');
    const engine = Engine.open(dir, OPTIONS);
    try {
      const big = engine.collection({ name: 'big' });
      big.createMany(Array.from({ length: 2_000 }, (_, i) => record(99, i)));
      names.forEach((name, c) => engine.collection({ name }).createMany(Array.from({ length: RECORDS }, (_, i) => record(c, i))));
      const bigWeight = big.listTexts().reduce((w, t) => w + keptWeight(t), 0);
      expect(bigWeight).toBeLessThan(PARSED_GENERATION_WEIGHT); // fits one generation: all of it is kept
      const bigTable = engine.tables.get('big')!;
      const expected = big.list();
      // Two rounds over the 30 others (~42 Mi, more than the budget), five at a time, each
      // listed twice (the second keeps); the big one listed between every five.
      for (let round = 0; round < 2; round++) {
        for (let from = 0; from < COLLECTIONS; from += 5) {
          for (const name of [...names.slice(from, from + 5), ...names.slice(from, from + 5)]) engine.collection({ name }).list();
          expect(big.list()).toEqual(expected);
          if (round > 0 || from > 0) expect(bigTable.parsedWeight).toBe(bigWeight); // all of it, every time
          expect(engine.cache.parsedBudget.weight).toBeLessThanOrEqual(PARSED_BUDGET_WEIGHT);
        }
      }
      // The others did give way to one another: the budget holds only some of them.
      expect(names.filter((name) => engine.tables.get(name)!.parsedWeight === 0).length).toBeGreaterThan(0);
    } finally {
      engine.close();
    }
  });

  it('a collection whose versions were pushed out before it was read again parses its next list() without keeping, then keeps again', () => {
    const dir = join(tempDir(), '.taskstore');
    const engine = Engine.open(dir, OPTIONS);
    try {
      names.forEach((name, c) => engine.collection({ name }).createMany(Array.from({ length: RECORDS }, (_, i) => record(c, i))));
      const expected = freshLists(dir);
      const weightOf = (name: string) => engine.tables.get(name)!.parsedWeight;
      for (const name of names) engine.collection({ name }).list(); // the first list() keeps nothing
      for (const name of names) engine.collection({ name }).list(); // the second keeps: col0 … are pushed out by the last ones
      expect(weightOf('col0')).toBe(0);
      expect(weightOf('col29')).toBeGreaterThan(0);
      const col0 = engine.collection({ name: 'col0' });
      expect(col0.list()).toEqual(expected.get('col0'));
      expect(weightOf('col0')).toBe(0); // parsed plainly: nobody else pushed out for it
      expect(col0.list()).toEqual(expected.get('col0'));
      const kept = weightOf('col0');
      expect(kept).toBeGreaterThan(0); // keeps again
      expect(col0.list()).toEqual(expected.get('col0'));
      expect(weightOf('col0')).toBe(kept);
      expect(engine.cache.parsedBudget.weight).toBeLessThanOrEqual(PARSED_BUDGET_WEIGHT);
    } finally {
      engine.close();
    }
  });

  it('gets back the weight of a table emptied for a rebuild at once, before its next list()', () => {
    const dir = join(tempDir(), '.taskstore');
    const store = Engine.open(dir, OPTIONS);
    try {
      const notes = store.collection<{ v: string }>({ name: 'notes' });
      notes.createMany(Array.from({ length: 50 }, (_, i) => ({ id: `n${i}`, v: `old ${i}` })));
      const others = store.collection({ name: 'others' });
      others.createMany(Array.from({ length: 20 }, (_, i) => ({ id: `o${i}` })));
      for (const c of [notes, others, notes, others]) c.list();
      const budget = store.cache.parsedBudget;
      const table = (name: string) => store.tables.get(name)!.parsedWeight;
      expect(budget.weight).toBe(table('notes') + table('others'));
      expect(table('notes')).toBeGreaterThan(0);
      // Git replaces the log (a checkout): the table is emptied and built again, in a new epoch.
      const lines = notes.listTexts().map((t) => JSON.stringify({ ...JSON.parse(t), v: `new ${JSON.parse(t).id}` }));
      writeFileSync(join(dir, 'notes.jsonl'), lines.map((l) => `${l}\n`).join(''));
      expect(store.refresh()).toBeGreaterThan(0);
      expect(table('notes')).toBe(0);
      expect(budget.weight).toBe(table('others'));
      for (let i = 0; i < 2; i++) expect(notes.list().map((r) => r.v)).toEqual(notes.list().map((r) => `new ${r.id}`));
      expect(budget.weight).toBe(table('notes') + table('others'));
    } finally {
      store.close();
    }
  });
});
