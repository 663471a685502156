/**
 * `check()` on a store whose problems number in the hundreds of thousands: every one is
 * reported (they were gathered with push(...problems), which overflowed the stack).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { quietLogger } from '../helpers/logger.js';
import { tempDir } from '../helpers/temp.js';

describe('check() with 200,000 problems', () => {
  it('reports a dangling reference for each of 200,000 executions whose task spec is gone', () => {
    const dir = join(tempDir(), '.taskstore');
    Store.open(dir, { logger: quietLogger() }).close();
    // Written as another clone's merge could leave them: executions of a task spec that no longer exists.
    const n = 200_000;
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
      lines.push(JSON.stringify({ id: `e${i}`, ts_id: 'ghost', worktree_path: '/w', branch_name: 'b', status: 'complete', started_at: 1, updated_at: 1 }));
    }
    writeFileSync(join(dir, 'executions.jsonl'), `${lines.join('\n')}\n`);
    const store = Store.open(dir, { logger: quietLogger() });
    try {
      const report = store.check();
      expect(report.ok).toBe(false);
      expect(report.problems.filter((p) => p.kind === 'dangling_reference')).toHaveLength(n);
    } finally {
      store.close();
    }
  }, 120_000);
});

describe('sync() of a log of 200,000 malformed lines', () => {
  it('reports every one as skipped (they were gathered with push(...skipped), which overflowed the stack)', () => {
    const dir = join(tempDir(), '.taskstore');
    Store.open(dir, { logger: quietLogger() }).close();
    writeFileSync(join(dir, 'notes.jsonl'), 'not a record\n'.repeat(200_000));
    const store = Store.open(dir, { logger: quietLogger() });
    try {
      expect(store.sync().skipped).toHaveLength(200_000);
    } finally {
      store.close();
    }
  }, 120_000);
});
