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
  const known = new Set<string>();
  for (const n of nodes) {
    g.setNode(n.id, { width: n.width, height: n.height });
    known.add(n.id);
  }
  for (const e of edges) if (known.has(e.from) && known.has(e.to) && e.from !== e.to) g.setEdge(e.from, e.to);
  layout(g);
  const out: GraphLayout = { width: g.graph().width ?? 0, height: g.graph().height ?? 0, nodes: {}, edges: [] };
  for (const id of g.nodes()) {
    const n = g.node(id);
    out.nodes[id] = { x: n.x, y: n.y };
  }
  for (const e of g.edges()) {
    const points = (g.edge(e).points ?? []).map((p: Point) => ({ x: p.x, y: p.y }));
    out.edges.push({ from: e.v, to: e.w, points });
  }
  return out;
}
