/**
 * A PRD's task-spec dependency graph as a layered DAG (dagre, in a worker), coloured by
 * board column, cycles marked in red. Pan by dragging or with the arrow keys, zoom with
 * the wheel or + / −, 0 fits. Live updates recolour at once; the layout is recomputed
 * only when specs or edges come or go.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { PrdBoardResponse } from '../../api-types.js';
import { dependencyIds } from '../../dependency-entries.js';
import { apiPath, useApi } from '../api-client.js';
import { ErrorBox, Loading } from '../components.js';
import { clip, valueText } from '../format.js';
import type { GraphLayout, LayoutEdge, LayoutNode } from '../graph/layout.js';
import { href } from '../router.js';
import { PrdHeader } from './prd-header.js';

const NODE_W = 170;
const NODE_H = 40;

interface GraphNode {
  id: string;
  label: string;
  /** Board column for the PRD's specs; `outside` for a dependency in another PRD; `missing` when none exists. */
  kind: string;
}

function buildGraph(data: PrdBoardResponse): { nodes: GraphNode[]; edges: LayoutEdge[]; key: string } {
  const nodes: GraphNode[] = data.task_specs.map((s) => ({ id: s.id, label: valueText(s.phase_name), kind: data.columns[s.id] ?? 'blocked' }));
  for (const dep of Object.values(data.outside)) nodes.push({ id: dep.id, label: valueText(dep.phase_name ?? dep.id.slice(0, 8)), kind: dep.status === undefined ? 'missing' : 'outside' });
  const edges: LayoutEdge[] = [];
  // Edges only to ids the server looked up (a hand-written 7, or a lone string in place of the list, names no spec; the board lists them).
  for (const s of data.task_specs) for (const dep of dependencyIds(s.dependencies)) edges.push({ from: dep, to: s.id });
  const key = `${nodes.map((n) => n.id).join(',')}|${edges.map((e) => `${e.from}>${e.to}`).join(',')}`;
  return { nodes, edges, key };
}

let worker: Worker | undefined;
function layoutWorker(): Worker {
  worker ??= new Worker('/assets/graph-worker.js', { type: 'module' });
  return worker;
}

function useLayout(key: string, nodes: LayoutNode[], edges: LayoutEdge[]): { layout?: GraphLayout; error?: string } {
  const [state, setState] = useState<{ key: string; layout?: GraphLayout; error?: string }>({ key: '' });
  useEffect(() => {
    if (state.key === key && (state.layout !== undefined || state.error !== undefined)) return;
    const w = layoutWorker();
    const onMessage = (event: MessageEvent<{ key: string; layout?: GraphLayout; error?: string }>): void => {
      if (event.data.key === key) setState(event.data);
    };
    w.addEventListener('message', onMessage);
    w.postMessage({ key, nodes, edges });
    return () => w.removeEventListener('message', onMessage);
  }, [key]);
  return state.key === key ? state : {};
}

export function GraphView({ id, version }: { id: string; version: number }) {
  const { data, error } = useApi<PrdBoardResponse>(apiPath.prd(id), version);
  if (error !== undefined) return <ErrorBox error={error} />;
  if (data === undefined) return <Loading />;
  return (
    <section>
      <PrdHeader data={data} tab="graph" />
      <GraphCanvas data={data} />
    </section>
  );
}

