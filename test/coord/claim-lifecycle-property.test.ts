/**
 * The claim protocol against a model, over random sequences of claims by id and next,
 * renewals, releases, completions (with and without a claimant, of executions in every
 * status a loop leaves one in), operator status changes of specs and of the PRD, forced deletes, full rebuilds and compactions, made from two connections to one store,
 * while the clock moves forward and steps back (to a lease's last millisecond, the one
 * after, the one before). After every call: its outcome (the result or the error
 * code) is the model's; every spec's claim fields, the ready list, the expired claims
 * and the PRD's status are the model's, in both connections; no spec has two holders.
 * At the end a cache rebuilt from nothing answers the same and check() finds no drift.
 *
 * The clock is the one thing not real: `Date.now` reads the model's time, so that a
 * lease ending exactly "now" is a case the run decides, not the machine's speed.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Store, type TaskSpec } from '../../src/index.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';

const N = 4;
const WHO = ['a', 'b'] as const;
const LEASES = [1, 1_000, 300_000] as const;
/** Clock moves: back a little, not at all, to a lease's last millisecond and one past it. */
const TICKS = [-1_000, -1, 0, 1, 999, 1_000, 1_001, 300_000, 300_001] as const;
const RELEASE = ['pending', 'failed', 'complete', 'blocked'] as const;
const OPERATOR = ['pending', 'running', 'complete', 'failed', 'blocked'] as const;
/** An execution's status when it is completed: failed and stopped ones are refused. */
const EXECUTION = ['running', 'paused', 'failed', 'stopped'] as const;
/** What an operator sets the PRD to: a cancelled one is never completed by the cascade. */
const PRD = ['active', 'cancelled', 'failed', 'complete'] as const;
const specId = (k: number) => `s${k}`;

type Op =
  | { kind: 'claim'; k: number; who: number; lease: number; other: boolean; held: boolean }
  | { kind: 'next'; who: number; lease: number; other: boolean }
  | { kind: 'renew'; k: number; who: number; lease: number; other: boolean; held: boolean }
  | { kind: 'release'; k: number; who: number; status: (typeof RELEASE)[number]; other: boolean; held: boolean }
  | { kind: 'complete'; k: number; who: number | null; exec: (typeof EXECUTION)[number]; other: boolean }
  | { kind: 'operator'; k: number; status: (typeof OPERATOR)[number]; other: boolean }
  | { kind: 'prd'; status: (typeof PRD)[number]; other: boolean }
  | { kind: 'delete'; k: number; other: boolean }
  | { kind: 'tick'; ms: number }
  | { kind: 'leaseEdge'; k: number; offset: number }
  | { kind: 'sync' }
  | { kind: 'compact' };

const k = fc.integer({ min: 0, max: N - 1 });
const who = fc.integer({ min: 0, max: WHO.length - 1 });
const lease = fc.constantFrom(...LEASES);
const other = fc.boolean();
const held = fc.boolean();
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('claim' as const), k, who, lease, other, held }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('next' as const), who, lease, other }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('renew' as const), k, who, lease, other, held }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('release' as const), k, who, status: fc.constantFrom(...RELEASE), other, held }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('complete' as const),
      k,
      who: fc.option(who, { nil: null }),
      // Mostly running (completions happen), the other statuses often enough to matter.
      exec: fc.oneof({ weight: 2, arbitrary: fc.constant('running' as const) }, { weight: 2, arbitrary: fc.constantFrom(...EXECUTION) }),
      other,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('operator' as const), k, status: fc.constantFrom(...OPERATOR), other }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('prd' as const), status: fc.constantFrom(...PRD), other }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), k, other }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.constantFrom(...TICKS) }) },
  // The clock set to the end of one of the leases, a millisecond before or after (forward or back).
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('leaseEdge' as const), k, offset: fc.constantFrom(-1, 0, 1) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'sync' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'compact' as const }) },
);
const initial = fc.array(
  fc.record({ created: fc.integer({ min: 1, max: 3 }), deps: fc.array(fc.integer({ min: 0, max: N }), { maxLength: 2 }) }),
  { minLength: N, maxLength: N },
);

interface ModelSpec {
  status: string;
  assigned_to: string | null;
  lease: number | null;
  deps: string[];
  created: number;
}

/** The documented rules (docs/records.md, "Claims with leases" and "Completing an execution"), over plain objects. */
class Model {
  readonly specs = new Map<string, ModelSpec>();
  prdStatus = 'active';
  constructor(public now: number) {}

