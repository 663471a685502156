/**
 * DNS-rebinding defence for the ui server. A page on an attacker's domain can make its
 * name resolve to 127.0.0.1 and then read our answers as same-origin; the one thing it
 * cannot forge is the `Host` header, which then carries the attacker's name. So the
 * server answers only requests whose `Host` names the address it is bound to. Pure.
 */

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

/** True for the loopback addresses and `localhost`. */
export function isLoopback(host: string): boolean {
  const h = stripBrackets(host.toLowerCase());
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** True for the "every interface" addresses. */
function isWildcard(host: string): boolean {
  const h = stripBrackets(host);
  return h === '0.0.0.0' || h === '::';
}

/**
 * The `Host` header values the server accepts, lower case.
 * - bound to a loopback address: that address and the other loopback names (`localhost`
 *   cannot be rebound: it never resolves through an attacker's DNS);
 * - bound to every interface: each local interface address (`localAddresses`) and localhost;
 * - otherwise exactly the bound host.
 * A `Host` without a port is accepted only when the port is 80 (browsers omit it then).
 * @example allowedHosts('127.0.0.1', 4711, []) // contains '127.0.0.1:4711', 'localhost:4711', '[::1]:4711'
 */
export function allowedHosts(boundHost: string, port: number, localAddresses: readonly string[]): Set<string> {
  const names = new Set<string>();
  if (isLoopback(boundHost)) {
    names.add(stripBrackets(boundHost.toLowerCase()));
    for (const n of LOOPBACK_NAMES) names.add(n);
  } else if (isWildcard(boundHost)) {
    for (const n of LOOPBACK_NAMES) names.add(n);
    for (const a of localAddresses) names.add(stripBrackets(a.toLowerCase()));
  } else {
    names.add(stripBrackets(boundHost.toLowerCase()));
  }
  const out = new Set<string>();
  for (const name of names) {
    const shown = name.includes(':') ? `[${name}]` : name;
    out.add(`${shown}:${port}`);
    if (port === 80) out.add(shown);
  }
  return out;
}

/** True when the request's `Host` header (possibly missing) is one of `allowed`. */
export function hostAllowed(header: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (header === undefined || header === '') return false;
  return allowed.has(header.trim().toLowerCase());
}

/**
 * True when a request's `Origin` header (possibly missing) allows an answer: no Origin
 * (a same-origin GET, curl), or `http://` + one of `allowed`. A page on another site
 * cannot read our answers anyway (no CORS headers), but its requests still run the API
 * and hold live connections open: they are refused before any of that. `null` (a
 * sandboxed frame, a `file:` page) is another site too.
 */
export function originAllowed(header: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (header === undefined) return true;
  const origin = header.trim().toLowerCase();
  return origin.startsWith('http://') && allowed.has(origin.slice('http://'.length));
}

/**
 * True when the request's `Sec-Fetch-Site` / `Sec-Fetch-Mode` headers (sent by every
 * current browser; absent from curl and old browsers) allow an answer. A page on another
 * site can make the browser send a GET without any `Origin` header: `<img>`, `<script>`,
 * `<link rel=prefetch>` are "no-cors" requests. It cannot read the answer, but the
 * server would still run the API for it (a search on every load, on a loop) and hold
 * `/api/events` open: such a request says `Sec-Fetch-Site: cross-site` (or `same-site`:
 * another port of this address), and is refused. A navigation from elsewhere to the page
 * (a link to `http://127.0.0.1:4711/#/prd/…` in a chat) is let through, except to `/api/`.
 */
export function fetchSiteAllowed(site: string | undefined, mode: string | undefined, path: string): boolean {
  const s = site?.trim().toLowerCase();
  if (s === undefined || s === '' || s === 'same-origin' || s === 'none') return true;
  return mode?.trim().toLowerCase() === 'navigate' && !path.startsWith('/api/');
}

/**
 * The URL of a request target, read the way HTTP defines it: `/path?query` is a path
 * (`//evil/x` included: `new URL(target, base)` would read `evil` as a host), an absolute
 * `http://host/path` names the host it is for, which must be one of `allowed` whatever
 * the `Host` header says. Anything else (`*`, garbage) is undefined.
 * @example requestUrl('//a/b', new Set()) // pathname '//a/b'
 */
export function requestUrl(target: string, allowed: ReadonlySet<string>): { url: URL } | { refused: 'host' | 'malformed' } {
  try {
    if (target.startsWith('/')) return { url: new URL(`http://localhost${target}`) };
    const url = new URL(target);
    if (url.protocol !== 'http:') return { refused: 'malformed' };
    return hostAllowed(url.host, allowed) ? { url } : { refused: 'host' };
  } catch {
    return { refused: 'malformed' };
  }
}

/** How a browser writes `host:port` in a URL (IPv6 in brackets; the wildcard shown as 127.0.0.1). */
export function urlHost(boundHost: string, port: number): string {
  const h = isWildcard(boundHost) ? '127.0.0.1' : stripBrackets(boundHost);
  return `${h.includes(':') ? `[${h}]` : h}:${port}`;
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
