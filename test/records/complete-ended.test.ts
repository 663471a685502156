/**
 * What `completeExecution` does not overrule: an execution that is `failed` or `stopped`
 * (its loop or an operator ended it) is refused, nothing written; a `cancelled` PRD keeps
 * its status while its last spec completes. Real stores in temp dirs, the CLI as a child
 * process, and a cache rebuilt from the logs.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store, type Execution } from '../../src/index.js';
import { quietLogger } from '../helpers/logger.js';
import { tempDir } from '../helpers/temp.js';
import { runCli, withStore } from '../cli/run-cli.js';
import { expectRejected, logText, openStore, seed, snapshot } from './helpers.js';

/** The execution, its spec and its PRD as a store reads them. */
function state(store: Store, ids: { execId: string; specId: string; prdId: string }) {
  const e = store.getExecution(ids.execId)!;
  const t = store.getTaskSpec(ids.specId)!;
  const p = store.getPrd(ids.prdId)!;
  return {
    execution: { status: e.status, completed_at: e.completed_at, updated_at: e.updated_at },
    taskSpec: { status: t.status, assigned_to: t.assigned_to, lease: t.lease_expires_at ?? null, updated_at: t.updated_at },
    prd: { status: p.status, updated_at: p.updated_at },
  };
}

/** The same store opened again with its cache deleted: built from the logs alone. */
function rebuilt(dir: string): Store {
  for (const f of ['taskstore.db', 'taskstore.db-wal', 'taskstore.db-shm']) rmSync(join(dir, f), { force: true });
  return Store.open(dir, { durability: 'none', logger: quietLogger() });
}

describe('completeExecution of a failed or stopped execution', () => {
  for (const status of ['failed', 'stopped'] as const) {
    it(`refuses a ${status} execution with STALE naming it, its status and the way out; nothing is written`, () => {
      const { store, dir } = openStore();
      const ids = seed(store);
      const exec = store.getExecution(ids.execId)!;
      store.updateExecution(ids.execId, { ...exec, status, error_message: 'tests failed' });
      const before = state(store, ids);
      const err = expectRejected(dir, () => store.completeExecution(ids.execId), 'STALE');
      expect(err.message).toContain(`cannot complete execution ${ids.execId}: its status is ${status}`);
      expect(err.message).toContain('set its status back with updateExecution first, otherwise create a new execution');
      expect(err.hint).toContain(`taskstore update ${ids.execId} --set status=running`);
      expect(err.data).toMatchObject({ id: ids.execId, status, actual: store.getExecution(ids.execId)!.updated_at });
      // With a claimant that does hold the spec, and with the right version, it is refused the same way.
      store.claimTaskSpec(ids.specId, 'loop-1');
      const claimed = state(store, ids);
      const current = store.getExecution(ids.execId)!.updated_at;
      expectRejected(dir, () => store.completeExecution(ids.execId, { claimant: 'loop-1', ifUpdatedAt: current }), 'STALE');
      expect(state(store, ids)).toEqual(claimed);
      expect(before.execution).toEqual(claimed.execution);
      store.close();

      // A cache built from the logs alone agrees: nothing of the refused call is anywhere.
      const again = rebuilt(dir);
      expect(state(again, ids)).toEqual(claimed);
      again.close();
    });
  }

  it("a stalled loop's execution marked failed, completed late without a claimant, leaves the spec another loop now runs", () => {
    const { store, dir } = openStore();
    const { prdId, specId } = seed(store);
    const stalledSpec = store.claimTaskSpec(specId, 'loop-1');
    const stalled = store.createExecution({ ts_id: stalledSpec.id, worktree_path: '/wt/loop-1', branch_name: 'loop-1' });
    // The operator gives up on loop-1: its execution failed, the spec back to pending, and loop-2 takes it.
    store.updateExecution(stalled, { ...store.getExecution(stalled)!, status: 'failed' });
    store.releaseTaskSpecClaim(specId, 'loop-1');
    store.claimTaskSpec(specId, 'loop-2');
    const taken = store.createExecution({ ts_id: specId, worktree_path: '/wt/loop-2', branch_name: 'loop-2' });
    const logs = snapshot(dir);
    expectRejected(dir, () => store.completeExecution(stalled), 'STALE');
    expect(snapshot(dir)).toEqual(logs);
    expect(store.getTaskSpec(specId)).toMatchObject({ status: 'running', assigned_to: 'loop-2' });
    expect(store.getPrd(prdId)!.status).toBe('draft');
    // loop-2's own completion goes through.
    expect(store.completeExecution(taken, { claimant: 'loop-2' })).toMatchObject({ alreadyComplete: false, taskSpec: { status: 'complete' } });
    expect(store.getExecution(stalled)!.status).toBe('failed');
  });

  it('completes once its status is set back; running and paused complete as before; a completed one stays the idempotent retry', () => {
    const { store } = openStore();
    const { prdId, specId, execId } = seed(store);
    const second = store.createTaskSpec({ prd_id: prdId, phase_name: 'second' });
    store.updateExecution(execId, { ...store.getExecution(execId)!, status: 'stopped' });
    expect(() => store.completeExecution(execId)).toThrow(/its status is stopped/);
    store.updateExecution(execId, { ...store.getExecution(execId)!, status: 'running' });
    expect(store.completeExecution(execId)).toMatchObject({ alreadyComplete: false, execution: { status: 'complete' }, taskSpec: { id: specId, status: 'complete' } });
    const paused = store.createExecution({ ts_id: second, worktree_path: '/w2', branch_name: 'b2', status: 'paused' });
    const done = store.completeExecution(paused);
    expect(done).toMatchObject({ alreadyComplete: false, execution: { status: 'complete' }, prd: { status: 'complete' } });
    expect(store.completeExecution(paused)).toMatchObject({ alreadyComplete: true, execution: { completed_at: done.execution.completed_at } });
  });
});

