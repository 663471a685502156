/**
 * Coordination across real processes: conditional writes and claims under a true race.
 * Children start together (each waits for "go" on stdin after opening the store).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';
import { raceChildren, type RacedChild } from '../helpers/race-children.js';

const COORDINATOR = join(import.meta.dirname, '..', 'fixtures', 'coordinator.mjs');

type ChildResult = RacedChild;

/** Starts every child, waits until all have opened the store, then releases them at once. */
function race(argvs: string[][]): Promise<ChildResult[]> {
  return raceChildren(COORDINATOR, argvs);
}

function open(dir: string): Store {
  return Store.open(dir, { logger: quietLogger() });
}

describe('conditional writes across processes', () => {
  it('8 processes patching with the same ifUpdatedAt: exactly one wins, the log gains exactly one version', async () => {
    const dir = join(tempDir(), '.taskstore');
    const store = open(dir);
    const notes = store.collection({ name: 'notes' });
    const id = notes.create({ title: 'contested' });
    const version = notes.get(id)!.updated_at;
    const results = await race(Array.from({ length: 8 }, (_, i) => [dir, 'cas', id, String(version), `p${i}`]));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const outcomes = results.map((r) => r.lines[0]);
    expect(outcomes.filter((o) => o === 'won')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'stale')).toHaveLength(7);
    const winner = `p${outcomes.indexOf('won')}`;
    store.refresh();
    expect(notes.history(id)).toHaveLength(2);
    expect(notes.get(id)).toMatchObject({ winner });
    store.close();
  });
});

describe('claims across processes', () => {
  it('6 processes claiming 240 task specs (a dependency tree, completed as they go): each spec is claimed exactly once', async () => {
    const dir = join(tempDir(), '.taskstore');
    const store = open(dir);
    const prdId = store.createPrd({ title: 'tree' });
    const ids: string[] = [];
    store.transaction(() => {
      for (let i = 0; i < 240; i++) {
        ids.push(store.createTaskSpec({ prd_id: prdId, phase_name: `p${i}`, dependencies: i === 0 ? [] : [ids[Math.floor((i - 1) / 2)]!] }));
      }
    });
    const results = await race(Array.from({ length: 6 }, (_, i) => [dir, 'claim', `loop-${i}`]));
    for (const r of results) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.lines.at(-1)).toBe('done');
    }
    const claims = results.flatMap((r) => r.lines.filter((l) => l.startsWith('claimed ')).map((l) => l.slice('claimed '.length)));
    expect(claims).toHaveLength(240);
    expect(new Set(claims).size).toBe(240);
    expect([...claims].sort()).toEqual([...ids].sort());
    store.refresh();
    expect(store.listTaskSpecs(prdId).every((s) => s.status === 'complete' && s.lease_expires_at === null)).toBe(true);
    expect(store.listExecutions()).toHaveLength(240);
    expect(store.getPrd(prdId)!.status).toBe('complete');
    expect(store.check().problems).toEqual([]);
    store.close();
  }, 120_000);

  it('8 processes claiming one spec by id at once: exactly one wins, the other 7 get CLAIMED naming the winner', async () => {
    const dir = join(tempDir(), '.taskstore');
    const store = open(dir);
    const prdId = store.createPrd({ title: 'contested' });
    const spec = store.createTaskSpec({ prd_id: prdId, phase_name: 'one' });
    const results = await race(Array.from({ length: 8 }, (_, i) => [dir, 'claimid', spec, `agent-${i}`]));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const outcomes = results.map((r) => r.lines[0]);
    expect(outcomes.filter((o) => o === 'won')).toHaveLength(1);
    const winner = `agent-${outcomes.indexOf('won')}`;
    expect(outcomes.filter((o) => o === `CLAIMED ${winner}`)).toHaveLength(7);
    store.refresh();
    expect(store.getTaskSpec(spec)).toMatchObject({ status: 'running', assigned_to: winner });
    expect(store.collection({ name: 'task_specs' }).history(spec)).toHaveLength(2); // created, claimed once
    store.close();
  }, 60_000);

  it('a claimant killed (SIGKILL) while holding a lease: held until the lease ends, then claimable by another process', async () => {
    const dir = join(tempDir(), '.taskstore');
    const store = open(dir);
    const prdId = store.createPrd({ title: 'crash' });
    const spec = store.createTaskSpec({ prd_id: prdId, phase_name: 'one' });
    const child = spawn(process.execPath, [COORDINATOR, dir, 'hold', spec, 'doomed', '1500'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    const held = new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (chunk: string) => {
        out += chunk;
        const match = /held (\d+)\n/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      child.on('exit', (code) => reject(new Error(`exited ${code} before holding: ${out}`)));
    });
    await new Promise<void>((r) => child.stdout.once('data', () => r())); // "ready"
    child.stdin.write('go\n');
    const leaseEnd = await held;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGKILL');
    await exited;
    store.refresh();
    if (Date.now() < leaseEnd) expect(() => store.claimTaskSpec(spec, 'rescuer')).toThrow(/doomed holds it/);
    await new Promise((r) => setTimeout(r, Math.max(0, leaseEnd - Date.now()) + 20));
    expect(store.listExpiredClaims().map((s) => s.assigned_to)).toEqual(['doomed']);
    expect(store.claimNextReadyTaskSpec('rescuer')).toMatchObject({ id: spec, assigned_to: 'rescuer' });
    expect(store.check().problems).toEqual([]);
    store.close();
  }, 60_000);
});

