import { describe, expect, it } from 'vitest';
import { expectRejected, logLines, openStore, seed } from './helpers.js';

describe('PRDs', () => {
  it('createPrd fills defaults, stamps created_at/updated_at and returns a UUIDv7 id', () => {
    const { store } = openStore();
    const before = Date.now();
    const id = store.createPrd({ title: 'Search' });
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const prd = store.getPrd(id)!;
    expect(prd).toMatchObject({ id, title: 'Search', description: '', status: 'draft', review_passes: 0, content: '' });
    expect(prd.created_at).toBeGreaterThanOrEqual(before);
    expect(prd.updated_at).toBe(prd.created_at);
  });

  it('a __proto__ field (as JSON.parse makes one) is kept by createX, updateX and every write of the cascade, as the generic collections keep it', () => {
    const { store, dir } = openStore();
    const withProto = (json: string) => JSON.parse(json) as Record<string, unknown>;
    const own = (record: object | undefined) => Object.getOwnPropertyDescriptor(record, '__proto__')?.value;
    const prd = store.createPrd(withProto('{"title":"p","__proto__":{"from":"create"}}') as never);
    expect(own(store.getPrd(prd))).toEqual({ from: 'create' });
    store.updatePrd(prd, withProto('{"title":"p","__proto__":{"from":"update"}}') as never);
    expect(own(store.getPrd(prd))).toEqual({ from: 'update' });
    // A spec carrying one (written by another tool) keeps it when the cascade patches it, and so does its PRD.
    const spec = store.createTaskSpec(withProto(`{"prd_id":"${prd}","phase_name":"a","__proto__":{"from":"spec"}}`) as never);
    const exec = store.createExecution({ ts_id: spec, worktree_path: '/w', branch_name: 'b' });
    const done = store.completeExecution(exec);
    expect(done.prd!.status).toBe('complete');
    expect(own(store.getTaskSpec(spec))).toEqual({ from: 'spec' });
    expect(own(store.getPrd(prd))).toEqual({ from: 'update' });
    expect(logLines(dir, 'prds').every((line) => Object.hasOwn(line, '__proto__'))).toBe(true);
    expect(({} as Record<string, unknown>).from).toBeUndefined();
  });

  it('createPrd keeps a given id and rejects a live duplicate', () => {
    const { store, dir } = openStore();
    expect(store.createPrd({ id: 'prd-1', title: 'a' })).toBe('prd-1');
    expectRejected(dir, () => store.createPrd({ id: 'prd-1', title: 'b' }), 'ALREADY_EXISTS');
  });

  it('getPrd returns undefined for an unknown id and rejects a malformed one', () => {
    const { store, dir } = openStore();
    expect(store.getPrd('nope')).toBeUndefined();
    expectRejected(dir, () => store.getPrd(''), 'VALIDATION', 'id');
  });

  it('updatePrd replaces the record, keeps id and created_at, stamps a later updated_at', () => {
    const { store } = openStore();
    const id = store.createPrd({ title: 'a', description: 'first', review_passes: 2 });
    const before = store.getPrd(id)!;
    const after = store.updatePrd(id, { title: 'b', status: 'active', created_at: 1, updated_at: 1 });
    // Replace semantics: fields not given take their defaults again.
    expect(after).toMatchObject({ id, title: 'b', status: 'active', description: '', review_passes: 0, created_at: before.created_at });
    expect(after.updated_at).toBeGreaterThan(before.updated_at);
    expect(store.getPrd(id)).toEqual(after);
  });

  it('updatePrd with a spread of the current version changes one field', () => {
    const { store } = openStore();
    const id = store.createPrd({ title: 'a', content: '# A' });
    store.updatePrd(id, { ...store.getPrd(id)!, status: 'ready' });
    expect(store.getPrd(id)).toMatchObject({ title: 'a', content: '# A', status: 'ready' });
  });

  it('updatePrd: NotFound for an unknown or deleted id, Validation for a changed id; nothing written', () => {
    const { store, dir } = openStore();
    const id = store.createPrd({ title: 'a' });
    expectRejected(dir, () => store.updatePrd('missing', { title: 'x' }), 'NOT_FOUND');
    expectRejected(dir, () => store.updatePrd(id, { id: 'other', title: 'x' }), 'VALIDATION', 'id');
    store.collection({ name: 'prds' }).delete(id);
    expectRejected(dir, () => store.updatePrd(id, { title: 'x' }), 'NOT_FOUND');
  });

  it('validation errors name the field and write nothing', () => {
    const { store, dir } = openStore();
    const id = store.createPrd({ title: 'a' });
    expectRejected(dir, () => store.createPrd({} as never), 'VALIDATION', 'title');
    expectRejected(dir, () => store.createPrd({ title: 'x', status: 'done' as never }), 'VALIDATION', 'status');
    expectRejected(dir, () => store.createPrd({ title: 'x', review_passes: '3' as never }), 'VALIDATION', 'review_passes');
    expectRejected(dir, () => store.createPrd({ title: 'x', review_passes: 0.5 }), 'VALIDATION', 'review_passes');
    expectRejected(dir, () => store.updatePrd(id, { title: 'x', status: 'COMPLETE' as never }), 'VALIDATION', 'status');
    expectRejected(dir, () => store.createPrd({ title: 'x', deleted: true } as never), 'VALIDATION', 'deleted');
  });

  it('listPrds lists oldest first, filters by status, and rejects an unknown status', () => {
    const { store, dir } = openStore();
    const a = store.createPrd({ title: 'a' });
    const b = store.createPrd({ title: 'b', status: 'active' });
    const c = store.createPrd({ title: 'c' });
    store.updatePrd(a, { title: 'a2' }); // an update does not move it in the list
    expect(store.listPrds().map((p) => p.id)).toEqual([a, b, c]);
    expect(store.listPrds('draft').map((p) => p.id)).toEqual([a, c]);
    expect(store.listPrds('active').map((p) => p.id)).toEqual([b]);
    expect(store.listPrds('complete')).toEqual([]);
    expectRejected(dir, () => store.listPrds('nope' as never), 'VALIDATION', 'status');
  });
});

