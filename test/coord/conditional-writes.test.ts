/**
 * Conditional writes: `ifUpdatedAt` on collection update/patch/delete and on every
 * domain update/resolve method. A stale expectation throws StaleError and writes nothing.
 */
import { describe, expect, it } from 'vitest';
import { StaleError } from '../../src/index.js';
import { expectRejected, logText, openStore, seed, thrown } from '../records/helpers.js';

describe('conditional writes on collections', () => {
  it('update, patch and delete write when ifUpdatedAt is the current version', () => {
    const { store } = openStore();
    const notes = store.collection<{ title: string; n?: number }>({ name: 'notes' });
    const id = notes.create({ title: 'a' });
    const v1 = notes.get(id)!.updated_at;
    const v2 = notes.update(id, { title: 'b' }, { ifUpdatedAt: v1 }).updated_at;
    expect(v2).toBeGreaterThan(v1);
    const v3 = notes.patch(id, { n: 1 }, { ifUpdatedAt: v2 }).updated_at;
    expect(notes.get(id)).toMatchObject({ title: 'b', n: 1, updated_at: v3 });
    notes.delete(id, { ifUpdatedAt: v3 });
    expect(notes.get(id)).toBeUndefined();
  });

  it('a stale version throws StaleError with { id, expected, actual } and leaves the log byte-identical', () => {
    const { store, dir } = openStore();
    const notes = store.collection<{ title: string }>({ name: 'notes' });
    const id = notes.create({ title: 'a' });
    const v1 = notes.get(id)!.updated_at;
    const v2 = notes.patch(id, { title: 'b' }).updated_at;
    const before = logText(dir, 'notes');
    for (const write of [
      () => notes.update(id, { title: 'x' }, { ifUpdatedAt: v1 }),
      () => notes.patch(id, { title: 'x' }, { ifUpdatedAt: v1 }),
      () => notes.delete(id, { ifUpdatedAt: v1 }),
      () => notes.patch(id, { title: 'x' }, { ifUpdatedAt: v2 + 1 }),
    ]) {
      const err = thrown(write);
      expect(err).toBeInstanceOf(StaleError);
      expect(err.code).toBe('STALE');
      expect(err.data).toMatchObject({ id, expected: expect.any(Number), actual: v2 });
      expect(err.hint).toBeTruthy();
    }
    expect(logText(dir, 'notes')).toBe(before);
    expect(notes.get(id)!.title).toBe('b');
  });

  it('a deleted record is stale with actual null; an id that never existed is NOT_FOUND', () => {
    const { store, dir } = openStore();
    const notes = store.collection({ name: 'notes' });
    const id = notes.create({ title: 'a' });
    const v1 = notes.get(id)!.updated_at;
    notes.delete(id);
    const before = logText(dir, 'notes');
    const err = thrown(() => notes.patch(id, { title: 'x' }, { ifUpdatedAt: v1 }));
    expect(err.code).toBe('STALE');
    expect(err.data).toMatchObject({ id, expected: v1, actual: null });
    expect(thrown(() => notes.delete(id, { ifUpdatedAt: v1 })).code).toBe('STALE');
    expect(thrown(() => notes.patch('ghost', {}, { ifUpdatedAt: v1 })).code).toBe('NOT_FOUND');
    expect(logText(dir, 'notes')).toBe(before);
  });

  it('rejects a malformed ifUpdatedAt or options object as VALIDATION, writing nothing', () => {
    const { store, dir } = openStore();
    const notes = store.collection({ name: 'notes' });
    const id = notes.create({ title: 'a' });
    const before = logText(dir, 'notes');
    for (const bad of [{ ifUpdatedAt: '1' }, { ifUpdatedAt: 1.5 }, { ifUpdatedAt: Number.NaN }, { ifUpdatedAt: 2 ** 53 }, null, 'x']) {
      const err = thrown(() => notes.patch(id, { title: 'x' }, bad as never));
      expect(err.code, JSON.stringify(bad)).toBe('VALIDATION');
    }
    expect(logText(dir, 'notes')).toBe(before);
  });

  it('inside a transaction the check sees the transaction’s own earlier writes', () => {
    const { store } = openStore();
    const notes = store.collection({ name: 'notes' });
    const id = notes.create({ title: 'a' });
    store.transaction(() => {
      const v = notes.patch(id, { title: 'b' }).updated_at;
      notes.patch(id, { title: 'c' }, { ifUpdatedAt: v });
    });
    expect(notes.get(id)!.title).toBe('c');
  });
});