describe('completeExecution under a cancelled PRD', () => {
  it('completes the execution and its spec, and leaves the cancelled PRD as it is (no new version); a rebuilt cache agrees', () => {
    const { store, dir } = openStore();
    const ids = seed(store);
    const prd = store.getPrd(ids.prdId)!;
    store.updatePrd(ids.prdId, { ...prd, status: 'cancelled' });
    const prdLog = logText(dir, 'prds');
    const result = store.completeExecution(ids.execId);
    expect(result).toMatchObject({ alreadyComplete: false, execution: { status: 'complete' }, taskSpec: { status: 'complete' }, prd: { status: 'cancelled' } });
    expect(logText(dir, 'prds')).toBe(prdLog);
    const live = state(store, ids);
    expect(live.prd.status).toBe('cancelled');
    store.close();
    const again = rebuilt(dir);
    expect(state(again, ids)).toEqual(live);
    expect(again.check().problems).toEqual([]);
    again.close();
  });

  it('a failed PRD whose every spec is now complete becomes complete, as before', () => {
    const { store } = openStore();
    const ids = seed(store);
    store.updatePrd(ids.prdId, { ...store.getPrd(ids.prdId)!, status: 'failed' });
    expect(store.completeExecution(ids.execId).prd!.status).toBe('complete');
  });
});

describe('taskstore complete-execution of a failed execution', () => {
  it('exits 1 with the message and the hint, and writes nothing', () => {
    const cwd = tempDir('taskstore-cli-complete-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const dir = join(cwd, '.taskstore');
    const { execId } = withStore(dir, (store) => {
      const ids = seed(store);
      store.updateExecution(ids.execId, { ...(store.getExecution(ids.execId) as Execution), status: 'failed' });
      return ids;
    });
    const before = snapshot(dir);
    const result = runCli(['complete-execution', execId.slice(0, 13)], { cwd });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`taskstore: error: cannot complete execution ${execId}: its status is failed`);
    expect(result.stderr).toContain(`hint: if it really finished: \`taskstore update ${execId} --set status=running\``);
    expect(snapshot(dir)).toEqual(before);
  });
});
