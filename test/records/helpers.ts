import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { Store, type TaskStoreError } from '../../src/index.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';

export const RECORD_FILES = ['prds', 'task_specs', 'executions', 'dependencies', 'workflows', 'repo_state'] as const;

/** A Store (records included) on a fresh temp directory; fsync off, warnings recorded. */
export function openStore(dir = join(tempDir(), '.taskstore')): { store: Store; dir: string } {
  return { store: Store.open(dir, { durability: 'none', logger: quietLogger() }), dir };
}

/** The raw bytes of a collection's log ('' when it does not exist yet). */
export function logText(dir: string, name: string): string {
  const path = join(dir, `${name}.jsonl`);
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

/** The parsed lines of a collection's log. */
export function logLines(dir: string, name: string): Record<string, unknown>[] {
  return logText(dir, name)
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Every record log, as text: to prove that a failed call wrote nothing anywhere. */
export function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(RECORD_FILES.map((name) => [name, logText(dir, name)]));
}

/** The error `fn` throws (fails the test when it throws nothing). */
export function thrown(fn: () => unknown): TaskStoreError {
  try {
    fn();
  } catch (err) {
    return err as TaskStoreError;
  }
  expect.fail('expected an error');
}

/** Asserts `fn` throws with `code` (and `field`, for validation errors) and leaves every record log byte-identical. */
export function expectRejected(dir: string, fn: () => unknown, code: string, field?: string): TaskStoreError {
  const before = snapshot(dir);
  const err = thrown(fn);
  expect(err.code, err.message).toBe(code);
  if (field !== undefined) expect((err as TaskStoreError & { field?: string }).field).toBe(field);
  expect(snapshot(dir)).toEqual(before);
  return err;
}

/** A PRD, a task spec and an execution on it: the minimum most tests need. */
export function seed(store: Store): { prdId: string; specId: string; execId: string } {
  const prdId = store.createPrd({ title: 'PRD' });
  const specId = store.createTaskSpec({ prd_id: prdId, phase_name: 'build' });
  const execId = store.createExecution({ ts_id: specId, worktree_path: '/wt/1', branch_name: 'ts/1' });
  return { prdId, specId, execId };
}
