/**
 * One isolated rebuild measurement (a child process, so its peak RSS is its own).
 *
 *   node child-rebuild.mjs store <dir>      Store.open (its cache was built beforehand),
 *                                           then time store.sync(): clear + rebuild from JSONL
 *   node child-rebuild.mjs baseline <dir>   time a by-hand rebuild into a fresh database file
 *                                           <dir>/baseline.db: create the table and indexes,
 *                                           stream the log, JSON.parse, upsert, one transaction
 *
 * Both leave their cache behind (scenario 5 reuses it). Prints one JSON line:
 * { openMs?, rebuildMs, lines, records, maxRssMiB }.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DIST_INDEX, INDEXED_FIELDS, gc, loadByHand, openRawDb, peakRssMiB, removeDir } from './lib.mjs';

const [mode, dir] = process.argv.slice(2);
const log = join(dir, 'items.jsonl');
let out;

if (mode === 'store') {
  const { Store } = await import(DIST_INDEX);
  let t0 = performance.now();
  const store = Store.open(dir);
  const openMs = performance.now() - t0;
  store.collection({ name: 'items', indexes: INDEXED_FIELDS });
  gc();
  t0 = performance.now();
  const report = store.sync();
  const rebuildMs = performance.now() - t0;
  store.close();
  out = { openMs, rebuildMs, lines: report.lines, records: report.records, skipped: report.skipped.length, maxRssMiB: peakRssMiB() };
} else if (mode === 'baseline') {
  const dbFile = join(dir, 'baseline.db');
  for (const suffix of ['', '-wal', '-shm']) removeDir(dbFile + suffix);
  gc();
  const t0 = performance.now();
  const db = openRawDb(dbFile);
  const loaded = loadByHand(db, log);
  const rebuildMs = performance.now() - t0;
  const records = db.prepare('SELECT count(*) AS n FROM items').get().n;
  db.close();
  out = { rebuildMs, lines: loaded.lines, records, endOffset: loaded.endOffset, maxRssMiB: peakRssMiB() };
} else {
  throw new Error(`unknown mode ${mode}`);
}
process.stdout.write(`${JSON.stringify(out)}\n`);