describe('task specs', () => {
  it('createTaskSpec fills defaults and requires a live PRD', () => {
    const { store, dir } = openStore();
    const prdId = store.createPrd({ title: 'p' });
    const id = store.createTaskSpec({ prd_id: prdId, phase_name: 'schema' });
    expect(store.getTaskSpec(id)).toMatchObject({
      id,
      prd_id: prdId,
      phase_name: 'schema',
      description: '',
      status: 'pending',
      workflow_name: null,
      assigned_to: null,
      dependencies: [],
      content: '',
    });
    const err = expectRejected(dir, () => store.createTaskSpec({ prd_id: 'ghost', phase_name: 'x' }), 'NOT_FOUND');
    expect(err.data).toMatchObject({ collection: 'prds', id: 'ghost', field: 'prd_id' });
    expect(err.message).toBe('prd_id ghost does not name a live PRD');
  });

  it('createTaskSpec refuses a deleted PRD', () => {
    const { store, dir } = openStore();
    const prdId = store.createPrd({ title: 'p' });
    store.collection({ name: 'prds' }).delete(prdId);
    expectRejected(dir, () => store.createTaskSpec({ prd_id: prdId, phase_name: 'x' }), 'NOT_FOUND');
  });

  it('createTaskSpec validation errors name the field', () => {
    const { store, dir } = openStore();
    const prdId = store.createPrd({ title: 'p' });
    expectRejected(dir, () => store.createTaskSpec({ prd_id: prdId } as never), 'VALIDATION', 'phase_name');
    expectRejected(dir, () => store.createTaskSpec({ phase_name: 'x' } as never), 'VALIDATION', 'prd_id');
    expectRejected(dir, () => store.createTaskSpec({ prd_id: prdId, phase_name: 'x', dependencies: 'a' as never }), 'VALIDATION', 'dependencies');
    expectRejected(dir, () => store.createTaskSpec({ prd_id: prdId, phase_name: 'x', dependencies: [1 as never] }), 'VALIDATION', 'dependencies');
    expectRejected(dir, () => store.createTaskSpec({ prd_id: prdId, phase_name: 'x', status: 'done' as never }), 'VALIDATION', 'status');
  });

  it('dependencies may name specs that do not exist yet (created in any order)', () => {
    const { store } = openStore();
    const prdId = store.createPrd({ title: 'p' });
    const b = store.createTaskSpec({ prd_id: prdId, phase_name: 'b', dependencies: ['spec-a'] });
    store.createTaskSpec({ id: 'spec-a', prd_id: prdId, phase_name: 'a' });
    expect(store.getTaskSpec(b)!.dependencies).toEqual(['spec-a']);
  });

  it('updateTaskSpec replaces the record and checks the spec and its PRD inside the transaction', () => {
    const { store, dir } = openStore();
    const { prdId, specId } = seed(store);
    const other = store.createPrd({ title: 'other' });
    const updated = store.updateTaskSpec(specId, { ...store.getTaskSpec(specId)!, prd_id: other, assigned_to: 'agent-7' });
    expect(updated).toMatchObject({ prd_id: other, assigned_to: 'agent-7', phase_name: 'build' });
    expectRejected(dir, () => store.updateTaskSpec(specId, { prd_id: 'ghost', phase_name: 'x' }), 'NOT_FOUND');
    expectRejected(dir, () => store.updateTaskSpec('ghost', { prd_id: prdId, phase_name: 'x' }), 'NOT_FOUND');
    expectRejected(dir, () => store.updateTaskSpec(specId, { prd_id: prdId, phase_name: 5 as never }), 'VALIDATION', 'phase_name');
  });

  it('listTaskSpecs(prdId) lists one PRD\'s specs, oldest first', () => {
    const { store, dir } = openStore();
    const p1 = store.createPrd({ title: '1' });
    const p2 = store.createPrd({ title: '2' });
    const a = store.createTaskSpec({ prd_id: p1, phase_name: 'a' });
    const x = store.createTaskSpec({ prd_id: p2, phase_name: 'x' });
    const b = store.createTaskSpec({ prd_id: p1, phase_name: 'b' });
    expect(store.listTaskSpecs(p1).map((t) => t.id)).toEqual([a, b]);
    expect(store.listTaskSpecs(p2).map((t) => t.id)).toEqual([x]);
    expect(store.listTaskSpecs('none')).toEqual([]);
    expectRejected(dir, () => store.listTaskSpecs(undefined as never), 'VALIDATION', 'prdId');
  });

  it('listPendingTaskSpecs lists status pending only', () => {
    const { store } = openStore();
    const prdId = store.createPrd({ title: 'p' });
    const a = store.createTaskSpec({ prd_id: prdId, phase_name: 'a' });
    store.createTaskSpec({ prd_id: prdId, phase_name: 'b', status: 'running' });
    const c = store.createTaskSpec({ prd_id: prdId, phase_name: 'c' });
    store.createTaskSpec({ prd_id: prdId, phase_name: 'd', status: 'blocked' });
    expect(store.listPendingTaskSpecs().map((t) => t.id)).toEqual([a, c]);
  });
});

