/**
 * Readiness against an in-memory oracle, over random graphs and status changes: the
 * maintained readiness graph must answer exactly what the rule says for the current
 * versions in the log — live, after catching up with lines appended by others, after a
 * full rebuild (sync), after compaction, and in a cache rebuilt from nothing. The ready
 * specs must also be, field for field, what reading each alone returns. Over hand-written
 * `dependencies` of any shape, check() must report exactly the entries readiness can never
 * count as met, so no pending spec waits unexplained.
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

describe('readiness and check() agree on hand-written dependencies', () => {
  // What another tool may write in `dependencies`: a list of anything (ids of specs, of
  // missing specs, of a PRD, numbers, null, objects), or no list at all.
  const entry = fc.oneof(
    k.map(specId),
    fc.constant('ghost'),
    fc.constant('prd'),
    fc.integer({ min: 0, max: 3 }),
    fc.constant(null),
    fc.constant({ id: 's0' }),
  );
  const depsValue = fc.oneof(
    { weight: 4, arbitrary: fc.array(entry, { maxLength: 3 }) },
    { weight: 1, arbitrary: fc.constantFrom(null, undefined, 's0', 7, { s0: true }) },
  );
  const line = fc.record({ k, status, deps: depsValue, deleted: fc.boolean() });

  it('a pending spec is ready, or waits for a live spec that is not complete, or check() reports what it waits for', () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 12 }), (lines) => {
        const dir = join(tempDir(), '.taskstore');
        const store = open(dir);
        store.createPrd({ id: 'prd', title: 'P' });
        const at = Date.now();
        const text = lines
          .map((l, i) =>
            JSON.stringify(
              l.deleted && i > 0
                ? { id: specId(l.k), updated_at: at + i, deleted: true }
                : { id: specId(l.k), prd_id: 'prd', phase_name: 'x', status: l.status, dependencies: l.deps, created_at: at, updated_at: at + i },
            ),
          )
          .join('\n');
        appendFileSync(join(dir, 'task_specs.jsonl'), `${text}\n`);
        store.refresh();
        const live = new Map<string, Record<string, unknown>>();
        for (const version of currentVersions(dir).values()) if (version.deleted !== true) live.set(version.id as string, version);
        const isComplete = (d: unknown) => typeof d === 'string' && live.get(d)?.status === 'complete';
        const names = (d: unknown) => typeof d === 'string' && live.has(d);
        // The rule: null or absent is no dependencies; another value that is no list is one unmet dependency.
        const unmet = (deps: unknown): unknown[] => (deps === undefined || deps === null ? [] : Array.isArray(deps) ? deps.filter((d) => !isComplete(d)) : [deps]);
        const dangling = (deps: unknown): number => (deps === undefined || deps === null ? 0 : Array.isArray(deps) ? deps.filter((d) => !names(d)).length : 1);
        const ready = [...live.values()]
          .filter((s) => s.status === 'pending' && unmet(s.dependencies).length === 0)
          .map((s) => s.id as string)
          .sort();
        expect(store.listReadyTaskSpecs().map((s) => s.id).sort()).toEqual(ready);
        const reported = new Map<string, number>();
        for (const p of store.check().problems) {
          expect(p.kind, p.message).not.toBe('cache_drift');
          if (p.kind === 'dangling_reference' && p.message.includes(': dependencies ')) reported.set(p.id!, (reported.get(p.id!) ?? 0) + 1);
        }
        const expected = new Map([...live.values()].map((s) => [s.id as string, dangling(s.dependencies)] as const).filter(([, n]) => n > 0));
        expect(reported).toEqual(expected);
        // So a pending spec that is not ready waits for a live spec that is not complete, or is reported.
        for (const s of live.values()) {
          if (s.status !== 'pending' || ready.includes(s.id as string)) continue;
          const waitsOnLive = unmet(s.dependencies).some((d) => names(d) && Array.isArray(s.dependencies));
          expect(waitsOnLive || reported.has(s.id as string), JSON.stringify(s)).toBe(true);
        }
        store.close();
      }),
      { numRuns: 60 },
    );
  });
});