describe('conditional writes on the domain methods (options last)', () => {
  it('updatePrd, updateTaskSpec, updateExecution, updateWorkflow, resolveDependency, completeExecution', () => {
    const { store, dir } = openStore();
    const { prdId, specId, execId } = seed(store);
    const wfId = store.createWorkflow({ name: 'tdd', version: '1' });
    const depId = store.createDependency({ from_exec_id: execId, dependency_type: 'notify' });

    const prd = store.getPrd(prdId)!;
    const spec = store.getTaskSpec(specId)!;
    const exec = store.getExecution(execId)!;
    const wf = store.getWorkflow(wfId)!;
    const dep = store.getDependency(depId)!;
    const stale = (v: number) => ({ ifUpdatedAt: v - 1 });

    expectRejected(dir, () => store.updatePrd(prdId, { ...prd, title: 'x' }, stale(prd.updated_at)), 'STALE');
    expectRejected(dir, () => store.updateTaskSpec(specId, { ...spec, phase_name: 'x' }, stale(spec.updated_at)), 'STALE');
    expectRejected(dir, () => store.updateExecution(execId, { ...exec, iteration_count: 2 }, stale(exec.updated_at)), 'STALE');
    expectRejected(dir, () => store.updateWorkflow(wfId, { ...wf, version: '2' }, stale(wf.updated_at)), 'STALE');
    expectRejected(dir, () => store.resolveDependency(depId, 'p', stale(dep.updated_at)), 'STALE');
    expectRejected(dir, () => store.completeExecution(execId, stale(exec.updated_at)), 'STALE');
    // A stale version is reported before a failing reference check.
    const err = expectRejected(dir, () => store.updateTaskSpec(specId, { ...spec, prd_id: 'ghost' }, stale(spec.updated_at)), 'STALE');
    expect(err.data).toMatchObject({ id: specId, expected: spec.updated_at - 1, actual: spec.updated_at });

    expect(store.updatePrd(prdId, { ...prd, title: 'x' }, { ifUpdatedAt: prd.updated_at }).title).toBe('x');
    expect(store.updateTaskSpec(specId, { ...spec, phase_name: 'x' }, { ifUpdatedAt: spec.updated_at }).phase_name).toBe('x');
    const exec2 = store.updateExecution(execId, { ...exec, iteration_count: 2 }, { ifUpdatedAt: exec.updated_at });
    expect(exec2.iteration_count).toBe(2);
    expect(store.updateWorkflow(wfId, { ...wf, version: '2' }, { ifUpdatedAt: wf.updated_at }).version).toBe('2');
    expect(store.resolveDependency(depId, undefined, { ifUpdatedAt: dep.updated_at }).resolved_at).toEqual(expect.any(Number));
    expect(store.completeExecution(execId, { ifUpdatedAt: exec2.updated_at }).execution.status).toBe('complete');
  });

  it('a deleted task spec is stale (actual null) for updateTaskSpec', () => {
    const { store, dir } = openStore();
    const { prdId } = seed(store);
    const specId = store.createTaskSpec({ prd_id: prdId, phase_name: 'unreferenced' });
    const spec = store.getTaskSpec(specId)!;
    store.collection({ name: 'task_specs' }).delete(specId);
    const err = expectRejected(dir, () => store.updateTaskSpec(specId, spec, { ifUpdatedAt: spec.updated_at }), 'STALE');
    expect(err.data).toMatchObject({ actual: null });
  });
});