  holder(s: ModelSpec): string | null {
    return s.status === 'running' ? s.assigned_to : null;
  }
  ready(id: string): boolean {
    const s = this.specs.get(id)!;
    return s.status === 'pending' && s.deps.every((d) => this.specs.get(d)?.status === 'complete');
  }
  expired(s: ModelSpec): boolean {
    return s.status === 'running' && s.lease !== null && (s.lease < this.now || s.lease > this.now + 25 * 3_600_000);
  }
  inClaimOrder(ids: string[]): string[] {
    const c = (id: string) => this.specs.get(id)!.created;
    return [...ids].sort((x, y) => c(x) - c(y) || (x < y ? -1 : x > y ? 1 : 0));
  }
  readyIds(): string[] {
    return this.inClaimOrder([...this.specs.keys()].filter((id) => this.ready(id)));
  }
  expiredIds(): string[] {
    return this.inClaimOrder([...this.specs.keys()].filter((id) => this.expired(this.specs.get(id)!)));
  }
  /** The outcome of a call: the id written (or undefined), or the error code. */
  claim(id: string, who: string, leaseMs: number): string {
    const s = this.specs.get(id);
    if (s === undefined) return 'NOT_FOUND';
    if (this.holder(s) === who || this.ready(id) || this.expired(s)) return this.take(id, who, leaseMs);
    return s.status === 'running' ? 'CLAIMED' : 'STALE';
  }
  next(who: string, leaseMs: number): string {
    const first = this.inClaimOrder([...this.readyIds(), ...this.expiredIds()])[0];
    return first === undefined ? 'none' : this.take(first, who, leaseMs);
  }
  renew(id: string, who: string, leaseMs: number): string {
    const s = this.specs.get(id);
    if (s === undefined) return 'NOT_FOUND';
    if (this.holder(s) !== who) return 'CLAIMED';
    return this.take(id, who, leaseMs);
  }
  release(id: string, who: string, status: string): string {
    const s = this.specs.get(id);
    if (s === undefined) return 'NOT_FOUND';
    if (this.holder(s) !== who) return 'CLAIMED';
    Object.assign(s, { status, assigned_to: null, lease: null });
    return id;
  }
  complete(id: string, who: string | null, exec: string): string {
    const s = this.specs.get(id);
    if (s === undefined) return 'NOT_FOUND';
    // Its loop or an operator ended it: refused before the claim is looked at, nothing written.
    if (exec === 'failed' || exec === 'stopped') return 'STALE';
    if (who !== null && !(s.assigned_to === who && (s.status === 'running' || s.status === 'complete'))) return 'CLAIMED';
    Object.assign(s, { status: 'complete', lease: null });
    // A cancelled PRD is an operator's decision: the cascade keeps it.
    if (this.prdStatus !== 'cancelled' && [...this.specs.values()].every((x) => x.status === 'complete')) this.prdStatus = 'complete';
    return id;
  }
  operator(id: string, status: string): string {
    const s = this.specs.get(id);
    if (s === undefined) return 'NOT_FOUND';
    s.status = status;
    return id;
  }
  delete(id: string): string {
    return this.specs.delete(id) ? id : 'NOT_FOUND';
  }
  private take(id: string, who: string, leaseMs: number): string {
    Object.assign(this.specs.get(id)!, { status: 'running', assigned_to: who, lease: this.now + leaseMs });
    return id;
  }
}

/** What a call did, as the model says it: the id it wrote, `none`, or the error code. */
function outcome(fn: () => TaskSpec | { taskSpec?: TaskSpec } | string | undefined, id?: string): string {
  try {
    const result = fn();
    if (result === undefined) return 'none';
    if (typeof result === 'string') return result;
    return 'taskSpec' in result ? (result.taskSpec?.id ?? 'no spec') : (result as TaskSpec).id;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === undefined) throw err;
    return id === undefined || code !== 'NOT_FOUND' ? code : 'NOT_FOUND';
  }
}

function open(dir: string): Store {
  return Store.open(dir, { durability: 'none', logger: quietLogger() });
}

/** The claim state as a store answers it, for comparison with the model. */
function observed(store: Store) {
  const specs: Record<string, unknown> = {};
  for (const s of store.collection<TaskSpec>({ name: 'task_specs' }).list()) {
    specs[s.id] = { status: s.status, assigned_to: s.assigned_to ?? null, lease: s.lease_expires_at ?? null };
  }
  return {
    specs,
    ready: store.listReadyTaskSpecs().map((s) => s.id),
    expired: store.listExpiredClaims().map((s) => s.id),
    prd: store.getPrd('prd')?.status,
  };
}

