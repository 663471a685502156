/**
 * The page shell and the fixed set of files the ui server serves. Every asset comes from
 * `dist/ui/` (built by the project's build); nothing is fetched from the network.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** URL path → file name in the assets directory, and its content type. Nothing else is served. */
export const ASSETS: Record<string, { file: string; type: string }> = {
  '/assets/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/assets/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
  '/assets/graph-worker.js': { file: 'graph-worker.js', type: 'text/javascript; charset=utf-8' },
  '/assets/app.js.map': { file: 'app.js.map', type: 'application/json' },
  '/assets/graph-worker.js.map': { file: 'graph-worker.js.map', type: 'application/json' },
};

/**
 * Defence in depth under the page's own rule (every record value is rendered as text,
 * markdown sanitized): no inline script, nothing from another origin, no framing.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>TaskStore</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/app.css">
<script type="module" src="/assets/app.js"></script>
</head>
<body>
<div id="app"><noscript>The TaskStore dashboard needs JavaScript.</noscript></div>
</body>
</html>
`;

/**
 * The directory holding the built page: `dist/ui/` beside the running bundle, or, when
 * running from the sources (tests), the repository's `dist/ui/`.
 */
export function findAssetsDir(): string | undefined {
  const candidates = [new URL('./ui/', import.meta.url), new URL('../ui/', import.meta.url), new URL('../../../dist/ui/', import.meta.url)];
  for (const url of candidates) {
    const dir = fileURLToPath(url);
    if (existsSync(`${dir}app.js`)) return dir;
  }
  return undefined;
}
