/**
 * The dependency graph's layered layout, computed by dagre (a Sugiyama-style layered
 * layout made for DAGs; it breaks cycles itself, so a graph with cycles still lays out).
 * A pure function of nodes and edges: runs in the page's worker and in the benchmark.
 */
import { Graph, layout } from '@dagrejs/dagre';

export interface LayoutNode {
  id: string;
  width: number;
  height: number;
}

export interface LayoutEdge {
  /** The prerequisite. */
  from: string;
  /** The spec that waits for it. */
  to: string;
}

interface Point {
  x: number;
  y: number;
}

export interface GraphLayout {
  width: number;
  height: number;
  /** Centre of each node. */
  nodes: Record<string, Point>;
  edges: { from: string; to: string; points: Point[] }[];
}

/** Above this many nodes the faster longest-path ranker is used (network simplex is nicer but slower). */
const FAST_RANKER_ABOVE = 250;

/**
 * Lays out the graph top to bottom: prerequisites above the specs that wait for them.
 * @example layoutGraph([{ id: 'a', width: 100, height: 30 }, { id: 'b', width: 100, height: 30 }], [{ from: 'a', to: 'b' }]).nodes.b.y > 0
 */
export function layoutGraph(nodes: readonly LayoutNode[], edges: readonly LayoutEdge[]): GraphLayout {
  const g = new Graph({ multigraph: false });
  g.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 48, marginx: 16, marginy: 16, ranker: nodes.length > FAST_RANKER_ABOVE ? 'longest-path' : 'network-simplex' });
  g.setDefaultEdgeLabel(() => ({}));
  // dagre keys its nodes by name in plain objects, and a task spec id is any text: ""
  // (written by hand) broke the layout, and "__proto__" or "constructor" would name an
  // object's own machinery. Each node is laid out under a key of ours instead.
  const keyOf = new Map<string, string>();
  const idOf = new Map<string, string>();
  for (const n of nodes) {
    if (keyOf.has(n.id)) continue;
    const key = `n${keyOf.size}`;
    keyOf.set(n.id, key);
    idOf.set(key, n.id);
    g.setNode(key, { width: n.width, height: n.height });
  }
  for (const e of edges) {
    const from = keyOf.get(e.from);
    const to = keyOf.get(e.to);
    if (from !== undefined && to !== undefined && from !== to) g.setEdge(from, to);
  }
  layout(g);
  // No prototype: an id such as "__proto__" is a key like any other.
  const out: GraphLayout = { width: g.graph().width ?? 0, height: g.graph().height ?? 0, nodes: Object.create(null) as Record<string, Point>, edges: [] };
  for (const key of g.nodes()) {
    const n = g.node(key);
    out.nodes[idOf.get(key)!] = { x: n.x, y: n.y };
  }
  for (const e of g.edges()) {
    const points = (g.edge(e).points ?? []).map((p: Point) => ({ x: p.x, y: p.y }));
    out.edges.push({ from: idOf.get(e.v)!, to: idOf.get(e.w)!, points });
  }
  return out;
}
