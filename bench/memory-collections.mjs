#!/usr/bin/env node
/**
 * By hand (not part of run.mjs): the memory of a long-running process that lists many
 * collections again and again, what the one budget on parsed versions bounds
 * (src/cache/parsed-budget.ts; docs/benchmarks.md, round nineteen).
 *
 *   node bench/memory-collections.mjs [collections=40] [records=5000] [rounds=4]
 *
 * Builds a store of `collections` generic collections of `records` benchmark records
 * each in a child process, then, in a fresh process (`--expose-gc`) holding nothing
 * else, lists every collection in turn, `rounds` times. Prints JSON: heapUsed after a
 * full GC before the first list and after each round (what stays held), the highest
 * heapUsed sampled after each list() (no GC), the peak RSS, and each round's time.
 * Uses the build in dist/ of the checkout the script is in (`npx tsup` first).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import os from 'node:os';
import { DIST_INDEX, makeRecords, removeDir, tempDir } from './lib.mjs';

const MB = 1024 * 1024;
const [mode, ...rest] = process.argv.slice(2);

if (mode === '--build') {
  const [dir, collections, records] = rest;
  const { Store } = await import(DIST_INDEX);
  const store = Store.open(dir, { durability: 'none' });
  for (let c = 0; c < Number(collections); c++) store.collection({ name: `col${c}` }).createMany(makeRecords(Number(records), c * Number(records)));
  store.close();
} else if (mode === '--measure') {
  const [dir, collections, rounds] = rest;
  const { Store } = await import(DIST_INDEX);
  const gc = () => {
    globalThis.gc();
    globalThis.gc();
  };
  const store = Store.open(dir, { durability: 'none' });
  const names = Array.from({ length: Number(collections) }, (_, c) => `col${c}`);
  const handles = names.map((name) => store.collection({ name }));
  gc();
  const before = process.memoryUsage().heapUsed;
  const retained = [];
  const roundMs = [];
  let peakHeap = before;
  let records = 0;
  for (let round = 0; round < Number(rounds); round++) {
    const t0 = performance.now();
    for (const handle of handles) {
      records += handle.list().length;
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    }
    roundMs.push(Math.round(performance.now() - t0));
    gc();
    retained.push(process.memoryUsage().heapUsed);
  }
  store.close();
  const mb = (bytes) => Math.round((bytes / MB) * 10) / 10;
  process.stdout.write(
    `${JSON.stringify({
      collections: names.length,
      recordsListed: records,
      heapBeforeMB: mb(before),
      heapAfterRoundMB: retained.map(mb),
      peakHeapUsedMB: mb(peakHeap),
      peakRssMB: mb(process.resourceUsage().maxRSS * 1024),
      roundMs,
    })}\n`,
  );
} else {
  const [collections = '40', records = '5000', rounds = '4'] = [mode, ...rest].filter((a) => a !== undefined);
  const dir = tempDir(os.tmpdir(), 'mem-collections');
  const self = fileURLToPath(import.meta.url);
  try {
    const built = spawnSync(process.execPath, [self, '--build', dir, collections, records], { stdio: 'inherit' });
    if (built.status !== 0) process.exit(1);
    const measured = spawnSync(process.execPath, ['--expose-gc', self, '--measure', dir, collections, rounds], { stdio: 'inherit' });
    process.exitCode = measured.status ?? 1;
  } finally {
    removeDir(dir);
  }
}
