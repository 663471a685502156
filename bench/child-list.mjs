/**
 * Row 3e's TaskStore side, in a process of its own as the Rust program is: opens the
 * store in <dir> (untimed), then times <calls> calls of `list()` on its `items`
 * collection and prints one JSON line { records, medianMs, times }.
 *
 *   node child-list.mjs <dir> <calls>
 */
import { performance } from 'node:perf_hooks';
import { DIST_INDEX, INDEXED_FIELDS, median } from './lib.mjs';

const [dir, callsArg] = process.argv.slice(2);
const calls = Number(callsArg);
const { Store } = await import(DIST_INDEX);
const store = Store.open(dir, { durability: 'none' });
const items = store.collection({ name: 'items', indexes: INDEXED_FIELDS });
const times = [];
let records = 0;
for (let i = 0; i < calls; i++) {
  const t0 = performance.now();
  records = items.list().length;
  times.push(performance.now() - t0);
}
store.close();
process.stdout.write(`${JSON.stringify({ records, medianMs: median(times), times })}\n`);
