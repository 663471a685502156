/**
 * `taskstore mcp` driven by the SDK's own Client over stdio against the built binary:
 * the tool list and schemas, a full agent workflow, errors as tool errors after which
 * the server still answers, other processes' writes, and stdout carrying protocol only.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskSpec } from '../../src/index.js';
import { CLI } from '../helpers/paths.js';
import { staticBareImports, staticImportClosure } from '../helpers/static-imports.js';
import { tempDir } from '../helpers/temp.js';
import { startMcp, textOf, type McpSession } from './mcp-client.js';
import { runCli, runJson } from './run-cli.js';

const TOOL_NAMES = [
  'ready_task_specs',
  'claim_task_spec',
  'renew_claim',
  'release_claim',
  'get_record',
  'list_records',
  'record_history',
  'create_prd',
  'create_task_spec',
  'update_record',
  'complete_execution',
  'create_execution',
  'check',
];

const sessions: McpSession[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close();
});

function newStore(): { cwd: string; store: string } {
  const cwd = tempDir('taskstore-mcp-');
  expect(runCli(['init'], { cwd }).status).toBe(0);
  return { cwd, store: join(cwd, '.taskstore') };
}

async function start(options: Parameters<typeof startMcp>[0]): Promise<McpSession> {
  const session = await startMcp(options);
  sessions.push(session);
  return session;
}

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema & { description?: string; enum?: string[] }>;
  required?: string[];
  additionalProperties?: unknown;
  items?: JsonSchema;
}

describe('taskstore mcp: tools', () => {
  it('lists exactly the spec tools, each with a description and a strict input schema', async () => {
    const { cwd } = newStore();
    const mcp = await start({ cwd });
    const { tools } = await mcp.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...TOOL_NAMES].sort());
    for (const tool of tools) {
      expect(tool.description!.length, tool.name).toBeGreaterThan(80);
      const input = tool.inputSchema as JsonSchema;
      expect(input.type).toBe('object');
      expect(input.additionalProperties, tool.name).toBe(false);
      expect((tool.outputSchema as JsonSchema).type).toBe('object');
    }
    const byName = new Map(tools.map((t) => [t.name, t.inputSchema as JsonSchema]));
    expect(byName.get('create_task_spec')!.required?.sort()).toEqual(['phase_name', 'prd_id']);
    expect(byName.get('create_task_spec')!.properties!.dependencies!.type).toBe('array');
    expect(byName.get('create_prd')!.properties!.status!.enum).toEqual(['draft', 'ready', 'active', 'in_progress', 'complete', 'failed', 'cancelled']);
    expect(byName.get('create_execution')!.required?.sort()).toEqual(['branch_name', 'ts_id', 'worktree_path']);
    expect(byName.get('update_record')!.required?.sort()).toEqual(['id', 'patch']);
    expect(byName.get('update_record')!.properties!.if_updated_at!.type).toBe('integer');
    expect(byName.get('list_records')!.required).toEqual(['collection']);
    expect(Object.keys(byName.get('list_records')!.properties!).sort()).toEqual(['collection', 'limit', 'offset', 'where']);
    expect(byName.get('claim_task_spec')!.required).toEqual(['claimant']);
    expect(Object.keys(byName.get('claim_task_spec')!.properties!).sort()).toEqual(['claimant', 'id', 'lease_ms', 'prd_id']);
    expect(byName.get('claim_task_spec')!.properties!.lease_ms!.type).toBe('integer');
    expect(byName.get('renew_claim')!.required?.sort()).toEqual(['claimant', 'id']);
    expect(byName.get('release_claim')!.required?.sort()).toEqual(['claimant', 'id']);
    expect(byName.get('check')!.properties ?? {}).toEqual({});
    // Read-only tools say so, so clients may call them without asking.
    const annotations = new Map(tools.map((t) => [t.name, t.annotations]));
    for (const name of ['ready_task_specs', 'get_record', 'list_records', 'record_history', 'check']) expect(annotations.get(name)?.readOnlyHint, name).toBe(true);
    for (const name of ['create_prd', 'update_record', 'claim_task_spec']) expect(annotations.get(name)?.readOnlyHint, name).toBe(false);
  });
});

/** The shortest prefix of `id` (at least 8 characters) that no other id in `all` starts with. */
function short(id: string, all: string[]): string {
  for (let n = 8; n < id.length; n++) {
    const prefix = id.slice(0, n);
    if (all.every((other) => other === id || !other.startsWith(prefix))) return prefix;
  }
  return id;
}

