/** Odd query strings against the dashboard's JSON API: a clear 400, never a silently empty answer. */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/index.js';
import { handleApi } from '../../src/ui/server/api.js';
import { startUiServer } from '../../src/ui/server/start-server.js';
import type { ErrorResponse, ExecutionPageResponse } from '../../src/ui/api-types.js';
import { openStore } from '../cli/run-cli.js';
import { tempDir } from '../helpers/temp.js';
import { rawRequest, startUiProcess } from './ui-process.js';

let store: Store;
let dir: string;
beforeEach(() => {
  dir = tempDir('taskstore-ui-api-');
  store = openStore(dir);
  const prd = store.createPrd({ title: 'p' });
  const spec = store.createTaskSpec({ prd_id: prd, phase_name: 'a' });
  store.createExecution({ ts_id: spec, worktree_path: '/wt', branch_name: 'b' });
});
afterEach(() => store.close());

function get(path: string): { status: number; body: unknown } {
  const url = new URL(path, 'http://x');
  return handleApi(store, url.pathname, url.searchParams, 1_000);
}

describe('GET /api/executions?status=', () => {
  it('an unknown status is a 400 naming the statuses, not an empty page as if nothing ran', () => {
    for (const status of ['runing', 'RUNNING', ' running']) {
      const answer = get(`/api/executions?status=${encodeURIComponent(status)}`);
      expect(answer.status, JSON.stringify(answer.body)).toBe(400);
      expect((answer.body as ErrorResponse).error).toMatchObject({ code: 'VALIDATION' });
      expect((answer.body as ErrorResponse).error.message).toContain('status must be one of running, paused, complete, failed, stopped');
    }
    const ok = get('/api/executions?status=running');
    expect(ok.status).toBe(200);
    expect((ok.body as ExecutionPageResponse).total).toBe(1);
  });
});

describe('executions another program wrote', () => {
  it('one whose ts_id is not an id (a number, null, "", an object) is listed without a task spec, over real HTTP (the whole page was a 500)', async () => {
    store.close();
    const lines = [5, null, '', { a: 1 }].map((ts_id, i) =>
      JSON.stringify({ id: `odd-${i}`, ts_id, worktree_path: '/wt', branch_name: 'b', status: 'failed', started_at: 1_700_000_000_000 + i, created_at: 1, updated_at: 1_700_000_000_000 + i }),
    );
    appendFileSync(join(dir, 'executions.jsonl'), `${lines.join('\n')}\n`);
    store = openStore(dir);
    const ui = await startUiProcess(dir);
    try {
      const answer = await rawRequest(ui.port, '/api/executions');
      expect(answer.status, answer.body).toBe(200);
      const page = JSON.parse(answer.body) as ExecutionPageResponse;
      expect(page.total).toBe(5);
      expect(page.executions.map((e) => e.id).filter((id) => id.startsWith('odd-')).sort()).toEqual(['odd-0', 'odd-1', 'odd-2', 'odd-3']);
      // The well-formed one still names its task spec.
      expect(Object.values(page.task_specs).map((t) => t.phase_name)).toEqual(['a']);
      expect((await rawRequest(ui.port, '/api/executions?status=failed')).status).toBe(200);
    } finally {
      await ui.stop();
    }
  });
});

describe('a where that writes a key twice', () => {
  it('is a 400 naming the key, over real HTTP (JSON.parse kept the last value, and the page listed the records of a filter nobody asked for)', async () => {
    const ui = await startUiServer({ store, port: 0 });
    try {
      for (const [where, key] of [['{"title":"p","title":"zzz"}', 'title'], ['{"created_at":{"gt":0,"gt":99999999999999}}', 'created_at.gt']] as const) {
        const answer = await rawRequest(ui.port, `/api/collections/prds?where=${encodeURIComponent(where)}`);
        expect(answer.status, answer.body).toBe(400);
        const { error } = JSON.parse(answer.body) as ErrorResponse;
        expect(error.code).toBe('VALIDATION');
        expect(error.message).toBe(`where: ${key} is given twice: keep one (a filter holds one value per field and operator)`);
      }
      const once = await rawRequest(ui.port, `/api/collections/prds?where=${encodeURIComponent('{"title":"p","status":"draft"}')}`);
      expect(once.status, once.body).toBe(200);
      expect(once.body).toContain('"total":1');
    } finally {
      await ui.close();
    }
  });
});

