/**
 * The expired-lease query (behind `listExpiredClaims()` and the expired half of
 * `claimNextReadyTaskSpec`) must read the running specs in claim order from an index and
 * stop at its LIMIT, never sort: claimNext asks for the first one or two on every call,
 * and sorting every expired row for them cost ~4 ms a call with 5,000 expired leases,
 * growing with their number. Asked of SQLite's plan for the statement the store
 * prepares (recorded while it runs), on a cache holding expired and live leases.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';

const prepared = new Set<string>();
const originalPrepare = Database.prototype.prepare;

beforeAll(() => {
  // The store loads better-sqlite3 with require(): the same module object as this import.
  Database.prototype.prepare = function (this: Database.Database, sql: string) {
    prepared.add(sql);
    return originalPrepare.call(this, sql);
  } as typeof originalPrepare;
});

afterAll(() => {
  Database.prototype.prepare = originalPrepare;
});

describe('the expired-lease query', () => {
  it('reads running specs in claim order from the lease index (covering, no temp B-tree) and stops at the limit', async () => {
    const dir = tempDir();
    const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
    let expiredIds: string[];
    try {
      const prd = store.createPrd({ title: 'P' });
      const ids = Array.from({ length: 40 }, (_, i) => store.createTaskSpec({ prd_id: prd, phase_name: `p${i}` }));
      ids.forEach((id, i) => store.claimTaskSpec(id, `loop-${i}`, { leaseMs: i % 2 === 0 ? 1 : 600_000 }));
      await new Promise((r) => setTimeout(r, 5));
      expiredIds = ids.filter((_, i) => i % 2 === 0);
      expect(store.listExpiredClaims().map((s) => s.id)).toEqual(expiredIds);
      expect(store.claimNextReadyTaskSpec('loop-next')!.id).toBe(expiredIds[0]);
    } finally {
      store.close();
    }
    const statements = [...prepared].filter((sql) => sql.includes('INDEXED BY task_graph_lease'));
    expect(statements).toHaveLength(1);
    const db = new Database(join(dir, 'taskstore.db'), { readonly: true });
    try {
      const now = Date.now();
      for (const prdId of [null, 'some-prd']) {
        const plan = (db.prepare(`EXPLAIN QUERY PLAN ${statements[0]}`).all(now, now + 90_000_000, prdId, prdId, 1) as { detail: string }[]).map((r) => r.detail);
        expect(plan.filter((d) => d.includes('TEMP B-TREE')), plan.join('\n')).toEqual([]);
        expect(plan.some((d) => /^SEARCH n USING COVERING INDEX task_graph_lease \(status=\?\)$/.test(d)), plan.join('\n')).toBe(true);
      }
    } finally {
      db.close();
    }
  });
});
