/**
 * Scenario U: `taskstore ui` at scale — 10,000 task specs (one PRD holding 500 of them)
 * and 2,000 executions. The server runs as a real `taskstore ui` child process; the
 * page runs in headless Chromium when /usr/bin/chromium exists (rows U1 and U6 are
 * unavailable otherwise).
 *
 *   U1  first page (PRD list) drawn in Chromium     vs a static HTML list of the same PRDs
 *   U2  GET /api/prds/:id (the 500-spec PRD)         vs listTaskSpecs in-process + JSON
 *   U3  GET /api/executions (first page)             vs listExecutionsPaginated in-process + JSON
 *   U4  GET /api/search?q=…                          vs one LIKE list in-process + JSON
 *   U5  write → change on the page's live channel    vs the same write → `taskstore watch --json` line
 *   U6  the 500-spec graph laid out and drawn        vs the same PRD's board drawn
 *   U7  GET /api/prds (the first page's data)        vs listPrds in-process + JSON
 *   U8  the PRD list's progress at 1,000+ PRDs: one grouped query (`prdProgress()`)
 *       vs the old way, two counts per PRD, in the same run
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CLI_MAIN, DIST_INDEX, gc, groupMain, log, rng, row, summarize, tempDir, unavailableRow } from './lib.mjs';

const { Store } = await import(DIST_INDEX);
const CHROMIUM = '/usr/bin/chromium';

await groupMain(async (ctx) => {
  const totalSpecs = ctx.scale(10_000);
  const graphSpecs = ctx.scale(500);
  const executions = ctx.scale(2_000);
  const prdSize = 100;
  const reps = ctx.quick ? 5 : 15;
  log(`scenario U: ${totalSpecs} task specs (one PRD of ${graphSpecs}), ${executions} executions; ${reps} repeats`);

  const storeDir = join(tempDir(ctx.workRoot, 'ui-store'), '.taskstore');
  const seed = seedStore(storeDir, { totalSpecs, graphSpecs, executions, prdSize });
  const ui = await startUi(storeDir);
  const store = Store.open(storeDir, { durability: 'none' });
  const stopWatch = [];
  try {
    // ---- API rows: the same data through HTTP + JSON vs the library in-process + JSON.
    const api = async (id, what, path, baselineFn, baselineWhat) => {
      await getJson(ui.port, path); // warm
      baselineFn();
      const pairs = { store: [], baseline: [] };
      for (let i = 0; i < reps; i++) {
        gc();
        let t = performance.now();
        await getJson(ui.port, path);
        pairs.store.push(performance.now() - t);
        t = performance.now();
        baselineFn();
        pairs.baseline.push(performance.now() - t);
      }
      ctx.rows.push(row({ id, what, unit: 'ms', pairs, baselineWhat, extraGoal: { text: '≤ 1000 ms', test: (ms) => ms <= 1000 } }));
    };
    await api('U7', 'GET /api/prds (first page data: every PRD with complete / total specs)', '/api/prds', () => JSON.stringify(store.listPrds()), 'listPrds() in-process + JSON (no progress)');
    await api('U2', `GET /api/prds/:id (board data, ${graphSpecs} specs)`, `/api/prds/${seed.graphPrd}`, () => JSON.stringify(store.listTaskSpecs(seed.graphPrd)), 'listTaskSpecs(id) in-process + JSON.stringify');
    await api('U3', `GET /api/executions (first page of ${executions}, running first)`, '/api/executions?limit=50', () => JSON.stringify(store.listExecutionsPaginated(undefined, 50, 0)), 'listExecutionsPaginated(undefined, 50, 0) + JSON');
    await api(
      'U4',
      `GET /api/search?q=… (id prefix + title over ${totalSpecs} specs)`,
      '/api/search?q=phase-77',
      () => JSON.stringify(store.collection({ name: 'task_specs' }).list({ where: { phase_name: { like: '%phase-77%' } }, limit: 50 })),
      'one LIKE list on task_specs in-process + JSON',
    );

    // ---- U5: live latency. Each write is acknowledged in this process; both a page's
    // live channel (SSE from the ui process) and `taskstore watch --json` must see it.
    const sse = await openSse(ui.port);
    const watcher = await startWatch(storeDir);
    stopWatch.push(() => sse.close(), () => watcher.stop());
    const writes = ctx.quick ? 10 : 30;
    const specs = store.collection({ name: 'task_specs' });
    const pairs = { store: [], baseline: [] };
    for (let i = 0; i < writes; i++) {
      const id = seed.someSpecs[i % seed.someSpecs.length];
      const sawSse = sse.next((c) => c.id === id);
      const sawWatch = watcher.next((c) => c.id === id);
      const t0 = performance.now();
      specs.patch(id, { description: `live ${i}` });
      const [a, b] = await Promise.all([sawSse, sawWatch]);
      pairs.store.push(a - t0);
      pairs.baseline.push(b - t0);
      await sleep(50);
    }
    const p = summarize(pairs.store);
    ctx.rows.push(
      row({
        id: 'U5',
        what: 'write by another process → change on the page’s live channel (SSE)',
        unit: 'ms',
        pairs,
        baselineWhat: 'the same write → `taskstore watch --json` line',
        extraGoal: { text: '≤ 1000 ms', test: (ms) => ms <= 1000 },
        note: `p95 ${p.p95.toFixed(1)} ms, max ${p.max.toFixed(1)} ms over ${writes} writes`,
      }),
    );

    // ---- Browser rows.
    if (!existsSync(CHROMIUM)) {
      ctx.rows.push(unavailableRow('U1', 'first page in Chromium', `${CHROMIUM} missing (apt-get install -y chromium)`));
      ctx.rows.push(unavailableRow('U6', 'graph of one PRD in Chromium', `${CHROMIUM} missing (apt-get install -y chromium)`));
    } else {
      await browserRows(ctx, ui, seed, reps);
    }
  } finally {
    for (const fn of stopWatch) await fn();
    store.close();
    await ui.stop();
  }
  manyPrdsRow(ctx, reps);
});

/**
 * U8: the PRD list's data (every PRD with complete / total task specs) on a store of many
 * small PRDs, built the way `/api/prds` builds it now (listPrds + one grouped count) and
 * the way it did before (listPrds + two counts per PRD), alternating in one process.
 * 1,000+ PRDs in quick mode too: the per-PRD cost is what the row is about.
 */
