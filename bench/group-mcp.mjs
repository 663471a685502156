/**
 * Scenarios M1–M3: `taskstore mcp` driven by the SDK's own Client over stdio, as an
 * agent's MCP client drives it.
 *
 * M1: one `get_record` call (by id prefix) round trip, against the same call to a bare
 *     SDK server that answers a fixed record at once (child-mcp-floor.mjs): what
 *     TaskStore adds per call (catch-up with other writers, id resolution, the read).
 * M2: the same read as an agent without MCP gets it: spawning `taskstore --json show <id>`,
 *     against M1's `get_record` call (the ratio is how many MCP calls fit in one CLI spawn).
 * M3: start-up to the first answer: spawn `taskstore mcp`, initialize, tools/list,
 *     against the bare SDK server.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { BENCH_DIR, CLI_MAIN, DIST_INDEX, groupMain, log, median, row, runNode, tempDir } from './lib.mjs';

const { Store } = await import(DIST_INDEX);

await groupMain(async (ctx) => {
  const dir = tempDir(ctx.workRoot, 'mcp');
  const storeDir = join(dir, '.taskstore');
  const store = Store.open(storeDir, { durability: 'none' });
  let prdId;
  for (let i = 0; i < ctx.scale(1000); i++) prdId = store.createPrd({ title: `PRD ${i}`, description: 'find things', content: '# Search' });
  store.close();
  const prefix = prdId.slice(0, 28); // unique: ids created in one millisecond share their first 23 characters

  const connect = async (args) => {
    const client = new Client({ name: 'bench', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args, stderr: 'ignore' }));
    return client;
  };
  const taskstoreArgs = [CLI_MAIN, '--store', storeDir, 'mcp'];
  const floorArgs = [join(BENCH_DIR, 'child-mcp-floor.mjs')];

  // M1: paired per-call latency, in batches so each pair is measured back to back.
  const ts = await connect(taskstoreArgs);
  const floor = await connect(floorArgs);
  const call = async (client) => {
    const t0 = performance.now();
    const result = await client.callTool({ name: 'get_record', arguments: { id: prefix } });
    const ms = performance.now() - t0;
    if (result.isError) throw new Error(`get_record failed: ${result.content[0]?.text}`);
    return ms;
  };
  const batch = ctx.quick ? 50 : 200;
  const repeats = ctx.quick ? 5 : 15;
  for (let i = 0; i < batch; i++) {
    await call(ts);
    await call(floor);
  }
  const pairs = { store: [], baseline: [] };
  for (let r = 0; r < repeats; r++) {
    const a = [];
    const b = [];
    for (let i = 0; i < batch; i++) {
      a.push(await call(ts));
      b.push(await call(floor));
    }
    pairs.store.push(median(a));
    pairs.baseline.push(median(b));
  }
  await ts.close();
  await floor.close();
  log(`scenario M1: get_record ${median(pairs.store).toFixed(3)} ms vs bare SDK ${median(pairs.baseline).toFixed(3)} ms`);
  ctx.rows.push(
    row({
      id: 'M1',
      what: `MCP get_record by id prefix, per call (store of ${ctx.scale(1000)} PRDs)`,
      unit: 'ms',
      pairs,
      baselineWhat: 'the same call to a bare SDK server answering a fixed record',
    }),
  );

  // M2: a CLI spawn for the same read, against an MCP call.
  const spawnReps = ctx.quick ? 3 : 7;
  const cli = [];
  for (let i = 0; i <= spawnReps; i++) {
    const r = runNode([CLI_MAIN, '--store', storeDir, '--json', 'show', prefix]);
    if (r.status !== 0) throw new Error(`show exited ${r.status}: ${r.stderr}`);
    if (i > 0) cli.push(r.ms);
  }
  ctx.rows.push(
    row({
      id: 'M2',
      what: 'the same read by spawning `taskstore --json show <prefix>`',
      unit: 'ms',
      store: median(cli),
      baseline: median(pairs.store),
      baselineWhat: 'one MCP get_record call (M1)',
      note: 'how many MCP calls one CLI spawn costs',
    }),
  );

  // M3: start-up to the first tools/list answer.
  const startup = { store: [], baseline: [] };
  const startOnce = async (args) => {
    const t0 = performance.now();
    const client = await connect(args);
    await client.listTools();
    const ms = performance.now() - t0;
    await client.close();
    return ms;
  };
  await startOnce(taskstoreArgs);
  await startOnce(floorArgs);
  for (let i = 0; i < (ctx.quick ? 3 : 7); i++) {
    startup.store.push(await startOnce(taskstoreArgs));
    startup.baseline.push(await startOnce(floorArgs));
  }
  log(`scenario M3: start-up ${median(startup.store).toFixed(1)} ms vs bare SDK ${median(startup.baseline).toFixed(1)} ms`);
  ctx.rows.push(
    row({
      id: 'M3',
      what: '`taskstore mcp` start-up: spawn, initialize, tools/list',
      unit: 'ms',
      pairs: startup,
      baselineWhat: 'a bare SDK server with one tool',
    }),
  );
});
