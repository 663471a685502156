/**
 * The heap a process holds after listing many collections round after round, measured
 * in a child process of its own (`node --expose-gc`, the built dist/): what the budget
 * on parsed versions (src/cache/parsed-budget.ts) is for. The weight assertions are in
 * list-memory-budget.test.ts; this checks that the weight means bytes. The heap is read
 * after full collections, so garbage not yet collected does not count: what is left is
 * what the store holds. The margins are wide both ways: per collection, as before the
 * budget, this process held ~2.4× the bound.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { PARSED_BUDGET_WEIGHT } from '../../src/cache/parsed-reads.js';
import { keptWeight } from '../../src/cache/parsed-versions.js';
import { DIST } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';

const COLLECTIONS = 40;
const RECORDS = 1_500;

/** ~1,100 characters, three objects or arrays: mostly text, which the heap holds byte for byte. */
function record(c: number, i: number): Record<string, unknown> {
  return {
    id: `c${c}-${i}`,
    title: `record ${i} of collection ${c}`,
    status: ['open', 'done', 'blocked'][i % 3],
    tags: ['alpha', `t${i % 7}`],
    meta: { owner: `user${i % 13}`, priority: i % 5 },
    body: `${c}/${i} `.padEnd(1_000, 'lorem ipsum dolor sit amet '),
  };
}

const CHILD = `
const { Store } = await import(process.argv[1]);
const store = Store.open(process.argv[2], { durability: 'none' });
const names = JSON.parse(process.argv[3]);
const gc = () => { globalThis.gc(); globalThis.gc(); };
const handles = names.map((name) => store.collection({ name }));
handles.forEach((h) => h.list());
gc();
const before = process.memoryUsage().heapUsed;
for (let round = 0; round < 3; round++) for (const h of handles) h.list();
gc();
const after = process.memoryUsage().heapUsed;
store.close();
process.stdout.write(JSON.stringify({ before, after }));
`;

describe('the heap of a process listing many collections', () => {
  it('holds about the budget of parsed versions, not every collection’s', () => {
    const dir = join(tempDir(), '.taskstore');
    const names = Array.from({ length: COLLECTIONS }, (_, c) => `col${c}`);
    const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
    let unbounded = 0;
    try {
      names.forEach((name, c) => {
        const collection = store.collection({ name });
        collection.createMany(Array.from({ length: RECORDS }, (_, i) => record(c, i)));
        unbounded += collection.listTexts().reduce((w, t) => w + keptWeight(t), 0);
      });
    } finally {
      store.close();
    }
    expect(unbounded).toBeGreaterThan(2 * PARSED_BUDGET_WEIGHT);
    const child = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', CHILD, join(DIST, 'index.js'), dir, JSON.stringify(names)], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(child.stderr).toBe('');
    const { before, after } = JSON.parse(child.stdout) as { before: number; after: number };
    // Held: at most the budget, counted one byte per unit of weight, with a third more for
    // the maps and entries around the versions. Kept per collection, it was ~2.4× the budget.
    expect(after - before).toBeLessThan(1.33 * PARSED_BUDGET_WEIGHT);
    // And the budget is used: the process does keep versions.
    expect(after - before).toBeGreaterThan(0.5 * PARSED_BUDGET_WEIGHT);
  }, 180_000);
});