describe('a query parameter given twice', () => {
  it('is a 400 naming it, over real HTTP, on every route that reads a query; once is still answered', async () => {
    const ui = await startUiServer({ store, port: 0 });
    try {
      const cases: [path: string, name: string][] = [
        ['/api/executions?status=running&status=failed', 'status'],
        ['/api/executions?limit=5&offset=0&limit=10', 'limit'],
        ['/api/executions?limit=5&limit=5', 'limit'],
        ['/api/collections/prds?where=%7B%7D&where=%7B%22title%22%3A%22p%22%7D', 'where'],
        ['/api/collections/prds?orderBy=id&orderBy=-id', 'orderBy'],
        ['/api/search?q=p&q=zzz', 'q'],
      ];
      for (const [path, name] of cases) {
        const answer = await rawRequest(ui.port, path);
        expect(answer.status, `${path}: ${answer.body}`).toBe(400);
        expect(answer.headers['content-type']).toContain('application/json');
        const { error } = JSON.parse(answer.body) as ErrorResponse;
        expect(error.code).toBe('VALIDATION');
        expect(error.message).toBe(`query parameter "${name}" was given more than once; it takes one value`);
      }
      const once = await rawRequest(ui.port, '/api/executions?status=running&limit=5');
      expect(once.status).toBe(200);
      expect((JSON.parse(once.body) as ExecutionPageResponse).total).toBe(1);
    } finally {
      await ui.close();
    }
  });
});

describe('a query parameter the route does not read', () => {
  it('is a 400 naming it and the ones the route reads (a misspelt ?stauts= would otherwise list every execution)', () => {
    const cases: [path: string, name: string, reads: string][] = [
      ['/api/executions?stauts=failed', 'stauts', 'status, limit, offset'],
      ['/api/collections/prds?filter=%7B%7D', 'filter', 'where, orderBy, limit, offset'],
      ['/api/collections/prds?order=-id', 'order', 'where, orderBy, limit, offset'],
      ['/api/search?query=p', 'query', 'q'],
      ['/api/prds?status=active', 'status', 'limit, offset'],
      ['/api/records/zz?x=1', 'x', 'none'],
    ];
    for (const [path, name, reads] of cases) {
      const answer = get(path);
      expect(answer.status, `${path}: ${JSON.stringify(answer.body)}`).toBe(400);
      const { error } = answer.body as ErrorResponse;
      expect(error.code).toBe('VALIDATION');
      expect(error.message).toBe(`query parameter ${JSON.stringify(name)} is not one this route reads (it reads ${reads})`);
    }
    // The parameters the page sends are all read.
    expect(get('/api/executions?limit=50&offset=0&status=running').status).toBe(200);
    expect(get('/api/collections/prds?limit=50&offset=0&where=%7B%7D&orderBy=-id').status).toBe(200);
    expect(get('/api/search?q=p').status).toBe(200);
    expect(get('/api/prds').status).toBe(200);
  });
});

