/**
 * `listDependencies(execId)` is what an agent loop polls for the messages sent to or by
 * its execution: it must look both sides up in their indexes, never read every
 * dependency of the store. Asked of SQLite's plan for the statement the records layer
 * runs, on a cache holding dependencies of both kinds (addressed and broadcast).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { dependenciesOfExecution } from '../../src/cache/record-queries.js';
import { tempDir } from '../helpers/temp.js';

describe('dependencies of one execution', () => {
  it('are found through the from_exec_id and to_exec_id indexes, with no scan of the table or an index', () => {
    const dir = tempDir();
    const store = Store.open(dir, { durability: 'none' });
    let exec: string;
    try {
      const prd = store.createPrd({ title: 'PRD' });
      const spec = store.createTaskSpec({ prd_id: prd, phase_name: 'one' });
      const execs = Array.from({ length: 20 }, (_, i) => store.createExecution({ ts_id: spec, worktree_path: `/w/${i}`, branch_name: `b${i}` }));
      for (let i = 0; i < 200; i++) {
        store.createDependency({ from_exec_id: execs[i % 20]!, to_exec_id: i % 4 === 0 ? null : execs[(i * 7 + 1) % 20]!, dependency_type: 'notify' });
      }
      exec = execs[3]!;
      expect(store.listDependencies(exec).length).toBeGreaterThan(0);
    } finally {
      store.close();
    }
    const db = new Database(join(dir, 'taskstore.db'), { readonly: true });
    try {
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${dependenciesOfExecution('"c_dependencies"')}`).all(exec, exec) as { detail: string }[]).map((r) => r.detail);
      expect(plan.filter((d) => /^SCAN /.test(d))).toEqual([]);
      expect(plan.some((d) => d.includes('c_dependencies__f_from_exec_id'))).toBe(true);
      expect(plan.some((d) => d.includes('c_dependencies__f_to_exec_id'))).toBe(true);
    } finally {
      db.close();
    }
  });
});
