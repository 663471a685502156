import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectRejected, logLines, openStore, seed } from './helpers.js';

describe('dependencies', () => {
  function twoExecutions() {
    const opened = openStore();
    const { specId, execId } = seed(opened.store);
    const other = opened.store.createExecution({ ts_id: specId, worktree_path: '/w2', branch_name: 'b2' });
    return { ...opened, a: execId, b: other, specId };
  }

  it('createDependency fills defaults and getDependency reads it back', () => {
    const { store, a, b } = twoExecutions();
    const id = store.createDependency({ from_exec_id: a, to_exec_id: b, dependency_type: 'notify' });
    expect(store.getDependency(id)).toMatchObject({ id, from_exec_id: a, to_exec_id: b, dependency_type: 'notify', resolved_at: null, payload: null });
    const broadcast = store.createDependency({ from_exec_id: a, dependency_type: 'share' });
    expect(store.getDependency(broadcast)!.to_exec_id).toBeNull();
    expect(store.getDependency('ghost')).toBeUndefined();
  });

  it('createDependency requires live executions on both ends and a known type', () => {
    const { store, dir, a, b } = twoExecutions();
    expect(expectRejected(dir, () => store.createDependency({ from_exec_id: 'ghost', dependency_type: 'notify' }), 'NOT_FOUND').data).toMatchObject({
      field: 'from_exec_id',
    });
    expect(
      expectRejected(dir, () => store.createDependency({ from_exec_id: a, to_exec_id: 'ghost', dependency_type: 'notify' }), 'NOT_FOUND').data,
    ).toMatchObject({ field: 'to_exec_id' });
    expectRejected(dir, () => store.createDependency({ from_exec_id: a, to_exec_id: b, dependency_type: 'ping' as never }), 'VALIDATION', 'dependency_type');
    expectRejected(dir, () => store.createDependency({ from_exec_id: a } as never), 'VALIDATION', 'dependency_type');
    expectRejected(dir, () => store.createDependency({ dependency_type: 'query' } as never), 'VALIDATION', 'from_exec_id');
    expectRejected(dir, () => store.createDependency({ from_exec_id: a, dependency_type: 'query', payload: { a: 1 } as never }), 'VALIDATION', 'payload');
    store.collection({ name: 'executions' }).delete(b);
    expectRejected(dir, () => store.createDependency({ from_exec_id: a, to_exec_id: b, dependency_type: 'notify' }), 'NOT_FOUND');
  });

  it('resolveDependency sets resolved_at, and payload only when given', () => {
    const { store, dir, a, b } = twoExecutions();
    const id = store.createDependency({ from_exec_id: a, to_exec_id: b, dependency_type: 'query', payload: 'question?' });
    const before = Date.now();
    const resolved = store.resolveDependency(id);
    expect(resolved.resolved_at).toBeGreaterThanOrEqual(before);
    expect(resolved.payload).toBe('question?');
    expect(store.resolveDependency(id, '{"answer":42}').payload).toBe('{"answer":42}');
    expect(store.resolveDependency(id, null).payload).toBeNull();
    expectRejected(dir, () => store.resolveDependency('ghost'), 'NOT_FOUND');
    expectRejected(dir, () => store.resolveDependency(id, 42 as never), 'VALIDATION', 'payload');
  });

  it('resolveDependency on a dependency whose stored version is invalid names it; nothing is written', () => {
    const { store, dir } = openStore();
    const { execId } = seed(store);
    const depId = store.createDependency({ from_exec_id: execId, dependency_type: 'notify' });
    const current = store.getDependency(depId)!;
    appendFileSync(join(dir, 'dependencies.jsonl'), `${JSON.stringify({ ...current, dependency_type: 'ping', updated_at: current.updated_at + 1 })}\n`);
    store.refresh();
    const err = expectRejected(dir, () => store.resolveDependency(depId, 'done'), 'VALIDATION', 'dependency_type');
    expect(err.message).toContain(`cannot resolve dependency ${depId}: the stored version of dependency ${depId} is not valid`);
  });

  it('listDependencies(execId) returns those from or to the execution, oldest first, once each', () => {
    const { store, dir, a, b, specId } = twoExecutions();
    const c = store.createExecution({ ts_id: specId, worktree_path: '/w3', branch_name: 'b3' });
    const ab = store.createDependency({ from_exec_id: a, to_exec_id: b, dependency_type: 'notify' });
    const ba = store.createDependency({ from_exec_id: b, to_exec_id: a, dependency_type: 'query' });
    const bc = store.createDependency({ from_exec_id: b, to_exec_id: c, dependency_type: 'share' });
    const aBroadcast = store.createDependency({ from_exec_id: a, dependency_type: 'share' });
    const aa = store.createDependency({ from_exec_id: a, to_exec_id: a, dependency_type: 'notify' });
    expect(store.listDependencies(a).map((d) => d.id)).toEqual([ab, ba, aBroadcast, aa]);
    expect(store.listDependencies(b).map((d) => d.id)).toEqual([ab, ba, bc]);
    expect(store.listDependencies(c).map((d) => d.id)).toEqual([bc]);
    expect(store.listDependencies('nobody')).toEqual([]);
    expectRejected(dir, () => store.listDependencies(''), 'VALIDATION', 'execId');
  });

  it('JSONL shape', () => {
    const { store, dir, a, b } = twoExecutions();
    store.createDependency({ from_exec_id: a, to_exec_id: b, dependency_type: 'notify' });
    expect(Object.keys(logLines(dir, 'dependencies')[0]!)).toEqual([
      'id',
      'from_exec_id',
      'to_exec_id',
      'dependency_type',
      'created_at',
      'updated_at',
      'resolved_at',
      'payload',
    ]);
  });
});

