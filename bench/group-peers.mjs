/**
 * Scenario 8: a peer a TypeScript user might pick instead — @seald-io/nedb (an embedded
 * document store with an append-only datafile) — on the same records and workloads.
 *
 * nedb is installed for the benchmark only, never into the repo: on first use
 * `npm install --no-save --prefix <os.tmpdir()>/taskstore-bench-peers @seald-io/nedb@4`,
 * then imported from there by absolute path. No network: the rows say "not available".
 *
 * Fairness: nedb appends to its datafile without fsync (its docs say so), so TaskStore
 * runs with durability 'none' here. nedb keeps every document in memory; TaskStore keeps
 * them in SQLite. Both get an index on `owner`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { DIST_INDEX, INDEXED_FIELDS, OWNERS, gc, groupMain, log, makeRecords, removeDir, rng, row, tempDir, unavailableRow } from './lib.mjs';

const { Store } = await import(DIST_INDEX);
const PEER_DIR = join(os.tmpdir(), 'taskstore-bench-peers');
const PEER = '@seald-io/nedb';
const PEER_SPEC = `${PEER}@4`;

/** nedb on the datafile in `dir`, loaded, with the same two indexes as the store. */
async function openPeer(Datastore, dir) {
  const db = new Datastore({ filename: join(dir, 'items.db') });
  await db.loadDatabaseAsync();
  await db.ensureIndexAsync({ fieldName: 'owner' });
  await db.ensureIndexAsync({ fieldName: 'status' });
  return db;
}

/** A fresh, empty TaskStore (durability none, like nedb) and nedb, side by side. */
async function openPair(ctx, Datastore) {
  const sDir = tempDir(ctx.workRoot, 'p-store');
  const pDir = tempDir(ctx.workRoot, 'p-nedb');
  const store = Store.open(sDir, { durability: 'none' });
  const items = store.collection({ name: 'items', indexes: INDEXED_FIELDS });
  return { sDir, pDir, store, items, db: await openPeer(Datastore, pDir) };
}

