import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectRejected, logLines, logText, openStore, seed } from './helpers.js';

describe('executions', () => {
  it('createExecution fills defaults (running, started_at now, iteration_count 0, nulls)', () => {
    const { store } = openStore();
    const before = Date.now();
    const { specId, execId } = seed(store);
    const exec = store.getExecution(execId)!;
    expect(exec).toMatchObject({
      id: execId,
      ts_id: specId,
      worktree_path: '/wt/1',
      branch_name: 'ts/1',
      status: 'running',
      completed_at: null,
      current_phase: null,
      iteration_count: 0,
      error_message: null,
    });
    expect(exec.started_at).toBeGreaterThanOrEqual(before);
    expect(exec.started_at).toBeLessThanOrEqual(Date.now());
  });

  it('createExecution requires a live task spec and the required fields', () => {
    const { store, dir } = openStore();
    const { specId } = seed(store);
    const err = expectRejected(dir, () => store.createExecution({ ts_id: 'ghost', worktree_path: '/w', branch_name: 'b' }), 'NOT_FOUND');
    expect(err.data).toMatchObject({ collection: 'task_specs', field: 'ts_id', id: 'ghost' });
    expectRejected(dir, () => store.createExecution({ ts_id: specId, branch_name: 'b' } as never), 'VALIDATION', 'worktree_path');
    expectRejected(dir, () => store.createExecution({ ts_id: specId, worktree_path: '/w' } as never), 'VALIDATION', 'branch_name');
    expectRejected(dir, () => store.createExecution({ worktree_path: '/w', branch_name: 'b' } as never), 'VALIDATION', 'ts_id');
    expectRejected(dir, () => store.createExecution({ ts_id: specId, worktree_path: '/w', branch_name: 'b', status: 'done' as never }), 'VALIDATION', 'status');
    expectRejected(dir, () => store.createExecution({ ts_id: specId, worktree_path: '/w', branch_name: 'b', iteration_count: 1.5 }), 'VALIDATION', 'iteration_count');
    expectRejected(dir, () => store.createExecution({ ts_id: specId, worktree_path: '/w', branch_name: 'b', started_at: new Date() as never }), 'VALIDATION', 'started_at');
  });

  it('updateExecution replaces the record, keeping started_at when omitted', () => {
    const { store, dir } = openStore();
    const { specId, execId } = seed(store);
    const started = store.getExecution(execId)!.started_at;
    const updated = store.updateExecution(execId, { ts_id: specId, worktree_path: '/wt/2', branch_name: 'b2', iteration_count: 4, current_phase: 'test' });
    expect(updated).toMatchObject({ worktree_path: '/wt/2', iteration_count: 4, current_phase: 'test', started_at: started, status: 'running' });
    expect(store.updateExecution(execId, { ...updated, started_at: 123 }).started_at).toBe(123);
    expectRejected(dir, () => store.updateExecution('ghost', { ts_id: specId, worktree_path: '/w', branch_name: 'b' }), 'NOT_FOUND');
    expectRejected(dir, () => store.updateExecution(execId, { ...updated, ts_id: 'ghost' }), 'NOT_FOUND');
    expectRejected(dir, () => store.updateExecution(execId, { ...updated, error_message: 42 as never }), 'VALIDATION', 'error_message');
  });

  it('listExecutions / listActiveExecutions filter by status', () => {
    const { store, dir } = openStore();
    const { specId, execId } = seed(store);
    const paused = store.createExecution({ ts_id: specId, worktree_path: '/w', branch_name: 'b', status: 'paused' });
    const running = store.createExecution({ ts_id: specId, worktree_path: '/w', branch_name: 'c' });
    expect(store.listExecutions().map((e) => e.id)).toEqual([execId, paused, running]);
    expect(store.listExecutions('paused').map((e) => e.id)).toEqual([paused]);
    expect(store.listActiveExecutions().map((e) => e.id)).toEqual([execId, running]);
    expectRejected(dir, () => store.listExecutions('active' as never), 'VALIDATION', 'status');
  });

  it('listExecutionsPaginated neither skips nor repeats, even with equal timestamps', () => {
    const { store, dir } = openStore();
    const { specId } = seed(store);
    // 23 executions sharing three started_at values (and created in one transaction, so
    // many share updated_at too): only the id tie-break makes the order total.
    const ids = store.transaction(() =>
      Array.from({ length: 23 }, (_, i) =>
        store.createExecution({ id: `e${String((i * 7) % 23).padStart(2, '0')}`, ts_id: specId, worktree_path: '/w', branch_name: `b${i}`, started_at: 1000 + (i % 3), status: i % 4 === 0 ? 'paused' : 'running' }),
      ),
    );
    for (const status of [undefined, 'running', 'paused'] as const) {
      const all = store.listExecutions(status).map((e) => e.id).filter((id) => ids.includes(id));
      for (const size of [1, 4, 5, 23, 50]) {
        const seen: string[] = [];
        for (let offset = 0; offset < 30; offset += size) {
          seen.push(...store.listExecutionsPaginated(status, size, offset).map((e) => e.id).filter((id) => ids.includes(id)));
        }
        expect(seen).toEqual(all);
        expect(new Set(seen).size).toBe(seen.length);
      }
    }
    expect(store.listExecutionsPaginated(undefined, 0, 0)).toEqual([]);
    expectRejected(dir, () => store.listExecutionsPaginated(undefined, -1, 0), 'VALIDATION', 'limit');
    expectRejected(dir, () => store.listExecutionsPaginated(undefined, 10, 1.5), 'VALIDATION', 'offset');
    // Like limit, an offset of null is refused (a caller's unset variable), not read as 0; an omitted one is 0.
    expectRejected(dir, () => store.listExecutionsPaginated(undefined, 10, null as never), 'VALIDATION', 'offset');
    expectRejected(dir, () => store.listExecutionsPaginated(undefined, null as never, 0), 'VALIDATION', 'limit');
    expect(store.listExecutionsPaginated(undefined, 2, undefined as never)).toEqual(store.listExecutionsPaginated(undefined, 2, 0));
    expectRejected(dir, () => store.listExecutionsPaginated('nope' as never, 10, 0), 'VALIDATION', 'status');
  });

  it('JSONL shape: snake_case, spec order, ms timestamps, lowercase enum', () => {
    const { store, dir } = openStore();
    seed(store);
    const [exec] = logLines(dir, 'executions');
    // created_at comes from the store's generic create rule (docs/format.md); the rest is the spec's list.
    expect(Object.keys(exec!)).toEqual([
      'id',
      'ts_id',
      'worktree_path',
      'branch_name',
      'status',
      'started_at',
      'created_at',
      'updated_at',
      'completed_at',
      'current_phase',
      'iteration_count',
      'error_message',
    ]);
    expect(exec!.status).toBe('running');
    expect(Number.isInteger(exec!.started_at)).toBe(true);
  });
});