describe('requests a browser page on another site can make', () => {
  it('a request whose Origin is another site is refused (403, no data), the page\'s own origin and no Origin are answered', async () => {
    const ui = await startUiServer({ store, port: 0 });
    try {
      const own = `http://127.0.0.1:${ui.port}`;
      for (const origin of ['http://evil.example', `http://evil.example:${ui.port}`, 'null', `https://127.0.0.1:${ui.port}`, `http://127.0.0.1:${ui.port + 1}`]) {
        for (const path of ['/api/prds', '/api/events', '/']) {
          const answer = await rawRequest(ui.port, path, { headers: { Origin: origin } });
          expect(answer.status, `${origin} ${path}`).toBe(403);
          expect(answer.body).not.toContain('"prds"');
        }
      }
      expect((await rawRequest(ui.port, '/api/prds', { headers: { Origin: own } })).status).toBe(200);
      expect((await rawRequest(ui.port, '/api/prds', { headers: { Origin: `http://localhost:${ui.port}` } })).status).toBe(200);
      expect((await rawRequest(ui.port, '/api/prds')).status).toBe(200);
    } finally {
      await ui.close();
    }
  });

  it('a no-cors request from another site (an <img> or <script>: no Origin, Sec-Fetch-Site cross-site) is refused; navigations to the page are not', async () => {
    // A real `taskstore ui` process, asked with the headers Chromium sends for an
    // `<img src="http://127.0.0.1:PORT/api/search?q=a">` on a page of another site (no
    // Origin): the browser hides the answer, but the server ran the search, and an
    // `<img src=".../api/events">` subscribed the change feed.
    const ui = await startUiProcess(dir);
    try {
      const noCors = (site: string, dest: string): Record<string, string> => ({ 'Sec-Fetch-Site': site, 'Sec-Fetch-Mode': 'no-cors', 'Sec-Fetch-Dest': dest });
      for (const site of ['cross-site', 'same-site']) {
        for (const [path, dest] of [['/api/search?q=p', 'image'], ['/api/prds', 'script'], ['/api/events', 'image'], ['/assets/app.js', 'script']] as const) {
          const answer = await rawRequest(ui.port, path, { headers: noCors(site, dest) });
          expect(answer.status, `${site} ${path}`).toBe(403);
          expect(answer.body).not.toContain('"prds"');
          expect(answer.body).not.toContain('"results"');
        }
        // A navigation to the API from another site runs it too.
        expect((await rawRequest(ui.port, '/api/prds', { headers: { 'Sec-Fetch-Site': site, 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'document' } })).status).toBe(403);
      }
      // A link to the dashboard in another site's page, and a typed URL, open the page.
      for (const site of ['cross-site', 'none']) {
        const page = await rawRequest(ui.port, '/', { headers: { 'Sec-Fetch-Site': site, 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'document' } });
        expect(page.status, site).toBe(200);
      }
      // The page's own requests, and clients that send no Sec-Fetch headers (curl), are answered.
      const own = await rawRequest(ui.port, '/api/search?q=p', { headers: { 'Sec-Fetch-Site': 'same-origin', 'Sec-Fetch-Mode': 'cors', 'Sec-Fetch-Dest': 'empty' } });
      expect(own.status).toBe(200);
      expect(own.body).toContain('"results"');
      expect((await rawRequest(ui.port, '/assets/app.js', { headers: noCors('same-origin', 'script') })).status).toBe(200);
      expect((await rawRequest(ui.port, '/api/prds')).status).toBe(200);
    } finally {
      await ui.stop();
    }
  });

  it('the request target is read as a path: //host/… is not an authority, and an absolute URL must name this server', async () => {
    const ui = await startUiServer({ store, port: 0 });
    try {
      // `new URL('//evil/api/prds', base)` reads "evil" as a host and answers /api/prds.
      expect((await rawRequest(ui.port, '//evil/api/prds')).status).toBe(404);
      expect((await rawRequest(ui.port, '//api/prds')).status).toBe(404);
      // Absolute form names the host it is for; it must be this server, whatever Host says.
      const abs = await rawRequest(ui.port, 'http://evil.example/api/prds');
      expect(abs.status).toBe(403);
      expect(abs.body).not.toContain('"prds"');
      expect((await rawRequest(ui.port, `http://127.0.0.1:${ui.port}/api/prds`)).status).toBe(200);
      expect((await rawRequest(ui.port, '/api/prds')).status).toBe(200);
    } finally {
      await ui.close();
    }
  });
});
