/** The ui server over real HTTP: ports, the live channel, assets, the CLI command's errors. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { connect } from 'node:net';
import type { LiveChange } from '../../src/ui/api-types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { listenOn } from '../../src/ui/server/listen.js';
import { startUiServer, type UiServer } from '../../src/ui/server/start-server.js';
import { feedChanges, type ChangeSource } from '../../src/ui/server/live-changes.js';
import type { Store } from '../../src/index.js';
import { CLI } from '../helpers/paths.js';
import { staticImportClosure } from '../helpers/static-imports.js';
import { tempDir } from '../helpers/temp.js';
import { openStore, runCli } from '../cli/run-cli.js';
import { rawRequest, startUiProcess, type UiProcess } from './ui-process.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function serverOn(): Server {
  const s = createServer((_req, res) => res.end('other'));
  cleanups.push(() => new Promise<void>((r) => s.close(() => r())));
  return s;
}

describe('ports', () => {
  it('takes the next free port after a busy default, and exactly the port asked for', async () => {
    const busy = serverOn();
    const port = await listenOn(busy, '127.0.0.1', 0, true);
    const next = serverOn();
    const got = await listenOn(next, '127.0.0.1', port, false);
    expect(got).toBeGreaterThan(port);
    await expect(listenOn(serverOn(), '127.0.0.1', port, true)).rejects.toThrow(`port ${port} on 127.0.0.1 is in use`);
  });

  it('the CLI fails clearly on a busy --port, a port out of range, and an address not of this machine', async () => {
    const busy = serverOn();
    const port = await listenOn(busy, '127.0.0.1', 0, true);
    const cwd = tempDir('taskstore-ui-cli-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const r = runCli(['ui', '--port', String(port)], { cwd });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`port ${port} on 127.0.0.1 is in use`);
    expect(r.stderr).toContain('hint:');
    const range = runCli(['ui', '--port', '70000'], { cwd });
    expect(range.status).toBe(2);
    expect(range.stderr).toContain('--port must be from 0 to 65535');
    const far = runCli(['ui', '--host', '192.0.2.1', '--port', '0'], { cwd });
    expect(far.status).toBe(1);
    expect(far.stderr).toContain('not an address of this machine');
  });

  it('the CLI refuses to start without a store', () => {
    const r = runCli(['ui'], { cwd: tempDir('taskstore-ui-nostore-') });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('no TaskStore found');
  });
});

describe('the running server', () => {
  let store: Store;
  let ui: UiServer;

  const start = async (): Promise<void> => {
    store = openStore(tempDir('taskstore-ui-srv-'));
    ui = await startUiServer({ store, port: 0 });
    cleanups.push(() => store.close(), () => ui.close());
  };

  it('serves the page shell, its assets and nothing else, with security headers', async () => {
    await start();
    const page = await rawRequest(ui.port, '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('<script type="module" src="/assets/app.js">');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['x-frame-options']).toBe('DENY');
    const js = await rawRequest(ui.port, '/assets/app.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toContain('text/javascript');
    expect((await rawRequest(ui.port, '/assets/app.css')).headers['content-type']).toContain('text/css');
    expect((await rawRequest(ui.port, '/assets/graph-worker.js')).status).toBe(200);
    for (const path of ['/assets/../../package.json', '/assets/%2e%2e/package.json', '/package.json', '/assets/', '/dist/ui/app.js']) {
      expect((await rawRequest(ui.port, path)).status, path).toBe(404);
    }
    const head = await rawRequest(ui.port, '/api/prds', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(ui.url).toBe(`http://127.0.0.1:${ui.port}/`);
  });

  it('streams a change made by another process over server-sent events, and close() ends the stream', async () => {
    await start();
    const events: string[] = [];
    let ended = false;
    const req = request({ host: '127.0.0.1', port: ui.port, path: '/api/events', headers: { Host: `127.0.0.1:${ui.port}` } }, (res) => {
      expect(res.headers['content-type']).toContain('text/event-stream');
      res.setEncoding('utf8');
      res.on('data', (d: string) => events.push(d));
      res.on('end', () => (ended = true));
    });
    req.end();
    await expect.poll(() => events.join(''), { timeout: 10_000 }).toContain(': live');
    const created = spawnSync(process.execPath, [CLI, '--store', store.dir, '--json', 'create-prd', 'From elsewhere'], { encoding: 'utf8' });
    expect(created.status, created.stderr).toBe(0);
    const id = JSON.parse(created.stdout).id as string;
    await expect.poll(() => events.join(''), { timeout: 10_000 }).toContain('event: change');
    const frame = events.join('').split('\n\n').find((f) => f.startsWith('event: change'))!;
    const data = JSON.parse(frame.split('\n').find((l) => l.startsWith('data: '))!.slice(6));
    expect(data).toMatchObject({ collection: 'prds', id, op: 'create' });
    expect(typeof data.updated_at).toBe('number');
    await ui.close();
    await expect.poll(() => ended, { timeout: 10_000 }).toBe(true);
  });

  it('reads the change feed only while a page listens: none before, one for two pages, released when the last leaves', async () => {
    store = openStore(tempDir('taskstore-ui-idle-'));
    // The store's own feed, counted: how many subscriptions are open right now.
    const feed = feedChanges(store);
    let open = 0;
    const counted: ChangeSource = {
      subscribe(listener) {
        open++;
        const stop = feed.subscribe(listener);
        return () => {
          open--;
          stop();
        };
      },
    };
    ui = await startUiServer({ store, port: 0, changes: counted });
    cleanups.push(() => store.close(), () => ui.close());
    expect((await rawRequest(ui.port, '/api/prds')).status).toBe(200);
    expect((await rawRequest(ui.port, '/api/events', { method: 'HEAD' })).status).toBe(200);
    expect(open).toBe(0);

    const connect = () => {
      const events: string[] = [];
      const req = request({ host: '127.0.0.1', port: ui.port, path: '/api/events', headers: { Host: `127.0.0.1:${ui.port}` } }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (d: string) => events.push(d));
      });
      req.on('error', () => {}); // destroyed on purpose below
      req.end();
      return { events, req };
    };
    const first = connect();
    await expect.poll(() => first.events.join(''), { timeout: 10_000 }).toContain(': live');
    expect(open).toBe(1);
    const second = connect();
    await expect.poll(() => second.events.join(''), { timeout: 10_000 }).toContain(': live');
    expect(open).toBe(1);

    const created = spawnSync(process.execPath, [CLI, '--store', store.dir, '--json', 'create-prd', 'While watched'], { encoding: 'utf8' });
    expect(created.status, created.stderr).toBe(0);
    const id = JSON.parse(created.stdout).id as string;
    for (const page of [first, second]) await expect.poll(() => page.events.join(''), { timeout: 10_000 }).toContain(id);

    first.req.destroy();
    await new Promise((r) => setTimeout(r, 100)); // let the server see the first leave
    expect(open).toBe(1);
    second.req.destroy();
    await expect.poll(() => open, { timeout: 10_000 }).toBe(0);

    // A later page subscribes afresh and still gets changes.
    const third = connect();
    await expect.poll(() => third.events.join(''), { timeout: 10_000 }).toContain(': live');
    expect(open).toBe(1);
    const again = spawnSync(process.execPath, [CLI, '--store', store.dir, '--json', 'create-prd', 'Seen again'], { encoding: 'utf8' });
    expect(again.status, again.stderr).toBe(0);
    await expect.poll(() => third.events.join(''), { timeout: 10_000 }).toContain(JSON.parse(again.stdout).id as string);
    third.req.destroy();
    await expect.poll(() => open, { timeout: 10_000 }).toBe(0);
  });
});

describe('a live connection that stops reading', () => {
  it('is cut once a bounded amount of changes waits for it, instead of the server holding every change for it forever', async () => {
    const store = openStore(tempDir('taskstore-ui-stalled-'));
    let emit: ((change: LiveChange) => void) | undefined;
    const source: ChangeSource = {
      subscribe(listener) {
        emit = listener;
        return () => (emit = undefined);
      },
    };
    const ui = await startUiServer({ store, port: 0, changes: source });
    cleanups.push(() => store.close(), () => ui.close());
    // A client that sends its request and then reads nothing (a frozen tab, a suspended `curl`).
    const socket = connect(ui.port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write(`GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${ui.port}\r\n\r\n`);
    let received = 0;
    const first = new Promise<void>((r) => socket.once('data', (d: Buffer) => ((received += d.length), r())));
    await first;
    socket.pause();
    await expect.poll(() => emit !== undefined, { timeout: 10_000 }).toBe(true);
    // 64 MiB of change frames: far more than the socket buffers of both ends hold.
    const frame: LiveChange = { collection: 'notes', id: 'x'.repeat(400), op: 'update', updated_at: 1 };
    let sent = 0;
    for (let i = 0; i < 120_000 && emit !== undefined; i++, sent++) emit(frame);
    expect(emit, 'the stalled page was let go: the last one gone, the feed is released').toBeUndefined();
    const ended = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('data', (d: Buffer) => (received += d.length));
    socket.resume();
    await ended;
    expect(sent).toBeLessThan(120_000);
    expect(received).toBeLessThan(32 * 1024 * 1024);
  });
});

describe('the ui command as a process', () => {
  let proc: UiProcess | undefined;
  afterEach(async () => proc?.stop());

  it('prints its URL and stops cleanly on SIGTERM', async () => {
    const cwd = tempDir('taskstore-ui-proc-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    proc = await startUiProcess(`${cwd}/.taskstore`);
    expect(proc.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect((await rawRequest(proc.port, '/api/collections')).status).toBe(200);
    const exited = new Promise<number | null>((r) => proc!.child.once('exit', (code) => r(code)));
    proc.child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

it('other commands do not load the ui: nothing the CLI imports at start-up contains it', () => {
  // Follow the static imports of dist/cli/main.js; the ui arrives only through import().
  const files = staticImportClosure(CLI);
  for (const [file, text] of files) {
    expect(text, file).not.toContain('text/event-stream');
    expect(text, file).not.toContain('TaskStore dashboard:');
  }
  expect(files.size).toBeGreaterThan(1);
  const program = readFileSync(CLI, 'utf8');
  expect(program).toMatch(/import\("\.\.\/ui-[A-Z0-9]+\.js"\)/);
});
