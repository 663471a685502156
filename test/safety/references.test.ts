/** Issue 9 item 12: deleting a record others still reference, and import's reference checks. */
import { appendFileSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';
import { runCli } from '../cli/run-cli.js';

function seed(dir: string) {
  const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
  const prd = store.createPrd({ title: 'p' });
  const a = store.createTaskSpec({ prd_id: prd, phase_name: 'a' });
  const b = store.createTaskSpec({ prd_id: prd, phase_name: 'b', dependencies: [a] });
  const exec = store.createExecution({ ts_id: b, worktree_path: '/w', branch_name: 'x' });
  const dep = store.createDependency({ from_exec_id: exec, dependency_type: 'notify' });
  return { store, prd, a, b, exec, dep };
}

function refusal(fn: () => void): any {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a refusal');
}

describe('delete refuses while live records reference the record', () => {
  it('PRD with task specs, task spec with executions or dependents, execution with dependencies: REFERENCED naming them, nothing written', () => {
    const dir = join(tempDir(), '.taskstore');
    const { store, prd, a, b, exec, dep } = seed(dir);
    const sizes = () => ['prds', 'task_specs', 'executions', 'dependencies'].map((c) => readFileSync(join(dir, `${c}.jsonl`)).length);
    const before = sizes();
    const cases: [string, string, { collection: string; id: string; field: string }[]][] = [
      ['prds', prd, [{ collection: 'task_specs', id: a, field: 'prd_id' }, { collection: 'task_specs', id: b, field: 'prd_id' }].sort((x, y) => x.id.localeCompare(y.id))],
      ['task_specs', a, [{ collection: 'task_specs', id: b, field: 'dependencies' }]],
      ['task_specs', b, [{ collection: 'executions', id: exec, field: 'ts_id' }]],
      ['executions', exec, [{ collection: 'dependencies', id: dep, field: 'from_exec_id' }]],
    ];
    for (const [collection, id, referencedBy] of cases) {
      const err = refusal(() => store.collection({ name: collection }).delete(id));
      expect(err.code).toBe('REFERENCED');
      expect(err.data.referencedBy).toEqual(referencedBy);
      expect(err.message).toContain(referencedBy[0]!.id);
    }
    expect(sizes()).toEqual(before);
    // Deleting from the leaves up works; force deletes anyway.
    store.collection({ name: 'dependencies' }).delete(dep);
    store.collection({ name: 'executions' }).delete(exec);
    store.collection({ name: 'task_specs' }).delete(a, { force: true });
    expect(store.getTaskSpec(a)).toBeUndefined();
    expect(store.check().problems.map((p) => p.kind)).toContain('dangling_reference');
    store.close();
  });

  it("a task spec's dependents: the specs whose current list names it, hand-written lists included, as a read of every spec's list finds them", () => {
    const dir = join(tempDir(), '.taskstore');
    const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
    const prd = store.createPrd({ id: 'prd', title: 'p' });
    // Targets, one of them an id that is the JSON text of a list, one that spells a number.
    for (const id of ['t', 'x', '5', '["x"]']) store.createTaskSpec({ id, prd_id: prd, phase_name: id });
    store.createTaskSpec({ id: 'listed', prd_id: prd, phase_name: 'l', dependencies: ['t', 'x', 't'] });
    store.createTaskSpec({ id: 'moved', prd_id: prd, phase_name: 'm', dependencies: ['x'] });
    store.updateTaskSpec('moved', { ...store.getTaskSpec('moved')!, dependencies: ['t'] });
    store.createTaskSpec({ id: 'was', prd_id: prd, phase_name: 'w', dependencies: ['t'] });
    store.updateTaskSpec('was', { ...store.getTaskSpec('was')!, dependencies: [] });
    store.createTaskSpec({ id: 'gone', prd_id: prd, phase_name: 'g', dependencies: ['t'] });
    store.collection({ name: 'task_specs' }).delete('gone');
    // Lines another program wrote: a list naming itself, a string, an object, a nested
    // list, a number, null.
    const line = (id: string, dependencies: unknown) => ({ id, prd_id: prd, phase_name: id, status: 'pending', dependencies, created_at: 1, updated_at: Date.now() + 5 });
    appendFileSync(
      join(dir, 'task_specs.jsonl'),
      [line('self', ['self', 't']), line('string', 't'), line('object', { a: 't', b: 'x' }), line('nested', [['x'], 'x']), line('number', [5]), line('null', null)]
        .map((l) => `${JSON.stringify(l)}\n`)
        .join(''),
    );
    store.refresh();
    const db = new Database(join(dir, 'taskstore.db'), { readonly: true });
    // The reading before the edge index: json_each over every live spec's whole value.
    const everyList = db.prepare(`SELECT s.id FROM "c_task_specs" AS s WHERE s.state = 1 AND EXISTS (SELECT 1 FROM json_each(s.data, '$.dependencies') AS e WHERE e.value = ?) ORDER BY s.id`).pluck();
    const dependents = (id: string): string[] => {
      const err = refusal(() => store.transaction(() => {
        store.collection({ name: 'task_specs' }).delete(id);
        throw new Error('rolled back: not refused');
      }));
      if (err.code !== 'REFERENCED') return [];
      return (err.data.referencedBy as { collection: string; id: string; field: string }[]).filter((r) => r.field === 'dependencies').map((r) => r.id);
    };
    try {
      expect(dependents('t')).toEqual(['listed', 'moved', 'object', 'self', 'string']);
      expect(dependents('x')).toEqual(['listed', 'nested', 'object']);
      expect(dependents('["x"]')).toEqual(['nested']);
      expect(dependents('5')).toEqual([]);
      expect(dependents('self')).toEqual([]);
      for (const { id } of store.collection({ name: 'task_specs' }).list()) {
        expect(dependents(id), id).toEqual((everyList.all(id) as string[]).filter((s) => s !== id));
      }
    } finally {
      db.close();
      store.close();
    }
  });

  it('generic collections have no references and delete as before', () => {
    const dir = join(tempDir(), '.taskstore');
    const { store } = seed(dir);
    const notes = store.collection({ name: 'notes' });
    notes.create({ id: 'n', prd_id: 'whatever' });
    notes.delete('n');
    expect(notes.get('n')).toBeUndefined();
    store.close();
  });

  it('the CLI refuses with exit 1 and a hint, and --force deletes', () => {
    const root = tempDir();
    const { store, prd } = seed(join(root, '.taskstore'));
    store.close();
    const refused = runCli(['delete', prd], { cwd: root });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/still referenced by 2 live record/);
    expect(refused.stderr).toMatch(/--force/);
    expect(runCli(['delete', prd, '--force'], { cwd: root }).status).toBe(0);
  });
});

