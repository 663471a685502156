import { appendFileSync, cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { tempDir } from '../helpers/temp.js';
import { openStore, RECORD_FILES } from './helpers.js';

/** A store with some of everything, including deletes and a cycle. */
function populate(store: Store) {
  const prd = store.createPrd({ title: 'Search', status: 'active' });
  const done = store.createPrd({ title: 'Old' });
  const a = store.createTaskSpec({ prd_id: prd, phase_name: 'a', workflow_name: 'tdd' });
  const b = store.createTaskSpec({ prd_id: prd, phase_name: 'b', dependencies: [a] });
  store.createTaskSpec({ prd_id: prd, phase_name: 'c', dependencies: [a, b] });
  store.createTaskSpec({ id: 'loop-x', prd_id: done, phase_name: 'x', dependencies: ['loop-y'] });
  store.createTaskSpec({ id: 'loop-y', prd_id: done, phase_name: 'y', dependencies: ['loop-x'] });
  const e1 = store.createExecution({ ts_id: a, worktree_path: '/w/a', branch_name: 'a' });
  const e2 = store.createExecution({ ts_id: b, worktree_path: '/w/b', branch_name: 'b', status: 'paused' });
  const dep = store.createDependency({ from_exec_id: e1, to_exec_id: e2, dependency_type: 'notify' });
  store.resolveDependency(dep, 'ok');
  store.completeExecution(e1);
  const wf = store.createWorkflow({ name: 'tdd', version: '1' });
  store.createWorkflow({ name: 'gone', version: '1' });
  store.collection({ name: 'workflows' }).delete(store.getWorkflowByName('gone')!.id);
  store.updateWorkflow(wf, { name: 'tdd', version: '2' });
  store.setRepoState('/repo', 'abc');
  store.setRepoState('/repo', 'def');
  return { prd, a, b, e1, e2 };
}

/** Every query's answer, as plain data. */
function answers(store: Store, ids: ReturnType<typeof populate>) {
  return {
    prds: store.listPrds(),
    active: store.listPrds('active'),
    prd: store.getPrd(ids.prd),
    specs: store.listTaskSpecs(ids.prd),
    pending: store.listPendingTaskSpecs(),
    ready: store.listReadyTaskSpecs(),
    executions: store.listExecutions(),
    running: store.listActiveExecutions(),
    paused: store.listExecutionsPaginated('paused', 10, 0),
    page: store.listExecutionsPaginated(undefined, 1, 1),
    deps: store.listDependencies(ids.e1),
    workflows: store.listWorkflows(),
    tdd: store.getWorkflowByName('tdd'),
    gone: store.getWorkflowByName('gone'),
    repo: store.getRepoState('/repo'),
    cycles: store.findDependencyCycles(),
  };
}

describe('survival across close, cache deletion and fresh clones', () => {
  it('gives identical answers after reopen, after deleting taskstore.db, after sync, and in a copy of the JSONL alone', () => {
    const { store, dir } = openStore();
    const ids = populate(store);
    const expected = answers(store, ids);
    expect(expected.cycles).toEqual([['loop-x', 'loop-y']]);
    expect(expected.ready.map((t) => t.id)).toEqual([ids.b]);
    store.close();

    const reopened = Store.open(dir, { durability: 'none' });
    expect(answers(reopened, ids)).toEqual(expected);
    reopened.sync();
    expect(answers(reopened, ids)).toEqual(expected);
    reopened.close();

    for (const suffix of ['', '-wal', '-shm']) rmSync(join(dir, `taskstore.db${suffix}`), { force: true });
    const rebuilt = Store.open(dir, { durability: 'none' });
    expect(answers(rebuilt, ids)).toEqual(expected);
    rebuilt.close();

    // A fresh clone: only what git carries (the logs and .version).
    const clone = join(tempDir(), '.taskstore');
    mkdirSync(clone);
    for (const name of RECORD_FILES) cpSync(join(dir, `${name}.jsonl`), join(clone, `${name}.jsonl`));
    cpSync(join(dir, '.version'), join(clone, '.version'));
    const cloned = Store.open(clone, { durability: 'none' });
    expect(answers(cloned, ids)).toEqual(expected);
    cloned.close();
  });

  it('declares its indexes in code, so a fresh cache has them', () => {
    const { store, dir } = openStore();
    store.close();
    const db = new Database(join(dir, 'taskstore.db'), { readonly: true });
    const names = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all() as { name: string }[]).map((r) => r.name);
    db.close();
    for (const index of [
      'c_prds__f_status',
      'c_task_specs__f_prd_id',
      'c_task_specs__f_status',
      'c_executions__f_status',
      'c_executions__f_ts_id',
      'c_dependencies__f_from_exec_id',
      'c_dependencies__f_to_exec_id',
      'c_workflows__f_name',
    ]) {
      expect(names).toContain(index);
    }
  });

  it('a reference check sees a PRD that arrived in the log behind the cache\'s back (git pull), without refresh()', () => {
    const { store, dir } = openStore();
    store.createPrd({ title: 'local' });
    appendFileSync(
      join(dir, 'prds.jsonl'),
      `${JSON.stringify({ id: 'pulled', title: 'from a teammate', description: '', created_at: 1, updated_at: 1, status: 'ready', review_passes: 0, content: '' })}\n`,
    );
    // The check runs under the write lock after catching up with the logs.
    const spec = store.createTaskSpec({ prd_id: 'pulled', phase_name: 'x' });
    expect(store.getTaskSpec(spec)!.prd_id).toBe('pulled');
    expect(store.getPrd('pulled')!.title).toBe('from a teammate');
  });
});

