/** Odd query strings against the dashboard's JSON API: a clear 400, never a silently empty answer. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/index.js';
import { handleApi } from '../../src/ui/server/api.js';
import type { ErrorResponse, ExecutionPageResponse } from '../../src/ui/api-types.js';
import { openStore } from '../cli/run-cli.js';
import { tempDir } from '../helpers/temp.js';

let store: Store;
beforeEach(() => {
  store = openStore(tempDir('taskstore-ui-api-'));
  const prd = store.createPrd({ title: 'p' });
  const spec = store.createTaskSpec({ prd_id: prd, phase_name: 'a' });
  store.createExecution({ ts_id: spec, worktree_path: '/wt', branch_name: 'b' });
});
afterEach(() => store.close());

function get(path: string): { status: number; body: unknown } {
  const url = new URL(path, 'http://x');
  return handleApi(store, url.pathname, url.searchParams, 1_000);
}

describe('GET /api/executions?status=', () => {
  it('an unknown status is a 400 naming the statuses, not an empty page as if nothing ran', () => {
    for (const status of ['runing', 'RUNNING', ' running']) {
      const answer = get(`/api/executions?status=${encodeURIComponent(status)}`);
      expect(answer.status, JSON.stringify(answer.body)).toBe(400);
      expect((answer.body as ErrorResponse).error).toMatchObject({ code: 'VALIDATION' });
      expect((answer.body as ErrorResponse).error.message).toContain('status must be one of running, paused, complete, failed, stopped');
    }
    const ok = get('/api/executions?status=running');
    expect(ok.status).toBe(200);
    expect((ok.body as ExecutionPageResponse).total).toBe(1);
  });
});