function expectedState(model: Model) {
  const specs: Record<string, unknown> = {};
  for (const [id, s] of model.specs) specs[id] = { status: s.status, assigned_to: s.assigned_to, lease: s.lease };
  return { specs, ready: model.readyIds(), expired: model.expiredIds(), prd: model.prdStatus };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the claim protocol against a model', () => {
  it('claims, renewals, releases, completions, deletes and clock steps from two connections do what the rules say, live and rebuilt', () => {
    fc.assert(
      fc.property(initial, fc.array(op, { minLength: 1, maxLength: 40, size: 'max' }), (seeds, ops) => {
        const model = new Model(Date.now());
        const clock = vi.spyOn(Date, 'now').mockImplementation(() => model.now);
        try {
          const dir = join(tempDir(), '.taskstore');
          const store = open(dir);
          const second = open(dir);
          store.createPrd({ id: 'prd', title: 'P', status: 'active' });
          seeds.forEach((seed, i) => {
            const deps = seed.deps.map(specId);
            store.createTaskSpec({ id: specId(i), prd_id: 'prd', phase_name: 'x', dependencies: deps, created_at: seed.created });
            model.specs.set(specId(i), { status: 'pending', assigned_to: null, lease: null, deps, created: seed.created });
          });
          for (const raw of ops) {
            const s = 'other' in raw && raw.other ? second : store;
            // Claims, renewals and releases aim at a running spec as often as not (where leases, holders and takeovers are).
            const running = [...model.specs.keys()].filter((id) => model.specs.get(id)!.status === 'running');
            const o = 'held' in raw && raw.held && running.length > 0 ? { ...raw, k: Number(running[raw.k % running.length]!.slice(1)) } : raw;
            let got: string;
            let want: string;
            switch (o.kind) {
              case 'claim':
                got = outcome(() => s.claimTaskSpec(specId(o.k), WHO[o.who]!, { leaseMs: o.lease }));
                want = model.claim(specId(o.k), WHO[o.who]!, o.lease);
                break;
              case 'next':
                got = outcome(() => s.claimNextReadyTaskSpec(WHO[o.who]!, { leaseMs: o.lease }));
                want = model.next(WHO[o.who]!, o.lease);
                break;
              case 'renew':
                got = outcome(() => s.renewTaskSpecClaim(specId(o.k), WHO[o.who]!, { leaseMs: o.lease }));
                want = model.renew(specId(o.k), WHO[o.who]!, o.lease);
                break;
              case 'release':
                got = outcome(() => s.releaseTaskSpecClaim(specId(o.k), WHO[o.who]!, { status: o.status }));
                want = model.release(specId(o.k), WHO[o.who]!, o.status);
                break;
              case 'complete': {
                const claimant = o.who === null ? undefined : WHO[o.who]!;
                got = outcome(() => {
                  const exec = s.createExecution({ ts_id: specId(o.k), worktree_path: '/wt', branch_name: 'b', status: o.exec });
                  return s.completeExecution(exec, claimant === undefined ? undefined : { claimant });
                });
                want = model.complete(specId(o.k), claimant ?? null, o.exec);
                break;
              }
              case 'operator':
                got = outcome(() => s.collection<TaskSpec>({ name: 'task_specs' }).patch(specId(o.k), { status: o.status }));
                want = model.operator(specId(o.k), o.status);
                break;
              case 'prd':
                got = outcome(() => s.updatePrd('prd', { ...s.getPrd('prd')!, status: o.status }).id);
                model.prdStatus = o.status;
                want = 'prd';
                break;
              case 'delete':
                got = outcome(() => (s.collection({ name: 'task_specs' }).delete(specId(o.k), { force: true }), specId(o.k)));
                want = model.delete(specId(o.k));
                break;
              case 'tick':
                model.now += o.ms;
                got = want = 'tick';
                break;
              case 'leaseEdge': {
                const leases = [...model.specs.values()].flatMap((m) => (m.lease === null ? [] : [m.lease]));
                if (leases.length > 0) model.now = leases[o.k % leases.length]! + o.offset;
                got = want = 'tick';
                break;
              }
              case 'sync':
                store.sync();
                got = want = 'sync';
                break;
              case 'compact':
                store.compact();
                got = want = 'compact';
            }
            expect(got, JSON.stringify(o)).toBe(want);
            const state = expectedState(model);
            expect(observed(store), JSON.stringify(o)).toEqual(state);
            expect(observed(second), JSON.stringify(o)).toEqual(state);
          }
          second.close();
          const live = observed(store);
          expect(store.check().problems.filter((p) => p.kind === 'cache_drift')).toEqual([]);
          store.close();
          for (const f of ['taskstore.db', 'taskstore.db-wal', 'taskstore.db-shm']) rmSync(join(dir, f), { force: true });
          const rebuilt = open(dir);
          expect(observed(rebuilt)).toEqual(live);
          expect(rebuilt.check().problems.filter((p) => p.kind === 'cache_drift')).toEqual([]);
          rebuilt.close();
        } finally {
          clock.mockRestore();
        }
      }),
      { numRuns: Number(process.env.NUM_RUNS ?? 40) },
    );
  });
});