describe('check()', () => {
  it('is ok for a consistent store', () => {
    const { store } = openStore();
    populate(store);
    const report = store.check();
    expect(report.problems.filter((p) => p.kind !== 'dependency_cycle')).toEqual([]);
  });

  it('reports dangling references of every kind', () => {
    const { store } = openStore();
    const prd = store.createPrd({ title: 'p' });
    const orphanPrd = store.createPrd({ title: 'to delete' });
    const spec = store.createTaskSpec({ prd_id: orphanPrd, phase_name: 's', dependencies: ['ghost-spec'] });
    const keep = store.createTaskSpec({ prd_id: prd, phase_name: 'k' });
    const goneSpec = store.createTaskSpec({ prd_id: prd, phase_name: 'g' });
    const e1 = store.createExecution({ ts_id: goneSpec, worktree_path: '/w', branch_name: 'b' });
    const e2 = store.createExecution({ ts_id: keep, worktree_path: '/w', branch_name: 'c' });
    const e3 = store.createExecution({ ts_id: keep, worktree_path: '/w', branch_name: 'd' });
    const dep = store.createDependency({ from_exec_id: e2, to_exec_id: e3, dependency_type: 'notify' });
    const dep2 = store.createDependency({ from_exec_id: e3, to_exec_id: e2, dependency_type: 'query' });
    // As a merge from another branch might leave things:
    store.collection({ name: 'prds' }).delete(orphanPrd, { force: true });
    store.collection({ name: 'task_specs' }).delete(goneSpec, { force: true });
    store.collection({ name: 'executions' }).delete(e3, { force: true });

    const problems = store.check().problems;
    expect(problems.every((p) => p.kind === 'dangling_reference')).toBe(true);
    const found = problems.map((p) => [p.collection, p.id, p.message]);
    expect(found).toEqual(
      expect.arrayContaining([
        ['task_specs', spec, `task spec ${spec}: prd_id "${orphanPrd}" does not name a live PRD`],
        ['executions', e1, `execution ${e1}: ts_id "${goneSpec}" does not name a live task spec`],
        ['dependencies', dep, `dependency ${dep}: to_exec_id "${e3}" does not name a live execution`],
        ['dependencies', dep2, `dependency ${dep2}: from_exec_id "${e3}" does not name a live execution`],
        ['task_specs', spec, expect.stringContaining('dependencies names "ghost-spec", which is not a live task spec')],
      ]),
    );
    expect(problems).toHaveLength(5);
  });

  it('reports a pending spec exactly when readiness can never count it (hand-written dependencies that are no list of string ids)', () => {
    const { store, dir } = openStore();
    const prd = store.createPrd({ title: 'p' });
    store.createTaskSpec({ id: '123', prd_id: prd, phase_name: 'done', status: 'complete' });
    store.close();
    // Lines another tool might write: the store's own writes refuse every one of these.
    const at = Date.now() + 5;
    const line = (id: string, fields: Record<string, unknown>) =>
      JSON.stringify({ id, prd_id: prd, phase_name: id, status: 'pending', created_at: at, updated_at: at, ...fields });
    const specs = {
      'null-deps': { dependencies: null },
      'string-deps': { dependencies: '123' },
      'object-deps': { dependencies: { '123': true } },
      'number-entry': { dependencies: [123] },
      'string-entry': { dependencies: ['123'] },
    };
    appendFileSync(join(dir, 'task_specs.jsonl'), Object.entries(specs).map(([id, f]) => `${line(id, f)}\n`).join(''));
    appendFileSync(
      join(dir, 'executions.jsonl'),
      `${JSON.stringify({ id: 'e-number', ts_id: 123, worktree_path: '/w', branch_name: 'b', status: 'running', started_at: at, updated_at: at })}\n`,
    );
    const reopened = Store.open(dir, { durability: 'none' });
    try {
      // null counts as no dependencies; every other value that is not an array, and every entry that is not a string, as unmet.
      expect(reopened.listReadyTaskSpecs().map((s) => s.id).sort()).toEqual(['null-deps', 'string-entry']);
      const found = reopened.check().problems.map((p) => [p.kind, p.id, p.message]);
      expect(found).toEqual([
        ['dangling_reference', 'e-number', 'execution e-number: ts_id 123 does not name a live task spec'],
        ['dangling_reference', 'number-entry', 'task spec number-entry: dependencies names 123, which is not a live task spec (the spec can never become ready)'],
        ['dangling_reference', 'object-deps', 'task spec object-deps: dependencies is not a list of task spec ids (got {"123":true}) (the spec can never become ready)'],
        ['dangling_reference', 'string-deps', 'task spec string-deps: dependencies is not a list of task spec ids (got "123") (the spec can never become ready)'],
      ]);
    } finally {
      reopened.close();
    }
  });

  it('reports hand-written records whose status no query finds (missing, not a value of the type, not a string), and only those', () => {
    const { store, dir } = openStore();
    const prd = store.createPrd({ title: 'p' });
    const fine = store.createTaskSpec({ id: 'fine', prd_id: prd, phase_name: 'fine' });
    store.close();
    const at = Date.now() + 5;
    const spec = (id: string, fields: Record<string, unknown>) =>
      JSON.stringify({ id, prd_id: prd, phase_name: id, dependencies: [], created_at: at, updated_at: at, ...fields });
    appendFileSync(
      join(dir, 'task_specs.jsonl'),
      [spec('no-status', {}), spec('capital', { status: 'Pending' }), spec('number', { status: 1 }), spec('null', { status: null })].map((l) => `${l}\n`).join(''),
    );
    appendFileSync(join(dir, 'prds.jsonl'), `${JSON.stringify({ id: 'prd-x', title: 'x', status: 'done', created_at: at, updated_at: at })}\n`);
    appendFileSync(join(dir, 'executions.jsonl'), `${JSON.stringify({ id: 'exec-x', ts_id: fine, worktree_path: '/w', branch_name: 'b', started_at: at, updated_at: at })}\n`);
    const reopened = Store.open(dir, { durability: 'none' });
    try {
      // What check() reports is what the queries miss:
      expect(reopened.listPendingTaskSpecs().map((s) => s.id)).toEqual([fine]);
      expect(reopened.listReadyTaskSpecs().map((s) => s.id)).toEqual([fine]);
      expect(reopened.getTaskSpec('no-status')!.status).toBe('pending');
      const found = reopened
        .check()
        .problems.filter((p) => p.kind === 'invalid_status')
        .map((p) => [p.collection, p.id, p.message]);
      expect(found).toEqual([
        ['prds', 'prd-x', expect.stringMatching(/^PRD prd-x has status "done", which is not one of draft, ready, .*: no status filter finds it; give it one of those/)],
        ['task_specs', 'capital', expect.stringMatching(/^task spec capital has status "Pending", which is not one of pending, blocked, running, complete, failed: no status filter finds it and it never becomes ready/)],
        ['task_specs', 'no-status', 'task spec no-status has no status: it reads as pending but no status filter finds it and it never becomes ready; give it one (taskstore update no-status --set status=pending)'],
        ['task_specs', 'null', expect.stringContaining('task spec null has status null, which is not one of')],
        ['task_specs', 'number', expect.stringContaining('task spec number has status 1, which is not one of')],
        ['executions', 'exec-x', expect.stringContaining('execution exec-x has no status: it reads as running but no status filter finds it; give it one')],
      ]);
      // Given one, it is found again, and check() is quiet about it.
      reopened.updateTaskSpec('no-status', { ...reopened.getTaskSpec('no-status')!, status: 'pending' });
      expect(reopened.listReadyTaskSpecs().map((s) => s.id).sort()).toEqual([fine, 'no-status'].sort());
      expect(reopened.check().problems.filter((p) => p.id === 'no-status')).toEqual([]);
    } finally {
      reopened.close();
    }
  });

  it('reports each dependency cycle once', () => {
    const { store } = openStore();
    const prd = store.createPrd({ title: 'p' });
    const spec = (id: string, deps: string[]) => store.createTaskSpec({ id, prd_id: prd, phase_name: id, dependencies: deps });
    spec('self', ['self']);
    spec('a', ['b']);
    spec('b', ['a']);
    spec('x', ['y']);
    spec('y', ['z']);
    spec('z', ['x']);
    spec('dag', ['a', 'x']);
    expect(store.findDependencyCycles()).toEqual([['a', 'b'], ['self'], ['x', 'y', 'z']]);
    const cycles = store.check().problems.filter((p) => p.kind === 'dependency_cycle');
    expect(cycles.map((p) => [p.collection, p.id])).toEqual([
      ['task_specs', 'a'],
      ['task_specs', 'self'],
      ['task_specs', 'x'],
    ]);
    expect(cycles[1]!.message).toBe('task spec self depends on itself, so it can never become ready');
    expect(cycles[2]!.message).toBe('task specs x, y, z depend on each other in a cycle, so none of them can become ready');
    // Deleting one member breaks the cycle.
    store.collection({ name: 'task_specs' }).delete('z', { force: true });
    expect(store.findDependencyCycles()).toEqual([['a', 'b'], ['self']]);
  });

  it('reports two live workflows with one name (as a merge can leave them)', () => {
    const { store } = openStore();
    store.createWorkflow({ id: 'w1', name: 'tdd', version: '1' });
    store.collection({ name: 'workflows' }).create({ id: 'w2', name: 'tdd', version: '2' });
    expect(store.getWorkflowByName('tdd')!.id).toBe('w1');
    const problems = store.check().problems;
    expect(problems).toEqual([
      {
        kind: 'duplicate_workflow_name',
        collection: 'workflows',
        id: 'w1',
        message: expect.stringContaining('live workflows w1, w2 share the name "tdd"'),
      },
    ]);
  });

  it('names the first of the duplicate workflows by its whole id, also one holding ", "', () => {
    const { store } = openStore();
    store.createWorkflow({ id: 'deploy, staging', name: 'tdd', version: '1' });
    store.collection({ name: 'workflows' }).create({ id: 'deploy, staging 2', name: 'tdd', version: '2' });
    const [problem] = store.check().problems;
    expect(problem).toMatchObject({ kind: 'duplicate_workflow_name', id: 'deploy, staging' });
    expect(store.getWorkflow(problem!.id!)).toBeDefined();
  });
});