await groupMain(async (ctx) => {
  const loaded = loadNedb();
  if (typeof loaded === 'string') {
    log(`scenario 8: ${PEER} not available (${loaded})`);
    for (const [id, what] of [
      ['8a', 'insert one record at a time'],
      ['8b', 'bulk insert'],
      ['8c', 'find by indexed field'],
      ['8d', 'get by id'],
      ['8e', 'reopen an existing store'],
      ['8f', 'reopen without a cache (TaskStore rebuild)'],
    ]) {
      ctx.rows.push(unavailableRow(id, `vs ${PEER}: ${what}`, loaded));
    }
    return;
  }
  const { Datastore, version } = loaded;
  const peer = `nedb ${version}`;
  ctx.details.peer = { name: PEER, version, installedAt: PEER_DIR };
  log(`scenario 8: ${PEER} ${version}`);

  const nSingle = ctx.scale(10_000);
  const nBulk = ctx.scale(100_000);
  const records = makeRecords(nBulk);
  const toDoc = (r) => {
    const { id, ...rest } = r;
    return { _id: id, ...rest };
  };
  const rates = (n, ms) => n / (ms / 1000);

  // ---- 8a: one insert at a time
  const single = { store: [], peer: [] };
  for (let rep = 0; rep < 3; rep++) {
    const { sDir, pDir, store, items, db } = await openPair(ctx, Datastore);
    const batch = records.slice(0, nSingle);
    gc();
    let t0 = performance.now();
    for (const r of batch) items.create(r);
    single.store.push(rates(nSingle, performance.now() - t0));
    gc();
    t0 = performance.now();
    for (const r of batch) await db.insertAsync(toDoc(r));
    single.peer.push(rates(nSingle, performance.now() - t0));
    store.close();
    removeDir(sDir);
    removeDir(pDir);
  }
  log(`  single inserts: store ${fmtRates(single.store)}, ${peer} ${fmtRates(single.peer)} records/s`);

  // ---- 8b: bulk insert, then the read workloads and reloads on the loaded stores
  const bulk = { store: [], peer: [] };
  let kept = null;
  for (let rep = 0; rep < 3; rep++) {
    const { sDir, pDir, store, items, db } = await openPair(ctx, Datastore);
    gc();
    let t0 = performance.now();
    items.createMany(records);
    bulk.store.push(rates(nBulk, performance.now() - t0));
    const docs = records.map(toDoc);
    gc();
    t0 = performance.now();
    await db.insertAsync(docs);
    bulk.peer.push(rates(nBulk, performance.now() - t0));
    if (rep < 2) {
      store.close();
      removeDir(sDir);
      removeDir(pDir);
    } else {
      kept = { sDir, pDir, store, items, db };
    }
  }
  log(`  bulk insert: store ${fmtRates(bulk.store)}, ${peer} ${fmtRates(bulk.peer)} records/s`);

  // ---- 8c, 8d: reads on the last pair (same records on both sides)
  const { sDir, pDir, items, db } = kept;
  const queries = ctx.scale(500);
  const gets = ctx.scale(10_000);
  const owners = Array.from({ length: queries }, (_, i) => `user${(i * 37) % OWNERS}`);
  const random = rng(5);
  const ids = Array.from({ length: gets }, () => records[Math.floor(random() * records.length)].id);
  {
    const a = items.list({ where: { owner: owners[0] } }).length;
    const b = (await db.findAsync({ owner: owners[0] })).length;
    if (a !== b) throw new Error(`find by owner: store found ${a}, nedb ${b}`);
  }
  const find = { store: [], peer: [] };
  const get = { store: [], peer: [] };
  let sink = 0;
  for (let rep = 0; rep < 3; rep++) {
    let t0 = performance.now();
    for (const o of owners) sink += items.list({ where: { owner: o } }).length;
    find.store.push(((performance.now() - t0) * 1000) / queries);
    t0 = performance.now();
    for (const o of owners) sink += (await db.findAsync({ owner: o })).length;
    find.peer.push(((performance.now() - t0) * 1000) / queries);
    t0 = performance.now();
    for (const id of ids) sink += items.get(id).priority;
    get.store.push(((performance.now() - t0) * 1000) / gets);
    t0 = performance.now();
    for (const id of ids) sink += (await db.findOneAsync({ _id: id })).priority;
    get.peer.push(((performance.now() - t0) * 1000) / gets);
  }
  if (sink === 0) log('(sink)');
  kept.store.close();
  log(`  find by owner: store ${fmtUs(find.store)}, ${peer} ${fmtUs(find.peer)} µs/query; get: store ${fmtUs(get.store)}, ${peer} ${fmtUs(get.peer)} µs`);

  // ---- 8e, 8f: reopen what is on disk. nedb parses its whole datafile (and compacts it);
  // TaskStore opens its cache (8e) or, with the cache deleted, rebuilds it from JSONL (8f).
  const reopen = { store: [], rebuild: [], peer: [] };
  for (let rep = 0; rep < 3; rep++) {
    gc();
    let t0 = performance.now();
    let s = Store.open(sDir, { durability: 'none' });
    const n1 = s.collection({ name: 'items', indexes: INDEXED_FIELDS }).count();
    reopen.store.push(performance.now() - t0);
    s.close();
    for (const suffix of ['', '-wal', '-shm']) removeDir(join(sDir, `taskstore.db${suffix}`));
    gc();
    t0 = performance.now();
    s = Store.open(sDir, { durability: 'none' });
    const n2 = s.collection({ name: 'items', indexes: INDEXED_FIELDS }).count();
    reopen.rebuild.push(performance.now() - t0);
    s.close();
    gc();
    t0 = performance.now();
    const d = await openPeer(Datastore, pDir);
    const n3 = await d.countAsync({});
    reopen.peer.push(performance.now() - t0);
    if (n1 !== nBulk || n2 !== nBulk || n3 !== nBulk) throw new Error(`reopen counts: ${n1}, ${n2}, ${n3}; expected ${nBulk}`);
  }
  log(`  reopen: store ${fmtMs(reopen.store)}, store without cache ${fmtMs(reopen.rebuild)}, ${peer} ${fmtMs(reopen.peer)} ms`);
  removeDir(sDir);
  removeDir(pDir);

  ctx.details.peers = { nSingle, nBulk, single, bulk, find, get, reopen };
  const f = (n) => n.toLocaleString('en-US');
  ctx.rows.push(
    row({ id: '8a', what: `vs nedb: ${f(nSingle)} inserts one at a time (durability none)`, unit: 'records/s', kind: 'rate', pairs: { store: single.store, baseline: single.peer }, baselineWhat: `${peer}: await insertAsync(doc) one by one (no fsync), indexes on owner and status` }),
    row({ id: '8b', what: `vs nedb: bulk insert of ${f(nBulk)} (durability none)`, unit: 'records/s', kind: 'rate', pairs: { store: bulk.store, baseline: bulk.peer }, baselineWhat: `${peer}: insertAsync(array of ${f(nBulk)})` }),
    row({ id: '8c', what: `vs nedb: find by indexed owner, all ~${Math.round(nBulk / OWNERS)} matches`, unit: 'µs/op', pairs: { store: find.store, baseline: find.peer }, baselineWhat: `${peer}: findAsync({ owner }); TaskStore: list({ where: { owner } })` }),
    row({ id: '8d', what: 'vs nedb: get by id', unit: 'µs/op', pairs: { store: get.store, baseline: get.peer }, baselineWhat: `${peer}: findOneAsync({ _id })` }),
    row({ id: '8e', what: `vs nedb: reopen a store of ${f(nBulk)} records`, unit: 'ms', pairs: { store: reopen.store, baseline: reopen.peer }, baselineWhat: `${peer}: new Datastore + loadDatabaseAsync() + ensureIndex ×2 (parses the whole datafile); TaskStore: Store.open with its cache present` }),
    row({ id: '8f', what: `vs nedb: reopen ${f(nBulk)} records with no cache`, unit: 'ms', pairs: { store: reopen.rebuild, baseline: reopen.peer }, baselineWhat: `${peer}: the same load; TaskStore: Store.open after deleting taskstore.db (full rebuild from JSONL)` }),
  );
});

