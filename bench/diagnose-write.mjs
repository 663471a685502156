#!/usr/bin/env node
/**
 * Where does the time of one durable `create()` go? A diagnostic, not part of the table:
 *
 *   node bench/diagnose-write.mjs [writes=500] [--none]
 *
 * Wraps the synchronous node:fs calls and better-sqlite3's prepare/exec/run/get with
 * timers (the store imports them by name: `syncBuiltinESMExports` makes the wrappers
 * visible to it), then runs store writes and hand-written writes interleaved, as in
 * scenario 1, and prints the average time per write spent in each kind of call. What is
 * left ("JS") is the store's own JavaScript. The wrappers add ~1 µs per call to both sides.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import os from 'node:os';
import Database from 'better-sqlite3';
import { DIST_INDEX, INDEXED_FIELDS, makeRecords, median, openRawDb, removeDir } from './lib.mjs';

const args = process.argv.slice(2);
const writes = Number(args.find((a) => /^\d+$/.test(a)) ?? 500);
const durability = args.includes('--none') ? 'none' : 'fsync';

const acc = new Map();
let on = false;
function account(name, ms) {
  const a = acc.get(name) ?? { calls: 0, ms: 0 };
  a.calls++;
  a.ms += ms;
  acc.set(name, a);
}
function wrap(obj, key, name = key) {
  const original = obj[key];
  obj[key] = function wrapped(...a) {
    if (!on) return original.apply(this, a);
    const t0 = performance.now();
    try {
      return original.apply(this, a);
    } finally {
      account(name, performance.now() - t0);
    }
  };
}

for (const key of ['openSync', 'closeSync', 'readSync', 'writeSync', 'fstatSync', 'statSync', 'existsSync', 'fdatasyncSync', 'fsyncSync', 'ftruncateSync', 'readdirSync']) {
  wrap(fs, key, `fs.${key}`);
}
syncBuiltinESMExports();
wrap(Database.prototype, 'prepare', 'sqlite prepare');
wrap(Database.prototype, 'exec', 'sqlite exec (BEGIN/COMMIT)');
const probe = new Database(':memory:');
const StatementProto = Object.getPrototypeOf(probe.prepare('select 1'));
probe.close();
wrap(StatementProto, 'run', 'sqlite stmt.run');
wrap(StatementProto, 'get', 'sqlite stmt.get');
wrap(StatementProto, 'all', 'sqlite stmt.all');

const { Store } = await import(DIST_INDEX);
const root = fs.mkdtempSync(join(os.tmpdir(), 'taskstore-diagnose-'));
try {
  const store = Store.open(join(root, 'store'), { durability });
  const items = store.collection({ name: 'items', indexes: INDEXED_FIELDS });
  fs.mkdirSync(join(root, 'raw'));
  const fd = fs.openSync(join(root, 'raw', 'items.jsonl'), 'a');
  const db = openRawDb(join(root, 'raw', 'raw.db'));
  const insert = db.prepare('INSERT INTO items (id, updated_at, data) VALUES (?, ?, ?)');
  const records = makeRecords(2 * writes + 100);
  const sides = { store: { totals: [], acc: new Map() }, baseline: { totals: [], acc: new Map() } };
  const measure = (side, fn, keep) => {
    acc.clear();
    on = true;
    const t0 = performance.now();
    fn();
    const total = performance.now() - t0;
    on = false;
    if (!keep) return;
    sides[side].totals.push(total);
    for (const [k, v] of acc) {
      const a = sides[side].acc.get(k) ?? { calls: 0, ms: 0 };
      a.calls += v.calls;
      a.ms += v.ms;
      sides[side].acc.set(k, a);
    }
  };
  for (let i = 0; i < writes + 50; i++) {
    const keep = i >= 50;
    measure('store', () => items.create(records[i]), keep);
    measure(
      'baseline',
      () => {
        const stamped = { ...records[writes + 50 + i], updated_at: Date.now() };
        const text = JSON.stringify(stamped);
        fs.writeSync(fd, `${text}\n`);
        if (durability === 'fsync') fs.fdatasyncSync(fd);
        insert.run(stamped.id, stamped.updated_at, text);
      },
      keep,
    );
  }
  store.close();
  db.close();
  fs.closeSync(fd);

  console.log(`durability ${durability}, ${writes} writes each side, interleaved; per write (mean µs; calls per write)`);
  const names = [...new Set([...sides.store.acc.keys(), ...sides.baseline.acc.keys()])].sort();
  const line = (label, s, b) => console.log(`${label.padEnd(30)} ${s.padStart(18)} ${b.padStart(18)}`);
  line('', 'TaskStore', 'hand-written');
  const fmt = (side, name) => {
    const a = sides[side].acc.get(name);
    return a === undefined ? '—' : `${((a.ms * 1000) / writes).toFixed(1)} (${(a.calls / writes).toFixed(1)})`;
  };
  for (const name of names) line(name, fmt('store', name), fmt('baseline', name));
  const inCalls = (side) => [...sides[side].acc.values()].reduce((n, a) => n + a.ms, 0);
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const js = (side) => ((mean(sides[side].totals) - inCalls(side) / writes) * 1000).toFixed(1);
  line('JS and everything else', js('store'), js('baseline'));
  line('total, mean', (mean(sides.store.totals) * 1000).toFixed(1), (mean(sides.baseline.totals) * 1000).toFixed(1));
  line('total, median', (median(sides.store.totals) * 1000).toFixed(1), (median(sides.baseline.totals) * 1000).toFixed(1));
} finally {
  removeDir(root);
}
