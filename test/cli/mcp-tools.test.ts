/**
 * The MCP tool layer in-process against a real store: argument validation for every
 * tool, error text, the listed JSON Schemas, and what an unexpected failure looks like.
 * (The protocol end to end is test/cli/mcp.test.ts.)
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { rawCallProblem } from '../../src/cli/mcp/raw-arguments.js';
import { callTool, toolJsonSchema } from '../../src/cli/mcp/server.js';
import { defineTool, READ_ONLY, type ToolDefinition } from '../../src/cli/mcp/tool-definition.js';
import { describeFailure, toolSuccess } from '../../src/cli/mcp/tool-result.js';
import { TOOLS } from '../../src/cli/mcp/tools.js';
import { CliError } from '../../src/cli/errors.js';
import { NotFoundError, Store } from '../../src/index.js';
import { quietLogger } from '../helpers/logger.js';
import { tempDir } from '../helpers/temp.js';

function openStore(): Store {
  return Store.open(join(tempDir('taskstore-mcp-unit-'), '.taskstore'), { durability: 'none', logger: quietLogger() });
}

const byName = (tools: readonly ToolDefinition[]) => new Map(tools.map((t) => [t.name, t]));

function text(result: { content: { text: string }[] }): string {
  return result.content[0]!.text;
}

describe('mcp tools in-process', () => {
  it('every tool refuses an unknown argument with VALIDATION naming it, and writes nothing', () => {
    const store = openStore();
    try {
      const tools = byName(TOOLS);
      for (const tool of TOOLS) {
        const result = callTool(store, tools, tool.name, { surprise: 1 }, quietLogger());
        expect(result.isError, tool.name).toBe(true);
        expect(text(result), tool.name).toMatch(/^VALIDATION: invalid arguments for /);
        expect(text(result), tool.name).toContain('surprise');
      }
      expect(store.listPrds()).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('lists draft-07 object schemas whose required arguments match what the tools refuse without', () => {
    for (const tool of TOOLS) {
      const input = toolJsonSchema(tool.input, 'input');
      expect(input.type, tool.name).toBe('object');
      expect(input.$schema, tool.name).toBeUndefined();
      const required = (input.required as string[] | undefined) ?? [];
      for (const field of required) {
        const props = input.properties as Record<string, unknown>;
        expect(props[field], `${tool.name}.${field}`).toBeDefined();
      }
      // Calling with no arguments fails exactly when something is required.
      expect(tool.input.safeParse({}).success, tool.name).toBe(required.length === 0);
    }
  });

  it('an unexpected failure is an INTERNAL tool error with the stack on the logger, not a crash', () => {
    const store = openStore();
    try {
      const broken = defineTool({
        name: 'broken',
        title: 'Broken',
        description: 'always throws',
        input: z.strictObject({}),
        output: z.object({}),
        annotations: READ_ONLY,
        run() {
          throw new TypeError('boom');
        },
      });
      const logger = quietLogger();
      const result = callTool(store, byName([broken as unknown as ToolDefinition]), 'broken', {}, logger);
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(/^INTERNAL: boom\nhint: /);
      expect(logger.warnings.join('\n')).toMatch(/tool broken failed unexpectedly: TypeError: boom/);
    } finally {
      store.close();
    }
  });

  it('error text: code, detail lines, hint, data', () => {
    expect(describeFailure(new NotFoundError('gone', { data: { id: 'x' } }))).toEqual({
      code: 'NOT_FOUND',
      message: 'gone',
      hint: expect.stringContaining('list_records') as unknown as string,
      data: { id: 'x' },
    });
    const ambiguous = describeFailure(new CliError('ambiguous', { details: ['prds a1', 'prds a2'], hint: 'type more' }));
    expect(ambiguous).toMatchObject({ code: 'VALIDATION', details: ['prds a1', 'prds a2'], hint: 'type more' });
  });

  it('results carry the same JSON as structured content and text; undefined members are dropped', () => {
    const result = toolSuccess({ a: 1, b: undefined, c: { d: [1, 'x', null] } });
    expect(result.structuredContent).toEqual({ a: 1, c: { d: [1, 'x', null] } });
    expect(JSON.parse(result.content[0]!.text)).toEqual(result.structuredContent);
    expect(Object.hasOwn(result.structuredContent!, 'b')).toBe(false);
  });

  it('claim_task_spec refuses id together with prd_id rather than ignoring one', () => {
    const store = openStore();
    try {
      const prd = store.createPrd({ title: 'P' });
      const spec = store.createTaskSpec({ prd_id: prd, phase_name: 'a' });
      const result = callTool(store, byName(TOOLS), 'claim_task_spec', { claimant: 'me', id: spec, prd_id: prd }, quietLogger());
      expect(text(result)).toMatch(/^VALIDATION: .*prd_id/);
      expect(store.getTaskSpec(spec)!.status).toBe('pending');
    } finally {
      store.close();
    }
  });

  it('claim_task_spec with a prd_id that names no PRD is NOT_FOUND, not { task_spec: null } ("no work")', () => {
    const store = openStore();
    try {
      const prd = store.createPrd({ title: 'P' });
      const spec = store.createTaskSpec({ prd_id: prd, phase_name: 'a' });
      const result = callTool(store, byName(TOOLS), 'claim_task_spec', { claimant: 'me', prd_id: `${prd}-typo` }, quietLogger());
      expect(text(result)).toMatch(/^NOT_FOUND: .*-typo/);
      expect(store.getTaskSpec(spec)!.status).toBe('pending');
    } finally {
      store.close();
    }
  });
});

describe('complete_execution with a claimant', () => {
  it('refuses (CLAIMED, an agent hint) when another agent took the spec over; completes for the holder', async () => {
    const store = openStore();
    try {
      const tools = byName(TOOLS);
      const prd = store.createPrd({ title: 'P' });
      const spec = store.createTaskSpec({ prd_id: prd, phase_name: 'a' });
      store.claimTaskSpec(spec, 'agent-1', { leaseMs: 1 });
      const exec = store.createExecution({ ts_id: spec, worktree_path: '/w', branch_name: 'b' });
      await new Promise((r) => setTimeout(r, 5));
      store.claimTaskSpec(spec, 'agent-2');
      const refused = callTool(store, tools, 'complete_execution', { id: exec, claimant: 'agent-1' }, quietLogger());
      expect(refused.isError).toBe(true);
      expect(text(refused)).toMatch(/^CLAIMED: agent-1 cannot complete task spec .+: agent-2 holds it/);
      expect(text(refused)).toContain('hint: another claimant holds or completed this task spec');
      expect(store.getExecution(exec)!.status).toBe('running');
      const done = callTool(store, tools, 'complete_execution', { id: exec, claimant: 'agent-2' }, quietLogger());
      expect(done.isError, text(done)).toBeFalsy();
      expect(store.getTaskSpec(spec)).toMatchObject({ status: 'complete', assigned_to: 'agent-2' });
      expect(done.structuredContent).toMatchObject({ alreadyComplete: false, taskSpec: { status: 'complete' } });
      // A retry after the spec was reopened: nothing written, said so, the spec shown as it is now.
      store.updateTaskSpec(spec, { ...store.getTaskSpec(spec)!, status: 'pending', assigned_to: null });
      const again = callTool(store, tools, 'complete_execution', { id: exec, claimant: 'agent-2' }, quietLogger());
      expect(again.isError, text(again)).toBeFalsy();
      expect(again.structuredContent).toMatchObject({ alreadyComplete: true, taskSpec: { status: 'pending' } });
      expect(store.getTaskSpec(spec)!.status).toBe('pending');
    } finally {
      store.close();
    }
  });
});

describe('complete_execution of a failed execution', () => {
  it('refuses with STALE and a hint that says how to go on (not the claim hint); nothing written', () => {
    const store = openStore();
    try {
      const tools = byName(TOOLS);
      const prd = store.createPrd({ title: 'P' });
      const spec = store.createTaskSpec({ prd_id: prd, phase_name: 'a' });
      const exec = store.createExecution({ ts_id: spec, worktree_path: '/w', branch_name: 'b', status: 'failed' });
      const before = store.getExecution(exec)!.updated_at;
      const refused = callTool(store, tools, 'complete_execution', { id: exec }, quietLogger());
      expect(refused.isError).toBe(true);
      expect(text(refused)).toMatch(new RegExp(`^STALE: cannot complete execution ${exec}: its status is failed`));
      expect(text(refused)).toContain('hint: this execution was ended as failed or stopped');
      expect(store.getExecution(exec)).toMatchObject({ status: 'failed', updated_at: before });
      expect(store.getTaskSpec(spec)!.status).toBe('pending');
    } finally {
      store.close();
    }
  });
});

describe('rawCallProblem (what a call\'s JSON text says that parsing loses)', () => {
  const call = (args: string, id = '7') => `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"t","arguments":${args}}}`;

  it('finds a key given twice and an integer JSON.parse would change, by argument path; only in a tools/call\'s arguments', () => {
    expect(rawCallProblem(call('{"a":1,"a":2}'))).toMatchObject({ requestId: 7, field: 'a' });
    expect(rawCallProblem(call('{ "x" : [ {"k":1} , {"k":2, "k" :3} ] }\r', '"req-1"'))).toMatchObject({ requestId: 'req-1', field: 'x.1.k' });
    expect(rawCallProblem(call('{"p":{"n":-12345678901234567890}}'))).toMatchObject({ field: 'p.n' });
    expect(rawCallProblem(call('{"where":{"n":1152921504606846976}}'))).toBeUndefined(); // a double: compared as written
    expect(rawCallProblem(call('{"patch":{"n":1152921504606846976}}'))).toMatchObject({ field: 'patch.n' }); // stored, it would be written 1152921504606847000
    expect(rawCallProblem(call('{"s":"12345678901234567890","t":"a\\"b","u":9007199254740991}'))).toBeUndefined();
    // Any spelling of a number a double would change, not only an integer's.
    expect(rawCallProblem(call('{"p":{"n":12345678901234567890.0}}'))).toMatchObject({ field: 'p.n' });
    expect(rawCallProblem(call('{"p":[1.2345678901234567890e19]}'))).toMatchObject({ field: 'p.0' });
    expect(rawCallProblem(call('{"p":{"n":-1e400}}'))).toMatchObject({ field: 'p.n' });
    expect(rawCallProblem(call('{"where":{"n":{"lt":1e-400}}}'))).toMatchObject({ field: 'where.n.lt' });
    expect(rawCallProblem(call('{"where":{"n":1152921504606846976.0},"p":[0.1,3.14,1e-7,2.5e3,100.0,1e21,-0]}'))).toBeUndefined();
    expect(rawCallProblem(call('{"a":{"b":1},"c":{"b":2}}'))).toBeUndefined();
    // Outside the arguments (the SDK's envelope), or another method: not this check's business.
    expect(rawCallProblem('{"jsonrpc":"2.0","id":1,"id":2,"method":"tools/call","params":{"name":"t","arguments":{}}}')).toBeUndefined();
    expect(rawCallProblem('{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"a":1,"a":2}}')).toBeUndefined();
    expect(rawCallProblem(call('{"\\q":0,"\\q":1}'))).toBeUndefined(); // not JSON: the SDK refuses it
  });

  it('finds nothing in any JSON.stringify output of safe values, and a duplicate wherever one is injected', () => {
    const key = fc.string({ maxLength: 4 });
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, fc.string(), fc.boolean(), fc.constant(null), fc.maxSafeInteger(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(key, tie('v'), { maxKeys: 3 })),
    })).v;
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 4 }), fc.string({ maxLength: 4 }), (args, dup) => {
        const text = JSON.stringify(args);
        // Doubles JSON.stringify writes with 16+ digits and no point or exponent are integers past 2^53 written exactly.
        if (rawCallProblem(call(text)) !== undefined) return /\d{16}/.test(text);
        const injected = `{${JSON.stringify(dup)}:0,${JSON.stringify(dup)}:1${text === '{}' ? '' : `,${text.slice(1, -1)}`}}`;
        expect(rawCallProblem(call(injected))).toMatchObject({ field: dup });
        return true;
      }),
      { numRuns: 300 },
    );
  });
});

/** A store with two task specs, `free` (pending) and `held` (claimed by agent-1). */
function specsOneHeld() {
  const store = openStore();
  const prd = store.createPrd({ title: 'P' });
  const free = store.createTaskSpec({ prd_id: prd, phase_name: 'free' });
  const held = store.createTaskSpec({ prd_id: prd, phase_name: 'held' });
  store.claimTaskSpec(held, 'agent-1');
  return { store, tools: byName(TOOLS), free, held };
}

