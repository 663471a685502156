#!/usr/bin/env node
/**
 * Two builds side by side on one durable `create()`, with the hand-written floor
 * (append + fdatasync + one autocommit INSERT), interleaved in one process so that all
 * three see the same disk and the same load. A diagnostic, not part of the table:
 *
 *   node bench/compare-write.mjs <other-build>/dist/index.js [writes=1500] [--none]
 *
 * Each round runs one create of each side in a rotating order; the first 100 rounds
 * warm up. Prints medians and means, each as a ratio to the floor, and this build ÷ the
 * other. To build another commit aside: `git archive <commit> | tar -x -C <dir>`, link
 * node_modules into it, and run `npx tsup` there.
 */
import fs from 'node:fs';
import { join, resolve } from 'node:path';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { DIST_INDEX, INDEXED_FIELDS, floorWrite, makeRecords, median, openRawDb, removeDir } from './lib.mjs';

const args = process.argv.slice(2);
const other = args.find((a) => a.endsWith('.js'));
if (other === undefined) {
  console.error('usage: node bench/compare-write.mjs <other-build>/dist/index.js [writes] [--none]');
  process.exit(2);
}
const writes = Number(args.find((a) => /^\d+$/.test(a)) ?? 1500);
const durability = args.includes('--none') ? 'none' : 'fsync';
const builds = { other: await import(pathToFileURL(resolve(other)).href), this: await import(DIST_INDEX) };
const root = fs.mkdtempSync(join(os.tmpdir(), 'taskstore-compare-'));
try {
  const stores = {};
  const collections = {};
  for (const [side, build] of Object.entries(builds)) {
    stores[side] = build.Store.open(join(root, side), { durability });
    collections[side] = stores[side].collection({ name: 'items', indexes: INDEXED_FIELDS });
  }
  fs.mkdirSync(join(root, 'floor'));
  const fd = fs.openSync(join(root, 'floor', 'items.jsonl'), 'a');
  const db = openRawDb(join(root, 'floor', 'floor.db'));
  const insert = db.prepare('INSERT INTO items (id, updated_at, data) VALUES (?, ?, ?)');
  const records = makeRecords(3 * (writes + 100));
  let next = 0;
  const run = {
    other: () => collections.other.create(records[next++]),
    this: () => collections.this.create(records[next++]),
    floor: () => floorWrite(fd, insert, durability === 'fsync', records[next++]),
  };
  const times = { other: [], this: [], floor: [] };
  const orders = [['other', 'this', 'floor'], ['this', 'floor', 'other'], ['floor', 'other', 'this']];
  for (let round = 0; round < writes + 100; round++) {
    for (const side of orders[round % 3]) {
      const t0 = performance.now();
      run[side]();
      if (round >= 100) times[side].push((performance.now() - t0) * 1000);
    }
  }
  for (const store of Object.values(stores)) store.close();
  db.close();
  fs.closeSync(fd);
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(`durability ${durability}, ${writes} creates per side, load ${os.loadavg()[0].toFixed(1)}`);
  for (const [label, stat] of [['median', median], ['mean', mean]]) {
    const v = Object.fromEntries(Object.entries(times).map(([k, xs]) => [k, stat(xs)]));
    console.log(
      `${label.padEnd(6)} other ${v.other.toFixed(0)} µs (${(v.other / v.floor).toFixed(2)}×)  this ${v.this.toFixed(0)} µs (${(v.this / v.floor).toFixed(2)}×)  floor ${v.floor.toFixed(0)} µs  this ÷ other ${(v.this / v.other).toFixed(3)}`,
    );
  }
} finally {
  removeDir(root);
}
