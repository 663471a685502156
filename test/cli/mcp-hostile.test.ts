/**
 * What an agent's MCP client may send that it should not: the server answers each with
 * a tool error that starts with its code, and the session goes on. Runs the built CLI.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CLI } from '../helpers/paths.js';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { startMcp, textOf, type McpSession } from './mcp-client.js';
import { runCli, withStore } from './run-cli.js';

const sessions: McpSession[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close();
});

async function start(env: Record<string, string> = {}, maxBufferSize?: number): Promise<{ session: McpSession; store: string }> {
  const cwd = tempDir('taskstore-mcp-');
  const store = join(cwd, '.taskstore');
  runCli(['init'], { cwd });
  const session = await startMcp({ cwd, store, env, ...(maxBufferSize === undefined ? {} : { maxBufferSize }) });
  sessions.push(session);
  return { session, store };
}

describe('huge arguments', () => {
  it('a value over the record limit is a TOO_LARGE tool error, and the session goes on (the SDK closed it without a word)', async () => {
    const { session, store } = await start();
    const result = await session.call('create_prd', { title: 'x'.repeat(11 * 1024 * 1024) });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^TOO_LARGE: /);
    const { id } = await session.ok<{ id: string }>('create_prd', { title: 'after' });
    withStore(store, (s) => expect(s.listPrds().map((p) => p.id)).toEqual([id]));
  }, 60_000);

  it('with a raised --max-record-bytes, a record over the SDK stdio default of 10 MiB is written', async () => {
    // The client reads the answer (the record) with a buffer as large as the server's.
    const { session, store } = await start({ TASKSTORE_MAX_RECORD_BYTES: String(16 * 1024 * 1024) }, 64 * 1024 * 1024);
    const { id } = await session.ok<{ id: string }>('create_prd', { title: 'big', content: 'y'.repeat(4 * 1024 * 1024) });
    // 11 MiB of arguments in one message.
    const result = await session.call('update_record', { id, patch: { content: 'z'.repeat(11 * 1024 * 1024) } });
    expect(result.isError, textOf(result).slice(0, 300)).not.toBe(true);
    withStore(store, (s) => expect(s.getPrd(id)!.content.length).toBe(11 * 1024 * 1024));
  }, 60_000);

  it('a message over what the server reads closes the session with a note on stderr saying why', async () => {
    const { session } = await start();
    await expect(session.call('create_prd', { title: 'x'.repeat(22 * 1024 * 1024) })).rejects.toThrow(/Connection closed/);
    for (let i = 0; i < 50 && !session.stderr().includes('mcp:'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(session.stderr()).toMatch(/mcp: a message from the client is larger than 22020096 bytes .*the connection is closed/);
  }, 60_000);
});

describe('__proto__ as a field name', () => {
  it('in a patch or a where is a VALIDATION error, instead of a field or a condition dropped without a word', async () => {
    const { session, store } = await start();
    const { id } = await session.ok<{ id: string }>('create_prd', { title: 'p' });
    const before = withStore(store, (s) => s.getPrd(id)!.updated_at);
    const patch = await session.call('update_record', { id, patch: JSON.parse('{"__proto__":{"x":1},"title":"q"}') as Record<string, unknown> });
    expect(patch.isError).toBe(true);
    expect(textOf(patch)).toMatch(/^VALIDATION: invalid arguments for update_record: patch\.__proto__: __proto__ cannot be used as a field name/);
    expect(withStore(store, (s) => s.getPrd(id)!)).toMatchObject({ title: 'p', updated_at: before });
    const list = await session.call('list_records', { collection: 'prds', where: JSON.parse('{"__proto__":1}') as Record<string, unknown> });
    expect(list.isError).toBe(true);
    expect(textOf(list)).toMatch(/^VALIDATION: .*where\.__proto__/);
    // Nested inside a value, the key is data like any other and is kept.
    const nested = await session.ok<{ record: { meta: unknown } }>('update_record', { id, patch: { meta: JSON.parse('{"__proto__":{"x":1}}') as unknown } });
    expect(JSON.stringify(nested.record.meta)).toBe('{"__proto__":{"x":1}}');
  }, 60_000);

  it('as an argument name is a VALIDATION error, as any unknown argument is (the SDK dropped it and the call ran without it)', async () => {
    const { session, store } = await start();
    const result = await session.callRaw('create_prd', '{"title":"t","__proto__":{"status":"approved"}}');
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^VALIDATION: invalid arguments for create_prd: __proto__ cannot be used as an argument name/);
    expect(textOf(result)).toContain('data: {"field":"__proto__"}');
    expect(withStore(store, (s) => s.listPrds())).toEqual([]);
  }, 60_000);
});

describe('the store directory removed under the running server', () => {
  it('is an IO error whose hint says the store is missing (not a full disk), and calls work again once it is recreated', async () => {
    const { session, store } = await start();
    await session.ok('create_prd', { title: 'before' });
    rmSync(store, { recursive: true, force: true });
    const result = await session.call('create_prd', { title: 'after' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^IO: /);
    expect(textOf(result)).toContain('hint: a file or directory of the store is missing (was the store directory removed or moved?)');
    expect(existsSync(store), 'nothing written: not even the directory made again').toBe(false);
    expect(runCli(['--store', store, 'init'], { cwd: join(store, '..') }).status).toBe(0);
    await session.ok('create_prd', { title: 'again' });
    expect(withStore(store, (s) => s.listPrds().map((p) => p.title))).toEqual(['again']);
  }, 60_000);
});

describe('a where condition that is not one', () => {
  it('is a VALIDATION error naming the condition and saying what is wrong with it', async () => {
    const { session } = await start();
    // {} compares nothing: the library refused it naming no field.
    const empty = await session.call('list_records', { collection: 'prds', where: { status: {} } });
    expect(empty.isError).toBe(true);
    expect(textOf(empty)).toMatch(/^VALIDATION: invalid arguments for list_records: where\.status: give at least one operator/);
    expect(textOf(empty)).toContain('data: {"field":"where.status"}');
    // An operator's value of the wrong type: named, with the type it needs (it said only "Invalid input").
    const like = await session.call('list_records', { collection: 'prds', where: { status: { like: 5 } } });
    expect(textOf(like)).toMatch(/^VALIDATION: invalid arguments for list_records: where\.status\.like: Invalid input: expected string, received number/);
    const inList = await session.call('list_records', { collection: 'prds', where: { n: { in: [1, { x: 1 }] } } });
    expect(textOf(inList)).toMatch(/^VALIDATION: invalid arguments for list_records: where\.n\.in\.1: /);
    // A condition that fits no shape at all keeps the union's own words.
    const list = await session.call('list_records', { collection: 'prds', where: { status: ['a'] } });
    expect(textOf(list)).toMatch(/^VALIDATION: invalid arguments for list_records: where\.status: Invalid input/);
    expect((await session.ok<{ total: number }>('list_records', { collection: 'prds', where: { status: { in: ['draft'] } } })).total).toBe(0);
  }, 60_000);
});

describe('arguments JSON.parse would change', () => {
  it('a key given twice (in the arguments or inside a patch) is a VALIDATION error naming it, not the last value taken silently', async () => {
    const { session, store } = await start();
    const { id: prd } = await session.ok<{ id: string }>('create_prd', { title: 'p' });
    const { id: spec } = await session.ok<{ id: string }>('create_task_spec', { prd_id: prd, phase_name: 'a' });
    // Which of two claimants would hold the spec? Neither: nothing is claimed.
    const twice = await session.callRaw('claim_task_spec', '{"claimant":"loop-1","claimant":"loop-2"}');
    expect(twice.isError).toBe(true);
    expect(textOf(twice)).toMatch(/^VALIDATION: invalid arguments for claim_task_spec: claimant is given twice/);
    expect(withStore(store, (s) => s.getTaskSpec(spec)!)).toMatchObject({ status: 'pending', assigned_to: null });
    const before = withStore(store, (s) => s.getTaskSpec(spec)!.updated_at);
    const patch = await session.callRaw('update_record', `{"id":"${spec}","patch":{"description":"x","description":"y"}}`);
    expect(textOf(patch)).toMatch(/^VALIDATION: invalid arguments for update_record: patch\.description is given twice/);
    expect(textOf(patch)).toContain('data: {"field":"patch.description"}');
    expect(withStore(store, (s) => s.getTaskSpec(spec)!.updated_at)).toBe(before);
    // The same key in two different objects is no duplicate; escapes name the same key.
    const ok = await session.callRaw('update_record', `{"id":"${spec}","patch":{"content":"c","meta":{"content":1}}}`);
    expect(ok.isError).toBeFalsy();
    const escaped = await session.callRaw('update_record', `{"id":"${spec}","patch":{"content":"c","\\u0063ontent":"d"}}`);
    expect(textOf(escaped)).toMatch(/^VALIDATION: .*patch\.content is given twice/);
  }, 60_000);

  it('an integer beyond 2^53 that would be stored or compared rounded is a VALIDATION error naming the field; the session goes on', async () => {
    const { session, store } = await start();
    const { id } = await session.ok<{ id: string }>('create_prd', { title: 'p' });
    const before = withStore(store, (s) => s.getPrd(id)!.updated_at);
    const patch = await session.callRaw('update_record', `{"id":"${id}","patch":{"n":12345678901234567890}}`);
    expect(patch.isError).toBe(true);
    expect(textOf(patch)).toMatch(/^VALIDATION: invalid arguments for update_record: patch\.n: 12345678901234567890 cannot be held exactly by a number \(a double\): it would be stored as 12345678901234567000/);
    expect(withStore(store, (s) => s.getPrd(id)!.updated_at)).toBe(before);
    const where = await session.callRaw('list_records', '{"collection":"prds","where":{"n":{"in":[1,12345678901234567890]}}}');
    expect(textOf(where)).toMatch(/^VALIDATION: .*where\.n\.in\.1: 12345678901234567890/);
    // 2^60 is a double: a filter by it matches exactly what was asked; integers in strings are text.
    const exact = await session.callRaw('list_records', '{"collection":"prds","where":{"n":1152921504606846976}}');
    expect(exact.isError).toBeFalsy();
    const text = await session.callRaw('update_record', `{"id":"${id}","patch":{"n":"12345678901234567890"}}`);
    expect(text.isError).toBeFalsy();
    expect(withStore(store, (s) => s.getPrd(id)!)).toMatchObject({ n: '12345678901234567890' });
  }, 60_000);

  it('a number a double would change in any other spelling (a point, an exponent, beyond the range) is a VALIDATION error naming the field too', async () => {
    const { session, store } = await start();
    const { id } = await session.ok<{ id: string }>('create_prd', { title: 'p' });
    const before = withStore(store, (s) => s.getPrd(id)!.updated_at);
    const refused = {
      '12345678901234567890.0': 'it would be stored as 12345678901234567000',
      '1.2345678901234567890e19': 'it would be stored as 12345678901234567000',
      '1e400': 'it would be stored as null',
      '-1e400': 'it would be stored as null',
      '1e-400': 'it would be stored as 0',
    };
    for (const [literal, stored] of Object.entries(refused)) {
      const patch = await session.callRaw('update_record', `{"id":"${id}","patch":{"n":${literal}}}`);
      expect(patch.isError, literal).toBe(true);
      expect(textOf(patch)).toMatch(/^VALIDATION: invalid arguments for update_record: patch\.n: /);
      expect(textOf(patch)).toContain(`patch.n: ${literal} cannot be held exactly by a number (a double): ${stored}`);
      const deep = await session.callRaw('update_record', `{"id":"${id}","patch":{"deep":{"list":[1,${literal}]}}}`);
      expect(textOf(deep)).toMatch(/^VALIDATION: .*patch\.deep\.list\.1: /);
      const where = await session.callRaw('list_records', `{"collection":"prds","where":{"n":{"gt":${literal}}}}`);
      expect(textOf(where)).toMatch(/^VALIDATION: .*where\.n\.gt: .*the filter would compare with/);
    }
    expect(withStore(store, (s) => s.getPrd(id)!.updated_at)).toBe(before);
    // Ordinary numbers are stored as they are; a filter by a double's written form or exact value compares with it.
    const ok = await session.callRaw('update_record', `{"id":"${id}","patch":{"a":0.1,"b":3.14,"c":1e-7,"d":2.5e3,"e":100.0,"f":1e21,"g":1e23}}`);
    expect(ok.isError, textOf(ok)).toBeFalsy();
    expect(withStore(store, (s) => s.getPrd(id)!)).toMatchObject({ a: 0.1, b: 3.14, c: 1e-7, d: 2500, e: 100, f: 1e21, g: 1e23 });
    for (const literal of ['1152921504606846976.0', '1152921504606847000', '1e23', '0.1']) {
      const where = await session.callRaw('list_records', `{"collection":"prds","where":{"n":${literal}}}`);
      expect(where.isError, `${literal}: ${textOf(where)}`).toBeFalsy();
    }
  }, 60_000);
});

describe('how the messages are framed', () => {
  it('a client that reuses a request id once answered: a refused call leaves nothing to the next one with that id (its correct call was refused as a key given twice)', async () => {
    const cwd = tempDir('taskstore-mcp-');
    const store = join(cwd, '.taskstore');
    runCli(['init'], { cwd });
    const server = spawn(process.execPath, [CLI, '--store', store, 'mcp'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const lines = createInterface({ input: server.stdout });
    const answers: Record<string, unknown>[] = [];
    const waiting: ((answer: Record<string, unknown>) => void)[] = [];
    lines.on('line', (line) => {
      const answer = JSON.parse(line) as Record<string, unknown>;
      const resolve = waiting.shift();
      if (resolve !== undefined) resolve(answer);
      else answers.push(answer);
    });
    // One message at a time, each sent once the one before is answered, as a simple client does.
    const ask = (message: string): Promise<Record<string, unknown>> =>
      new Promise((resolve) => {
        waiting.push(resolve);
        server.stdin.write(`${message}\n`);
      });
    try {
      await ask(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'ids', version: '1' } } }));
      server.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
      // No tool name: the SDK refuses it before any tool runs (a JSON-RPC error).
      const refused = await ask('{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"arguments":{"title":"a","title":"b"}}}');
      expect(refused).toHaveProperty('error');
      const next = await ask(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'create_prd', arguments: { title: 'fine' } } }));
      expect(next, JSON.stringify(next)).toMatchObject({ id: 2, result: { structuredContent: { record: { title: 'fine' } } } });
      expect(answers).toEqual([]);
    } finally {
      server.stdin.end();
      await new Promise((resolve) => server.once('exit', resolve));
    }
    expect(withStore(store, (s) => s.listPrds().map((p) => p.title))).toEqual(['fine']);
  }, 60_000);

  it('a byte-order mark before the first message and CRLF line ends are read (the BOM made the initialize request unreadable)', () => {
    const cwd = tempDir('taskstore-mcp-');
    const store = join(cwd, '.taskstore');
    runCli(['init'], { cwd });
    const messages = [
      { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bom', version: '1' } } },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'create_prd', arguments: { title: 'from a BOM client' } } },
    ];
    const input = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(messages.map((m) => `${JSON.stringify(m)}\r\n`).join(''))]);
    const result = spawnSync(process.execPath, [CLI, '--store', store, 'mcp'], { input, encoding: 'utf8', timeout: 30_000 });
    expect(result.stderr).toBe('');
    const answers = result.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { id: number; result?: { isError?: boolean } });
    expect(answers.map((a) => [a.id, a.result?.isError ?? false])).toEqual([[1, false], [2, false]]);
    expect(withStore(store, (s) => s.collection({ name: 'prds' }).list().map((p) => p.title))).toEqual(['from a BOM client']);
  }, 60_000);
});
