/**
 * Readiness against an in-memory oracle, over random graphs and status changes: the
 * maintained readiness graph must answer exactly what the rule says for the current
 * versions in the log — live, after catching up with lines appended by others, after a
 * full rebuild (sync), after compaction, and in a cache rebuilt from nothing. The ready
 * specs must also be, field for field, what reading each alone returns.
 */
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findCycles, Store } from '../../src/index.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';

const N = 6;
const STATUSES = ['pending', 'running', 'complete', 'failed', 'blocked'] as const;
const specId = (k: number) => `s${k}`;

type Op =
  | { kind: 'create'; k: number; deps: number[]; status: (typeof STATUSES)[number]; at: number }
  | { kind: 'status'; k: number; status: (typeof STATUSES)[number] }
  | { kind: 'deps'; k: number; deps: number[] }
  | { kind: 'raw'; k: number; deps: number[]; status: (typeof STATUSES)[number]; at: number }
  | { kind: 'tombstone'; k: number; at: number }
  | { kind: 'sync' }
  | { kind: 'compact' };

// Dependency entries: other specs, the spec itself, or ids that never exist (k >= N).
const deps = fc.array(fc.integer({ min: 0, max: N + 1 }), { maxLength: 3 });
const k = fc.integer({ min: 0, max: N - 1 });
const status = fc.constantFrom(...STATUSES);
const at = fc.integer({ min: 1, max: 3 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('create' as const), k, deps, status, at }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('status' as const), k, status }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('deps' as const), k, deps }) },
  // Lines from elsewhere (a merge, another tool): often older or tied timestamps.
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('raw' as const), k, deps, status, at: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tombstone' as const), k, at: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'sync' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'compact' as const }) },
);

/** The current version of each id, folded from the log text: a later line wins unless its updated_at is older. */
function currentVersions(dir: string): Map<string, Record<string, unknown>> {
  const current = new Map<string, Record<string, unknown>>();
  let text = '';
  try {
    text = readFileSync(join(dir, 'task_specs.jsonl'), 'utf8');
  } catch {
    return current;
  }
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const record = JSON.parse(line) as Record<string, unknown> & { id: string; updated_at: number };
    const previous = current.get(record.id) as { updated_at: number } | undefined;
    if (previous === undefined || record.updated_at >= previous.updated_at) current.set(record.id, record);
  }
  return current;
}

/** The readiness rule, stated plainly. */
function oracle(dir: string): { ready: string[]; cycles: string[][]; blocked: Map<string, string[]> } {
  const live = [...currentVersions(dir).values()].filter((r) => r.deleted !== true);
  const byId = new Map(live.map((r) => [r.id as string, r]));
  const complete = (id: unknown) => typeof id === 'string' && byId.get(id)?.status === 'complete';
  const pending = live.filter((r) => r.status === 'pending');
  const ready = pending
    .filter((r) => (r.dependencies as unknown[]).every(complete))
    .sort((a, b) => (a.created_at as number) - (b.created_at as number) || ((a.id as string) < (b.id as string) ? -1 : 1))
    .map((r) => r.id as string);
  const blocked = new Map(
    pending
      .filter((r) => !(r.dependencies as unknown[]).every(complete))
      .map((r) => [r.id as string, (r.dependencies as string[]).filter((d) => !complete(d))]),
  );
  const cycles = findCycles(new Map(live.map((r) => [r.id as string, r.dependencies as string[]])));
  return { ready, cycles, blocked };
}

function open(dir: string): Store {
  return Store.open(dir, { durability: 'none', logger: quietLogger() });
}

function answers(store: Store) {
  return {
    ready: store.listReadyTaskSpecs().map((s) => s.id),
    cycles: store.findDependencyCycles(),
  };
}

describe('readiness against an oracle', () => {
  it('listReadyTaskSpecs and findDependencyCycles match the rule after any sequence of writes, catch-ups, rebuilds and compactions', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 30 }), (ops) => {
        const dir = join(tempDir(), '.taskstore');
        const store = open(dir);
        const prdId = store.createPrd({ id: 'prd', title: 'P' });
        const specs = store.collection({ name: 'task_specs' });
        const path = join(dir, 'task_specs.jsonl');
        for (const o of ops) {
          try {
            if (o.kind === 'create') {
              store.createTaskSpec({ id: specId(o.k), prd_id: prdId, phase_name: 'x', status: o.status, dependencies: o.deps.map(specId), created_at: o.at });
            } else if (o.kind === 'status') specs.patch(specId(o.k), { status: o.status });
            else if (o.kind === 'deps') specs.patch(specId(o.k), { dependencies: o.deps.map(specId) });
            else if (o.kind === 'raw' || o.kind === 'tombstone') {
              const line =
                o.kind === 'raw'
                  ? { id: specId(o.k), prd_id: prdId, phase_name: 'raw', status: o.status, dependencies: o.deps.map(specId), created_at: o.at, updated_at: o.at }
                  : { id: specId(o.k), updated_at: o.at, deleted: true };
              appendFileSync(path, `${JSON.stringify(line)}\n`);
              store.refresh();
            } else if (o.kind === 'sync') store.sync();
            else store.compact();
          } catch (err) {
            const code = (err as { code?: string }).code;
            if (code !== 'NOT_FOUND' && code !== 'ALREADY_EXISTS') throw err;
          }
          // Live, after every operation.
          const want = oracle(dir);
          expect(answers(store)).toEqual({ ready: want.ready, cycles: want.cycles });
          // Whole records, each as reading it alone returns it (the ready list copies the
          // versions the table keeps parsed between calls; getTaskSpec parses afresh).
          expect(store.listReadyTaskSpecs()).toStrictEqual(want.ready.map((id) => store.getTaskSpec(id)));
        }
        const live = answers(store);
        expect(store.check().problems.filter((p) => p.kind === 'cache_drift')).toEqual([]);
        store.sync();
        expect(answers(store)).toEqual(live);
        store.close();
        for (const f of ['taskstore.db', 'taskstore.db-wal', 'taskstore.db-shm']) rmSync(join(dir, f), { force: true });
        const rebuilt = open(dir);
        expect(answers(rebuilt)).toEqual(live);
        expect(rebuilt.check().problems.filter((p) => p.kind === 'cache_drift')).toEqual([]);
        rebuilt.close();
      }),
      { numRuns: 80 },
    );
  });
});
