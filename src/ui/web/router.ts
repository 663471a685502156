/** Hash routes (`#/prd/<id>`): the page is one document, every view has a URL to share or reload. */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { view: 'prds'; params: URLSearchParams }
  | { view: 'board'; id: string }
  | { view: 'graph'; id: string }
  | { view: 'executions'; params: URLSearchParams }
  | { view: 'record'; id: string }
  | { view: 'collections' }
  | { view: 'collection'; name: string; params: URLSearchParams }
  | { view: 'not-found'; hash: string }
  /** A link whose query the view cannot honour as written: shown as this message, never as a guess. */
  | { view: 'bad-link'; message: string };

/** The query parameters each view reads; the other views read none. */
const VIEW_PARAMS: Partial<Record<Route['view'], readonly string[]>> = {
  prds: ['offset'],
  executions: ['status', 'offset'],
  collection: ['where', 'orderBy', 'offset'],
};

/**
 * Pure: the route of a location hash. A link's query holds each parameter once, only the
 * parameters its view reads, and `offset` as a whole number; anything else is a
 * `bad-link` naming the parameter (a link that says `status` twice would otherwise show
 * the first, and a misspelt or malformed one would silently show everything).
 */
export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  // Split at the first `?` only: a `?` inside the query belongs to a value.
  const q = raw.indexOf('?');
  const pathPart = q < 0 ? raw : raw.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  const route = routeOf(pathPart.split('/').filter((s) => s !== '').map(safeDecode), params, raw);
  if (route.view === 'not-found') return route;
  const problem = linkProblem(params, VIEW_PARAMS[route.view] ?? []);
  return problem === undefined ? route : { view: 'bad-link', message: problem };
}

function routeOf(seg: string[], params: URLSearchParams, raw: string): Route {
  if (seg.length === 0) return { view: 'prds', params };
  if (seg[0] === 'prd' && seg[1] !== undefined) return seg[2] === 'graph' ? { view: 'graph', id: seg[1] } : { view: 'board', id: seg[1] };
  if (seg[0] === 'executions') return { view: 'executions', params };
  if (seg[0] === 'record' && seg[1] !== undefined) return { view: 'record', id: seg[1] };
  if (seg[0] === 'collections') return { view: 'collections' };
  if (seg[0] === 'collection' && seg[1] !== undefined) return { view: 'collection', name: seg[1], params };
  return { view: 'not-found', hash: raw };
}

function linkProblem(params: URLSearchParams, allowed: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const [name, value] of params) {
    if (seen.has(name)) return `this link gives ${JSON.stringify(name)} more than once; a link holds one value per parameter`;
    seen.add(name);
    if (!allowed.includes(name)) {
      return `this link's ${JSON.stringify(name)} is not a parameter of this view (it reads ${allowed.length === 0 ? 'none' : allowed.join(', ')})`;
    }
    if (name === 'offset' && !/^\d+$/.test(value)) return `this link's offset must be a whole number (got ${JSON.stringify(value)})`;
  }
  return undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Hrefs of the views. */
export const href = {
  prds: (params?: URLSearchParams) => `#/${query(params)}`,
  board: (id: string) => `#/prd/${encodeURIComponent(id)}`,
  graph: (id: string) => `#/prd/${encodeURIComponent(id)}/graph`,
  executions: (params?: URLSearchParams) => `#/executions${query(params)}`,
  record: (id: string) => `#/record/${encodeURIComponent(id)}`,
  collections: () => '#/collections',
  collection: (name: string, params?: URLSearchParams) => `#/collection/${encodeURIComponent(name)}${query(params)}`,
};

function query(params?: URLSearchParams): string {
  const s = params?.toString() ?? '';
  return s === '' ? '' : `?${s}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onHash = (): void => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  return route;
}