describe('completeExecution', () => {
  it('partial cascade: the spec completes, the PRD stays while other specs are open', () => {
    const { store } = openStore();
    const { prdId, specId, execId } = seed(store);
    const other = store.createTaskSpec({ prd_id: prdId, phase_name: 'other' });
    const before = Date.now();
    const result = store.completeExecution(execId);
    expect(result.execution).toMatchObject({ status: 'complete' });
    expect(result.execution.completed_at).toBeGreaterThanOrEqual(before);
    expect(result.taskSpec).toMatchObject({ id: specId, status: 'complete' });
    expect(result.prd).toMatchObject({ id: prdId, status: 'draft' });
    expect(store.getTaskSpec(other)!.status).toBe('pending');
    expect(store.getPrd(prdId)!.status).toBe('draft');
  });

  it('full cascade: completing the last open spec completes the PRD', () => {
    const { store } = openStore();
    const { prdId, execId } = seed(store);
    const second = store.createTaskSpec({ prd_id: prdId, phase_name: 'second' });
    const exec2 = store.createExecution({ ts_id: second, worktree_path: '/w2', branch_name: 'b2' });
    store.completeExecution(execId);
    expect(store.getPrd(prdId)!.status).toBe('draft');
    const result = store.completeExecution(exec2);
    expect(result.prd!.status).toBe('complete');
    expect(store.getPrd(prdId)!.status).toBe('complete');
    expect(store.listActiveExecutions()).toEqual([]);
  });

  it('a failed sibling spec keeps the PRD open; other PRDs are untouched', () => {
    const { store } = openStore();
    const { prdId, execId } = seed(store);
    store.createTaskSpec({ prd_id: prdId, phase_name: 'x', status: 'failed' });
    const otherPrd = store.createPrd({ title: 'other' });
    store.createTaskSpec({ prd_id: otherPrd, phase_name: 'y', status: 'complete' });
    store.completeExecution(execId);
    expect(store.getPrd(prdId)!.status).toBe('draft');
    expect(store.getPrd(otherPrd)!.status).toBe('draft');
  });

  it('is one transaction: one new line per changed record, and completing twice writes nothing more', () => {
    const { store, dir } = openStore();
    const { execId } = seed(store);
    const count = () => ['executions', 'task_specs', 'prds'].map((n) => logLines(dir, n).length);
    expect(count()).toEqual([1, 1, 1]);
    const first = store.completeExecution(execId);
    expect(count()).toEqual([2, 2, 2]);
    const again = store.completeExecution(execId);
    expect(count()).toEqual([2, 2, 2]);
    expect(again.execution.completed_at).toBe(first.execution.completed_at);
  });

  it('rolls back everything when it fails part way (inside an outer transaction)', () => {
    const { store, dir } = openStore();
    const { prdId, specId, execId } = seed(store);
    const before = ['executions', 'task_specs', 'prds'].map((n) => logLines(dir, n).length);
    expect(() =>
      store.transaction(() => {
        store.completeExecution(execId);
        throw new Error('orchestrator crashed');
      }),
    ).toThrow('orchestrator crashed');
    expect(['executions', 'task_specs', 'prds'].map((n) => logLines(dir, n).length)).toEqual(before);
    expect(store.getExecution(execId)!.status).toBe('running');
    expect(store.getTaskSpec(specId)!.status).toBe('pending');
    expect(store.getPrd(prdId)!.status).toBe('draft');
  });

  it('NotFound for an unknown execution; a dangling ts_id completes only the execution', () => {
    const { store, dir } = openStore();
    const { specId, execId } = seed(store);
    expectRejected(dir, () => store.completeExecution('ghost'), 'NOT_FOUND');
    store.collection({ name: 'task_specs' }).delete(specId, { force: true });
    const result = store.completeExecution(execId);
    expect(result.execution.status).toBe('complete');
    expect(result.taskSpec).toBeUndefined();
    expect(result.prd).toBeUndefined();
  });

  it('a record of the cascade whose stored version is invalid (another program wrote it) is named in the error; nothing is written', () => {
    const { store, dir } = openStore();
    const { prdId, specId, execId } = seed(store);
    // A later version of `id` with one field another program got wrong.
    const spoil = (collection: string, record: object, field: object) => {
      const current = record as { updated_at: number };
      appendFileSync(join(dir, `${collection}.jsonl`), `${JSON.stringify({ ...current, ...field, updated_at: current.updated_at + 1 })}\n`);
      store.refresh();
    };
    const cases = [
      { collection: 'task_specs', id: specId, what: 'its task spec', field: { phase_name: 7 } },
      { collection: 'prds', id: prdId, what: 'its PRD', field: { review_passes: 'two' } },
      { collection: 'executions', id: execId, what: 'execution', field: { iteration_count: -3 } },
    ];
    for (const c of cases) {
      const current = store.collection({ name: c.collection }).get(c.id)!;
      spoil(c.collection, current, c.field);
      const err = expectRejected(dir, () => store.completeExecution(execId), 'VALIDATION', Object.keys(c.field)[0]);
      // The caller named only the execution, and gave none of these fields: the message names the record at fault.
      expect(err.message).toContain(`cannot complete execution ${execId}: the stored version of ${c.what} ${c.id} is not valid`);
      expect(err.data).toMatchObject({ id: c.id });
      // Repaired, so the next case reaches its own record.
      spoil(c.collection, store.collection({ name: c.collection }).get(c.id)!, pick(current, Object.keys(c.field)[0]!));
    }
    expect(store.completeExecution(execId)).toMatchObject({ alreadyComplete: false, prd: { status: 'complete' } });
  });
});

