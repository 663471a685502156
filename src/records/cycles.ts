/**
 * Dependency cycles among task specs, as a pure function of the dependency graph.
 *
 * A cycle is a strongly connected group of the graph "spec → the specs it depends on":
 * two or more specs that reach each other, or one spec that depends on itself. Found
 * with Tarjan's algorithm, written iteratively so a chain of 100 000 specs does not
 * overflow the call stack.
 */
import { argumentTypeError } from '../store/arguments.js';

/**
 * The dependency cycles of `graph` (task spec id → ids it depends on). Dependencies on
 * ids that are not keys of `graph` (missing or deleted specs) are ignored.
 *
 * Deterministic: each group lists its ids in ascending order, groups are ordered by
 * their first id, and each group appears once whatever the input order.
 *
 * @example
 * findCycles(new Map([['a', ['b']], ['b', ['a']], ['c', ['c']], ['d', ['a']]]))
 * // → [['a', 'b'], ['c']]
 */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  assertGraph(graph);
  // Number the nodes in id order, so traversal order (and so the result) does not
  // depend on the map's insertion order; then work on integers.
  // Default sort compares UTF-16 code units, the same order as compareIds, without a
  // comparator call per comparison (this runs on every cycle check of a 10,000-spec graph).
  const ids = [...graph.keys()].sort();
  const numberOf = new Map<string, number>();
  ids.forEach((id, i) => numberOf.set(id, i));
  const n = ids.length;
  const adjacency: number[][] = ids.map((id) => {
    const out: number[] = [];
    for (const dep of graph.get(id)!) {
      const target = numberOf.get(dep);
      if (target !== undefined) out.push(target);
    }
    if (out.length < 2) return out;
    out.sort((a, b) => a - b);
    return out.filter((v, i) => i === 0 || v !== out[i - 1]);
  });

  const UNVISITED = -1;
  const index = new Int32Array(n).fill(UNVISITED);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  // The explicit call stack: node and position in its adjacency list.
  const callNode: number[] = [];
  const callNext: number[] = [];
  const groups: string[][] = [];
  let counter = 0;

  const enter = (v: number): void => {
    index[v] = low[v] = counter++;
    stack.push(v);
    onStack[v] = 1;
    callNode.push(v);
    callNext.push(0);
  };

  for (let root = 0; root < n; root++) {
    if (index[root] !== UNVISITED) continue;
    enter(root);
    while (callNode.length > 0) {
      const top = callNode.length - 1;
      const v = callNode[top]!;
      const successors = adjacency[v]!;
      const next = callNext[top]!;
      if (next < successors.length) {
        callNext[top] = next + 1;
        const w = successors[next]!;
        if (index[w] === UNVISITED) enter(w);
        else if (onStack[w] === 1) low[v] = Math.min(low[v]!, index[w]!);
        continue;
      }
      callNode.pop();
      callNext.pop();
      if (low[v] === index[v]) {
        const members: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          members.push(w);
        } while (w !== v);
        if (members.length > 1 || successors.includes(v)) {
          groups.push(members.sort((a, b) => a - b).map((i) => ids[i]!));
        }
      }
      const parent = callNode[callNode.length - 1];
      if (parent !== undefined) low[parent] = Math.min(low[parent]!, low[v]!);
    }
  }
  // Ids are numbered in ascending order, so comparing first ids compares numbers.
  return groups.sort((a, b) => compareIds(a[0]!, b[0]!));
}

/**
 * A JavaScript caller's graph of the wrong shape is refused instead of misread: a string
 * where the array of ids goes was iterated character by character (`'ab'` made `a` depend
 * on itself: a cycle that is not there), a plain object had no `keys()`. One pass over
 * the edges, beside the sort that follows.
 */
function assertGraph(graph: unknown): asserts graph is ReadonlyMap<string, readonly string[]> {
  if (!(graph instanceof Map)) throw argumentTypeError('graph', 'a Map from a task spec id to the array of ids it depends on', graph);
  for (const [id, deps] of graph as Map<unknown, unknown>) {
    if (typeof id !== 'string') throw argumentTypeError('graph', 'a Map whose keys are task spec ids (strings)', id);
    if (!Array.isArray(deps)) throw argumentTypeError(`graph.get(${JSON.stringify(id)})`, 'an array of the ids it depends on', deps);
    for (const dep of deps) {
      if (typeof dep !== 'string') throw argumentTypeError(`graph.get(${JSON.stringify(id)})`, 'an array of ids (strings)', dep);
    }
  }
}

/** Code-unit order, the same in every locale (unlike localeCompare). */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
