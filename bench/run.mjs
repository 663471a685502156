#!/usr/bin/env node
/**
 * `npm run bench` — TaskStore against hand-written baselines measured in the same run.
 *
 *   node bench/run.mjs [--quick] [--only writes,reads,rebuild,processes,peers,coord,mcp,feed,ui,gitsync]
 *
 * Each scenario group runs in its own child process (`node --expose-gc bench/group-*.mjs`)
 * so that one group's heap, page cache use or open handles cannot skew another. Prints
 * one table and writes bench/results.json. Temporary data lives under os.tmpdir() and is
 * removed at the end.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { BENCH_DIR, DIST_INDEX, REPO_DIR, log, removeDir, unavailableRow } from './lib.mjs';
import { formatTable } from './format.mjs';

const GROUPS = [
  { name: 'writes', script: 'group-writes.mjs', ids: ['1a', '1b', '1c', '2', '10', '10b', '10c', '10d'], title: 'durable writes' },
  { name: 'reads', script: 'group-reads.mjs', ids: ['3a', '3b', '3c', '3d', '3e'], title: 'reads' },
  { name: 'rebuild', script: 'group-rebuild.mjs', ids: ['4a', '4b', '4c', '4d', '5a', '5b', '5c', '5d', '5e', '9a'], title: 'rebuild and refresh' },
  { name: 'processes', script: 'group-processes.mjs', ids: ['6', '6b', '6c', '6d', '7', '7b'], title: 'merge driver and CLI' },
  { name: 'peers', script: 'group-peers.mjs', ids: ['8a', '8b', '8c', '8d', '8e', '8f'], title: 'peer: @seald-io/nedb' },
  { name: 'coord', script: 'group-coord.mjs', ids: ['C1', 'C2', 'C2b', 'C3', 'C12', 'C4', 'C4b', 'C5', 'C6a', 'C6b', 'C6c', 'C6d', 'C6e', 'C7', 'C8', 'C9', 'C10'], title: 'coordination: queries at 10k specs, agent-loop soak' },
  { name: 'mcp', script: 'group-mcp.mjs', ids: ['M1', 'M2', 'M3'], title: 'MCP server' },
  { name: 'feed', script: 'group-feed.mjs', ids: ['W1', 'W2', 'W3', 'W5', 'W4'], title: 'change feed (watch)' },
  { name: 'ui', script: 'group-ui.mjs', ids: ['U1', 'U2', 'U3', 'U4', 'U5', 'U6', 'U7', 'U8'], title: 'taskstore ui at 10,000 specs' },
  { name: 'gitsync', script: 'group-gitsync.mjs', ids: ['11a', '11b', '11c'], title: 'git-sync between clones' },
  { name: 'safety', script: 'group-safety.mjs', ids: ['s1', 's2'], title: 'data safety on the write path' },
];

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only'));
const only = onlyArg ? (onlyArg.includes('=') ? onlyArg.split('=')[1] : args[args.indexOf(onlyArg) + 1]).split(',') : null;

if (!existsSync(DIST_INDEX)) {
  console.error('bench: dist/index.js is missing; run `npm run build` first (npm run bench does it for you)');
  process.exit(2);
}

const started = performance.now();
const workRoot = mkdtempSync(join(os.tmpdir(), 'taskstore-bench-'));
const cleanup = () => removeDir(workRoot);
/** The running group: its own process group, so that an interrupted run leaves no child behind. */
let current = null;
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
  process.on(signal, () => {
    if (current !== null) {
      try {
        process.kill(-current.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    cleanup();
    process.exit(code);
  });
}

/** Runs one group script to completion (asynchronously, so a signal can stop it); resolves to its exit status. */
function runGroup(args) {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'], detached: true });
    current = child;
    child.on('error', () => resolvePromise(-1));
    child.on('exit', (status, signal) => {
      current = null;
      resolvePromise(status ?? (signal ? `signal ${signal}` : -1));
    });
  });
}

