import { cpSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { logLines, logText, openStore, RECORD_FILES } from './helpers.js';

/**
 * Golden JSONL in the Rust TaskStore's format, written by hand from the record types' field
 * lists: superseded versions, nulls, a task spec from an older writer without
 * `dependencies`, and a field this version does not know (`priority`).
 */
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'rust');

function openFixtureStore() {
  const dir = join(tempDir(), '.taskstore');
  cpSync(FIXTURES, dir, { recursive: true });
  return { ...openStore(dir), dir };
}

function fixtureCurrent(name: string, id: string): Record<string, unknown> {
  const lines = readFileSync(join(FIXTURES, `${name}.jsonl`), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return lines.filter((l) => l.id === id).at(-1)!;
}

describe('records written by the Rust TaskStore', () => {
  it('load unchanged: every getter returns the current line exactly', () => {
    const { store } = openFixtureStore();
    expect(store.getPrd('prd-001')).toEqual(fixtureCurrent('prds', 'prd-001'));
    expect(store.getPrd('prd-001')!.status).toBe('active');
    expect(store.getTaskSpec('ts-001')).toEqual(fixtureCurrent('task_specs', 'ts-001'));
    expect(store.getTaskSpec('ts-003')).toEqual(fixtureCurrent('task_specs', 'ts-003'));
    expect(store.getExecution('exec-001')).toEqual(fixtureCurrent('executions', 'exec-001'));
    expect(store.getDependency('dep-001')).toEqual(fixtureCurrent('dependencies', 'dep-001'));
    expect(store.getWorkflow('wf-001')).toEqual(fixtureCurrent('workflows', 'wf-001'));
    expect(store.getRepoState('/home/dev/app')).toEqual(fixtureCurrent('repo_state', '/home/dev/app'));
  });

  it('a record lacking a defaulted field reads with the default', () => {
    const { store } = openFixtureStore();
    expect(store.getTaskSpec('ts-004')).toEqual({ ...fixtureCurrent('task_specs', 'ts-004'), dependencies: [] });
  });

  it('answers every query', () => {
    const { store } = openFixtureStore();
    expect(store.listPrds().map((p) => p.id)).toEqual(['prd-001', 'prd-002']);
    expect(store.listPrds('complete').map((p) => p.id)).toEqual(['prd-002']);
    expect(store.listTaskSpecs('prd-001').map((t) => t.id)).toEqual(['ts-001', 'ts-002', 'ts-003']);
    expect(store.listPendingTaskSpecs().map((t) => t.id)).toEqual(['ts-002', 'ts-003', 'ts-004']);
    expect(store.listReadyTaskSpecs().map((t) => t.id)).toEqual(['ts-002', 'ts-004']);
    expect(store.listActiveExecutions().map((e) => e.id)).toEqual(['exec-002']);
    expect(store.listExecutionsPaginated(undefined, 1, 1).map((e) => e.id)).toEqual(['exec-002']);
    expect(store.listDependencies('exec-002').map((d) => d.id)).toEqual(['dep-001', 'dep-002']);
    expect(store.getWorkflowByName('tdd')!.id).toBe('wf-001');
    expect(store.findDependencyCycles()).toEqual([]);
    expect(store.check()).toEqual({ ok: true, problems: [] });
  });

  it('opening and reading leave the files byte-identical', () => {
    const { store, dir } = openFixtureStore();
    store.listReadyTaskSpecs();
    store.check();
    store.close();
    for (const name of RECORD_FILES) expect(logText(dir, name)).toBe(readFileSync(join(FIXTURES, `${name}.jsonl`), 'utf8'));
    expect(readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort()).toEqual([...RECORD_FILES].map((n) => `${n}.jsonl`).sort());
  });

  it('writes on top of them keep the same fields, and unknown fields survive', () => {
    const { store, dir } = openFixtureStore();
    const result = store.completeExecution('exec-002');
    expect(result.taskSpec!.status).toBe('complete');
    expect(store.listReadyTaskSpecs().map((t) => t.id)).toEqual(['ts-003', 'ts-004']);
    store.updateTaskSpec('ts-003', { ...store.getTaskSpec('ts-003')!, assigned_to: 'loop-9' });
    const spec = logLines(dir, 'task_specs').at(-1)!;
    expect(spec).toMatchObject({ id: 'ts-003', assigned_to: 'loop-9', priority: 2 });
    expect(Object.keys(spec)).toEqual(Object.keys(fixtureCurrent('task_specs', 'ts-003')));
    const exec = logLines(dir, 'executions').at(-1)!;
    // Same fields as the Rust line; the completed execution keeps having no created_at.
    expect(Object.keys(exec).sort()).toEqual(Object.keys(fixtureCurrent('executions', 'exec-002')).sort());
    expect(store.check().ok).toBe(true);
  });
});
