/**
 * The record commands, driven through the built CLI: create-*, list-*, show, describe,
 * history, update, complete-execution, delete; --json shapes and id prefixes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckReport, Dependency, Execution, Prd, TaskSpec } from '../../src/index.js';
import { tempDir } from '../helpers/temp.js';
import { ANSI, runCli, runJson, withStore } from './run-cli.js';

function newStore(): { cwd: string; store: string } {
  const cwd = tempDir('taskstore-cli-');
  expect(runCli(['init'], { cwd }).status).toBe(0);
  return { cwd, store: join(cwd, '.taskstore') };
}

describe('create-* and list-*', () => {
  it('creates a PRD, task specs and an execution by id prefix, and lists them', () => {
    const { cwd, store } = newStore();
    writeFileSync(join(cwd, 'prd.md'), '# Search\n\nFind *things*.\n');

    const created = runCli(['create-prd', 'Search', '--description', 'find things', '--status', 'ready', '--content-file', 'prd.md'], { cwd });
    expect(created.status).toBe(0);
    const prdId = created.stdout.trim();
    expect(prdId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(created.stdout).toBe(`${prdId}\n`);

    const a = runJson<{ id: string }>(['create-task-spec', '--prd-id', prdId.slice(0, 13), 'schema', '--workflow', 'tdd'], { cwd });
    expect(Object.keys(a)).toEqual(['id']);
    const b = runJson<{ id: string }>(['create-task-spec', '--prd-id', prdId, 'api', '--description', 'the api', '--depends-on', a.id], { cwd });
    const exec = runJson<{ id: string }>(['create-execution', '--ts-id', a.id, '--worktree', '/wt/1', '--branch', 'ts/1'], { cwd });

    const prds = runJson<Prd[]>(['list-prds'], { cwd });
    expect(prds).toHaveLength(1);
    expect(prds[0]).toMatchObject({ id: prdId, title: 'Search', description: 'find things', status: 'ready', review_passes: 0, content: '# Search\n\nFind *things*.\n' });
    expect(runJson<Prd[]>(['list-prds', '--status', 'draft'], { cwd })).toEqual([]);

    const specs = runJson<TaskSpec[]>(['list-task-specs', '--prd-id', prdId.slice(0, 13)], { cwd });
    expect(specs.map((s) => [s.id, s.phase_name, s.workflow_name, s.dependencies])).toEqual([
      [a.id, 'schema', 'tdd', []],
      [b.id, 'api', null, [a.id]],
    ]);
    expect(runJson<TaskSpec[]>(['list-task-specs', '--ready'], { cwd }).map((s) => s.id)).toEqual([a.id]);
    expect(runJson<TaskSpec[]>(['list-task-specs', '--status', 'pending'], { cwd })).toHaveLength(2);
    expect(runJson<TaskSpec[]>(['list-task-specs', '--status', 'complete'], { cwd })).toEqual([]);

    const executions = runJson<Execution[]>(['list-executions', '--status', 'running'], { cwd });
    expect(executions).toEqual([expect.objectContaining({ id: exec.id, ts_id: a.id, worktree_path: '/wt/1', branch_name: 'ts/1', status: 'running', iteration_count: 0 })]);

    // Text table: aligned, shortened ids, no colour when piped.
    const table = runCli(['list-task-specs'], { cwd });
    expect(table.status).toBe(0);
    expect(table.stdout).not.toMatch(ANSI);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+PRD\s+PHASE\s+STATUS\s+WORKFLOW\s+ASSIGNED\s+DEPENDS ON$/);
    expect(lines).toHaveLength(3);
    expect(lines[1]!.indexOf('schema')).toBe(lines[2]!.indexOf('api'));
    const shortId = lines[1]!.split(/\s+/)[0]!;
    expect(a.id.startsWith(shortId)).toBe(true);
    expect(shortId.length).toBeGreaterThanOrEqual(8);
    expect(shortId.length).toBeLessThan(a.id.length);
    // What the table shows can be typed back.
    expect(runJson<Record<string, unknown>>(['show', shortId], { cwd }).id).toBe(a.id);

    // complete-execution cascades: the spec completes; the PRD does not (api is open).
    const result = runJson<{ execution: Execution; taskSpec: TaskSpec; prd: Prd }>(['complete-execution', exec.id.slice(0, 14)], { cwd });
    expect(result.execution.status).toBe('complete');
    expect(typeof result.execution.completed_at).toBe('number');
    expect(result.taskSpec.status).toBe('complete');
    expect(result.prd.status).toBe('ready');
    expect(runJson<TaskSpec[]>(['list-task-specs', '--ready'], { cwd }).map((s) => s.id)).toEqual([b.id]);
    expect(runJson<CheckReport>(['check'], { cwd }).ok).toBe(true);
    void store;
  });

  it('lists executions in pages (default limit 100) and dependencies', () => {
    const { cwd, store } = newStore();
    const { execIds, depIds } = withStore(store, (s) => {
      const prd = s.createPrd({ title: 'p' });
      const spec = s.createTaskSpec({ prd_id: prd, phase_name: 'x' });
      const execIds = s.transaction(() =>
        Array.from({ length: 105 }, (_, i) => s.createExecution({ ts_id: spec, worktree_path: `/wt/${i}`, branch_name: `b${i}`, started_at: 1000 + i })),
      );
      const d1 = s.createDependency({ from_exec_id: execIds[0]!, to_exec_id: execIds[1]!, dependency_type: 'notify' });
      const d2 = s.createDependency({ from_exec_id: execIds[2]!, dependency_type: 'share' });
      s.resolveDependency(d2, 'done');
      return { execIds, depIds: [d1, d2] };
    });
    expect(runJson<Execution[]>(['list-executions'], { cwd })).toHaveLength(100);
    const page = runJson<Execution[]>(['list-executions', '--limit', '3', '--offset', '101'], { cwd });
    expect(page.map((e) => e.id)).toEqual(execIds.slice(101, 104));
    const text = runCli(['list-executions', '--limit', '2'], { cwd });
    expect(text.stdout.trimEnd().split('\n')).toHaveLength(3);
    expect(text.stderr).toMatch(/showing 1-2 of 105; --offset 2 for more/);

    expect(runJson<Dependency[]>(['list-dependencies'], { cwd }).map((d) => d.id)).toEqual(depIds);
    expect(runJson<Dependency[]>(['list-dependencies', '--unresolved'], { cwd }).map((d) => d.id)).toEqual([depIds[0]]);
    expect(runJson<Dependency[]>(['list-dependencies', '--exec-id', execIds[1]!], { cwd }).map((d) => d.id)).toEqual([depIds[0]]);
    const deps = runCli(['list-dependencies'], { cwd });
    expect(deps.stdout).toMatch(/\(all\)/);
  });

  it('lists workflows and any collection with --where, --limit, --offset', () => {
    const { cwd, store } = newStore();
    withStore(store, (s) => {
      s.createWorkflow({ name: 'tdd', version: '1.0', content: 'phases' });
      s.createWorkflow({ name: 'bugfix', version: '2' });
      s.collection({ name: 'notes' }).createMany([
        { id: 'n1', status: 'open', owner: 'ana', n: 1 },
        { id: 'n2', status: 'open', owner: 'bo', n: 2 },
        { id: 'n3', status: 'done', owner: 'ana', n: 3 },
      ]);
    });
    expect(runJson<{ name: string }[]>(['list-workflows'], { cwd }).map((w) => w.name)).toEqual(['bugfix', 'tdd']);
    const ids = (args: string[]): string[] => runJson<{ id: string }[]>(['list', 'notes', ...args], { cwd }).map((r) => r.id);
    expect(ids([])).toEqual(['n1', 'n2', 'n3']);
    expect(ids(['--where', 'status=open'])).toEqual(['n1', 'n2']);
    expect(ids(['--where', 'status=open', '--where', 'owner=ana'])).toEqual(['n1']);
    expect(ids(['--where', 'n=3'])).toEqual(['n3']);
    expect(ids(['--limit', '1', '--offset', '1'])).toEqual(['n2']);
    expect(runJson<Prd[]>(['list', 'prds', '--where', 'review_passes=0'], { cwd })).toEqual([]);

    const table = runCli(['list', 'notes'], { cwd });
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+STATUS\s+OWNER\s+N\s+UPDATED$/);

    const missing = runCli(['list', 'nonesuch'], { cwd });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/no collection named nonesuch/);
    expect(missing.stderr).toMatch(/hint: collections in this store: .*notes/);
    const invalid = runCli(['list', 'Bad-Name'], { cwd });
    expect(invalid.status).toBe(2);
    expect(invalid.stderr).toMatch(/"Bad-Name" is not a valid collection name/);
    expect(runCli(['list', 'notes', '--where', 'nofield'], { cwd }).status).toBe(2);
  });
});

describe('show, describe, history, update, delete', () => {
  it('shows a record from any collection, renders content, and tracks every version', () => {
    const { cwd, store } = newStore();
    const prdId = withStore(store, (s) => {
      s.collection({ name: 'notes' }).create({ id: 'note-1', text: 'hello', tags: ['a'] });
      return s.createPrd({ title: 'Doc', content: '# Heading\n\nBody *text*.\n' });
    });

    expect(runJson<Record<string, unknown>>(['show', 'note-1'], { cwd })).toMatchObject({ id: 'note-1', text: 'hello', tags: ['a'] });
    const shown = runCli(['show', prdId.slice(0, 12)], { cwd });
    expect(shown.status).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^prds ${prdId}\n`));
    expect(shown.stdout).toMatch(/title\s+Doc/);

    const described = runCli(['describe', prdId.slice(0, 12)], { cwd });
    expect(described.stdout).toBe('# Heading\n\nBody *text*.\n');
    expect(runJson<{ content: string; collection: string }>(['describe', prdId], { cwd })).toMatchObject({ collection: 'prds', title: 'Doc', content: '# Heading\n\nBody *text*.\n' });
    expect(runCli(['describe', 'note-1'], { cwd }).stderr).toMatch(/has no content/);

    // update converts values by the field's type for built-in records ...
    const updated = runJson<Prd>(['update', prdId.slice(0, 12), '--set', 'review_passes=3', '--set', 'title=123'], { cwd });
    expect(updated.review_passes).toBe(3);
    expect(updated.title).toBe('123');
    // ... and takes JSON (else a string) for other collections.
    const note = runJson<Record<string, unknown>>(['update', 'note-1', '--set', 'n=5', '--set', 'flag=true', '--set', 'tags=["x","y"]', '--set', 'text=hi there'], { cwd });
    expect(note).toMatchObject({ id: 'note-1', n: 5, flag: true, tags: ['x', 'y'], text: 'hi there' });

    const badEnum = runCli(['update', prdId, '--set', 'status=bogus'], { cwd });
    expect(badEnum.status).toBe(1);
    expect(badEnum.stderr).toMatch(/status must be one of draft, ready/);
    expect(badEnum.stderr).not.toMatch(/\n\s+at /);
    const badNumber = runCli(['update', prdId, '--set', 'review_passes=many'], { cwd });
    expect(badNumber.status).toBe(1);
    expect(badNumber.stderr).toMatch(/review_passes/);
    expect(runCli(['update', prdId, '--set', 'no-equals-sign'], { cwd }).status).toBe(2);
    expect(runCli(['update', prdId], { cwd }).status).toBe(2);

    expect(runCli(['delete', 'note-1'], { cwd }).stdout).toMatch(/deleted notes record note-1/);
    expect(runCli(['show', 'note-1'], { cwd }).status).toBe(1);
    expect(runCli(['delete', 'note-1'], { cwd }).status).toBe(1);

    // history of a deleted record, by its full id: versions, changed fields, the tombstone.
    const history = runJson<{ collection: string; id: string; versions: { deleted: boolean; changes: { field: string; old?: unknown; new?: unknown }[] }[] }>(
      ['history', 'note-1'],
      { cwd },
    );
    expect(history.collection).toBe('notes');
    expect(history.versions.map((v) => v.deleted)).toEqual([false, false, true]);
    expect(history.versions[0]!.changes).toEqual([
      { field: 'text', new: 'hello' },
      { field: 'tags', new: ['a'] },
      { field: 'created_at', new: expect.any(Number) },
    ]);
    expect(history.versions[1]!.changes).toEqual([
      { field: 'text', old: 'hello', new: 'hi there' },
      { field: 'tags', old: ['a'], new: ['x', 'y'] },
      { field: 'n', new: 5 },
      { field: 'flag', new: true },
    ]);
    const text = runCli(['history', prdId.slice(0, 12)], { cwd });
    expect(text.stdout).toMatch(/#1 .* created/);
    expect(text.stdout).toMatch(/#2 .* updated/);
    expect(text.stdout).toMatch(/title\s+"Doc" → "123"/);
    expect(text.stdout).toMatch(/review_passes\s+0 → 3/);
    const deletedText = runCli(['history', 'note-1'], { cwd }).stdout;
    expect(deletedText).toMatch(/#3 .* deleted/);
  });

  it('id prefixes: unique works, ambiguous lists candidates, unknown is not found', () => {
    const { cwd, store } = newStore();
    withStore(store, (s) => {
      s.collection({ name: 'notes' }).createMany([{ id: 'abc-1' }, { id: 'abc-2' }, { id: 'a_x' }]);
      s.collection({ name: 'tags' }).create({ id: 'abd' });
    });
    expect(runJson<{ id: string }>(['show', 'abc-2'], { cwd }).id).toBe('abc-2');
    expect(runJson<{ id: string }>(['show', 'abd'], { cwd }).id).toBe('abd');
    expect(runJson<{ id: string }>(['show', 'a_'], { cwd }).id).toBe('a_x');
    const ambiguous = runCli(['show', 'ab'], { cwd });
    expect(ambiguous.status).toBe(1);
    expect(ambiguous.stderr).toMatch(/taskstore: error: the id prefix "ab" is ambiguous: it matches 3 records/);
    expect(ambiguous.stderr).toMatch(/notes\s+abc-1/);
    expect(ambiguous.stderr).toMatch(/notes\s+abc-2/);
    expect(ambiguous.stderr).toMatch(/tags\s+abd/);
    expect(ambiguous.stderr).toMatch(/hint: /);
    const unknown = runCli(['show', 'zzz'], { cwd });
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/taskstore: error: no record has the id or id prefix "zzz"/);
    expect(unknown.stderr).toMatch(/hint: /);
    const wrongType = runCli(['complete-execution', 'abc-1'], { cwd });
    expect(wrongType.status).toBe(1);
    expect(wrongType.stderr).toMatch(/no execution/);
  });
});

describe('history of a record with a control character in a field name', () => {
  it('spells the name out and aligns the values on the names as shown', () => {
    const cwd = tempDir('taskstore-cli-history-fields-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    // Shown as `a\x1bbcdefghijklm`: 17 columns for 14 characters, the longest name as shown.
    withStore(join(cwd, '.taskstore'), (store) => store.collection({ name: 'notes' }).create({ id: 'n1', 'a\u001bbcdefghijklm': 1, abcdefghijklmnop: 2 }));
    const text = runCli(['history', 'n1'], { cwd }).stdout;
    expect(text).not.toMatch(ANSI);
    expect(text).toContain('\n    a\\x1bbcdefghijklm  1\n');
    expect(text).toContain('\n    abcdefghijklmnop   2\n');
  });

  it('aligns on screen columns: a wide character takes two, a combining mark none', () => {
    const cwd = tempDir('taskstore-cli-history-wide-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    // 名前 is 2 characters and 4 columns; e\u0301 is 2 characters and 1 column.
    withStore(join(cwd, '.taskstore'), (store) => store.collection({ name: 'notes' }).create({ id: 'n1', 名前: 1, abc: 2, 'e\u0301': 3 }));
    const text = runCli(['history', 'n1'], { cwd }).stdout;
    // Every value starts in column 17: after the longest name (created_at, 10 columns) and two spaces.
    expect(text).toContain('\n    名前        1\n');
    expect(text).toContain('\n    abc         2\n');
    expect(text).toContain('\n    e\u0301           3\n');
    expect(text).toMatch(/\n {4}created_at {2}\d+\n/);
  });
});
