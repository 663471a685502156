import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { findCycles } from '../../src/records/cycles.js';

const graph = (edges: Record<string, string[]>) => new Map(Object.entries(edges));

describe('findCycles', () => {
  it('refuses a graph of the wrong shape with a TypeError instead of misreading it (a string of ids was read character by character: a cycle that is not there)', () => {
    for (const [bad, field] of [
      [new Map([['a', 'ab']]), 'graph.get("a")'],
      [new Map([['a', ['b', 5]]]), 'graph.get("a")'],
      [new Map([['a', undefined]]), 'graph.get("a")'],
      [new Map([[1, ['1']]]), 'graph'],
      [{ a: ['a'] }, 'graph'],
      [null, 'graph'],
    ] as const) {
      let err: unknown;
      try {
        findCycles(bad as never);
      } catch (e) {
        err = e;
      }
      expect(err, String(bad)).toBeInstanceOf(TypeError);
      expect(err).toMatchObject({ code: 'VALIDATION', field });
    }
    expect(findCycles(new Map([['a', ['b']], ['b', []]]))).toEqual([]);
  });

  it('finds a self-dependency (cycle of length 1)', () => {
    expect(findCycles(graph({ a: ['a'], b: ['a'] }))).toEqual([['a']]);
  });

  it('finds a cycle of length 2 once', () => {
    expect(findCycles(graph({ a: ['b'], b: ['a'], c: ['a'] }))).toEqual([['a', 'b']]);
  });

  it('finds a cycle of length 3 once, ids ascending', () => {
    expect(findCycles(graph({ z: ['x'], x: ['y'], y: ['z'] }))).toEqual([['x', 'y', 'z']]);
  });

  it('finds nothing in a DAG (diamond, chain, shared dependencies)', () => {
    expect(findCycles(graph({ a: [], b: ['a'], c: ['a'], d: ['b', 'c', 'a'], e: ['d', 'd'] }))).toEqual([]);
  });

  it('ignores dependencies on missing ids', () => {
    expect(findCycles(graph({ a: ['ghost'], b: ['a', 'ghost'] }))).toEqual([]);
  });

  it('reports several groups, ordered by their first id, whatever the input order', () => {
    const edges = { q: ['p'], p: ['q'], b: ['c'], c: ['b'], m: ['m'], n: ['b'] };
    const expected = [['b', 'c'], ['m'], ['p', 'q']];
    expect(findCycles(graph(edges))).toEqual(expected);
    const reversed = new Map(Object.entries(edges).reverse().map(([k, v]) => [k, [...v].reverse()]));
    expect(findCycles(reversed)).toEqual(expected);
  });

  it('merges overlapping cycles into one strongly connected group', () => {
    expect(findCycles(graph({ a: ['b'], b: ['a', 'c'], c: ['b'], d: ['c'] }))).toEqual([['a', 'b', 'c']]);
  });

  it('handles a chain of 50 000 specs without overflowing the stack', () => {
    const n = 50_000;
    const g = new Map<string, string[]>();
    for (let i = 0; i < n; i++) g.set(`s${i}`, i + 1 < n ? [`s${i + 1}`] : ['s0']);
    const groups = findCycles(g);
    expect(groups).toHaveLength(1);
    expect(groups[0]).toHaveLength(n);
  });

  it('agrees with a brute-force reachability oracle (property)', () => {
    const arbGraph = fc
      .integer({ min: 0, max: 9 })
      .chain((n) =>
        fc.tuple(
          fc.constant(n),
          fc.array(fc.tuple(fc.integer({ min: 0, max: n + 1 }), fc.integer({ min: 0, max: n + 1 })), { maxLength: 25 }),
        ),
      );
    fc.assert(
      fc.property(arbGraph, ([n, edges]) => {
        // Nodes 0..n-1 exist; n and n+1 are "missing" ids that edges may still point to.
        const g = new Map<string, string[]>();
        for (let i = 0; i < n; i++) g.set(`t${i}`, []);
        for (const [from, to] of edges) g.get(`t${from}`)?.push(`t${to}`);
        expect(findCycles(g)).toEqual(oracle(g));
      }),
      { numRuns: 500 },
    );
  });
});

/** Groups of mutually reachable nodes (paths of length ≥ 1), by transitive closure. */
function oracle(g: Map<string, string[]>): string[][] {
  const ids = [...g.keys()];
  const reach = new Map(ids.map((id) => [id, new Set<string>()]));
  for (const id of ids) {
    const seen = reach.get(id)!;
    const todo = (g.get(id) ?? []).filter((d) => g.has(d));
    while (todo.length > 0) {
      const next = todo.pop()!;
      if (seen.has(next)) continue;
      seen.add(next);
      todo.push(...(g.get(next) ?? []).filter((d) => g.has(d)));
    }
  }
  const cyclic = ids.filter((id) => reach.get(id)!.has(id));
  const groups = new Map<string, string[]>();
  for (const id of cyclic) {
    const members = cyclic.filter((other) => other === id || (reach.get(id)!.has(other) && reach.get(other)!.has(id))).sort();
    groups.set(members.join(','), members);
  }
  return [...groups.values()].sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}