interface Created {
  id: string;
  record: Record<string, unknown> & { updated_at: number };
}

describe('taskstore mcp: an agent workflow', () => {
  it('creates a PRD and two dependent specs, claims, executes, completes; the second becomes ready; get by prefix; history', async () => {
    const { cwd } = newStore();
    const mcp = await start({ cwd });

    const prd = await mcp.ok<Created>('create_prd', { title: 'Search', content: '# Search' });
    expect(prd.record).toMatchObject({ id: prd.id, title: 'Search', status: 'draft', review_passes: 0, content: '# Search' });
    const first = await mcp.ok<Created>('create_task_spec', { prd_id: prd.id.slice(0, 13), phase_name: 'schema' });
    const second = await mcp.ok<Created>('create_task_spec', { prd_id: prd.id, phase_name: 'api', dependencies: [first.id.slice(0, 20)] });
    expect(first.record).toMatchObject({ prd_id: prd.id, status: 'pending', dependencies: [] });
    expect(second.record).toMatchObject({ prd_id: prd.id, dependencies: [first.id] });

    const ready = await mcp.ok<{ task_specs: TaskSpec[] }>('ready_task_specs');
    expect(ready.task_specs.map((s) => s.id)).toEqual([first.id]);

    const claimed = await mcp.ok<{ task_spec: TaskSpec & { lease_expires_at: number } }>('claim_task_spec', { claimant: 'agent-1', lease_ms: 60_000 });
    expect(claimed.task_spec).toMatchObject({ id: first.id, status: 'running', assigned_to: 'agent-1' });
    expect(claimed.task_spec.lease_expires_at).toBeGreaterThan(Date.now());
    // Nothing else is claimable: the other spec waits for the first.
    expect(await mcp.ok('claim_task_spec', { claimant: 'agent-2' })).toEqual({ task_spec: null });
    const renewed = await mcp.ok<{ task_spec: { lease_expires_at: number } }>('renew_claim', { id: short(first.id, [first.id, second.id]), claimant: 'agent-1', lease_ms: 120_000 });
    expect(renewed.task_spec.lease_expires_at).toBeGreaterThanOrEqual(claimed.task_spec.lease_expires_at);

    const execution = await mcp.ok<Created>('create_execution', { ts_id: short(first.id, [first.id, second.id]), worktree_path: '/wt/schema', branch_name: 'ts/schema' });
    expect(execution.record).toMatchObject({ ts_id: first.id, status: 'running', iteration_count: 0 });
    const progressed = await mcp.ok<{ record: Created['record'] }>('update_record', {
      id: execution.id,
      patch: { current_phase: 'tests', iteration_count: 2 },
      if_updated_at: execution.record.updated_at,
    });
    expect(progressed.record).toMatchObject({ current_phase: 'tests', iteration_count: 2, worktree_path: '/wt/schema' });

    const done = await mcp.ok<{ execution: { status: string }; taskSpec: { status: string; assigned_to: string; lease_expires_at: unknown }; prd: { status: string } }>(
      'complete_execution',
      { id: execution.id.slice(0, 16) },
    );
    expect(done.execution.status).toBe('complete');
    expect(done.taskSpec).toMatchObject({ status: 'complete', assigned_to: 'agent-1', lease_expires_at: null });
    expect(done.prd.status).toBe('draft'); // the second spec is still open

    const nowReady = await mcp.ok<{ task_specs: TaskSpec[] }>('ready_task_specs', { prd_id: prd.id.slice(0, 9) });
    expect(nowReady.task_specs.map((s) => s.id)).toEqual([second.id]);

    const everyId = [prd.id, first.id, second.id, execution.id];
    expect(short(first.id, everyId).length).toBeLessThan(first.id.length);
    const got = await mcp.ok<{ collection: string; record: TaskSpec }>('get_record', { id: short(first.id, everyId) });
    expect(got).toMatchObject({ collection: 'task_specs', record: { id: first.id, status: 'complete' } });

    const history = await mcp.ok<{ collection: string; id: string; versions: { record: Record<string, unknown>; changes: { field: string; old?: unknown; new?: unknown }[] }[] }>(
      'record_history',
      { id: short(first.id, everyId) },
    );
    expect(history.collection).toBe('task_specs');
    expect(history.versions.map((v) => v.record.status)).toEqual(['pending', 'running', 'running', 'complete']);
    expect(history.versions[1]!.changes).toContainEqual({ field: 'assigned_to', old: null, new: 'agent-1' });

    const listed = await mcp.ok<{ records: { id: string }[]; total: number }>('list_records', {
      collection: 'task_specs',
      where: { status: { in: ['pending', 'complete'] }, prd_id: prd.id },
      limit: 1,
    });
    expect(listed.total).toBe(2);
    expect(listed.records).toHaveLength(1);

    const report = await mcp.ok<{ ok: boolean }>('check');
    expect(report.ok).toBe(true);
    // Results carry the same JSON as text, for clients that read only text.
    const raw = await mcp.call('get_record', { id: prd.id });
    expect(JSON.parse(textOf(raw))).toEqual(raw.structuredContent);
  });

  it('releases a claim back to pending (or another status) so another agent can take it', async () => {
    const { cwd } = newStore();
    const mcp = await start({ cwd });
    const prd = await mcp.ok<Created>('create_prd', { title: 'P' });
    const spec = await mcp.ok<Created>('create_task_spec', { prd_id: prd.id, phase_name: 'a' });
    await mcp.ok('claim_task_spec', { claimant: 'one', id: spec.id.slice(0, 12) });
    const released = await mcp.ok<{ task_spec: TaskSpec & { lease_expires_at: unknown } }>('release_claim', { id: spec.id, claimant: 'one' });
    expect(released.task_spec).toMatchObject({ status: 'pending', assigned_to: null, lease_expires_at: null });
    const again = await mcp.ok<{ task_spec: TaskSpec }>('claim_task_spec', { claimant: 'two' });
    expect(again.task_spec).toMatchObject({ id: spec.id, assigned_to: 'two' });
    const parked = await mcp.ok<{ task_spec: TaskSpec }>('release_claim', { id: spec.id, claimant: 'two', status: 'blocked' });
    expect(parked.task_spec.status).toBe('blocked');
  });
});