describe('listReadyTaskSpecs', () => {
  it('a spec becomes ready as its dependencies complete', () => {
    const { store } = openStore();
    const prdId = store.createPrd({ title: 'p' });
    const a = store.createTaskSpec({ prd_id: prdId, phase_name: 'a' });
    const b = store.createTaskSpec({ prd_id: prdId, phase_name: 'b' });
    const c = store.createTaskSpec({ prd_id: prdId, phase_name: 'c', dependencies: [a, b] });
    const ready = () => store.listReadyTaskSpecs().map((t) => t.id);
    expect(ready()).toEqual([a, b]);
    store.updateTaskSpec(a, { ...store.getTaskSpec(a)!, status: 'complete' });
    expect(ready()).toEqual([b]);
    store.updateTaskSpec(b, { ...store.getTaskSpec(b)!, status: 'running' });
    expect(ready()).toEqual([]);
    store.updateTaskSpec(b, { ...store.getTaskSpec(b)!, status: 'complete' });
    expect(ready()).toEqual([c]);
    store.updateTaskSpec(c, { ...store.getTaskSpec(c)!, status: 'running' });
    expect(ready()).toEqual([]);
  });

  it('a dependency on a missing or deleted spec keeps a spec waiting', () => {
    const { store } = openStore();
    const prdId = store.createPrd({ title: 'p' });
    const a = store.createTaskSpec({ prd_id: prdId, phase_name: 'a', status: 'complete' });
    const waitsOnGhost = store.createTaskSpec({ prd_id: prdId, phase_name: 'x', dependencies: ['ghost'] });
    const waitsOnA = store.createTaskSpec({ prd_id: prdId, phase_name: 'y', dependencies: [a] });
    expect(store.listReadyTaskSpecs().map((t) => t.id)).toEqual([waitsOnA]);
    store.collection({ name: 'task_specs' }).delete(a, { force: true });
    expect(store.listReadyTaskSpecs().map((t) => t.id)).not.toContain(waitsOnA);
    expect(store.listReadyTaskSpecs().map((t) => t.id)).not.toContain(waitsOnGhost);
  });

  it('a self-dependency is never ready; duplicates in dependencies are harmless', () => {
    const { store } = openStore();
    const prdId = store.createPrd({ title: 'p' });
    const a = store.createTaskSpec({ prd_id: prdId, phase_name: 'a', status: 'complete' });
    store.createTaskSpec({ id: 'self', prd_id: prdId, phase_name: 's', dependencies: ['self'] });
    const dup = store.createTaskSpec({ prd_id: prdId, phase_name: 'd', dependencies: [a, a] });
    expect(store.listReadyTaskSpecs().map((t) => t.id)).toEqual([dup]);
  });

  it('answers over 2 000 specs (pairs: each pending spec waits on a complete one)', () => {
    const { store } = openStore();
    const prdId = store.createPrd({ title: 'p' });
    const specs = store.collection({ name: 'task_specs' });
    const now = Date.now();
    const ids = specs.createMany(
      Array.from({ length: 2000 }, (_, i) => ({
        id: `t${String(i).padStart(4, '0')}`,
        prd_id: prdId,
        phase_name: `p${i}`,
        description: '',
        status: i % 2 === 0 ? 'complete' : 'pending',
        workflow_name: null,
        assigned_to: null,
        dependencies: i % 2 === 1 ? [`t${String(i - 1).padStart(4, '0')}`] : [],
        content: '',
        created_at: now + i,
      })),
    );
    expect(store.listReadyTaskSpecs().map((t) => t.id)).toEqual(ids.filter((_, i) => i % 2 === 1));
  });
});

