/** The graph layout off the page's main thread: a 500-spec graph takes a while, the page stays responsive. */
import { layoutGraph, type LayoutEdge, type LayoutNode } from './layout.js';

export interface LayoutRequest {
  key: string;
  nodes: LayoutNode[];
  edges: LayoutEdge[];
}

self.onmessage = (event: MessageEvent<LayoutRequest>) => {
  const { key, nodes, edges } = event.data;
  try {
    (self as unknown as Worker).postMessage({ key, layout: layoutGraph(nodes, edges) });
  } catch (err) {
    (self as unknown as Worker).postMessage({ key, error: err instanceof Error ? err.message : String(err) });
  }
};