describe('taskstore mcp: errors are tool errors, and the server keeps answering', () => {
  it('STALE, NOT_FOUND, VALIDATION, CLAIMED: text starts with the code, then a hint; nothing written', async () => {
    const { cwd } = newStore();
    const mcp = await start({ cwd });
    const prd = await mcp.ok<Created>('create_prd', { title: 'P' });
    const spec = await mcp.ok<Created>('create_task_spec', { prd_id: prd.id, phase_name: 'a' });

    const updated = await mcp.ok<{ record: { updated_at: number } }>('update_record', { id: prd.id, patch: { status: 'ready' }, if_updated_at: prd.record.updated_at });
    const stale = await mcp.call('update_record', { id: prd.id, patch: { title: 'lost' }, if_updated_at: prd.record.updated_at });
    expect(stale.isError).toBe(true);
    expect(textOf(stale)).toMatch(/^STALE: /);
    expect(textOf(stale)).toMatch(/\nhint: /);
    expect(textOf(stale)).toContain(String(updated.record.updated_at));

    const missing = await mcp.call('get_record', { id: 'no-such-id' });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toMatch(/^NOT_FOUND: .*no-such-id/);
    const noCollection = await mcp.call('list_records', { collection: 'nope' });
    expect(textOf(noCollection)).toMatch(/^NOT_FOUND: there is no collection named nope\nhint: collections in this store: /);

    // The library's own validation (an enum value inside a patch) …
    const badStatus = await mcp.call('update_record', { id: spec.id, patch: { status: 'done' } });
    expect(badStatus.isError).toBe(true);
    expect(textOf(badStatus)).toMatch(/^VALIDATION: .*status/);
    // … and the argument schema (wrong type, unknown argument, missing argument) give the same code.
    for (const [tool, args, field] of [
      ['create_prd', { title: 'x', review_passes: -1 }, 'review_passes'],
      ['create_prd', { title: 'x', titel: 'typo' }, 'titel'],
      ['create_task_spec', { phase_name: 'x' }, 'prd_id'],
      ['claim_task_spec', { claimant: 'a', lease_ms: 1.5 }, 'lease_ms'],
      ['list_records', { collection: 'task_specs', where: { status: { between: [1, 2] } } }, 'between'],
      ['update_record', { id: prd.id, patch: { updated_at: 5 } }, 'updated_at'],
    ] as const) {
      const result = await mcp.call(tool, args);
      expect(result.isError, tool).toBe(true);
      expect(textOf(result), tool).toMatch(/^VALIDATION: /);
      expect(textOf(result), tool).toContain(field);
    }
    // An ambiguous prefix is bad input too; the text lists the candidates.
    const ambiguous = await mcp.call('get_record', { id: prd.id.slice(0, 2) });
    expect(textOf(ambiguous)).toMatch(/^VALIDATION: the id prefix .* is ambiguous/);

    await mcp.ok('claim_task_spec', { claimant: 'one', id: spec.id });
    const taken = await mcp.call('claim_task_spec', { claimant: 'two', id: spec.id });
    expect(textOf(taken)).toMatch(/^CLAIMED: /);
    expect(textOf(taken)).toContain('one');
    expect(textOf(taken)).toMatch(/\nhint: .*claim_task_spec/);
    const notYours = await mcp.call('renew_claim', { claimant: 'two', id: spec.id });
    expect(textOf(notYours)).toMatch(/^CLAIMED: /);
    // A spec whose dependency is not complete is not claimable: STALE, with a hint naming the tools.
    const waiting = await mcp.ok<Created>('create_task_spec', { prd_id: prd.id, phase_name: 'b', dependencies: [spec.id] });
    const notReady = await mcp.call('claim_task_spec', { claimant: 'two', id: waiting.id });
    expect(textOf(notReady)).toMatch(/^STALE: /);
    expect(textOf(notReady)).toMatch(/\nhint: .*ready_task_specs/);

    const unknownTool = await mcp.call('drop_database', {});
    expect(textOf(unknownTool)).toMatch(/^NOT_FOUND: there is no tool named "drop_database"/);

    // Nothing of the failed calls was written, and the server still answers.
    const current = await mcp.ok<{ record: Record<string, unknown> }>('get_record', { id: prd.id });
    expect(current.record).toMatchObject({ title: 'P', status: 'ready', updated_at: updated.record.updated_at });
    expect((await mcp.ok<{ record: TaskSpec }>('get_record', { id: spec.id })).record).toMatchObject({ status: 'running', assigned_to: 'one' });
    expect(mcp.stderr()).toBe('');
  });
});