describe('update_record and create_task_spec leave a task spec\'s claim to the claim tools', () => {
  it('create_task_spec refuses status running (a spec held by nobody, never claimable) and creates nothing', () => {
    const store = openStore();
    try {
      const tools = byName(TOOLS);
      const prd = store.createPrd({ title: 'P' });
      const result = callTool(store, tools, 'create_task_spec', { prd_id: prd, phase_name: 'a', status: 'running', assigned_to: 'agent-1' }, quietLogger());
      expect(text(result)).toMatch(/^VALIDATION: a new task spec may not set status to running: a task spec becomes running when it is claimed\nhint: create it pending/);
      expect(store.listTaskSpecs(prd)).toEqual([]);
      const labelled = callTool(store, tools, 'create_task_spec', { prd_id: prd, phase_name: 'b', assigned_to: 'team-b' }, quietLogger());
      expect(labelled.isError, text(labelled)).toBeFalsy();
    } finally {
      store.close();
    }
  });

  it('refuses lease_expires_at, a status change to or from running and assigned_to of a running spec, and writes nothing', () => {
    const { store, tools, free, held } = specsOneHeld();
    try {
      const before = new Map([free, held].map((id) => [id, store.getTaskSpec(id)!.updated_at]));
      const refusals: [string, Record<string, unknown>, RegExp][] = [
        [held, { assigned_to: 'agent-2' }, /^VALIDATION: patch may not change the assigned_to of a running task spec \(claimed by agent-1\)/],
        [held, { assigned_to: null }, /^VALIDATION: patch may not change the assigned_to of a running task spec/],
        [held, { lease_expires_at: Date.now() + 3_600_000 }, /^VALIDATION: patch may not set lease_expires_at: a task spec's lease is set by its claim/],
        [free, { lease_expires_at: null }, /^VALIDATION: patch may not set lease_expires_at/],
        [free, { status: 'running' }, /^VALIDATION: patch may not set status to running: a task spec becomes running when it is claimed/],
        [held, { status: 'pending' }, /^VALIDATION: patch may not change the status of a running task spec \(claimed by agent-1\)/],
        [held, { status: 'complete', description: 'sneaked in' }, /^VALIDATION: patch may not change the status of a running task spec/],
      ];
      for (const [id, patch, message] of refusals) {
        const result = callTool(store, tools, 'update_record', { id, patch }, quietLogger());
        expect(result.isError, JSON.stringify(patch)).toBe(true);
        expect(text(result), JSON.stringify(patch)).toMatch(message);
        expect(text(result)).toMatch(/hint: .*(claim_task_spec|release_claim)/);
      }
      for (const [id, version] of before) expect(store.getTaskSpec(id)!.updated_at, id).toBe(version);
      expect(store.getTaskSpec(held)).toMatchObject({ status: 'running', assigned_to: 'agent-1' });
      expect(store.getTaskSpec(held)!.description ?? null).not.toBe('sneaked in');
    } finally {
      store.close();
    }
  });

  it('lets any agent patch other fields of a held spec, keep its status and holder, label a spec that is not running, or change a status that is not running', () => {
    const { store, tools, free, held } = specsOneHeld();
    try {
      const edit = callTool(store, tools, 'update_record', { id: held, patch: { description: 'clarified', status: 'running' } }, quietLogger());
      expect(edit.isError, text(edit)).toBeFalsy();
      expect(store.getTaskSpec(held)).toMatchObject({ description: 'clarified', status: 'running', assigned_to: 'agent-1' });
      const same = callTool(store, tools, 'update_record', { id: held, patch: { assigned_to: 'agent-1' } }, quietLogger());
      expect(same.isError, text(same)).toBeFalsy();
      const label = callTool(store, tools, 'update_record', { id: free, patch: { assigned_to: 'team-b' } }, quietLogger());
      expect(label.isError, text(label)).toBeFalsy();
      expect(store.claimTaskSpec(free, 'agent-3').assigned_to).toBe('agent-3'); // a label, which a claim replaces
      store.releaseTaskSpecClaim(free, 'agent-3');
      const fail = callTool(store, tools, 'update_record', { id: free, patch: { status: 'failed' } }, quietLogger());
      expect(fail.isError, text(fail)).toBeFalsy();
      expect(store.getTaskSpec(free)!.status).toBe('failed');
      // Not a task spec: an execution's status is progress, patched freely.
      const exec = store.createExecution({ ts_id: held, worktree_path: '/w', branch_name: 'b' });
      const progress = callTool(store, tools, 'update_record', { id: exec, patch: { status: 'failed', error_message: 'tests' } }, quietLogger());
      expect(progress.isError, text(progress)).toBeFalsy();
    } finally {
      store.close();
    }
  });

});
