/**
 * The processes of the agent-loop soak (bench group `coord`), all through the public API:
 *
 *   node child-coord.mjs daemon  <storeDir> <seconds> <resultFile>   50 async agent loops
 *   node child-coord.mjs watcher <storeDir> <seconds> <resultFile>   a TUI polling every 250 ms
 *   node child-coord.mjs feed    <storeDir> <seconds> <resultFile>   a TUI following store.changes()
 *   node child-coord.mjs cli     <storeDir> <seconds> <resultFile>   one-shot CLI calls every second
 *
 * Each writes one JSON result file when its time is up.
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { CLI_MAIN, DIST_INDEX, percentile, rng, runNode } from './lib.mjs';

const { Store } = await import(DIST_INDEX);

const [mode, dir, secondsText, resultFile] = process.argv.slice(2);
const deadline = performance.now() + Number(secondsText) * 1000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const stats = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), mean: sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length) };
};

if (mode === 'daemon') await daemon();
else if (mode === 'watcher') await watcher();
else if (mode === 'feed') await feedWatcher();
else if (mode === 'cli') await cliCaller();
else throw new Error(`unknown mode ${mode}`);

/** 50 concurrent loops in one process, like the orchestrator's daemon. */
async function daemon() {
  const store = Store.open(dir);
  const logs = store.collection({ name: 'iteration_logs', indexes: ['execution_id'] });
  const executions = store.collection({ name: 'executions' });
  const latency = {};
  const timed = (kind, fn) => {
    const t0 = performance.now();
    const result = fn();
    (latency[kind] ??= []).push(performance.now() - t0);
    return result;
  };
  const random = rng(7);
  const think = () => sleep(5 + Math.floor(random() * 46));
  const stdout = 'x'.repeat(20 * 1024);
  const acked = [];
  let iterations = 0;
  let completed = 0;
  let released = 0;
  let idle = 0;

  const loop = async (n) => {
    const me = `loop-${n}`;
    while (performance.now() < deadline) {
      const spec = timed('claim', () => store.claimNextReadyTaskSpec(me, { leaseMs: 60_000 }));
      if (spec === undefined) {
        idle++;
        await think();
        continue;
      }
      const execId = timed('create_execution', () =>
        store.createExecution({ ts_id: spec.id, worktree_path: `/work/wt/${me}`, branch_name: `ts/${spec.id.slice(0, 8)}` }),
      );
      const planned = 3 + Math.floor(random() * 18);
      let tokens = 0;
      let stopped = false;
      for (let i = 1; i <= planned; i++) {
        await think();
        if (performance.now() >= deadline) {
          stopped = true;
          break;
        }
        const used = 500 + Math.floor(random() * 4000);
        tokens += used;
        const id = timed('iteration_log', () =>
          logs.create({ execution_id: execId, iteration: i, stdout, exit_code: random() < 0.9 ? 0 : 1, duration_ms: 1000 + Math.floor(random() * 60_000), tokens_in: used, tokens_out: used >> 2 }),
        );
        acked.push(id);
        timed('patch_execution', () => executions.patch(execId, { iteration_count: i, tokens, current_phase: i < planned ? 'implement' : 'verify' }));
        iterations++;
        if (i % 4 === 0) timed('renew', () => store.renewTaskSpecClaim(spec.id, me, { leaseMs: 60_000 }));
      }
      if (stopped) {
        // Time is up mid-spec: give it back, as a loop that is told to stop would.
        timed('patch_execution', () => executions.patch(execId, { status: 'stopped' }));
        timed('release', () => store.releaseTaskSpecClaim(spec.id, me));
        released++;
      } else if (random() < 0.1) {
        timed('patch_execution', () => executions.patch(execId, { status: 'failed', error_message: 'tests failed' }));
        timed('release', () => store.releaseTaskSpecClaim(spec.id, me));
        released++;
      } else {
        timed('complete', () => store.completeExecution(execId, { claimant: me }));
        completed++;
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 50 }, (_, n) => loop(n)));
  const seconds = (performance.now() - t0) / 1000;
  store.close();
  writeFileSync(
    resultFile,
    JSON.stringify({
      seconds,
      iterations,
      completed,
      released,
      idle,
      latency: Object.fromEntries(Object.entries(latency).map(([k, v]) => [k, stats(v)])),
      acked,
    }),
  );
}