describe('taskstore mcp: update_record and created_at', () => {
  it('gives created_at to a record another program wrote without one, as `update --set created_at=…` does; once it has one, a patch of it is refused and nothing is written', async () => {
    const { cwd, store } = newStore();
    const prd = runJson<{ id: string }>(['create-prd', 'p'], { cwd }).id;
    // Such a spec cannot be claimed (its claim fails validation) until it has a created_at.
    const log = join(store, 'task_specs.jsonl');
    writeFileSync(log, `${JSON.stringify({ id: 'foreign', prd_id: prd, phase_name: 'x', status: 'pending', dependencies: [], updated_at: 5 })}\n`);
    writeFileSync(join(store, 'notes.jsonl'), '{"id":"n1","v":1,"updated_at":5}\n{"id":"n2","v":1,"created_at":10,"updated_at":20}\n');
    const mcp = await start({ cwd });
    const blocked = await mcp.call('claim_task_spec', { claimant: 'loop-1', id: 'foreign' });
    expect(textOf(blocked)).toMatch(/created_at/);
    const repaired = await mcp.ok<{ collection: string; record: { id: string; created_at: number } }>('update_record', { id: 'foreign', patch: { created_at: 42 } });
    expect(repaired).toMatchObject({ collection: 'task_specs', record: { id: 'foreign', created_at: 42 } });
    expect(await mcp.ok<{ collection: string; record: { created_at: number; v: number } }>('update_record', { id: 'n1', patch: { created_at: 7, v: 2 } })).toMatchObject({ record: { created_at: 7, v: 2 } });
    // Once it has one, it is kept: VALIDATION naming the field, nothing written (the other fields of that patch neither).
    const logs = () => ['task_specs', 'notes'].map((c) => readFileSync(join(store, `${c}.jsonl`), 'utf8'));
    const before = logs();
    for (const [id, patch] of [['foreign', { created_at: 7 }], ['n1', { created_at: 8 }], ['n2', { created_at: 1, v: 3 }]] as const) {
      const refused = await mcp.call('update_record', { id, patch });
      expect(refused.isError, id).toBe(true);
      expect(textOf(refused)).toMatch(/^VALIDATION: patch may not set created_at: the store keeps it from the first version/);
      expect(textOf(refused)).toContain('"field":"created_at"');
    }
    expect(logs()).toEqual(before);
    expect(await mcp.ok('claim_task_spec', { claimant: 'loop-1', id: 'foreign' })).toMatchObject({ task_spec: { id: 'foreign', assigned_to: 'loop-1' } });
  }, 60_000);
});

