/** Hash routes (`#/prd/<id>`): the page is one document, every view has a URL to share or reload. */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { view: 'prds' }
  | { view: 'board'; id: string }
  | { view: 'graph'; id: string }
  | { view: 'executions'; params: URLSearchParams }
  | { view: 'record'; id: string }
  | { view: 'collections' }
  | { view: 'collection'; name: string; params: URLSearchParams }
  | { view: 'not-found'; hash: string };

/** Pure: the route of a location hash. */
export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const [pathPart, queryPart = ''] = raw.split('?', 2) as [string, string?];
  const params = new URLSearchParams(queryPart);
  const seg = pathPart.split('/').filter((s) => s !== '').map(safeDecode);
  if (seg.length === 0) return { view: 'prds' };
  if (seg[0] === 'prd' && seg[1] !== undefined) return seg[2] === 'graph' ? { view: 'graph', id: seg[1] } : { view: 'board', id: seg[1] };
  if (seg[0] === 'executions') return { view: 'executions', params };
  if (seg[0] === 'record' && seg[1] !== undefined) return { view: 'record', id: seg[1] };
  if (seg[0] === 'collections') return { view: 'collections' };
  if (seg[0] === 'collection' && seg[1] !== undefined) return { view: 'collection', name: seg[1], params };
  return { view: 'not-found', hash: raw };
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
  prds: () => '#/',
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