/** What a TUI does without a change feed: re-list what it shows every 250 ms. */
async function watcher() {
  const store = Store.open(dir);
  const ticks = [];
  const cpu0 = process.cpuUsage();
  let shown = 0;
  while (performance.now() < deadline) {
    const t0 = performance.now();
    const running = store.listActiveExecutions();
    const ready = store.listReadyTaskSpecs();
    ticks.push(performance.now() - t0);
    shown = running.length + ready.length;
    await sleep(250);
  }
  const cpu = process.cpuUsage(cpu0);
  store.close();
  writeFileSync(resultFile, JSON.stringify({ ticks: stats(ticks), cpuMs: (cpu.user + cpu.system) / 1000, shown }));
}

/** The same TUI following the change feed: one small update per change instead of re-listing. */
async function feedWatcher() {
  const store = Store.open(dir);
  if (typeof store.changes !== 'function') {
    store.close();
    writeFileSync(resultFile, JSON.stringify({ unavailable: 'store.changes() is not in this build' }));
    return;
  }
  const running = new Map();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), Math.max(0, deadline - performance.now()));
  const costs = [];
  const cpu0 = process.cpuUsage();
  let changes = 0;
  try {
    for await (const change of store.changes({ collections: ['executions', 'task_specs'], signal: controller.signal })) {
      const t0 = performance.now();
      if (change.collection === 'executions') {
        if (change.op !== 'delete' && change.record.status === 'running') running.set(change.id, change.record);
        else running.delete(change.id);
      }
      costs.push(performance.now() - t0);
      changes++;
    }
  } catch (err) {
    if (err?.name !== 'AbortError') throw err;
  }
  clearTimeout(timer);
  const cpu = process.cpuUsage(cpu0);
  store.close();
  writeFileSync(resultFile, JSON.stringify({ changes, perChange: stats(costs), cpuMs: (cpu.user + cpu.system) / 1000, shown: running.size }));
}

/**
 * One-shot CLI calls every second: `ready --json`, `show`, `update --set` on a running
 * execution, and `node -e 0` (the start-up floor under the same load, for comparison).
 */
async function cliCaller() {
  const store = Store.open(dir);
  const latency = { ready: [], show: [], update: [], node: [] };
  const marks = {};
  const failures = [];
  let k = 0;
  while (performance.now() < deadline) {
    const started = performance.now();
    const kind = ['ready', 'show', 'update', 'node'][k % 4];
    let args;
    if (kind === 'node') {
      latency.node.push(runNode(['-e', '0']).ms);
      k++;
      await sleep(Math.max(0, 1000 - (performance.now() - started)));
      continue;
    }
    if (kind === 'ready') args = ['--json', 'ready'];
    else if (kind === 'show') {
      const specs = store.listPendingTaskSpecs();
      const spec = specs[k % Math.max(1, specs.length)] ?? store.listReadyTaskSpecs()[0] ?? store.collection({ name: 'task_specs' }).list({ limit: 1 })[0];
      args = ['show', spec.id];
    } else {
      const running = store.listActiveExecutions();
      const target = running[k % Math.max(1, running.length)];
      if (target === undefined) {
        k++;
        await sleep(1000);
        continue;
      }
      args = ['update', target.id, '--set', `cli_mark=${k}`];
    }
    const r = runNode([CLI_MAIN, '--store', dir, ...args]);
    if (r.status !== 0) failures.push(`${args.join(' ')}: exit ${r.status}: ${r.stderr.trim().split('\n')[0]}`);
    else {
      latency[kind].push(r.ms);
      if (kind === 'update') marks[args[1]] = k;
    }
    k++;
    await sleep(Math.max(0, 1000 - (performance.now() - started)));
  }
  store.close();
  writeFileSync(resultFile, JSON.stringify({ latency: Object.fromEntries(Object.entries(latency).map(([k2, v]) => [k2, stats(v)])), marks, failures }));
}
