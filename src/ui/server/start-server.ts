/**
 * The `taskstore ui` HTTP server (Node's own `http`): the page, its assets, the JSON API
 * under `/api/` and the live channel (`/api/events`, server-sent events).
 *
 * Read-only (GET and HEAD only); answers only requests whose `Host` names the address
 * it is bound to (no DNS rebinding); listens on loopback unless told otherwise.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../../index.js';
import { CliError } from '../../shared/errors.js';
import type { LiveChange } from '../api-types.js';
import { stringifyExact } from '../../shared/exact-json.js';
import { handleApi } from './api.js';
import { allowedHosts, fetchSiteAllowed, hostAllowed, originAllowed, requestUrl, urlHost } from './host-check.js';
import { listenOn } from './listen.js';
import { feedChanges, type ChangeSource } from './live-changes.js';
import { ASSETS, CONTENT_SECURITY_POLICY, INDEX_HTML, findAssetsDir } from './page.js';

const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_PORT = 4711;
/** A comment line on every live connection this often, so proxies and browsers keep it open. */
const HEARTBEAT_MS = 15_000;
/**
 * A live connection whose unsent frames pass this is cut: a page that stopped reading (a
 * frozen tab, a suspended client) would otherwise make the server hold every change for
 * it, without bound. A page that was cut reconnects and fetches its view again.
 */
const MAX_UNSENT_BYTES = 1024 * 1024;

interface UiServerOptions {
  store: Store;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 4711 or the next free port; a port given here is taken exactly (0: any free port). */
  port?: number;
  /** Where the built page lives (default: found beside the code). */
  assetsDir?: string;
  /**
   * Where live changes come from (default: the store's change feed, {@link feedChanges}).
   * Subscribed while at least one page is connected to `/api/events`, released when the
   * last one leaves: an idle dashboard costs the store nothing.
   */
  changes?: ChangeSource;
  /** Told when the live channel fails (the page keeps working; it just stops updating). */
  onError?: (err: unknown) => void;
}

export interface UiServer {
  /** `http://host:port/` */
  url: string;
  host: string;
  port: number;
  /** Ends live connections and stops listening. */
  close(): Promise<void>;
}