const machine = machineFacts();
log(`machine: ${machine.cpu} ×${machine.cores}, ${machine.totalMemGiB} GiB, Node ${machine.node}, SQLite ${machine.sqlite}${quick ? ' (quick run: sizes ÷10)' : ''}`);

const rows = [];
const details = {};
try {
  for (const group of GROUPS) {
    if (only !== null && !only.includes(group.name)) continue;
    const resultFile = join(workRoot, `result-${group.name}.json`);
    log(`group ${group.name} (${group.title})`);
    const t0 = performance.now();
    const status = await runGroup(['--expose-gc', join(BENCH_DIR, group.script), resultFile, workRoot, ...(quick ? ['--quick'] : [])]);
    const seconds = (performance.now() - t0) / 1000;
    if (status === 0 && existsSync(resultFile)) {
      const result = JSON.parse(readFileSync(resultFile, 'utf8'));
      rows.push(...result.rows);
      details[group.name] = { ...result.details, seconds };
    } else {
      log(`group ${group.name} failed (exit ${status})`);
      for (const id of group.ids) rows.push(unavailableRow(id, group.title, `group ${group.name} failed (exit ${status}); see the log above`));
      details[group.name] = { failed: true, exit: status, seconds };
    }
  }
} finally {
  cleanup();
}

const totalSeconds = (performance.now() - started) / 1000;
machine.loadAverageAtEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
const results = { machine, quick, totalSeconds, rows, details };
writeFileSync(join(BENCH_DIR, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);

console.log('');
console.log(`TaskStore benchmark — ${machine.date}${quick ? ' — QUICK run (sizes ÷10): smoke test only, not for comparison' : ''}`);
console.log(`${machine.cpu}, ${machine.cores} cores, ${machine.totalMemGiB} GiB RAM, ${machine.platform}, ${machine.tmpdirFilesystem} at ${machine.tmpdir}, Node ${machine.node}, SQLite ${machine.sqlite}`);
console.log(`Load average (1/5/15 min) at start ${machine.loadAverageAtStart.join(' / ')}, at end ${machine.loadAverageAtEnd.join(' / ')} (the machine is shared: compare ratios, not absolute figures)`);
console.log('Ratio = TaskStore cost ÷ baseline cost, both measured in this run (for rates: baseline rate ÷ TaskStore rate); lower is better.');
const paired = rows.filter((r) => r.pairs !== undefined && r.pairs !== null).map((r) => r.id);
console.log(
  `Rows ${paired.join(', ')}: each column is that side's median over the repeats and the ratio is the median of the per-repeat ratios (each pair run back to back); other rows: the ratio of the two figures shown.`,
);
console.log('');
console.log(formatTable(rows));
console.log('');
const withGoals = rows.filter((r) => r.met !== null);
console.log(`${withGoals.filter((r) => r.met).length} of ${withGoals.length} goals met; total ${totalSeconds.toFixed(0)} s; results in ${join('bench', 'results.json')}`);

/** The file system type holding `path` (Linux findmnt), or 'unknown'. */
function filesystemOf(path) {
  try {
    const r = spawnSync('findmnt', ['-n', '-o', 'FSTYPE', '-T', path], { encoding: 'utf8', timeout: 5000 });
    return r.status === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : 'unknown';
  } catch {
    return 'unknown';
  }
}

function machineFacts() {
  const cpus = os.cpus();
  const db = new Database(':memory:');
  const sqlite = db.prepare('select sqlite_version() AS v').get().v;
  db.close();
  let betterSqlite = 'unknown';
  try {
    betterSqlite = JSON.parse(readFileSync(join(REPO_DIR, 'node_modules', 'better-sqlite3', 'package.json'), 'utf8')).version;
  } catch {
    // keep unknown
  }
  return {
    date: new Date().toISOString(),
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    totalMemGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.versions.node,
    sqlite,
    betterSqlite3: betterSqlite,
    tmpdir: os.tmpdir(),
    tmpdirFilesystem: filesystemOf(os.tmpdir()),
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}