describe('import checks references within the imported set plus the store', () => {
  it('accepts references to records of the same import or already in the store; refuses a dangling one and imports nothing', () => {
    const root = tempDir();
    const { store, prd } = seed(join(root, '.taskstore'));
    store.close();
    const good = join(root, 'good.jsonl');
    writeFileSync(
      good,
      [
        { collection: 'prds', record: { id: 'p2', title: 'two', status: 'draft', review_passes: 0, description: '', content: '', created_at: 1 } },
        { collection: 'task_specs', record: { id: 't2', prd_id: 'p2', phase_name: 'x', created_at: 1 } },
        { collection: 'task_specs', record: { id: 't3', prd_id: prd, phase_name: 'y', created_at: 1 } },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n'),
    );
    expect(runCli(['import', good], { cwd: root })).toMatchObject({ status: 0 });
    const bad = join(root, 'bad.jsonl');
    writeFileSync(
      bad,
      [
        { collection: 'task_specs', record: { id: 't4', prd_id: 'p2', phase_name: 'x', created_at: 1 } },
        { collection: 'executions', record: { id: 'e9', ts_id: 'nope', worktree_path: '/w', branch_name: 'b', started_at: 1 } },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n'),
    );
    const refused = runCli(['import', bad], { cwd: root });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/line 2 \(executions\): ts_id "nope" does not name a live task spec/);
    const check = Store.open(join(root, '.taskstore'), { durability: 'none', logger: quietLogger() });
    expect(check.getTaskSpec('t4')).toBeUndefined();
    expect(check.getTaskSpec('t2')).toBeDefined();
    check.close();
  });
});
