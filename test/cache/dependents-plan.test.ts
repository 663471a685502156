/**
 * Deleting a task spec asks which live specs depend on it. That must be a lookup in the
 * readiness graph's edge index, not a read of every spec's `dependencies` list (~5.5 ms
 * a delete at 10,000 specs, growing with the store). Asked of SQLite's plan for every
 * statement the store prepares while it refuses such a delete.
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

describe("a task spec's dependents, asked by delete", () => {
  it('come from the edge index: no statement of the refused delete scans the task specs', () => {
    const dir = tempDir();
    const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
    let target: string;
    let during: string[];
    try {
      const prd = store.createPrd({ title: 'P' });
      const ids: string[] = [];
      for (let i = 0; i < 30; i++) ids.push(store.createTaskSpec({ prd_id: prd, phase_name: `p${i}`, dependencies: i > 0 ? [ids[i - 1]!] : [] }));
      target = ids[10]!;
      const before = new Set(prepared);
      let code: unknown;
      try {
        store.collection({ name: 'task_specs' }).delete(target);
      } catch (err) {
        code = (err as { code?: unknown }).code;
      }
      expect(code).toBe('REFERENCED');
      during = [...prepared].filter((sql) => !before.has(sql) && /^\s*SELECT/i.test(sql));
    } finally {
      store.close();
    }
    const db = new Database(join(dir, 'taskstore.db'), { readonly: true });
    try {
      for (const sql of during) {
        const params = Array.from({ length: countParams(sql) }, () => target);
        const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail);
        // A scan is allowed only of the partial index of specs whose list is no plain
        // list of ids (a handful, hand-written) and of json_each over one spec's list.
        const scans = plan.filter((d) => /^SCAN /.test(d) && !/USING INDEX task_graph_bad_deps$/.test(d) && !/VIRTUAL TABLE/.test(d));
        expect(scans, `${sql}\n${plan.join('\n')}`).toEqual([]);
      }
    } finally {
      db.close();
    }
    expect(during.some((sql) => sql.includes('task_graph_edges_dep')), during.join('\n---\n')).toBe(true);
  });
});

/** The number of `?` parameters of a statement (none of these statements holds a `?` inside a string). */
function countParams(sql: string): number {
  return (sql.match(/\?/g) ?? []).length;
}