function manyPrdsRow(ctx, reps) {
  const prdCount = ctx.quick ? 1_000 : 2_000;
  const specsPerPrd = 5;
  const dir = join(tempDir(ctx.workRoot, 'ui-many-prds'), '.taskstore');
  const t = performance.now();
  const store = Store.open(dir, { durability: 'none' });
  try {
    const random = rng(11);
    store.transaction(() => {
      for (let p = 0; p < prdCount; p++) {
        const prd = store.createPrd({ title: `PRD ${p}`, status: 'active' });
        for (let i = 0; i < specsPerPrd; i++) store.createTaskSpec({ prd_id: prd, phase_name: `p${p}-${i}`, status: random() < 0.5 ? 'complete' : 'pending' });
      }
    });
    log(`U8: ${prdCount} PRDs × ${specsPerPrd} specs seeded in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const specs = store.collection({ name: 'task_specs' });
    const grouped = () => {
      const progress = store.prdProgress();
      return store.listPrds().map((prd) => ({ prd, progress: progress.get(prd.id) ?? { complete: 0, total: 0 } }));
    };
    const perPrd = () =>
      store.listPrds().map((prd) => ({
        prd,
        progress: { complete: specs.count({ where: { prd_id: prd.id, status: { like: 'complete' } } }), total: specs.count({ where: { prd_id: prd.id } }) },
      }));
    // Both ways must give the same answer, or the row compares nothing.
    const a = JSON.stringify(grouped());
    if (a !== JSON.stringify(perPrd())) throw new Error('U8: the grouped progress differs from the per-PRD counts');
    const pairs = { store: [], baseline: [] };
    for (let i = 0; i < reps; i++) {
      gc();
      let t0 = performance.now();
      grouped();
      pairs.store.push(performance.now() - t0);
      t0 = performance.now();
      perPrd();
      pairs.baseline.push(performance.now() - t0);
    }
    ctx.rows.push(
      row({
        id: 'U8',
        what: `PRD list data at ${prdCount.toLocaleString('en-US')} PRDs (${(prdCount * specsPerPrd).toLocaleString('en-US')} specs): listPrds + prdProgress() (one grouped query)`,
        unit: 'ms',
        pairs,
        baselineWhat: 'listPrds + two counts per PRD (what /api/prds did before)',
      }),
    );
  } finally {
    store.close();
  }
}

async function browserRows(ctx, ui, seed, reps) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // A static page listing the same PRDs: what a browser needs to fetch and draw this much, with no app at all.
  const prds = JSON.parse(await getJson(ui.port, '/api/prds')).prds;
  const html = `<!doctype html><meta charset="utf-8"><ul>${prds.map((p) => `<li class="prd-row"><a>${escapeHtml(p.prd.title)}</a> ${p.progress.complete} / ${p.progress.total}</li>`).join('')}</ul>`;
  const staticServer = createServer((_req, res) => res.end(html));
  await new Promise((r) => staticServer.listen(0, '127.0.0.1', r));
  const staticPort = staticServer.address().port;
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const timeTo = async (url, selector, count) => {
      await page.goto('about:blank');
      const t = performance.now();
      await page.goto(url);
      await page.waitForFunction(([s, n]) => document.querySelectorAll(s).length >= n, [selector, count], { timeout: 60_000, polling: 'raf' });
      return performance.now() - t;
    };
    const first = { store: [], baseline: [] };
    const graph = { store: [], baseline: [] };
    await timeTo(`${ui.url}#/`, '.prd-row', prds.length); // warm the browser's cache of the bundle, as a second visit would
    for (let i = 0; i < reps; i++) {
      first.store.push(await timeTo(`${ui.url}#/`, '.prd-row', prds.length));
      first.baseline.push(await timeTo(`http://127.0.0.1:${staticPort}/`, '.prd-row', prds.length));
    }
    const graphReps = Math.max(3, Math.round(reps / 3));
    for (let i = 0; i < graphReps; i++) {
      graph.store.push(await timeTo(`${ui.url}#/prd/${seed.graphPrd}/graph`, '.node-link', seed.graphSpecs));
      graph.baseline.push(await timeTo(`${ui.url}#/prd/${seed.graphPrd}`, '.card', seed.graphSpecs));
    }
    ctx.rows.push(
      row({
        id: 'U1',
        what: `first page in Chromium: PRD list of ${prds.length} PRDs with progress drawn`,
        unit: 'ms',
        pairs: first,
        baselineWhat: 'a static HTML list of the same PRDs',
        extraGoal: { text: '≤ 1000 ms', test: (ms) => ms <= 1000 },
      }),
    );
    ctx.rows.push(
      row({
        id: 'U6',
        what: `dependency graph of one PRD (${seed.graphSpecs} specs) laid out (dagre, in a worker) and drawn`,
        unit: 'ms',
        pairs: graph,
        baselineWhat: 'the same PRD’s board drawn',
        extraGoal: { text: '≤ 5000 ms', test: (ms) => ms <= 5000 },
      }),
    );
    await context.close();
  } finally {
    await browser.close();
    await new Promise((r) => staticServer.close(r));
  }
}

// ---------------------------------------------------------------- data

function seedStore(dir, { totalSpecs, graphSpecs, executions, prdSize }) {
  const t = performance.now();
  const store = Store.open(dir, { durability: 'none' });
  const random = rng(7);
  const now = Date.now();
  const statusOf = () => {
    const x = random();
    return x < 0.4 ? 'complete' : x < 0.5 ? 'running' : x < 0.55 ? 'failed' : 'pending';
  };
  const allSpecs = [];
  let graphPrd;
  store.transaction(() => {
    let made = 0;
    let p = 0;
    while (made < totalSpecs) {
      const size = p === 0 ? graphSpecs : Math.min(prdSize, totalSpecs - made);
      const prd = store.createPrd({ title: `PRD ${p}: feature ${p}`, status: 'active', content: `# PRD ${p}\n\nBody.` });
      if (p === 0) graphPrd = prd;
      const ids = [];
      for (let i = 0; i < size; i++) {
        const deps = [];
        for (let k = 0; k < 2 && ids.length > 0; k++) if (random() < 0.7) deps.push(ids[Math.max(0, ids.length - 1 - Math.floor(random() * 10))]);
        const status = statusOf();
        const claim = status === 'running' ? { assigned_to: `agent-${i % 50}`, lease_expires_at: now + 300_000 } : {};
        ids.push(store.createTaskSpec({ prd_id: prd, phase_name: `phase-${p}-${i}`, status, dependencies: [...new Set(deps)], ...claim }));
      }
      allSpecs.push(...ids);
      made += size;
      p++;
    }
    for (let i = 0; i < executions; i++) {
      const ts = allSpecs[Math.floor(random() * allSpecs.length)];
      store.createExecution({ ts_id: ts, worktree_path: `/wt/${i}`, branch_name: `ts/${i}`, status: random() < 0.1 ? 'running' : 'complete', started_at: now - Math.floor(random() * 86_400_000), iteration_count: Math.floor(random() * 10) });
    }
  });
  store.close();
  log(`seeded in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return { graphPrd, graphSpecs, someSpecs: allSpecs.slice(-40) };
}

// ---------------------------------------------------------------- processes and HTTP

function startUi(storeDir) {
  const child = spawn(process.execPath, [CLI_MAIN, '--store', storeDir, '--json', 'ui', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0 && out.length > 0) {
        const { url, port } = JSON.parse(out.slice(0, nl));
        resolve({ url, port, stop: () => stopChild(child) });
      }
    });
    child.on('exit', (code) => reject(new Error(`taskstore ui exited ${code}`)));
  });
}

function startWatch(storeDir) {
  const child = spawn(process.execPath, [CLI_MAIN, '--store', storeDir, 'watch', '--json', '--collection', 'task_specs'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = lineWaiter((line) => JSON.parse(line));
  let buf = '';
  child.stdout.on('data', (d) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.trim() !== '') lines.push(line);
    }
  });
  // Give the watcher a moment to subscribe before the first write.
  return sleep(1500).then(() => ({ next: lines.next, stop: () => stopChild(child) }));
}

function openSse(port) {
  const events = lineWaiter((data) => JSON.parse(data));
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/events', headers: { Host: `127.0.0.1:${port}` } }, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        buf += d;
        let end;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          if (frame.startsWith('event: change') && data !== undefined) events.push(data.slice(6));
        }
      });
      resolve({ next: events.next, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Items pushed by a stream; `next(pred)` resolves with performance.now() when a matching one arrives. */
function lineWaiter(parse) {
  const waiters = [];
  return {
    push(text) {
      const at = performance.now();
      let item;
      try {
        item = parse(text);
      } catch {
        return;
      }
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i].pred(item)) {
          waiters[i].resolve(at);
          waiters.splice(i, 1);
        }
      }
    },
    next(pred) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no change within 30 s')), 30_000);
        waiters.push({ pred, resolve: (at) => (clearTimeout(timer), resolve(at)) });
      });
    },
  };
}

function getJson(port, path) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { Host: `127.0.0.1:${port}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${path}: HTTP ${res.statusCode} ${body}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

function stopChild(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function escapeHtml(s) {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}