/**
 * Starts the server and resolves once it listens.
 * @example const ui = await startUiServer({ store }); console.log(ui.url); … await ui.close();
 */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const { store } = options;
  const host = options.host ?? DEFAULT_HOST;
  const assetsDir = options.assetsDir ?? findAssetsDir();
  if (assetsDir === undefined) {
    throw new CliError('the dashboard page is not built (dist/ui/app.js is missing)', { hint: 'run `npm run build` in the TaskStore checkout' });
  }
  const assets = loadAssets(assetsDir);
  const live = new Set<ServerResponse>();
  const source = options.changes ?? feedChanges(store, options.onError);
  /** Set while at least one page listens: the feed (its watcher, timers, catch-up) runs only then. */
  let stopChanges: (() => void) | undefined;
  let allowed = new Set<string>();

  const server = createServer((req, res) => {
    try {
      route(req, res);
    } catch (err) {
      send(res, 500, 'text/plain; charset=utf-8', `internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  });

  const route = (req: IncomingMessage, res: ServerResponse): void => {
    if (!hostAllowed(req.headers.host, allowed)) {
      send(res, 403, 'text/plain; charset=utf-8', 'Forbidden: the Host header does not name the address this TaskStore dashboard listens on.\n');
      return;
    }
    if (!originAllowed(req.headers.origin, allowed)) {
      send(res, 403, 'text/plain; charset=utf-8', 'Forbidden: a page on another site may not use this TaskStore dashboard.\n');
      return;
    }
    const target = requestUrl(req.url ?? '/', allowed);
    if (!('url' in target)) {
      if (target.refused === 'host') send(res, 403, 'text/plain; charset=utf-8', 'Forbidden: the request names another host than this TaskStore dashboard.\n');
      else send(res, 400, 'text/plain; charset=utf-8', 'Bad request: the request target is not a path.\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      send(res, 405, 'text/plain; charset=utf-8', 'The TaskStore dashboard is read-only.\n');
      return;
    }
    const url = target.url;
    const path = url.pathname;
    if (!fetchSiteAllowed(one(req.headers['sec-fetch-site']), one(req.headers['sec-fetch-mode']), path)) {
      send(res, 403, 'text/plain; charset=utf-8', 'Forbidden: a page on another site may not use this TaskStore dashboard.\n');
      return;
    }
    if (path === '/api/events') {
      if (req.method === 'HEAD') send(res, 200, 'text/event-stream; charset=utf-8', '', true);
      else openLive(req, res);
      return;
    }
    if (path.startsWith('/api/')) {
      const t0 = performance.now();
      const answer = handleApi(store, path, url.searchParams, Date.now());
      res.setHeader('Server-Timing', `store;dur=${(performance.now() - t0).toFixed(1)}`);
      send(res, answer.status, 'application/json; charset=utf-8', stringifyExact(answer.body), req.method === 'HEAD');
      return;
    }
    const asset = assets.get(path);
    if (asset !== undefined) {
      send(res, 200, asset.type, asset.body, req.method === 'HEAD', 'no-cache');
      return;
    }
    if (path === '/' || path === '/index.html') {
      send(res, 200, 'text/html; charset=utf-8', INDEX_HTML, req.method === 'HEAD', 'no-cache');
      return;
    }
    send(res, 404, 'text/plain; charset=utf-8', 'Not found.\n');
  };

  const openLive = (req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(200, { ...securityHeaders(), 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    live.add(res);
    // Subscribed before the first byte: every change after the page sees `: live` reaches it.
    stopChanges ??= source.subscribe(broadcast);
    res.write('retry: 1000\n: live\n\n');
    req.on('close', () => leave(res));
  };

  const leave = (res: ServerResponse): void => {
    live.delete(res);
    if (live.size === 0) {
      stopChanges?.();
      stopChanges = undefined;
    }
  };

  const sendAll = (frame: string): void => {
    for (const res of live) {
      if (res.writableLength > MAX_UNSENT_BYTES) {
        res.destroy();
        leave(res);
      } else {
        res.write(frame);
      }
    }
  };

  const broadcast = (change: LiveChange): void => sendAll(`event: change\ndata: ${JSON.stringify(change)}\n\n`);

  const heartbeat = setInterval(() => sendAll(': heartbeat\n\n'), HEARTBEAT_MS);
  heartbeat.unref();

  let port: number;
  try {
    port = await listenOn(server, host, options.port ?? DEFAULT_PORT, options.port !== undefined);
  } catch (err) {
    clearInterval(heartbeat);
    throw err;
  }
  allowed = allowedHosts(host, port, localAddresses());

  return {
    url: `http://${urlHost(host, port)}/`,
    host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        stopChanges?.();
        stopChanges = undefined;
        clearInterval(heartbeat);
        for (const res of live) res.end();
        live.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function loadAssets(dir: string): Map<string, { type: string; body: Buffer }> {
  const out = new Map<string, { type: string; body: Buffer }>();
  for (const [path, { file, type }] of Object.entries(ASSETS)) {
    try {
      out.set(path, { type, body: readFileSync(join(dir, file)) });
    } catch {
      // Source maps are optional; the page itself is checked by findAssetsDir.
    }
  }
  return out;
}

function securityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headOnly = false, cache = 'no-store'): void {
  res.writeHead(status, { ...securityHeaders(), 'Content-Type': type, 'Cache-Control': cache, 'Content-Length': Buffer.byteLength(body) });
  res.end(headOnly ? undefined : body);
}

/** A header's text; typed as a possible list, which is joined as Node joins a repeated header. */
function one(header: string | string[] | undefined): string | undefined {
  return Array.isArray(header) ? header.join(',') : header;
}

function localAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
}
