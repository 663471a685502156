/**
 * The CLI keeps the library's error class and code when it adds context, and "not
 * found" is worded one way (`<collection> has no record with id <id>`) in the library,
 * the CLI and the dashboard's API.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlreadyExistsError, NotFoundError, StaleError, TaskStoreError, ValidationError } from '../../src/index.js';
import { importEntries, parseExport } from '../../src/cli/commands/import.js';
import { formatError, withContext } from '../../src/cli/errors.js';
import { patchRecord } from '../../src/cli/patch-record.js';
import { openStore, seed, snapshot, thrown } from '../records/helpers.js';
import { tempDir } from '../helpers/temp.js';
import { runCli } from './run-cli.js';

const jsonl = (...entries: unknown[]): string => entries.map((e) => JSON.stringify(e)).join('\n');

describe('import keeps the class and code of the library error it adds context to', () => {
  it('a duplicate id is an AlreadyExistsError naming the file and line, and nothing is imported', () => {
    const { store, dir } = openStore();
    store.collection({ name: 'notes' }).create({ id: 'n1', title: 'old' });
    const before = snapshot(dir);
    const { entries } = parseExport(jsonl({ collection: 'notes', record: { id: 'n2' } }, { collection: 'notes', record: { id: 'n1' } }), 'dump.jsonl');
    const err = thrown(() => importEntries(store, entries, 'dump.jsonl'));
    expect(err).toBeInstanceOf(AlreadyExistsError);
    expect(err.code).toBe('ALREADY_EXISTS');
    expect(err.message).toMatch(/^dump\.jsonl line 2 \(notes\): notes already has a record with id n1$/);
    expect(err.data).toMatchObject({ collection: 'notes', id: 'n1', file: 'dump.jsonl', where: 'line 2' });
    expect(err.hint).toMatch(/nothing was imported$/);
    expect(store.collection({ name: 'notes' }).get('n2')).toBeUndefined();
    expect(snapshot(dir)).toEqual(before);
    store.close();
  });

  it('a record that fails its schema stays a ValidationError with its field', () => {
    const { store } = openStore();
    const { entries } = parseExport(jsonl({ collection: 'prds', record: { id: 'p1', title: 'x', status: 'bogus', created_at: 1 } }), 'dump.jsonl');
    const err = thrown(() => importEntries(store, entries, 'dump.jsonl'));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).field).toBe('status');
    expect(err.message).toMatch(/^dump\.jsonl line 1 \(prds\): /);
    store.close();
  });

  it('a dangling reference is a NotFoundError worded as the library words it', () => {
    const { store } = openStore();
    const { entries } = parseExport(jsonl({ collection: 'task_specs', record: { id: 't1', prd_id: 'ghost', phase_name: 'x', created_at: 1 } }), 'dump.jsonl');
    const err = thrown(() => importEntries(store, entries, 'dump.jsonl'));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toMatch(/prd_id "ghost" does not name a live PRD/);
    store.close();
  });

  it('withContext returns the same object: class, code, field and stack kept', () => {
    const original = new ValidationError('title must be a string', { field: 'title', hint: 'fix it' });
    const stack = original.stack;
    const err = withContext(original, 'a.jsonl line 3', { data: { file: 'a.jsonl' }, hint: 'nothing was imported' });
    expect(err).toBe(original);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ code: 'VALIDATION', field: 'title', message: 'a.jsonl line 3: title must be a string', hint: 'fix it; nothing was imported' });
    expect(err.data).toMatchObject({ field: 'title', file: 'a.jsonl' });
    expect(err.stack).toBe(stack);
    // The CLI prints it as the library error it is (its hint, exit 1), not as a bug.
    expect(formatError(err, false)).toEqual({ exitCode: 1, lines: ['taskstore: error: a.jsonl line 3: title must be a string', 'hint: fix it; nothing was imported'] });
  });

  it('on the command line: exit 1, the context, the library hint', () => {
    const root = tempDir();
    const cwd = root;
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const file = join(root, 'dump.jsonl');
    writeFileSync(file, jsonl({ collection: 'notes', record: { id: 'n1' } }, { collection: 'notes', record: { id: 'n1' } }));
    const result = runCli(['import', file], { cwd });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/taskstore: error: .*dump\.jsonl line 2 \(notes\): notes already has a record with id n1\nhint: .*nothing was imported/);
  });
});

describe('"not found" is worded one way', () => {
  it('the generic collection and the record methods say `<collection> has no record with id <id>`', () => {
    const { store } = openStore();
    const notes = store.collection({ name: 'notes' });
    const cases: [() => unknown, string][] = [
      [() => notes.patch('ghost', { a: 1 }), 'notes has no record with id ghost'],
      [() => store.updatePrd('ghost', { title: 'x' }), 'prds has no record with id ghost'],
      [() => store.resolveDependency('ghost'), 'dependencies has no record with id ghost'],
      [() => store.completeExecution('ghost'), 'executions has no record with id ghost'],
    ];
    for (const [fn, message] of cases) {
      const err = thrown(fn);
      expect(err).toBeInstanceOf(NotFoundError);
      expect(err.message).toBe(message);
    }
    expect(thrown(() => store.compact('nope')).message).toMatch(/^there is no collection named nope/);
    store.close();
  });

  it('the CLI patch of a record deleted meanwhile is the library error: NOT_FOUND, or STALE with a version', () => {
    const { store } = openStore();
    const { prdId } = seed(store);
    const other = store.createPrd({ title: 'gone' });
    const version = store.getPrd(other)!.updated_at;
    store.collection({ name: 'prds' }).delete(other);
    const notFound = thrown(() => patchRecord(store, 'prds', other, { title: 'x' }, undefined));
    expect(notFound).toBeInstanceOf(NotFoundError);
    expect(notFound.message).toBe(`prds has no record with id ${other}`);
    expect(thrown(() => patchRecord(store, 'prds', other, { title: 'x' }, version))).toBeInstanceOf(StaleError);
    // A live one goes through updatePrd: validated as a PRD.
    expect(thrown(() => patchRecord(store, 'prds', prdId, { status: 'bogus' }, undefined))).toBeInstanceOf(ValidationError);
    expect(patchRecord(store, 'prds', prdId, { status: 'ready' }, undefined)).toMatchObject({ id: prdId, status: 'ready' });
    store.close();
  });

  it('every not-found error is a TaskStoreError with code NOT_FOUND', () => {
    const { store } = openStore();
    for (const fn of [() => store.updateTaskSpec('x', { prd_id: 'p', phase_name: 'y' }), () => store.collection({ name: 'notes' }).delete('x')]) {
      const err = thrown(fn);
      expect(err).toBeInstanceOf(TaskStoreError);
      expect(err.code).toBe('NOT_FOUND');
    }
    store.close();
  });
});