describe('workflows', () => {
  it('create, get, getWorkflowByName, update, list (by name)', () => {
    const { store, dir } = openStore();
    const tdd = store.createWorkflow({ name: 'tdd', version: '1.0', content: 'phases: [red, green]' });
    const ship = store.createWorkflow({ name: 'ship', version: '2' });
    expect(store.getWorkflow(tdd)).toMatchObject({ id: tdd, name: 'tdd', version: '1.0', content: 'phases: [red, green]' });
    expect(store.getWorkflow(ship)!.content).toBe('');
    expect(store.getWorkflowByName('ship')!.id).toBe(ship);
    expect(store.getWorkflowByName('nope')).toBeUndefined();
    expect(store.updateWorkflow(tdd, { ...store.getWorkflow(tdd)!, version: '1.1' }).version).toBe('1.1');
    expect(store.listWorkflows().map((w) => w.name)).toEqual(['ship', 'tdd']);
    expectRejected(dir, () => store.updateWorkflow('ghost', { name: 'x', version: '1' }), 'NOT_FOUND');
    expect(expectRejected(dir, () => store.getWorkflowByName(''), 'VALIDATION', 'name')).not.toBeInstanceOf(TypeError);
    expect(expectRejected(dir, () => store.getWorkflowByName(7 as never), 'VALIDATION', 'name')).toBeInstanceOf(TypeError);
    expect(expectRejected(dir, () => store.getWorkflowByName(null as never), 'VALIDATION', 'name').message).toBe('name must be a string (got null)');
  });

  it('validation: name and version required, version is a string', () => {
    const { store, dir } = openStore();
    expectRejected(dir, () => store.createWorkflow({ version: '1' } as never), 'VALIDATION', 'name');
    expectRejected(dir, () => store.createWorkflow({ name: '', version: '1' }), 'VALIDATION', 'name');
    expectRejected(dir, () => store.createWorkflow({ name: 'x' } as never), 'VALIDATION', 'version');
    expectRejected(dir, () => store.createWorkflow({ name: 'x', version: 2 as never }), 'VALIDATION', 'version');
  });

  it('a name is unique among live workflows, on create and on rename; free again after delete', () => {
    const { store, dir } = openStore();
    const a = store.createWorkflow({ name: 'tdd', version: '1' });
    const b = store.createWorkflow({ name: 'ship', version: '1' });
    const err = expectRejected(dir, () => store.createWorkflow({ name: 'tdd', version: '2' }), 'ALREADY_EXISTS');
    expect(err.data).toMatchObject({ name: 'tdd', id: a });
    expectRejected(dir, () => store.updateWorkflow(b, { name: 'tdd', version: '1' }), 'ALREADY_EXISTS');
    // Keeping its own name is not a clash.
    store.updateWorkflow(a, { name: 'tdd', version: '3' });
    store.collection({ name: 'workflows' }).delete(a);
    expect(store.getWorkflowByName('tdd')).toBeUndefined();
    const again = store.createWorkflow({ name: 'tdd', version: '4' });
    expect(store.getWorkflowByName('tdd')!.id).toBe(again);
    store.updateWorkflow(b, { name: 'renamed', version: '1' });
    store.updateWorkflow(again, { name: 'ship', version: '4' });
    expect(store.listWorkflows().map((w) => w.name)).toEqual(['renamed', 'ship']);
  });

  it('two live workflows sharing a name (as a merge leaves them) can each be updated under it; moving a third onto it is refused', () => {
    const { store, dir } = openStore();
    store.createWorkflow({ id: 'w1', name: 'tdd', version: '1' });
    // The other branch's workflow, arriving through the merge (the generic API makes no name check).
    store.collection({ name: 'workflows' }).create({ id: 'w2', name: 'tdd', version: '2' });
    const other = store.createWorkflow({ id: 'w3', name: 'ship', version: '1' });
    expect(store.updateWorkflow('w1', { ...store.getWorkflow('w1')!, content: 'kept' })).toMatchObject({ name: 'tdd', content: 'kept' });
    expect(store.updateWorkflow('w2', { name: 'tdd', version: '3' }).version).toBe('3');
    expectRejected(dir, () => store.updateWorkflow(other, { name: 'tdd', version: '1' }), 'ALREADY_EXISTS');
    // Renaming one away resolves the duplicate; coming back is then a clash again.
    store.updateWorkflow('w2', { name: 'tdd-b', version: '3' });
    expectRejected(dir, () => store.updateWorkflow('w2', { name: 'tdd', version: '3' }), 'ALREADY_EXISTS');
    expect(store.check().problems).toEqual([]);
  });

  it('the uniqueness check holds inside a transaction too', () => {
    const { store, dir } = openStore();
    expectRejected(
      dir,
      () =>
        store.transaction(() => {
          store.createWorkflow({ name: 'x', version: '1' });
          store.createWorkflow({ name: 'x', version: '2' });
        }),
      'ALREADY_EXISTS',
    );
    expect(store.listWorkflows()).toEqual([]);
  });
});