describe('taskstore mcp: one store, many processes', () => {
  it('sees writes of the CLI, and the CLI sees its writes', async () => {
    const { cwd, store } = newStore();
    const mcp = await start({ cwd: tempDir(), store });
    const prd = await mcp.ok<Created>('create_prd', { title: 'from mcp' });
    expect(runJson<{ title: string }>(['show', prd.id], { cwd })).toMatchObject({ title: 'from mcp' });

    const fromCli = runJson<{ id: string }>(['create-task-spec', '--prd-id', prd.id, 'cli-spec'], { cwd });
    const ready = await mcp.ok<{ task_specs: TaskSpec[] }>('ready_task_specs');
    expect(ready.task_specs.map((s) => s.id)).toEqual([fromCli.id]);
    expect(runCli(['update', prd.id, '--set', 'status=active'], { cwd }).status).toBe(0);
    expect((await mcp.ok<{ record: { status: string } }>('get_record', { id: prd.id })).record.status).toBe('active');
  });

  it('two servers claiming concurrently never take the same spec', async () => {
    const { cwd, store } = newStore();
    const a = await start({ cwd, store });
    const b = await start({ cwd, store });
    const prd = await a.ok<Created>('create_prd', { title: 'P' });
    const specs: string[] = [];
    for (let i = 0; i < 12; i++) specs.push((await a.ok<Created>('create_task_spec', { prd_id: prd.id, phase_name: `p${i}` })).id);

    // Both servers claim as fast as they can, in parallel, until nothing is left.
    const drain = async (session: McpSession, claimant: string): Promise<string[]> => {
      const got: string[] = [];
      for (;;) {
        const { task_spec } = await session.ok<{ task_spec: TaskSpec | null }>('claim_task_spec', { claimant });
        if (task_spec === null) return got;
        expect(task_spec.assigned_to).toBe(claimant);
        got.push(task_spec.id);
      }
    };
    const [gotA, gotB] = await Promise.all([drain(a, 'a'), drain(b, 'b')]);
    expect([...gotA, ...gotB].sort()).toEqual([...specs].sort());
    expect(new Set([...gotA, ...gotB]).size).toBe(specs.length);
    // Each spec's current holder is the server that got it.
    for (const [holder, ids] of [['a', gotA], ['b', gotB]] as const) {
      for (const id of ids) expect((await b.ok<{ record: TaskSpec }>('get_record', { id })).record.assigned_to).toBe(holder);
    }
  });
});

