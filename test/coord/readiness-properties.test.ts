/**
 * Readiness against an in-memory oracle, over random graphs and status changes: the
 * maintained readiness graph must answer exactly what the rule says for the current
 * versions in the log — live, after catching up with lines appended by others, after a
 * full rebuild (sync), after compaction, and in a cache rebuilt from nothing. The ready
 * specs must also be, field for field, what reading each alone returns; the next claim
 * must take the claimable spec the rule puts first; `ready --explain` must name exactly
 * the entries the rule counts as unmet. A second store on the same directory (another
 * connection, as another process has) writes too. Over hand-written
 * `dependencies` of any shape, check() must report exactly the entries readiness can never
 * count as met, so no pending spec waits unexplained.
 */
import { appendFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { readySpecs } from '../../src/cli/commands/ready.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';
import { currentVersions, expected as rule } from './readiness-oracle.js';

const N = 6;
const STATUSES = ['pending', 'running', 'complete', 'failed', 'blocked'] as const;
const specId = (k: number) => `s${k}`;

/** Statuses other programs may write: the wrong case, or none at all. */
const RAW_STATUSES = [...STATUSES, 'Complete', 'PENDING', undefined] as const;
/** Leases other programs may write: none, ended, live, or too far ahead to be right (counts as ended). */
const LEASES = [undefined, null, 5, 'soon', 'far'] as const;

type Op =
  | { kind: 'create'; k: number; deps: number[]; status: (typeof STATUSES)[number]; at: number }
  | { kind: 'status'; k: number; status: (typeof STATUSES)[number]; other: boolean }
  | { kind: 'deps'; k: number; deps: number[]; other: boolean }
  | { kind: 'raw'; k: number; deps: number[]; status: (typeof RAW_STATUSES)[number]; at: number; lease: (typeof LEASES)[number]; rust: boolean }
  | { kind: 'tombstone'; k: number; at: number }
  | { kind: 'delete'; k: number; other: boolean }
  | { kind: 'claim' }
  | { kind: 'release'; k: number }
  | { kind: 'sync' }
  | { kind: 'compact' };

// Dependency entries: other specs, the spec itself, or ids that never exist (k >= N).
const deps = fc.array(fc.integer({ min: 0, max: N + 1 }), { maxLength: 3 });
const k = fc.integer({ min: 0, max: N - 1 });
// Pending and complete specs are what readiness and claims are about: weighted so that
// several specs are often ready at once (and the claim order decides between them).
const status = fc.oneof(
  { weight: 4, arbitrary: fc.constant('pending' as const) },
  { weight: 3, arbitrary: fc.constant('complete' as const) },
  { weight: 3, arbitrary: fc.constantFrom(...STATUSES) },
);
const at = fc.integer({ min: 1, max: 3 });
const other = fc.boolean();
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('create' as const), k, deps, status, at }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('status' as const), k, status, other }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('deps' as const), k, deps, other }) },
  // Lines from elsewhere (a merge, another tool): often older or tied timestamps.
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('raw' as const),
      k,
      deps,
      status: fc.constantFrom(...RAW_STATUSES),
      at: fc.integer({ min: 1, max: 4 }),
      lease: fc.constantFrom(...LEASES),
      // The Rust TaskStore's lines have no updated_at: versioned by created_at.
      rust: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tombstone' as const), k, at: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), k, other }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'claim' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('release' as const), k }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'sync' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'compact' as const }) },
);

function open(dir: string): Store {
  return Store.open(dir, { durability: 'none', logger: quietLogger() });
}

function answers(store: Store) {
  return {
    ready: store.listReadyTaskSpecs().map((s) => s.id),
    cycles: store.findDependencyCycles(),
  };
}

/** What `ready --explain` says each waiting spec waits for: id → the blocking entries. */
function explained(store: Store): Map<string, unknown[]> {
  const { waiting = [] } = readySpecs(store, { explain: true });
  return new Map(waiting.map((w) => [w.spec.id, w.blockedBy.map((b) => b.id)]));
}

const LEASE_AT = { soon: () => Date.now() + 3_600_000, far: () => Date.now() + 30 * 3_600_000 };