describe('repository state', () => {
  it('setRepoState upserts with id = repo_path; getRepoState reads it', () => {
    const { store, dir } = openStore();
    expect(store.getRepoState('/src/app')).toBeUndefined();
    const first = store.setRepoState('/src/app', 'a1b2c3');
    expect(first).toMatchObject({ id: '/src/app', repo_path: '/src/app', last_synced_commit: 'a1b2c3' });
    const second = store.setRepoState('/src/app', 'd4e5f6');
    expect(second.last_synced_commit).toBe('d4e5f6');
    expect(second.updated_at).toBeGreaterThan(first.updated_at);
    expect(store.getRepoState('/src/app')).toEqual(second);
    expect(logLines(dir, 'repo_state').map((l) => l.id)).toEqual(['/src/app', '/src/app']);
    expectRejected(dir, () => store.setRepoState('', 'x'), 'VALIDATION', 'repo_path');
    // A wrong JavaScript type is a TypeError, as for every other argument; a bad value is not.
    expect(expectRejected(dir, () => store.setRepoState('/x', 42 as never), 'VALIDATION', 'last_synced_commit')).toBeInstanceOf(TypeError);
    expect(expectRejected(dir, () => store.setRepoState(42 as never, 'x'), 'VALIDATION', 'repo_path')).toBeInstanceOf(TypeError);
    expect(expectRejected(dir, () => store.setRepoState('', 'x'), 'VALIDATION', 'repo_path')).not.toBeInstanceOf(TypeError);
    // The path becomes the record's id: one no id can be is refused in the argument's own name.
    for (const path of ['/'.padEnd(513, 'p'), '/repo\nx']) {
      const err = expectRejected(dir, () => store.setRepoState(path, 'x'), 'VALIDATION', 'repo_path');
      expect(err.message).toMatch(/^repo_path ".*" is malformed/);
      expect(err.hint).toContain('path');
    }
    store.setRepoState('/'.padEnd(512, 'p'), 'x');
  });

  it('setRepoState recreates a deleted record and keeps unknown fields of a live one', () => {
    const { store } = openStore();
    const raw = store.collection({ name: 'repo_state' });
    raw.create({ id: '/r', repo_path: '/r', last_synced_commit: 'a', remote: 'origin' });
    expect(store.setRepoState('/r', 'b')).toMatchObject({ last_synced_commit: 'b', remote: 'origin' });
    raw.delete('/r');
    expect(store.setRepoState('/r', 'c')).toMatchObject({ repo_path: '/r', last_synced_commit: 'c' });
  });

  it('a repository state is stored under its repo_path: a write that would make them differ is refused (CLI update and MCP update_record patch through it)', () => {
    const { store, dir } = openStore();
    const raw = store.collection({ name: 'repo_state' });
    store.setRepoState('/repo/a', 'abc');
    // Moved to /other, it would be found by neither getRepoState('/other') nor reads of '/repo/a' as that repository.
    const err = expectRejected(dir, () => raw.patch('/repo/a', { repo_path: '/other' }), 'VALIDATION', 'repo_path');
    expect(err.message).toContain('"/repo/a"');
    expect(err.message).toContain('"/other"');
    expectRejected(dir, () => raw.update('/repo/a', { repo_path: '/repo/a/', last_synced_commit: 'abc' }), 'VALIDATION', 'repo_path');
    // Created without an id, the record would get a UUIDv7 that no getRepoState finds.
    expectRejected(dir, () => raw.create({ repo_path: '/repo/b', last_synced_commit: 'x' }), 'VALIDATION', 'repo_path');
    expectRejected(dir, () => raw.create({ id: '/repo/c', repo_path: '/repo/b', last_synced_commit: 'x' }), 'VALIDATION', 'repo_path');
    raw.create({ id: '/repo/b', repo_path: '/repo/b', last_synced_commit: 'x' });
    expect(store.getRepoState('/repo/b')).toMatchObject({ last_synced_commit: 'x' });
    expect(raw.patch('/repo/a', { last_synced_commit: 'def' })).toMatchObject({ id: '/repo/a', repo_path: '/repo/a', last_synced_commit: 'def' });
  });
});
