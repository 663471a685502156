/**
 * Every statement the cache layer prepares that looks a collection row up by id must
 * SEARCH the collection table, never SCAN it. The `(id, state)` index is partial
 * (`WHERE state > 0`, current rows only): SQLite uses it only for a query whose terms
 * include `state > 0`, and a lookup written with `state = 1` alone silently becomes a
 * scan of every version of every record. The statements are not listed by hand: the
 * test records every SQL text the store prepares while it runs a workload touching every
 * feature, then asks SQLite for the plan of each one that compares a collection table's
 * `id`, so a lookup added later is checked too.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';
import { recordPreparedSql } from '../helpers/prepared-sql.js';

const prepared = recordPreparedSql();

/** A store with records of every kind, updated, deleted, queried and rebuilt: most cache statements get prepared. */
function runWorkload(dir: string): void {
  const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
  try {
    const notes = store.collection<{ v: number; status: string }>({ name: 'notes', indexes: ['status'] });
    const a = notes.create({ v: 1, status: 'open' });
    notes.create({ id: 'b', v: 2, status: 'done' });
    notes.update(a, { v: 3, status: 'done' });
    notes.patch(a, { v: 4 });
    notes.delete('b');
    notes.create({ id: 'b', v: 5, status: 'open' });
    notes.get(a);
    notes.get('missing');
    notes.history(a);
    notes.list({ where: { id: a } });
    notes.list({ where: { id: a, status: 'done' } });
    notes.list({ where: { id: { in: [a, 'b'] } } });
    notes.list({ where: { id: { in: Array.from({ length: 2000 }, (_, i) => `id${i}`) } } });
    notes.list({ where: { status: 'open' }, orderBy: 'id', limit: 1 });
    notes.count({ where: { id: a } });
    notes.count();
    store.liveIds('notes');
    store.liveNeighbourIds('notes', [a, 'b', 'zz']);
    store.transaction(() => {
      notes.update(a, { v: 6, status: 'open' });
      try {
        store.transaction(() => {
          notes.delete(a);
          throw new Error('roll back the savepoint');
        });
      } catch {
        // expected
      }
    });

    const prd = store.createPrd({ title: 'PRD' });
    const s1 = store.createTaskSpec({ prd_id: prd, phase_name: 'one' });
    const s2 = store.createTaskSpec({ prd_id: prd, phase_name: 'two', dependencies: [s1, 'ghost'] });
    store.createTaskSpec({ id: 'loop-x', prd_id: prd, phase_name: 'x', dependencies: ['loop-y'] });
    store.createTaskSpec({ id: 'loop-y', prd_id: prd, phase_name: 'y', dependencies: ['loop-x'] });
    const e1 = store.createExecution({ ts_id: s1, worktree_path: '/w/1', branch_name: 'b1' });
    const e2 = store.createExecution({ ts_id: s2, worktree_path: '/w/2', branch_name: 'b2' });
    const dep = store.createDependency({ from_exec_id: e1, to_exec_id: e2, dependency_type: 'notify' });
    store.resolveDependency(dep, 'ok');
    store.completeExecution(e1);
    store.listReadyTaskSpecs();
    store.claimNextReadyTaskSpec('agent', { prdId: prd });
    store.listDependencies(e1);
    store.findDependencyCycles();
    const wf = store.createWorkflow({ name: 'tdd', version: '1' });
    store.updateWorkflow(wf, { name: 'tdd', version: '2' });
    store.getWorkflowByName('tdd');
    store.setRepoState('/repo', 'abc');
    store.getRepoState('/repo');
    store.check();
    store.sync();
    store.compact();
    store.compact(undefined, { keepDays: 1 });
    store.rescue();
    store.metrics();
    // A log rewritten by another program (new inode, a version lost): the rebuild compares with a snapshot.
    const log = join(dir, 'notes.jsonl');
    const first = readFileSync(log, 'utf8').split('\n')[0]!;
    writeFileSync(`${log}.tmp`, `${first}\n`);
    renameSync(`${log}.tmp`, log);
    store.refresh();
  } finally {
    store.close();
  }
}

/** The collection tables a statement names, by the name the plan uses for them (its alias, else the table). */
function collectionTableRefs(sql: string): Map<string, string> {
  const refs = new Map<string, string>();
  const re = /(?:FROM|JOIN|,)\s+"?(c_[A-Za-z0-9_]+)"?(?:\s+(?:AS\s+)?(?!WHERE\b|ON\b|INDEXED\b|ORDER\b|CROSS\b|JOIN\b|LEFT\b|WHERE\b|LIMIT\b|GROUP\b)([A-Za-z_]\w*))?/gi;
  for (const m of sql.matchAll(re)) refs.set(m[2] ?? m[1]!, m[1]!);
  return refs;
}