function fmtRates(values) {
  return values.map((v) => Math.round(v).toLocaleString('en-US')).join('/');
}
function fmtUs(values) {
  return values.map((v) => v.toFixed(1)).join('/');
}
function fmtMs(values) {
  return values.map((v) => v.toFixed(0)).join('/');
}

/** Returns { Datastore, version }, installing the peer into PEER_DIR first if needed, or a reason string. */
function loadNedb() {
  const pkgDir = join(PEER_DIR, 'node_modules', ...PEER.split('/'));
  const pkgJson = join(pkgDir, 'package.json');
  if (!existsSync(pkgJson)) {
    log(`installing ${PEER_SPEC} into ${PEER_DIR} (benchmark only; not a project dependency)`);
    try {
      mkdirSync(PEER_DIR, { recursive: true });
    } catch (err) {
      return `cannot create ${PEER_DIR}: ${err.message}`;
    }
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const r = spawnSync(npm, ['install', '--no-save', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', PEER_DIR, PEER_SPEC], {
      cwd: PEER_DIR,
      encoding: 'utf8',
      timeout: 180_000,
    });
    if (r.error || r.status !== 0 || !existsSync(pkgJson)) {
      const reason = r.error?.message ?? (r.stderr || '').trim().split('\n').filter((l) => !l.includes('Unknown user config')).slice(-1)[0] ?? `exit ${r.status}`;
      return `npm install ${PEER_SPEC} failed (${reason || `exit ${r.status}`})`;
    }
  }
  try {
    const version = JSON.parse(readFileSync(pkgJson, 'utf8')).version;
    const require = createRequire(join(PEER_DIR, 'index.js'));
    const Datastore = require(pkgDir);
    return { Datastore, version };
  } catch (err) {
    return `cannot load ${PEER} from ${PEER_DIR}: ${err.message}`;
  }
}