describe('JSONL shape', () => {
  it('prds and task specs are written snake_case, in spec order, with ms timestamps and lowercase enums', () => {
    const { store, dir } = openStore();
    const { prdId } = seed(store);
    const [prd] = logLines(dir, 'prds');
    expect(Object.keys(prd!)).toEqual(['id', 'title', 'description', 'created_at', 'updated_at', 'status', 'review_passes', 'content']);
    expect(prd).toMatchObject({ id: prdId, status: 'draft' });
    expect(Number.isInteger(prd!.created_at)).toBe(true);
    expect(prd!.created_at as number).toBeGreaterThan(1_600_000_000_000);
    const [spec] = logLines(dir, 'task_specs');
    expect(Object.keys(spec!)).toEqual([
      'id',
      'prd_id',
      'phase_name',
      'description',
      'created_at',
      'updated_at',
      'status',
      'workflow_name',
      'assigned_to',
      'dependencies',
      'content',
    ]);
    expect(spec!.status).toBe('pending');
  });
});

describe('the record collections through the generic API', () => {
  it('always validate with the record schema (patch, createMany), naming the field', () => {
    const { store, dir } = openStore();
    const { specId } = seed(store);
    const specs = store.collection({ name: 'task_specs' });
    expectRejected(dir, () => specs.patch(specId, { status: 'bogus' }), 'VALIDATION', 'status');
    expectRejected(dir, () => specs.createMany([{ prd_id: 'p', phase_name: 'ok' }, { prd_id: 'p' }]), 'VALIDATION', 'phase_name');
    expect(specs.patch(specId, { status: 'blocked' })).toMatchObject({ status: 'blocked' });
    expect(store.getTaskSpec(specId)!.status).toBe('blocked');
  });

  it('run a schema of your own after the record schema', () => {
    const { store, dir } = openStore();
    const prds = store.collection<{ title: string }>({
      name: 'prds',
      schema: {
        parse: (value) => {
          const prd = value as { title: string };
          if (prd.title.length > 5) throw new Error('title too long');
          return prd;
        },
      },
    });
    expect(prds.get(prds.create({ title: 'short' }))).toMatchObject({ status: 'draft', review_passes: 0 });
    expectRejected(dir, () => prds.create({ title: 'much too long' }), 'VALIDATION');
    expectRejected(dir, () => prds.create({ title: 7 } as never), 'VALIDATION', 'title');
  });
});