describe('a record holding a number beyond a double\'s range (1e400, another program\'s)', () => {
  it('is claimed, renewed and completed, and every version keeps the member as written; a schema that changes such a member is still refused', () => {
    const { store, dir } = openStore();
    const { specId } = seed(store);
    const current = store.getTaskSpec(specId)!;
    const text = JSON.stringify({ ...current, updated_at: current.updated_at + 1 }).slice(0, -1);
    appendFileSync(join(dir, 'task_specs.jsonl'), `${text},"far":1e400,"list":[1,-1e400]}\n`);
    store.refresh();
    store.claimTaskSpec(specId, 'loop-1');
    store.renewTaskSpecClaim(specId, 'loop-1', { leaseMs: 60_000 });
    const execId = store.createExecution({ ts_id: specId, worktree_path: '/wt/2', branch_name: 'ts/2' });
    expect(store.completeExecution(execId, { claimant: 'loop-1' })).toMatchObject({ taskSpec: { status: 'complete' }, prd: { status: 'complete' } });
    const lines = logText(dir, 'task_specs').trim().split('\n');
    expect(lines).toHaveLength(5);
    for (const line of lines.slice(1)) expect(line).toContain('"far":1e400,"list":[1,-1e400]');
    // A schema that returns such a member changed (here: a finite number made Infinity) is refused as before.
    const notes = store.collection<Record<string, unknown>>({ name: 'notes', schema: { parse: (v: unknown) => ({ ...(v as object), n: Infinity }) } });
    appendFileSync(join(dir, 'notes.jsonl'), `{"id":"x","n":1,"big":1e400,"created_at":1,"updated_at":1}\n`);
    store.refresh();
    expect(() => notes.patch('x', { m: 1 })).toThrow(/field n is Infinity, which JSON cannot store/);
  });
});

/** `{ [field]: record[field] }`: the field as it was, to put back. */
function pick(record: object, field: string): object {
  return { [field]: (record as Record<string, unknown>)[field] };
}
