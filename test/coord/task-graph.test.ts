/**
 * The readiness graph the cache maintains: filled in for a cache built before it
 * existed, kept right by writers that do not know about it, and checked by check().
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { Engine } from '../../src/store/engine.js';
import { compareCodePoints } from '../../src/records/task-graph.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';

function open(dir: string): Store {
  return Store.open(dir, { durability: 'none', logger: quietLogger() });
}

function chain(store: Store): string[] {
  const prd = store.createPrd({ title: 'P' });
  const a = store.createTaskSpec({ prd_id: prd, phase_name: 'a' });
  const b = store.createTaskSpec({ prd_id: prd, phase_name: 'b', dependencies: [a] });
  const c = store.createTaskSpec({ prd_id: prd, phase_name: 'c', dependencies: [a, b] });
  return [a, b, c];
}

describe('the readiness graph', () => {
  it('is filled in from the cache when a cache built without it is opened', () => {
    const dir = join(tempDir(), '.taskstore');
    const store = open(dir);
    const [a] = chain(store);
    store.close();
    const db = new Database(join(dir, 'taskstore.db'));
    for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'task_graph_%'").all() as { name: string }[]) {
      db.exec(`DROP TRIGGER ${name}`);
    }
    db.exec('DROP TABLE task_graph_nodes; DROP TABLE task_graph_edges; DROP TABLE task_graph_meta;');
    db.close();
    const reopened = open(dir);
    expect(reopened.listReadyTaskSpecs().map((s) => s.id)).toEqual([a]);
    expect(reopened.check().problems).toEqual([]);
    reopened.close();
  });

  it('stays right when the bare engine (which knows nothing of task specs) writes them', () => {
    const dir = join(tempDir(), '.taskstore');
    const store = open(dir);
    const [a, b, c] = chain(store);
    const core = Engine.open(dir, { durability: 'none', logger: quietLogger() });
    core.collection({ name: 'task_specs' }).patch(a!, { status: 'complete' });
    core.close();
    expect(store.listReadyTaskSpecs().map((s) => s.id)).toEqual([b]);
    store.collection({ name: 'task_specs' }).patch(b!, { status: 'complete' });
    expect(store.listReadyTaskSpecs().map((s) => s.id)).toEqual([c]);
    expect(store.check().problems).toEqual([]);
    store.close();
  });

  it('check() reports a graph that drifted from the records as cache_drift, and sync() repairs it', () => {
    const dir = join(tempDir(), '.taskstore');
    const store = open(dir);
    const [, b] = chain(store);
    const db = new Database(join(dir, 'taskstore.db'));
    db.prepare('UPDATE task_graph_nodes SET blocked = 0 WHERE id = ?').run(b);
    db.close();
    const problems = store.check().problems;
    expect(problems).toEqual([expect.objectContaining({ kind: 'cache_drift', collection: 'task_specs', id: b })]);
    expect(problems[0]!.message).toMatch(/readiness graph says 0 unmet dependencies, the records say 1: run taskstore sync/);
    store.sync();
    expect(store.check().problems).toEqual([]);
    store.close();
  });

  it('a spec that depends on itself is never ready and is a cycle; non-string entries keep a spec waiting', () => {
    const dir = join(tempDir(), '.taskstore');
    const store = open(dir);
    const prd = store.createPrd({ title: 'P' });
    const self = store.createTaskSpec({ id: 'self', prd_id: prd, phase_name: 's', dependencies: ['self'] });
    expect(store.listReadyTaskSpecs()).toEqual([]);
    expect(store.findDependencyCycles()).toEqual([[self]]);
    const core = Engine.open(dir, { durability: 'none', logger: quietLogger() });
    core.collection({ name: 'task_specs' }).create({ id: 'odd', prd_id: prd, phase_name: 'o', status: 'pending', dependencies: [7], created_at: 1 });
    core.collection({ name: 'task_specs' }).create({ id: 'scalar', prd_id: prd, phase_name: 'o', status: 'pending', dependencies: 'self', created_at: 1 });
    core.close();
    expect(store.listReadyTaskSpecs()).toEqual([]);
    expect(store.check().problems.filter((p) => p.kind === 'cache_drift')).toEqual([]);
    store.close();
  });

  it('the cycle check follows edge changes only, also across a rolled-back transaction and another process', () => {
    const dir = join(tempDir(), '.taskstore');
    const store = open(dir);
    const prd = store.createPrd({ title: 'P' });
    const specs = store.collection({ name: 'task_specs' });
    store.createTaskSpec({ id: 'a', prd_id: prd, phase_name: 'a' });
    store.createTaskSpec({ id: 'b', prd_id: prd, phase_name: 'b', dependencies: ['a'] });
    expect(store.findDependencyCycles()).toEqual([]);
    specs.patch('a', { status: 'complete' }); // no edge changes
    expect(store.findDependencyCycles()).toEqual([]);
    expect(() =>
      store.transaction(() => {
        specs.patch('a', { dependencies: ['b'] });
        expect(store.findDependencyCycles()).toEqual([['a', 'b']]);
        throw new Error('roll back');
      }),
    ).toThrow('roll back');
    expect(store.findDependencyCycles()).toEqual([]);
    specs.patch('b', { dependencies: ['a', 'b'] }); // as many edge changes as the rolled-back write
    expect(store.findDependencyCycles()).toEqual([['b']]);
    const core = Engine.open(dir, { durability: 'none', logger: quietLogger() });
    core.collection({ name: 'task_specs' }).patch('a', { dependencies: ['b'] });
    core.close();
    expect(store.findDependencyCycles()).toEqual([['a', 'b']]);
    store.close();
  });
  it('the cycle check of a process that kept its answer sees the graph installed again by another process (its change counter does not start over)', () => {
    const dir = join(tempDir(), '.taskstore');
    const store = open(dir);
    const prd = store.createPrd({ title: 'P' });
    store.createTaskSpec({ id: 'a', prd_id: prd, phase_name: 'a', dependencies: ['b'] });
    store.createTaskSpec({ id: 'b', prd_id: prd, phase_name: 'b' });
    expect(store.findDependencyCycles()).toEqual([]); // kept, with the edge counter's value
    // One edge removed and one added: the same number of edges, another graph.
    store.collection({ name: 'task_specs' }).patch('a', { dependencies: ['a'] });
    // Another process installs the graph again (as one of another version does on open):
    // tables rebuilt from the cache. The counter used to start from 0 again and, after the
    // backfill, equal the value this process kept, so it answered [] for the cycle a → a.
    const db = new Database(join(dir, 'taskstore.db'));
    const marker = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'task\\_graph\\_%\\_remove' ESCAPE '\\'").pluck().get() as string);
    db.exec(`DROP TRIGGER "${marker}"`);
    db.close();
    const other = open(dir);
    other.close();
    expect(store.findDependencyCycles()).toEqual([['a']]);
    expect(store.check().problems.map((p) => p.kind)).toEqual(['dependency_cycle']);
    store.close();
  });

  it('a new version of a spec with 10,000 dependencies costs what its edges cost, not their square', () => {
    // Each new version of a spec keeps the edges its dependencies still hold. Finding
    // them once scanned the whole dependencies list per edge: with 10,000 entries every
    // claim, status change or rebuilt version of the spec took ~3 s (20,000: ~13 s), and
    // a list shifted by one entry (every edge moves) ~5 s. Both together took 8.8 s.
    const dir = join(tempDir(), '.taskstore');
    const store = open(dir);
    const prd = store.createPrd({ title: 'P' });
    const deps = Array.from({ length: 10_000 }, (_, i) => `d${i}`);
    const specs = store.collection({ name: 'task_specs' });
    specs.createMany(deps.map((id) => ({ id, prd_id: prd, phase_name: id, status: 'complete', dependencies: [] })));
    store.createTaskSpec({ id: 'fan', prd_id: prd, phase_name: 'fan-in', dependencies: deps });
    expect(store.listReadyTaskSpecs().map((s) => s.id)).toEqual(['fan']);
    const started = performance.now();
    specs.patch('fan', { status: 'blocked' });
    specs.patch('fan', { status: 'pending', dependencies: [...deps.slice(1), 'ghost'] }); // one edge gone, one new
    const ms = performance.now() - started;
    expect(store.listReadyTaskSpecs()).toEqual([]);
    specs.patch('fan', { dependencies: deps.slice(1) });
    expect(store.listReadyTaskSpecs().map((s) => s.id)).toEqual(['fan']);
    expect(store.check().problems).toEqual([]);
    store.close();
    expect(ms).toBeLessThan(1000);
  });
});

describe('claim order of ids', () => {
  it('compareCodePoints orders ids as SQLite orders them (the ready and expired-lease queries), for any Unicode text', () => {
    const db = new Database(':memory:');
    const sqliteOrder = db.prepare('SELECT value FROM json_each(?) ORDER BY value').pluck();
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 4 }), { minLength: 2, maxLength: 8 }), (ids) => {
        expect([...ids].sort(compareCodePoints)).toEqual(sqliteOrder.all(JSON.stringify(ids)));
      }),
      { numRuns: 500 },
    );
    db.close();
  });
});
