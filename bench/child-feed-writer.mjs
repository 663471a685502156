/**
 * Bench child for the change-feed group: writes `count` records to a store (or, for the
 * baseline, appends + fdatasyncs raw lines to a file, then writes a commit byte to a second one) and prints one JSON object:
 * { ms, acks } — `acks[i]` is the wall-clock time (performance.timeOrigin + now, ms)
 * at which write i returned, i.e. was acknowledged.
 *
 *   node child-feed-writer.mjs <store|raw> <path> <count> <intervalMs>
 * intervalMs 0 writes back to back; otherwise writes are paced that far apart.
 */
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { DIST_INDEX, makeRecord, BASE_TS } from './lib.mjs';

const [mode, path, countText, intervalText] = process.argv.slice(2);
const count = Number(countText);
const interval = Number(intervalText);
const now = () => performance.timeOrigin + performance.now();
const pause = new Int32Array(new SharedArrayBuffer(4));
const acks = new Array(count);

let write;
let close;
if (mode === 'store') {
  const { Store } = await import(DIST_INDEX);
  const store = Store.open(path);
  const items = store.collection({ name: 'items' });
  write = (i) => items.create({ ...makeRecord(i, BASE_TS + i), i });
  close = () => store.close();
} else {
  // Like a TaskStore write: append + fdatasync the line, then a tiny "commit" write to a
  // second file (TaskStore's is the cache's WAL) that tells watchers the line is durable.
  const fd = openSync(path, 'a');
  const commit = openSync(`${path}.commit`, 'a');
  write = (i) => {
    writeSync(fd, `${JSON.stringify({ ...makeRecord(i, BASE_TS + i), i })}\n`);
    fdatasyncSync(fd);
    writeSync(commit, 'x');
  };
  close = () => {
    closeSync(fd);
    closeSync(commit);
  };
}

const t0 = performance.now();
for (let i = 0; i < count; i++) {
  const due = t0 + i * interval;
  const wait = due - performance.now();
  if (wait > 0) Atomics.wait(pause, 0, 0, wait);
  write(i);
  acks[i] = now();
}
const ms = performance.now() - t0;
close();
process.stdout.write(`${JSON.stringify({ ms, acks })}\n`);