describe('taskstore mcp: the process', () => {
  it('writes nothing but JSON-RPC messages on stdout, even for failing calls, and exits 0 when stdin ends', () => {
    const { store } = newStore();
    const messages = [
      { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'create_prd', arguments: { title: 'raw' } } },
      { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'get_record', arguments: { id: 'missing' } } },
      { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'create_prd', arguments: { title: 7 } } },
    ];
    const result = spawnSync(process.execPath, [CLI, '--store', store, 'mcp'], {
      input: messages.map((m) => JSON.stringify(m)).join('\n') + '\n',
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(0);
    const lines = result.stdout.split('\n').filter((l) => l !== '');
    const parsed = lines.map((l) => JSON.parse(l) as { jsonrpc: string; id: number; result?: { isError?: boolean } });
    expect(parsed.map((m) => m.jsonrpc)).toEqual(['2.0', '2.0', '2.0', '2.0', '2.0']);
    expect(parsed.map((m) => m.id)).toEqual([1, 2, 3, 4, 5]);
    expect(parsed.map((m) => m.result?.isError ?? false)).toEqual([false, false, false, true, true]);
  });

  it('on SIGTERM it closes the store and exits 0', async () => {
    const { store } = newStore();
    const child = spawn(process.execPath, [CLI, '--store', store, 'mcp'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    const answered = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
        if (stdout.includes('\n')) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } })}\n`);
    await answered;
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(JSON.parse(stdout.trim())).toMatchObject({ id: 1, result: { serverInfo: { name: 'taskstore' } } });
  });

  it('without a store it says so on stderr and exits 1 before speaking the protocol', () => {
    const cwd = tempDir();
    const result = runCli(['mcp'], { cwd });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/no TaskStore found/);
  });

  it('finds the store as the CLI does: $TASKSTORE_DIR, or the nearest .taskstore above the working directory', async () => {
    const { cwd, store } = newStore();
    const viaEnv = await start({ cwd: tempDir(), env: { TASKSTORE_DIR: store } });
    const prd = await viaEnv.ok<Created>('create_prd', { title: 'env' });
    const { mkdirSync } = await import('node:fs');
    const nested = join(cwd, 'src', 'deep');
    mkdirSync(nested, { recursive: true });
    const viaWalk = await start({ cwd: nested });
    expect((await viaWalk.ok<{ record: { title: string } }>('get_record', { id: prd.id })).record.title).toBe('env');
  });

  it('loads the MCP SDK only for `taskstore mcp`: other commands never import it', async () => {
    const files = staticImportClosure(CLI);
    // The SDK is bundled into the mcp command's own chunk (`mcp-<hash>.js`).
    for (const file of files.keys()) expect(file).not.toMatch(/[\\/]mcp-[A-Z0-9]+\.js$/);
    for (const spec of staticBareImports(files)) expect(spec).not.toMatch(/modelcontextprotocol/);
    expect(files.size).toBeGreaterThan(1);
  });

  it('validates writes with the one zod the MCP SDK loads: the CommonJS build of zod is never required as a second copy', async () => {
    const { readFileSync, writeFileSync } = await import('node:fs');
    const { store } = newStore();
    const scratch = tempDir();
    const report = join(scratch, 'required.json');
    const preload = join(scratch, 'report.cjs');
    // Preloaded into the server: on exit, lists every zod file loaded through require().
    writeFileSync(
      preload,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(report)}, JSON.stringify(Object.keys(require.cache).filter((f) => /node_modules.zod./.test(f)))));`,
    );
    const mcp = await startMcp({ cwd: scratch, store, env: { NODE_OPTIONS: `--require ${preload}` } });
    await mcp.ok<Created>('create_prd', { title: 'validated' });
    const refused = await mcp.call('create_prd', { title: 'x', status: 'not-a-status' });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/^VALIDATION/);
    await mcp.close();
    for (let i = 0; i < 100 && !(await import('node:fs')).existsSync(report); i++) await new Promise((r) => setTimeout(r, 20));
    expect(JSON.parse(readFileSync(report, 'utf8'))).toEqual([]);
  });
});