/** Names (aliases or tables, as in `collectionTableRefs`) whose `id` column the statement compares with `=` or `IN`. */
function idLookups(sql: string, refs: Map<string, string>): string[] {
  const names = new Set<string>();
  for (const m of sql.matchAll(/(?<![\w.'$])(?:([A-Za-z_]\w*)\.)?id\s*(?:=|IN\b)/g)) {
    const qualifier = m[1];
    if (qualifier !== undefined) {
      if (refs.has(qualifier)) names.add(qualifier);
    } else {
      // Unqualified: the statement's unaliased collection table (a lookup on another table, e.g. the task graph's, has none).
      for (const [name, table] of refs) if (name === table) names.add(name);
    }
  }
  return [...names];
}

function planOf(db: Database.Database, sql: string): string[] {
  // The snapshot a rebuild of a rewritten log compares with is a temporary table of the store's connection.
  for (const m of sql.matchAll(/temp\."(c_\w+__before)"/g)) db.exec(`CREATE TEMP TABLE IF NOT EXISTS "${m[1]}" (id, updated_at, data)`);
  const params = (sql.match(/\?/g) ?? []).map(() => null);
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail);
}

describe('lookups by id use the partial id index', () => {
  it('no statement that compares a collection table row id scans that table', () => {
    const dir = join(tempDir(), '.taskstore');
    runWorkload(dir);
    const db = new Database(join(dir, 'taskstore.db'));
    try {
      const checked: string[] = [];
      const scans: { sql: string; plan: string[] }[] = [];
      for (const sql of prepared) {
        if (/^\s*EXPLAIN/i.test(sql) || !/\bc_\w+/.test(sql)) continue;
        const refs = collectionTableRefs(sql);
        const lookups = idLookups(sql, refs);
        if (lookups.length === 0) continue;
        let plan: string[];
        try {
          plan = planOf(db, sql);
        } catch (err) {
          throw new Error(`cannot plan ${sql}: ${String(err)}`);
        }
        checked.push(sql);
        for (const name of lookups) {
          if (plan.some((d) => new RegExp(`^SCAN ${name}\\b`).test(d)) || !plan.some((d) => new RegExp(`^SEARCH ${name}\\b`).test(d))) {
            scans.push({ sql: sql.replace(/\s+/g, ' ').trim(), plan });
          }
        }
      }
      expect(scans).toEqual([]);
      // The workload reached the lookups this test exists for (a rename must not make it vacuous).
      const joined = checked.join('\n');
      expect(joined).toMatch(/WITH RECURSIVE chain/); // history / hasVersionText
      expect(joined).toMatch(/SELECT data FROM "c_notes" WHERE id = \?/); // liveText
      expect(joined).toMatch(/SELECT seq, updated_at, state, prev FROM "c_notes" WHERE id = \?/); // current
      expect(joined).toMatch(/NOT EXISTS \(SELECT 1 FROM .* AS d WHERE d\.id =/); // dangling references
      expect(joined).toMatch(/INDEXED BY "c_task_specs__id"/); // ready specs
      expect(joined).toMatch(/AS c WHERE c\.id = b\.id/); // takeLostSinceSnapshot
      expect(checked.length).toBeGreaterThanOrEqual(8);
    } finally {
      db.close();
    }
  });

  it('the rule catches a lookup written with state = 1 alone (the test is not vacuous)', () => {
    const dir = tempDir();
    const db = new Database(join(dir, 'plan.db'));
    try {
      db.exec('CREATE TABLE c_x (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, updated_at INTEGER NOT NULL, state INTEGER NOT NULL, line INTEGER NOT NULL, prev INTEGER, data TEXT NOT NULL)');
      db.exec('CREATE INDEX c_x__id ON c_x (id, state) WHERE state > 0');
      db.exec('CREATE INDEX c_x__order ON c_x (updated_at, id) WHERE state = 1');
      const bad = 'SELECT data FROM "c_x" WHERE id = ? AND state = 1';
      expect(idLookups(bad, collectionTableRefs(bad))).toEqual(['c_x']);
      expect(planOf(db, bad).some((d) => d.startsWith('SCAN c_x'))).toBe(true);
      const good = 'SELECT data FROM "c_x" WHERE id = ? AND state = 1 AND state > 0';
      expect(planOf(db, good).some((d) => d.startsWith('SEARCH c_x USING INDEX c_x__id'))).toBe(true);
    } finally {
      db.close();
    }
  });
});