describe('readiness against an oracle', () => {
  it('listReadyTaskSpecs and findDependencyCycles match the rule after any sequence of writes, catch-ups, rebuilds and compactions', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 30, size: 'max' }), (ops) => {
        const dir = join(tempDir(), '.taskstore');
        const store = open(dir);
        const prdId = store.createPrd({ id: 'prd', title: 'P' });
        // Another connection to the same cache, as another process has.
        const second = open(dir);
        const specsOf = (o: { other: boolean }) => (o.other ? second : store).collection({ name: 'task_specs' });
        const path = join(dir, 'task_specs.jsonl');
        for (const o of ops) {
          try {
            if (o.kind === 'create') {
              store.createTaskSpec({ id: specId(o.k), prd_id: prdId, phase_name: 'x', status: o.status, dependencies: o.deps.map(specId), created_at: o.at });
            } else if (o.kind === 'status') specsOf(o).patch(specId(o.k), { status: o.status });
            else if (o.kind === 'deps') specsOf(o).patch(specId(o.k), { dependencies: o.deps.map(specId) });
            else if (o.kind === 'delete') specsOf(o).delete(specId(o.k), { force: true });
            else if (o.kind === 'claim') {
              const want = rule(dir).next;
              expect(store.claimNextReadyTaskSpec('loop')?.id).toBe(want);
            } else if (o.kind === 'release') store.releaseTaskSpecClaim(specId(o.k), 'loop');
            else if (o.kind === 'raw' || o.kind === 'tombstone') {
              const lease = o.kind === 'raw' && typeof o.lease === 'string' ? LEASE_AT[o.lease]() : o.kind === 'raw' ? o.lease : undefined;
              const line =
                o.kind === 'raw'
                  ? {
                      id: specId(o.k),
                      prd_id: prdId,
                      phase_name: 'raw',
                      status: o.status,
                      dependencies: o.deps.map(specId),
                      created_at: o.at,
                      ...(o.rust ? {} : { updated_at: o.at }),
                      lease_expires_at: lease,
                    }
                  : { id: specId(o.k), updated_at: o.at, deleted: true };
              appendFileSync(path, `${JSON.stringify(line)}\n`);
              store.refresh();
            } else if (o.kind === 'sync') store.sync();
            else store.compact();
          } catch (err) {
            const code = (err as { code?: string }).code;
            // A write to a spec whose current version another program gave a status out of
            // the enum ('PENDING') is refused: every version written must be valid.
            const oddStatus = code === 'VALIDATION' && (err as { field?: string }).field === 'status';
            if (code !== 'NOT_FOUND' && code !== 'ALREADY_EXISTS' && code !== 'CLAIMED' && !oddStatus) throw err;
          }
          // Live, after every operation, in both connections.
          const want = rule(dir);
          expect(answers(store)).toEqual({ ready: want.ready, cycles: want.cycles });
          expect(answers(second)).toEqual({ ready: want.ready, cycles: want.cycles });
          expect(explained(store)).toEqual(want.waiting);
          // Whole records, each as reading it alone returns it (the ready list copies the
          // versions the table keeps parsed between calls; getTaskSpec parses afresh).
          expect(store.listReadyTaskSpecs()).toStrictEqual(want.ready.map((id) => store.getTaskSpec(id)));
        }
        second.close();
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
      { numRuns: Number(process.env.NUM_RUNS ?? 80) },
    );
  });
});

describe('readiness and check() agree on hand-written dependencies', () => {
  // What another tool may write in `dependencies`: a list of anything (ids of specs, of
  // missing specs, of a PRD, numbers, null, objects), or no list at all.
  const entry = fc.oneof(
    k.map(specId),
    fc.constant('ghost'),
    fc.constant(''),
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

  it('a pending spec is ready, or waits for a live spec that is not complete, or check() reports what it waits for; ready --explain names what it waits for', () => {
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
        // `ready --explain` names, for each waiting spec, exactly the entries the rule counts as unmet.
        expect(explained(store)).toEqual(rule(dir).waiting);
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
      { numRuns: Number(process.env.NUM_RUNS ?? 60) },
    );
  });
});

describe('claims follow the rule', () => {
  // Specs another program wrote: created_at often tied, running under leases that ended,
  // are live, or end too far ahead to be right, dependencies among each other. (A spec
  // without created_at cannot be written, so not claimed: claims.test.ts.)
  const spec = fc.record({
    status: fc.constantFrom('pending', 'pending', 'complete', 'running', 'failed'),
    created: fc.constantFrom(1, 2, 2, 3),
    lease: fc.constantFrom(...LEASES),
    deps: fc.array(fc.integer({ min: 0, max: N + 1 }), { maxLength: 2 }),
  });

  it('claimNextReadyTaskSpec takes the claimable spec the rule puts first, again and again, as claims complete and unblock others', () => {
    fc.assert(
      fc.property(fc.array(spec, { minLength: 1, maxLength: N }), fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }), (specs, completes) => {
        const dir = join(tempDir(), '.taskstore');
        const store = open(dir);
        store.createPrd({ id: 'prd', title: 'P' });
        const at = Date.now();
        const text = specs.map((s, i) =>
          JSON.stringify({
            id: specId(i),
            prd_id: 'prd',
            phase_name: 'x',
            status: s.status,
            dependencies: s.deps.map(specId),
            created_at: s.created,
            updated_at: at,
            lease_expires_at: typeof s.lease === 'string' ? LEASE_AT[s.lease]() : s.lease,
          }),
        );
        appendFileSync(join(dir, 'task_specs.jsonl'), `${text.join('\n')}\n`);
        store.refresh();
        for (const complete of completes) {
          const want = rule(dir).next;
          const got = store.claimNextReadyTaskSpec('loop');
          expect(got?.id).toBe(want);
          if (got === undefined) break;
          // Completing it may make others ready; leaving it running keeps it held.
          if (complete) store.collection({ name: 'task_specs' }).patch(got.id, { status: 'complete', lease_expires_at: null });
        }
        store.close();
      }),
      { numRuns: Number(process.env.NUM_RUNS ?? 100) },
    );
  });
});