describe('record rules across processes', () => {
  it('6 processes giving workflows one name at once (4 creating, 2 renaming theirs): exactly one wins, one live workflow has it', async () => {
    const dir = join(tempDir(), '.taskstore');
    const store = open(dir);
    const renamed = [store.createWorkflow({ name: 'mine-a', version: '0' }), store.createWorkflow({ name: 'mine-b', version: '0' })];
    store.close();
    const results = await race([
      ...Array.from({ length: 4 }, (_, i) => [dir, 'workflow', 'tdd', `create-${i}`]),
      ...renamed.map((id, i) => [dir, 'workflow', 'tdd', `rename-${i}`, id]),
    ]);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const outcomes = results.map((r) => r.lines[0]);
    expect(outcomes.filter((o) => o === 'won'), outcomes.join(' ')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'ALREADY_EXISTS')).toHaveLength(5);
    const after = open(dir);
    const named = after.listWorkflows().filter((w) => w.name === 'tdd');
    expect(named).toHaveLength(1);
    expect(named[0]!.version).toBe(['create-0', 'create-1', 'create-2', 'create-3', 'rename-0', 'rename-1'][outcomes.indexOf('won')]);
    expect(after.check().problems).toEqual([]);
    after.close();
  }, 60_000);

  it('creating a task spec while another process deletes its PRD: never both, so no spec is left naming a deleted PRD', async () => {
    for (let round = 0; round < 3; round++) {
      const dir = join(tempDir(), '.taskstore');
      const store = open(dir);
      const prd = store.createPrd({ title: 'contested' });
      store.close();
      const [create, remove] = await race([
        [dir, 'spec', prd],
        [dir, 'delete', 'prds', prd],
      ]);
      expect(create!.code, create!.stderr).toBe(0);
      expect(remove!.code, remove!.stderr).toBe(0);
      // Either order is fine; both succeeding (a spec under a deleted PRD) is not.
      expect([['won', 'REFERENCED'], ['NOT_FOUND', 'won']]).toContainEqual([create!.lines[0], remove!.lines[0]]);
      const after = open(dir);
      expect(after.check().problems).toEqual([]);
      after.close();
    }
  }, 60_000);

  it('completing the last open spec of a PRD while another process adds a spec to it: the PRD is complete exactly when the new spec came after', async () => {
    for (let round = 0; round < 3; round++) {
      const dir = join(tempDir(), '.taskstore');
      const store = open(dir);
      const prd = store.createPrd({ title: 'contested' });
      const spec = store.createTaskSpec({ prd_id: prd, phase_name: 'last' });
      const exec = store.createExecution({ ts_id: spec, worktree_path: '/w', branch_name: 'b' });
      store.close();
      const [complete, create] = await race([
        [dir, 'complete', exec],
        [dir, 'spec', prd],
      ]);
      expect(complete!.code, complete!.stderr).toBe(0);
      expect(create!.lines[0], create!.stderr).toBe('won');
      // Both writes land in task_specs.jsonl (the completed spec's new version, the new spec),
      // so the log's line order is the order the write lock gave them.
      const lines = readFileSync(join(dir, 'task_specs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; status: string });
      const completedAt = lines.findIndex((l) => l.id === spec && l.status === 'complete');
      const createdAt = lines.findIndex((l) => l.id !== spec);
      expect(completedAt).toBeGreaterThan(0);
      const after = open(dir);
      expect(after.getPrd(prd)!.status).toBe(createdAt < completedAt ? 'draft' : 'complete');
      expect(complete!.lines[0]).toBe(`won ${after.getPrd(prd)!.status}`);
      after.close();
    }
  }, 60_000);

  it('processes retrying a completion that succeeded, while another claims the reopened spec: no retry writes, the new claim stands', async () => {
    const dir = join(tempDir(), '.taskstore');
    const store = open(dir);
    const prd = store.createPrd({ title: 'retried' });
    const spec = store.createTaskSpec({ prd_id: prd, phase_name: 'only' });
    store.claimTaskSpec(spec, 'loop-1');
    const exec = store.createExecution({ ts_id: spec, worktree_path: '/w', branch_name: 'b' });
    expect(store.completeExecution(exec, { claimant: 'loop-1' }).prd!.status).toBe('complete');
    // An operator reopens the spec and its PRD for a new attempt.
    store.updateTaskSpec(spec, { ...store.getTaskSpec(spec)!, status: 'pending', assigned_to: null });
    store.updatePrd(prd, { ...store.getPrd(prd)!, status: 'active' });
    store.close();
    const logs = () => ['executions', 'task_specs', 'prds'].map((n) => readFileSync(join(dir, `${n}.jsonl`), 'utf8').trim().split('\n').length);
    const before = logs();
    const [claim, ...retries] = await race([[dir, 'claimid', spec, 'loop-2'], ...Array.from({ length: 4 }, () => [dir, 'recomplete', exec])]);
    expect(claim!.code, claim!.stderr).toBe(0);
    expect(claim!.lines[0]).toBe('won');
    for (const r of retries) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.lines[0]).toMatch(/^won true (pending|running)$/);
    }
    // The claim is the only write: every retry found the execution complete and wrote nothing.
    expect(logs()).toEqual([before[0], before[1]! + 1, before[2]]);
    const after = open(dir);
    expect(after.getTaskSpec(spec)).toMatchObject({ status: 'running', assigned_to: 'loop-2' });
    expect(after.getPrd(prd)!.status).toBe('active');
    after.close();
  }, 60_000);
});
