/**
 * A full rebuild of a large log loads the cache table without its indexes (the current
 * version per id tracked in memory) and builds the indexes at the end. It must give
 * exactly what applying the same lines one by one gives: the tail catch-up path.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Engine as Store } from '../../src/store/engine.js';
import { Store as PublicStore } from '../../src/index.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';

const PAD = 'p'.repeat(180);

interface Line {
  id: string;
  at: number;
  deleted: boolean;
  v: number;
  status: string;
}

const lineArb = fc.record({
  id: fc.integer({ min: 0, max: 300 }).map((n) => `r${n}`),
  // A narrow range of stamps: plenty of ties (later line wins) and of older versions arriving late.
  at: fc.integer({ min: 1, max: 40 }),
  deleted: fc.integer({ min: 0, max: 9 }).map((n) => n < 3),
  v: fc.integer(),
  status: fc.constantFrom('open', 'done', 'blocked'),
});

const text = (l: Line) =>
  `${JSON.stringify(l.deleted ? { id: l.id, updated_at: l.at, deleted: true, pad: PAD } : { id: l.id, updated_at: l.at, v: l.v, status: l.status, pad: PAD })}\n`;

function open(dir: string) {
  const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
  return { store, notes: store.collection<{ v: number; status: string }>({ name: 'notes', indexes: ['status'] }) };
}

function snapshot(store: Store) {
  const notes = store.collection<{ v: number; status: string }>({ name: 'notes', indexes: ['status'] });
  const all = notes.list({ orderBy: 'id' });
  return {
    all,
    byStatus: ['open', 'done', 'blocked'].map((status) => notes.list({ where: { status }, orderBy: 'id' }).map((r) => r.id)),
    count: notes.count(),
    histories: Array.from({ length: 301 }, (_, n) => notes.history(`r${n}`)),
  };
}

function indexNames(dir: string): string[] {
  const db = new Database(join(dir, 'taskstore.db'), { readonly: true });
  try {
    return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'c_notes' AND sql IS NOT NULL ORDER BY name").all() as { name: string }[]).map((r) => r.name);
  } finally {
    db.close();
  }
}

describe('bulk rebuild', () => {
  it('equals applying the same lines one by one, and leaves every index in place', () => {
    fc.assert(
      fc.property(fc.array(lineArb, { minLength: 1500, maxLength: 2500 }), (lines) => {
        const all = lines.map(text).join('');
        expect(all.length).toBeGreaterThan(256 * 1024);

        // One by one: appended in small batches, each caught up as a tail.
        const tailDir = join(tempDir(), '.taskstore');
        const tail = open(tailDir);
        const expectedIndexes = indexNames(tailDir);
        for (let i = 0; i < lines.length; i += 200) {
          appendFileSync(join(tailDir, 'notes.jsonl'), lines.slice(i, i + 200).map(text).join(''));
          tail.store.refresh();
        }
        const oneByOne = snapshot(tail.store);
        tail.store.close();
        // Every version of an id, in log order: what history() must give, whichever way the
        // versions arrived (ties, older versions late, deletions).
        for (let n = 0; n <= 300; n++) {
          expect(oneByOne.histories[n]).toEqual(lines.filter((l) => l.id === `r${n}`).map((l) => JSON.parse(text(l))));
        }

        // Bulk: the whole log present before the first open.
        const bulkDir = join(tempDir(), '.taskstore');
        open(bulkDir).store.close();
        writeFileSync(join(bulkDir, 'notes.jsonl'), all);
        const bulk = open(bulkDir);
        expect(snapshot(bulk.store)).toEqual(oneByOne);
        expect(indexNames(bulkDir)).toEqual(expectedIndexes);
        // And the live path keeps working on the bulk-loaded table.
        bulk.notes.create({ id: 'after', v: 1, status: 'open' });
        expect(bulk.notes.list({ where: { status: 'open' } }).some((r) => r.id === 'after')).toBe(true);
        bulk.store.sync();
        expect(bulk.notes.get('after')?.v).toBe(1);
        expect(bulk.store.check().problems).toEqual([]);
        bulk.store.close();
      }),
      // Each run writes two ~400 KB logs; shrinking such inputs takes minutes, so report the first failure as found.
      { numRuns: 12, endOnFailure: true },
    );
  });
});

describe('bulk rebuild of a table with triggers (task specs: the readiness graph)', () => {
  it('a task-spec log large enough for a bulk load rebuilds to the same specs, ready list and cycles as the live writes made', () => {
    const dir = join(tempDir(), '.taskstore');
    const live = PublicStore.open(dir, { durability: 'none', logger: quietLogger() });
    const prd = live.createPrd({ title: 'p' });
    // Deterministic draws (a fixed seed): the same log every run.
    const draws = fc.sample(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { seed: 7, numRuns: 5000 });
    let drawn = 0;
    const random = () => draws[drawn++ % draws.length]!;
    const ids: string[] = [];
    const content = 'c'.repeat(600);
    for (let i = 0; i < 200; i++) {
      // Dependencies on earlier specs only (and, below, a few later ones: cycles).
      const deps = ids.filter(() => random() < 0.02);
      ids.push(live.createTaskSpec({ prd_id: prd, phase_name: `s${i}`, dependencies: deps, content }));
    }
    const statuses = ['pending', 'running', 'complete', 'failed', 'blocked'] as const;
    for (let round = 0; round < 4; round++) {
      for (const id of ids) {
        if (random() < 0.5) continue;
        const spec = live.getTaskSpec(id)!;
        const extra = random() < 0.05 ? [ids[Math.floor(random() * ids.length)]!].filter((d) => d !== id) : [];
        live.updateTaskSpec(id, { ...spec, status: statuses[Math.floor(random() * statuses.length)]!, dependencies: [...new Set([...spec.dependencies, ...extra])] });
      }
    }
    const view = (store: PublicStore) => ({
      specs: store.listTaskSpecs(prd),
      ready: store.listReadyTaskSpecs().map((t) => t.id).sort(),
      cycles: store.findDependencyCycles().map((c) => [...c].sort()).sort(),
    });
    const before = view(live);
    expect(readFileSync(join(dir, 'task_specs.jsonl')).length).toBeGreaterThan(256 * 1024);
    expect(before.ready.length).toBeGreaterThan(0);
    live.sync(); // a full rebuild of every collection: the task-spec table is bulk loaded
    expect(view(live)).toEqual(before);
    live.close();
  });
});