function GraphCanvas({ data }: { data: PrdBoardResponse }) {
  const graph = useMemo(() => buildGraph(data), [data]);
  const layoutNodes = useMemo(() => graph.nodes.map((n) => ({ id: n.id, width: NODE_W, height: NODE_H })), [graph.key]);
  const { layout, error } = useLayout(graph.key, layoutNodes, graph.edges);
  const cycleOf = useMemo(() => {
    const m = new Map<string, number>();
    data.cycles.forEach((group, i) => group.forEach((id) => m.set(id, i)));
    return m;
  }, [data]);
  const svgRef = useRef<SVGSVGElement>(null);
  const [view, setView] = useState<{ x: number; y: number; w: number; h: number } | undefined>(undefined);
  const drag = useRef<{ px: number; py: number; x: number; y: number } | undefined>(undefined);

  /** The whole graph in view, never enlarged beyond its natural size (a 3-node graph stays small), centred. */
  const fit = (): void => {
    if (layout === undefined) return;
    const box = svgRef.current?.getBoundingClientRect();
    const w = Math.max(layout.width, box?.width ?? 0, 200);
    const h = Math.max(layout.height, box?.height ?? 0, 100);
    setView({ x: (layout.width - w) / 2, y: (layout.height - h) / 2, w, h });
  };
  useEffect(fit, [layout]);
  // The first fit ran before the SVG existed (no size to fit into): fit again once it is on screen.
  const fitted = useRef(false);
  useEffect(() => {
    if (!fitted.current && svgRef.current !== null && layout !== undefined) {
      fitted.current = true;
      fit();
    }
  });

  if (error !== undefined) return <ErrorBox error={new Error(`graph layout failed: ${error}`)} />;
  if (graph.nodes.length === 0) return <p class="muted">This PRD has no task specs.</p>;
  if (layout === undefined || view === undefined) return <p class="muted loading">Laying out {graph.nodes.length} task specs…</p>;

  const zoom = (factor: number, cx = view.x + view.w / 2, cy = view.y + view.h / 2): void => {
    const w = Math.min(Math.max(view.w * factor, 50), layout.width * 20 + 1000);
    const h = (view.h * w) / view.w;
    setView({ x: cx - ((cx - view.x) * w) / view.w, y: cy - ((cy - view.y) * h) / view.h, w, h });
  };
  const pan = (dx: number, dy: number): void => setView({ ...view, x: view.x + dx * view.w, y: view.y + dy * view.h });
  const toGraph = (clientX: number, clientY: number): { x: number; y: number } => {
    const r = svgRef.current!.getBoundingClientRect();
    const scale = Math.max(view.w / r.width, view.h / r.height);
    return { x: view.x + (clientX - r.left) * scale, y: view.y + (clientY - r.top) * scale };
  };

  const onKey = (e: KeyboardEvent): void => {
    const actions: Record<string, () => void> = {
      '+': () => zoom(0.8),
      '=': () => zoom(0.8),
      '-': () => zoom(1.25),
      '0': fit,
      ArrowLeft: () => pan(-0.1, 0),
      ArrowRight: () => pan(0.1, 0),
      ArrowUp: () => pan(0, -0.1),
      ArrowDown: () => pan(0, 0.1),
    };
    const action = actions[e.key];
    if (action !== undefined && !(e.target instanceof HTMLInputElement)) {
      e.preventDefault();
      action();
    }
  };

  const kindOf = new Map(graph.nodes.map((n) => [n.id, n]));
  return (
    <div class="graph-wrap">
      <div class="graph-toolbar" role="toolbar" aria-label="graph">
        <button type="button" onClick={() => zoom(0.8)} aria-label="zoom in">+</button>
        <button type="button" onClick={() => zoom(1.25)} aria-label="zoom out">−</button>
        <button type="button" onClick={fit}>Fit</button>
        <span class="legend">
          {['blocked', 'ready', 'running', 'complete', 'failed', 'outside'].map((k) => (
            <span key={k} class={`legend-item kind-${k}`}>{k === 'outside' ? 'other PRD' : k}</span>
          ))}
          <span class="legend-item cycle-legend">cycle</span>
        </span>
        <span class="muted small">{graph.nodes.length} specs · {graph.edges.length} edges · drag to pan, wheel or +/− to zoom, 0 to fit</span>
      </div>
      <svg
        ref={svgRef}
        class="graph"
        data-testid="graph"
        tabindex={0}
        role="img"
        aria-label="task spec dependency graph"
        viewBox={`${view.x} ${view.y} ${view.w} ${view.h}`}
        onKeyDown={onKey}
        onWheel={(e) => {
          e.preventDefault();
          const p = toGraph(e.clientX, e.clientY);
          zoom(e.deltaY > 0 ? 1.15 : 1 / 1.15, p.x, p.y);
        }}
        onPointerDown={(e) => {
          if ((e.target as Element).closest('a') !== null) return;
          drag.current = { px: e.clientX, py: e.clientY, x: view.x, y: view.y };
          (e.currentTarget as Element).setPointerCapture(e.pointerId);
        }}
        onPointerMove={(e) => {
          const d = drag.current;
          if (d === undefined) return;
          const r = svgRef.current!.getBoundingClientRect();
          const scale = Math.max(view.w / r.width, view.h / r.height);
          setView({ ...view, x: d.x - (e.clientX - d.px) * scale, y: d.y - (e.clientY - d.py) * scale });
        }}
        onPointerUp={() => (drag.current = undefined)}
      >
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" class="arrow-head" />
          </marker>
          <marker id="arrow-cycle" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" class="arrow-head cycle" />
          </marker>
        </defs>
        {layout.edges.map((e) => {
          const cyc = cycleOf.has(e.from) && cycleOf.get(e.from) === cycleOf.get(e.to);
          const d = e.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
          return <path key={`${e.from}>${e.to}`} d={d} class={`edge${cyc ? ' cycle' : ''}`} marker-end={cyc ? 'url(#arrow-cycle)' : 'url(#arrow)'} />;
        })}
        {Object.entries(layout.nodes).map(([id, p]) => {
          const node = kindOf.get(id);
          if (node === undefined) return null;
          const cyc = cycleOf.has(id);
          return (
            <a key={id} href={href.record(id)} class="node-link" data-id={id} data-kind={node.kind}>
              <g class={`node kind-${node.kind}${cyc ? ' cycle' : ''}`} transform={`translate(${(p.x - NODE_W / 2).toFixed(1)},${(p.y - NODE_H / 2).toFixed(1)})`}>
                <title>{`${node.label} (${node.kind}${cyc ? ', in a cycle' : ''})`}</title>
                <rect width={NODE_W} height={NODE_H} rx={6} />
                <text x={10} y={25}>
                  {clip(node.label, 22)}
                </text>
              </g>
            </a>
          );
        })}
      </svg>
    </div>
  );
}
