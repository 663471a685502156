/**
 * Claims with leases: claimTaskSpec, claimNextReadyTaskSpec, renewTaskSpecClaim,
 * releaseTaskSpecClaim, listExpiredClaims, the lease cleared by completeExecution, and
 * check()'s double_claim.
 */
import { appendFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ClaimedError, DEFAULT_LEASE_MS, LEASE_CLOCK_SKEW_MS, MAX_CLAIMANT_LENGTH, MAX_LEASE_MS, StaleError, Store } from '../../src/index.js';
import { runCli } from '../cli/run-cli.js';
import { TaskGraphTables } from '../../src/cache/task-graph-sql.js';
import { expectRejected, logLines, openStore } from '../records/helpers.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** a ← b (b waits for a), and c with no dependencies; created in that order. */
function graph(store: Store) {
  const prdId = store.createPrd({ title: 'P' });
  const a = store.createTaskSpec({ prd_id: prdId, phase_name: 'a' });
  const b = store.createTaskSpec({ prd_id: prdId, phase_name: 'b', dependencies: [a] });
  const c = store.createTaskSpec({ prd_id: prdId, phase_name: 'c' });
  return { prdId, a, b, c };
}

describe('claimTaskSpec', () => {
  it('claims a ready spec in one write: running, assigned_to, lease now + 5 minutes by default', () => {
    const { store, dir } = openStore();
    const { a } = graph(store);
    const lines = logLines(dir, 'task_specs').length;
    const before = Date.now();
    const spec = store.claimTaskSpec(a, 'loop-1');
    expect(spec).toMatchObject({ id: a, status: 'running', assigned_to: 'loop-1' });
    expect(spec.lease_expires_at).toBeGreaterThanOrEqual(before + DEFAULT_LEASE_MS);
    expect(spec.lease_expires_at).toBeLessThanOrEqual(Date.now() + DEFAULT_LEASE_MS);
    expect(store.getTaskSpec(a)).toEqual(spec);
    expect(logLines(dir, 'task_specs')).toHaveLength(lines + 1);
    expect(store.listReadyTaskSpecs().map((s) => s.id)).not.toContain(a);
  });

  it('claiming a spec you hold renews it', async () => {
    const { store } = openStore();
    const { a } = graph(store);
    const first = store.claimTaskSpec(a, 'loop-1', { leaseMs: 1000 });
    await sleep(5);
    const again = store.claimTaskSpec(a, 'loop-1', { leaseMs: 60_000 });
    expect(again.assigned_to).toBe('loop-1');
    expect(again.lease_expires_at!).toBeGreaterThan(first.lease_expires_at!);
  });

  it('another claimant holding a live lease → ClaimedError naming the holder; nothing written', () => {
    const { store, dir } = openStore();
    const { a } = graph(store);
    const held = store.claimTaskSpec(a, 'loop-1');
    const err = expectRejected(dir, () => store.claimTaskSpec(a, 'loop-2'), 'CLAIMED');
    expect(err).toBeInstanceOf(ClaimedError);
    expect(err.data).toEqual({ id: a, claimant: 'loop-1', leaseExpiresAt: held.lease_expires_at });
    expect(err.message).toMatch(/loop-2 cannot claim task spec .+: loop-1 holds it until /);
  });

  it('a spec that is not ready → StaleError (waiting, complete, failed); a missing one → NOT_FOUND', () => {
    const { store, dir } = openStore();
    const { a, b, c } = graph(store);
    const err = expectRejected(dir, () => store.claimTaskSpec(b, 'loop-1'), 'STALE');
    expect(err).toBeInstanceOf(StaleError);
    expect(err.data).toMatchObject({ id: b, expected: null, actual: store.getTaskSpec(b)!.updated_at });
    const specs = store.collection({ name: 'task_specs' });
    specs.patch(a, { status: 'complete' });
    specs.patch(c, { status: 'failed' });
    expectRejected(dir, () => store.claimTaskSpec(a, 'loop-1'), 'STALE');
    expectRejected(dir, () => store.claimTaskSpec(c, 'loop-1'), 'STALE');
    expect(store.claimTaskSpec(b, 'loop-1').status).toBe('running'); // its dependency is complete now
    expectRejected(dir, () => store.claimTaskSpec('ghost', 'loop-1'), 'NOT_FOUND');
  });

  it('an expired lease makes a running spec claimable by anyone, and it is listed by listExpiredClaims', async () => {
    const { store } = openStore();
    const { a, c } = graph(store);
    store.claimTaskSpec(a, 'loop-1', { leaseMs: 1 });
    store.claimTaskSpec(c, 'loop-1', { leaseMs: 60_000 });
    await sleep(20);
    expect(store.listExpiredClaims().map((s) => s.id)).toEqual([a]);
    const taken = store.claimTaskSpec(a, 'loop-2');
    expect(taken).toMatchObject({ status: 'running', assigned_to: 'loop-2' });
    expect(store.listExpiredClaims()).toEqual([]);
  });

  it('a running spec without a lease (started before claims existed) is held, not claimable', () => {
    const { store, dir } = openStore();
    const { c } = graph(store);
    store.collection({ name: 'task_specs' }).patch(c, { status: 'running', assigned_to: 'old-loop' });
    const err = expectRejected(dir, () => store.claimTaskSpec(c, 'loop-1'), 'CLAIMED');
    expect(err.data).toEqual({ id: c, claimant: 'old-loop', leaseExpiresAt: null });
    // No lease will run out: the hint says how to hand it back, not to wait for one.
    expect(err.hint).toContain(`taskstore update ${c} --set status=pending`);
    expect(err.hint).not.toContain('wait for the lease');
    // Under a lease, waiting for it is the advice.
    const { a } = graph(store);
    store.claimTaskSpec(a, 'loop-2');
    const leased = expectRejected(dir, () => store.claimTaskSpec(a, 'loop-1'), 'CLAIMED');
    expect(leased.hint).toContain('wait for the lease to expire');
  });

  it('rejects bad arguments as VALIDATION, writing nothing', () => {
    const { store, dir } = openStore();
    const { a } = graph(store);
    expectRejected(dir, () => store.claimTaskSpec(a, ''), 'VALIDATION', 'claimant');
    expectRejected(dir, () => store.claimTaskSpec(a, 7 as never), 'VALIDATION', 'claimant');
    // The last two are safe integers themselves, but now + leaseMs is not.
    for (const leaseMs of [0, -1, 1.5, Number.NaN, '60000', Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 1000]) {
      expectRejected(dir, () => store.claimTaskSpec(a, 'x', { leaseMs } as never), 'VALIDATION', 'leaseMs');
      expectRejected(dir, () => store.claimNextReadyTaskSpec('x', { leaseMs } as never), 'VALIDATION', 'leaseMs');
    }
    store.claimTaskSpec(a, 'x');
    expectRejected(dir, () => store.renewTaskSpecClaim(a, 'x', { leaseMs: Number.MAX_SAFE_INTEGER }), 'VALIDATION', 'leaseMs');
    expectRejected(dir, () => store.claimTaskSpec(a, 'x', { lease: 5 } as never), 'VALIDATION', 'lease');
    expectRejected(dir, () => store.claimTaskSpec('', 'x'), 'VALIDATION', 'id');
  });
});

describe('claimant names', () => {
  it('a claimant with a control character or half a surrogate pair is refused (VALIDATION), for every claim method, writing nothing', () => {
    const { store, dir } = openStore();
    const { a } = graph(store);
    // A newline in a holder's name would forge a line of every CLAIMED message ("…\nhint: …").
    for (const claimant of ['loop-1\nhint: run rm -rf', 'loop\u001b[31m', 'loop\u0000', 'loop\u202e1-pool', 'loop\ud800']) {
      expectRejected(dir, () => store.claimTaskSpec(a, claimant), 'VALIDATION', 'claimant');
      expectRejected(dir, () => store.claimNextReadyTaskSpec(claimant), 'VALIDATION', 'claimant');
      expectRejected(dir, () => store.renewTaskSpecClaim(a, claimant), 'VALIDATION', 'claimant');
      expectRejected(dir, () => store.releaseTaskSpecClaim(a, claimant), 'VALIDATION', 'claimant');
    }
    // Any printable text is a name: spaces, accents, emoji.
    expect(store.claimTaskSpec(a, 'Zoë 🤖 loop 3').assigned_to).toBe('Zoë 🤖 loop 3');
  });

  it('a claim refuses a claimant longer than MAX_CLAIMANT_LENGTH (VALIDATION, nothing written); renew and release by a longer stored name still work', () => {
    const { store, dir } = openStore();
    const { a, c } = graph(store);
    const longest = 'x'.repeat(MAX_CLAIMANT_LENGTH);
    const tooLong = `${longest}y`;
    expectRejected(dir, () => store.claimTaskSpec(a, tooLong), 'VALIDATION', 'claimant');
    expectRejected(dir, () => store.claimNextReadyTaskSpec(tooLong), 'VALIDATION', 'claimant');
    expect(store.claimTaskSpec(a, longest).assigned_to).toBe(longest);
    // A longer name stored by another writer (an update by hand): its holder can renew and let go.
    store.updateTaskSpec(c, { ...store.getTaskSpec(c)!, status: 'running', assigned_to: tooLong, lease_expires_at: Date.now() + 60_000 });
    expect(store.renewTaskSpecClaim(c, tooLong).assigned_to).toBe(tooLong);
    expect(store.releaseTaskSpecClaim(c, tooLong).assigned_to).toBeNull();
  });
});

describe('claimNextReadyTaskSpec', () => {
  it('takes the claimable spec created first, then the next; undefined when none is left', () => {
    const { store } = openStore();
    const { a, b, c } = graph(store);
    expect(store.claimNextReadyTaskSpec('l1')!.id).toBe(a);
    expect(store.claimNextReadyTaskSpec('l2')!.id).toBe(c);
    expect(store.claimNextReadyTaskSpec('l3')).toBeUndefined(); // b waits for a
    const exec = store.createExecution({ ts_id: a, worktree_path: '/w', branch_name: 'b' });
    store.completeExecution(exec);
    expect(store.claimNextReadyTaskSpec('l3')).toMatchObject({ id: b, assigned_to: 'l3', status: 'running' });
  });

  it('among specs created in the same millisecond the smaller id goes first; expired leases take their place in that order', () => {
    const { store } = openStore();
    const prdId = store.createPrd({ title: 'P' });
    for (const id of ['m', 'k', 'z']) store.createTaskSpec({ id, prd_id: prdId, phase_name: id, created_at: 1000 });
    store.createTaskSpec({ id: 'early', prd_id: prdId, phase_name: 'e', created_at: 999 });
    expect(store.claimNextReadyTaskSpec('x')!.id).toBe('early');
    expect(store.claimNextReadyTaskSpec('x')!.id).toBe('k');
    // x stops heartbeating on 'early': its lease ends (set in the past, so no clock is raced).
    store.collection({ name: 'task_specs' }).patch('early', { lease_expires_at: Date.now() - 1000 });
    // 'early' is running under an expired lease: claimable again, and created first.
    expect(store.claimNextReadyTaskSpec('y')).toMatchObject({ id: 'early', assigned_to: 'y' });
    expect(store.claimNextReadyTaskSpec('y')!.id).toBe('m');
    expect(store.claimNextReadyTaskSpec('y')!.id).toBe('z');
  });

  it('"the smaller id" is one order for ready specs and expired leases alike: the order listReadyTaskSpecs lists (code points, as SQLite orders UTF-8)', () => {
    const { store } = openStore();
    const prdId = store.createPrd({ title: 'P' });
    // U+FF01 is below U+1F600 as a code point (and in UTF-8), above it as UTF-16 code units (0xD83D…).
    for (const id of ['\uff01', '\u{1f600}']) store.createTaskSpec({ id, prd_id: prdId, phase_name: id, created_at: 1000 });
    store.createTaskSpec({ id: '\u{1f601}', prd_id: prdId, phase_name: 'held', created_at: 1000 });
    store.claimTaskSpec('\u{1f601}', 'x');
    store.collection({ name: 'task_specs' }).patch('\u{1f601}', { lease_expires_at: Date.now() - 1000 });
    expect(store.listReadyTaskSpecs().map((s) => s.id)).toEqual(['\uff01', '\u{1f600}']);
    expect(store.listExpiredClaims().map((s) => s.id)).toEqual(['\u{1f601}']);
    // Claimed in the one order: U+FF01, then U+1F600 (ready), then U+1F601 (its lease ended).
    expect([1, 2, 3].map(() => store.claimNextReadyTaskSpec('y')?.id)).toEqual(['\uff01', '\u{1f600}', '\u{1f601}']);
  });

  it('prdId limits the choice to one PRD', () => {
    const { store } = openStore();
    const one = graph(store);
    const other = store.createPrd({ title: 'Q' });
    const q = store.createTaskSpec({ prd_id: other, phase_name: 'q' });
    expect(store.claimNextReadyTaskSpec('x', { prdId: other })!.id).toBe(q);
    expect(store.claimNextReadyTaskSpec('x', { prdId: other })).toBeUndefined();
    expect(store.claimNextReadyTaskSpec('x', { prdId: one.prdId })!.id).toBe(one.a);
  });

  it('a prdId that names no PRD is NOT_FOUND naming it, nothing written (it returned undefined, as "no work ready" does)', () => {
    const { store, dir } = openStore();
    const { prdId } = graph(store);
    const err = expectRejected(dir, () => store.claimNextReadyTaskSpec('x', { prdId: `${prdId}-typo` }), 'NOT_FOUND');
    expect(err.message).toBe(`prdId ${prdId}-typo does not name a live PRD`);
    expect(err.data).toMatchObject({ collection: 'prds', id: `${prdId}-typo`, field: 'prdId' });
    // A deleted PRD names none either, though its task specs are still there.
    store.collection({ name: 'prds' }).delete(prdId, { force: true });
    expectRejected(dir, () => store.claimNextReadyTaskSpec('x', { prdId }), 'NOT_FOUND');
    expect(store.claimNextReadyTaskSpec('x')).toMatchObject({ prd_id: prdId, assigned_to: 'x' });
  });

  it('a ready spec whose stored version no write can pass is passed over, not a wall: the others are claimed, then its error names it', () => {
    // Lines another program wrote: ready by the rule (pending, no dependencies), first in
    // claim order (no created_at sorts first), but a claim's write fails validation. Every
    // call used to fail on the first of them ("invalid field created_at: is required"), so
    // no loop could claim anything again.
    const { store, dir } = openStore();
    const prdId = store.createPrd({ id: 'prd', title: 'P' });
    const good = store.createTaskSpec({ prd_id: prdId, phase_name: 'good' });
    const at = Date.now() + 5;
    appendFileSync(
      join(dir, 'task_specs.jsonl'),
      [
        { id: 'no-created-at', prd_id: prdId, phase_name: 'x', status: 'pending', dependencies: [], updated_at: at },
        { id: 'numeric-phase', prd_id: prdId, phase_name: 7, status: 'pending', dependencies: [], created_at: 1, updated_at: at },
      ]
        .map((l) => `${JSON.stringify(l)}\n`)
        .join(''),
    );
    store.refresh();
    expect(store.listReadyTaskSpecs().map((s) => s.id)).toEqual(['no-created-at', 'numeric-phase', good]);
    const lines = logLines(dir, 'task_specs').length;
    expect(store.claimNextReadyTaskSpec('loop-1', { prdId })).toMatchObject({ id: good, assigned_to: 'loop-1' });
    expect(logLines(dir, 'task_specs')).toHaveLength(lines + 1);
    // Nothing else can be claimed: the first unwritable spec's error, naming it and the field.
    const err = expectRejected(dir, () => store.claimNextReadyTaskSpec('loop-2'), 'VALIDATION', 'created_at');
    expect(err.message).toMatch(/^task spec no-created-at cannot be claimed, renewed or released: its stored version is not a valid task spec \(invalid field created_at: is required\)$/);
    expect(err.data).toMatchObject({ id: 'no-created-at', field: 'created_at' });
    expect(err.hint).toMatch(/taskstore show no-created-at/);
    const byId = expectRejected(dir, () => store.claimTaskSpec('numeric-phase', 'loop-2'), 'VALIDATION', 'phase_name');
    expect(byId.message).toMatch(/^task spec numeric-phase cannot be claimed.*phase_name/);
    // Fixed, it is claimable like any other.
    store.collection({ name: 'task_specs' }).patch('numeric-phase', { phase_name: 'seven' });
    expect(store.claimNextReadyTaskSpec('loop-2')).toMatchObject({ id: 'numeric-phase', assigned_to: 'loop-2' });
    // The spec without created_at is repaired in place too: it takes the created_at given
    // (every write of it failed, the patch of created_at was ignored as for any record).
    const specs = store.collection({ name: 'task_specs' });
    expect(() => specs.patch('no-created-at', { created_at: 1.5 })).toThrow(/created_at must be an integer/);
    expect(specs.patch('no-created-at', { created_at: 42 })).toMatchObject({ id: 'no-created-at', created_at: 42 });
    expect(store.claimNextReadyTaskSpec('loop-3')).toMatchObject({ id: 'no-created-at', assigned_to: 'loop-3', created_at: 42 });
    // Once it has one, a created_at given is ignored again: the first one stays.
    expect(specs.patch('no-created-at', { created_at: 7, phase_name: 'y' })).toMatchObject({ created_at: 42, phase_name: 'y' });
    expect(store.getTaskSpec(good)!.created_at).toBe(specs.update(good, { ...store.getTaskSpec(good)!, created_at: 1 }).created_at);
    expect(store.check().problems).toEqual([]);
  });

  it('passing over k unwritable specs reads the claim order a linear number of rows, not k²/2; expired leases among them keep their place', () => {
    // Each spec passed over made the next round ask for one more candidate from the top
    // of both lists: 4,000 lines without created_at cost ~6 s per claim (k²/2 rows read,
    // all under the write lock, so every other loop waited). Rows read are counted here.
    const { store, dir } = openStore();
    const prdId = store.createPrd({ id: 'prd', title: 'P' });
    const k = 300;
    const lines = Array.from({ length: k }, (_, i) => ({ id: `bad-${String(i).padStart(4, '0')}`, prd_id: prdId, phase_name: 'x', status: 'pending', dependencies: [], updated_at: 5 }));
    // Two running specs whose leases ended: claimable, and writable (they have created_at).
    const expiredLease = (id: string, createdAt: number) => ({ id, prd_id: prdId, phase_name: id, status: 'running', assigned_to: 'gone', lease_expires_at: 1, dependencies: [], created_at: createdAt, updated_at: 5 });
    appendFileSync(join(dir, 'task_specs.jsonl'), [...lines, expiredLease('old-lease', 2), expiredLease('older-lease', 1)].map((l) => `${JSON.stringify(l)}\n`).join(''));
    store.refresh();
    const good = store.createTaskSpec({ prd_id: prdId, phase_name: 'good' });
    let rows = 0;
    const count = (method: 'firstReady' | 'expired') => {
      const original = TaskGraphTables.prototype[method] as unknown as (...args: unknown[]) => unknown[];
      return vi.spyOn(TaskGraphTables.prototype, method).mockImplementation(function (this: TaskGraphTables, ...args: unknown[]) {
        const result = original.apply(this, args);
        rows += result.length;
        return result as never;
      } as never);
    };
    const spies = [count('firstReady'), count('expired')];
    try {
      // Claim order: no created_at first (all k unwritable), then older-lease, old-lease, good.
      expect(store.claimNextReadyTaskSpec('loop-1')!.id).toBe('older-lease');
      expect(store.claimNextReadyTaskSpec('loop-1')!.id).toBe('old-lease');
      expect(store.claimNextReadyTaskSpec('loop-1')!.id).toBe(good);
      expectRejected(dir, () => store.claimNextReadyTaskSpec('loop-1'), 'VALIDATION', 'created_at');
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    // Four calls, each passing over the k unwritable specs: a few k rows each, at most.
    expect(rows).toBeLessThan(4 * 6 * k);
  });
  it('a running spec whose lease is no number (a hand-written true) is held for every claim: claimNext passes it over as claimTaskSpec refuses it', () => {
    // The graph reads a JSON true as 1, a lease that ended in 1970: claimNextReadyTaskSpec
    // handed the spec to loop-2 while claimTaskSpec said loop-1 holds it and
    // listExpiredClaims did not list it.
    const { store, dir } = openStore();
    const prdId = store.createPrd({ id: 'prd', title: 'P' });
    const held = { prd_id: prdId, status: 'running', assigned_to: 'loop-1', dependencies: [], created_at: 1, updated_at: 5 };
    appendFileSync(
      join(dir, 'task_specs.jsonl'),
      [{ id: 'bool', phase_name: 'b', lease_expires_at: true, ...held }, { id: 'text', phase_name: 't', lease_expires_at: '1', ...held }].map((l) => `${JSON.stringify(l)}\n`).join(''),
    );
    store.refresh();
    expect(store.listExpiredClaims()).toEqual([]);
    expect(expectRejected(dir, () => store.claimTaskSpec('bool', 'loop-2'), 'CLAIMED').data).toMatchObject({ claimant: 'loop-1' });
    const before = logLines(dir, 'task_specs').length;
    expect(store.claimNextReadyTaskSpec('loop-2')).toBeUndefined();
    const ready = store.createTaskSpec({ prd_id: prdId, phase_name: 'ready' });
    expect(store.claimNextReadyTaskSpec('loop-2')!.id).toBe(ready);
    expect(logLines(dir, 'task_specs')).toHaveLength(before + 2);
    expect(store.getTaskSpec('bool')).toMatchObject({ assigned_to: 'loop-1', lease_expires_at: true });
  });
  it('a ready spec whose stored updated_at leaves no later stamp (2^53 - 1, by hand) is passed over like any unwritable spec', () => {
    // Its claim's write fails on updated_at, which was taken for the claim's own fault
    // (a broken clock) and thrown: first in claim order, it stopped every loop's claims.
    const { store, dir } = openStore();
    const prdId = store.createPrd({ id: 'prd', title: 'P' });
    appendFileSync(
      join(dir, 'task_specs.jsonl'),
      `${JSON.stringify({ id: 'stamped-out', prd_id: prdId, phase_name: 'x', status: 'pending', dependencies: [], created_at: 1, updated_at: Number.MAX_SAFE_INTEGER })}\n`,
    );
    store.refresh();
    const good = store.createTaskSpec({ prd_id: prdId, phase_name: 'good' });
    expect(store.claimNextReadyTaskSpec('loop-1')).toMatchObject({ id: good, assigned_to: 'loop-1' });
    const err = expectRejected(dir, () => store.claimNextReadyTaskSpec('loop-2'), 'VALIDATION', 'updated_at');
    expect(err.message).toMatch(/^task spec stamped-out cannot be claimed, renewed or released: .*leaves no later integer stamp/);
    expect(expectRejected(dir, () => store.claimTaskSpec('stamped-out', 'loop-2'), 'VALIDATION', 'updated_at').message).toMatch(/^task spec stamped-out cannot be claimed/);
  });
  it('a ready spec larger than this process\'s maxRecordBytes (written by one with a larger limit) is passed over, not a wall', () => {
    // A claim rewrites the whole spec: TOO_LARGE for this process, thrown on every call,
    // so this process's loops claimed nothing while other specs were ready.
    const dir = join(tempDir(), '.taskstore');
    const roomy = Store.open(dir, { durability: 'none', logger: quietLogger(), maxRecordBytes: 8192 });
    const prdId = roomy.createPrd({ title: 'P' });
    roomy.createTaskSpec({ id: 'huge', prd_id: prdId, phase_name: 'h', content: 'x'.repeat(4000), created_at: 1 });
    const good = roomy.createTaskSpec({ prd_id: prdId, phase_name: 'good' });
    roomy.close();
    const store = Store.open(dir, { durability: 'none', logger: quietLogger(), maxRecordBytes: 2048 });
    try {
      expect(store.claimNextReadyTaskSpec('loop-1')).toMatchObject({ id: good, assigned_to: 'loop-1' });
      // Nothing else this process can claim: the error says why.
      const err = expectRejected(dir, () => store.claimNextReadyTaskSpec('loop-1'), 'TOO_LARGE');
      expect(err.message).toMatch(/^record huge is \d+ bytes, over the 2048-byte limit/);
    } finally {
      store.close();
    }
  });
  it('unwritable specs among both the ready and the expired-lease specs: every claimable one is still reached, in claim order', () => {
    const { store, dir } = openStore();
    const prdId = store.createPrd({ id: 'prd', title: 'P' });
    const line = (id: string, fields: Record<string, unknown>) => ({ id, prd_id: prdId, phase_name: id, dependencies: [], updated_at: 5, ...fields });
    const ready = { status: 'pending' };
    const expired = { status: 'running', assigned_to: 'gone', lease_expires_at: 1 };
    appendFileSync(
      join(dir, 'task_specs.jsonl'),
      [
        // No created_at: first in claim order, and no claim of them can be written.
        line('u1', ready),
        line('u2', ready),
        line('x1', expired),
        line('x2', expired),
        line('late-expired', { ...expired, created_at: 20 }),
        line('late-ready', { ...ready, created_at: 30 }),
      ]
        .map((l) => `${JSON.stringify(l)}\n`)
        .join(''),
    );
    store.refresh();
    expect(store.claimNextReadyTaskSpec('loop-1')!.id).toBe('late-expired');
    expect(store.claimNextReadyTaskSpec('loop-1')!.id).toBe('late-ready');
    expect(expectRejected(dir, () => store.claimNextReadyTaskSpec('loop-1'), 'VALIDATION', 'created_at').message).toMatch(/^task spec u1 /);
  });
  it('specs whose ids hold half a surrogate pair (hand-written "\\ud800") are claimed and listed as expired like any other, not a wall', () => {
    // The graph's id column reads such an id as U+FFFD, which no lookup finds: claimNext
    // failed with NOT_FOUND on every call (no other spec was claimed again), and
    // listExpiredClaims left such a spec out.
    const { store, dir } = openStore();
    const prdId = store.createPrd({ id: 'prd', title: 'P' });
    const line = (id: string, fields: Record<string, unknown>) =>
      JSON.stringify({ prd_id: prdId, phase_name: 'x', dependencies: [], created_at: 1, updated_at: 5, ...fields }).replace('{', `{"id":"${id}",`);
    appendFileSync(
      join(dir, 'task_specs.jsonl'),
      [
        line('\\ud800', { status: 'pending' }),
        line('\\ud801', { status: 'pending' }),
        line('\\udc00', { status: 'running', assigned_to: 'gone', lease_expires_at: 1 }),
      ].join('\n') + '\n',
    );
    store.refresh();
    const good = store.createTaskSpec({ prd_id: prdId, phase_name: 'good' });
    expect(store.listExpiredClaims().map((s) => s.id)).toEqual(['\udc00']);
    const claimed = [1, 2, 3, 4].map(() => store.claimNextReadyTaskSpec('loop-1')!.id);
    expect(claimed.slice(0, 3).sort()).toEqual(['\ud800', '\ud801', '\udc00']);
    expect(claimed[3]).toBe(good);
    expect(store.claimNextReadyTaskSpec('loop-1')).toBeUndefined();
    expect(store.getTaskSpec('\ud801')).toMatchObject({ status: 'running', assigned_to: 'loop-1' });
  });
});

describe('renewTaskSpecClaim and releaseTaskSpecClaim', () => {
  it('renew extends the holder’s lease; anyone else, or a spec nobody holds → ClaimedError', async () => {
    const { store, dir } = openStore();
    const { a, c } = graph(store);
    const held = store.claimTaskSpec(a, 'loop-1', { leaseMs: 1000 });
    await sleep(5);
    const renewed = store.renewTaskSpecClaim(a, 'loop-1', { leaseMs: 120_000 });
    expect(renewed.lease_expires_at!).toBeGreaterThan(held.lease_expires_at!);
    expect(renewed).toMatchObject({ status: 'running', assigned_to: 'loop-1' });
    const wrong = expectRejected(dir, () => store.renewTaskSpecClaim(a, 'loop-2'), 'CLAIMED');
    expect(wrong.data).toEqual({ id: a, claimant: 'loop-1', leaseExpiresAt: renewed.lease_expires_at });
    const nobody = expectRejected(dir, () => store.renewTaskSpecClaim(c, 'loop-1'), 'CLAIMED');
    expect(nobody.data).toEqual({ id: c, claimant: null, leaseExpiresAt: null });
  });

  it('release clears the claim and sets the status (default pending); by anyone else → ClaimedError', () => {
    const { store, dir } = openStore();
    const { a, c } = graph(store);
    store.claimTaskSpec(a, 'loop-1');
    expectRejected(dir, () => store.releaseTaskSpecClaim(a, 'loop-2'), 'CLAIMED');
    expectRejected(dir, () => store.releaseTaskSpecClaim(a, 'loop-1', { status: 'running' }), 'VALIDATION', 'status');
    expectRejected(dir, () => store.releaseTaskSpecClaim(a, 'loop-1', { status: 'done' as never }), 'VALIDATION', 'status');
    const released = store.releaseTaskSpecClaim(a, 'loop-1');
    expect(released).toMatchObject({ status: 'pending', assigned_to: null, lease_expires_at: null });
    expect(store.listReadyTaskSpecs().map((s) => s.id)).toContain(a);
    expectRejected(dir, () => store.releaseTaskSpecClaim(a, 'loop-1'), 'CLAIMED');
    store.claimTaskSpec(c, 'loop-3');
    expect(store.releaseTaskSpecClaim(c, 'loop-3', { status: 'failed' })).toMatchObject({ status: 'failed', assigned_to: null });
  });

  it('completeExecution clears the lease and keeps assigned_to (who did the work)', () => {
    const { store } = openStore();
    const { a } = graph(store);
    store.claimTaskSpec(a, 'loop-1');
    const exec = store.createExecution({ ts_id: a, worktree_path: '/w', branch_name: 'b' });
    const { taskSpec } = store.completeExecution(exec);
    expect(taskSpec).toMatchObject({ status: 'complete', assigned_to: 'loop-1', lease_expires_at: null });
  });
});

describe('completeExecution with a claimant (a loop completing work whose lease may have run out)', () => {
  /** loop-1 claims `a` with a lease that runs out at once, and starts an execution on it. */
  async function expiredClaim(store: Store) {
    const g = graph(store);
    store.claimTaskSpec(g.a, 'loop-1', { leaseMs: 1 });
    const exec1 = store.createExecution({ ts_id: g.a, worktree_path: '/w1', branch_name: 'b1' });
    await sleep(5);
    return { ...g, exec1 };
  }

  it('the holder completes, also after its lease ran out when nobody took the spec over; completing twice is harmless', async () => {
    const { store } = openStore();
    const { a, exec1 } = await expiredClaim(store);
    const { taskSpec, execution } = store.completeExecution(exec1, { claimant: 'loop-1' });
    expect(execution.status).toBe('complete');
    expect(taskSpec).toMatchObject({ id: a, status: 'complete', assigned_to: 'loop-1', lease_expires_at: null });
    expect(store.completeExecution(exec1, { claimant: 'loop-1' }).execution.completed_at).toBe(execution.completed_at);
  });

  it('a spec another loop took over → ClaimedError naming it, nothing written; the new holder completes; then the old one is told who completed it', async () => {
    const { store, dir } = openStore();
    const { a, exec1 } = await expiredClaim(store);
    const takeover = store.claimTaskSpec(a, 'loop-2');
    const exec2 = store.createExecution({ ts_id: a, worktree_path: '/w2', branch_name: 'b2' });
    const held = expectRejected(dir, () => store.completeExecution(exec1, { claimant: 'loop-1' }), 'CLAIMED');
    expect(held).toBeInstanceOf(ClaimedError);
    expect(held.data).toEqual({ id: a, claimant: 'loop-2', leaseExpiresAt: takeover.lease_expires_at });
    expect(held.message).toMatch(/loop-1 cannot complete task spec .+: loop-2 holds it until /);
    expect(store.getExecution(exec1)!.status).toBe('running');

    expect(store.completeExecution(exec2, { claimant: 'loop-2' }).taskSpec).toMatchObject({ status: 'complete', assigned_to: 'loop-2' });
    const done = expectRejected(dir, () => store.completeExecution(exec1, { claimant: 'loop-1' }), 'CLAIMED');
    expect(done.data).toEqual({ id: a, claimant: 'loop-2', leaseExpiresAt: null });
    expect(done.message).toMatch(/loop-1 cannot complete task spec .+: loop-2 completed it/);
    // Without a claimant the caller takes responsibility, as before.
    expect(store.completeExecution(exec1).execution.status).toBe('complete');
  });

  it('a released spec, a spec never claimed, and an execution without a live task spec → ClaimedError naming nobody', () => {
    const { store, dir } = openStore();
    const { a, c } = graph(store);
    store.claimTaskSpec(a, 'loop-1');
    const onA = store.createExecution({ ts_id: a, worktree_path: '/w', branch_name: 'b' });
    store.releaseTaskSpecClaim(a, 'loop-1');
    expect(expectRejected(dir, () => store.completeExecution(onA, { claimant: 'loop-1' }), 'CLAIMED').data).toEqual({ id: a, claimant: null, leaseExpiresAt: null });
    const onC = store.createExecution({ ts_id: c, worktree_path: '/w', branch_name: 'b' });
    expect(expectRejected(dir, () => store.completeExecution(onC, { claimant: 'loop-1' }), 'CLAIMED').message).toMatch(/nobody holds a claim on it \(status pending\)/);
    store.collection({ name: 'task_specs' }).delete(c, { force: true });
    expect(expectRejected(dir, () => store.completeExecution(onC, { claimant: 'loop-1' }), 'CLAIMED').message).toMatch(/its task spec .+ is not live/);
  });

  it('a bad claimant is VALIDATION and an unknown option a TypeError, writing nothing', () => {
    const { store, dir } = openStore();
    const { a } = graph(store);
    store.claimTaskSpec(a, 'loop-1');
    const exec = store.createExecution({ ts_id: a, worktree_path: '/w', branch_name: 'b' });
    expectRejected(dir, () => store.completeExecution(exec, { claimant: 'loop\n-1' }), 'VALIDATION', 'claimant');
    expectRejected(dir, () => store.completeExecution(exec, { claimant: '' }), 'VALIDATION', 'claimant');
    expect(() => store.completeExecution(exec, { claimnt: 'loop-1' } as never)).toThrow(TypeError);
    expect(store.getExecution(exec)!.status).toBe('running');
  });

  it('the CLI: complete-execution --as exits 1 with CLAIMED when another loop took the spec over', async () => {
    const { store, dir } = openStore();
    const { a, exec1 } = await expiredClaim(store);
    store.claimTaskSpec(a, 'loop-2');
    store.close();
    const cwd = dirname(dir);
    const refused = runCli(['complete-execution', exec1, '--as', 'loop-1'], { cwd });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/loop-1 cannot complete task spec .+: loop-2 holds it until .+\nhint: loop-2 holds it now/);
    expect(JSON.parse(runCli(['show', exec1, '--json'], { cwd }).stdout)).toMatchObject({ id: exec1, status: 'running' });
    // The check is who holds the spec: its holder may complete it.
    const ok = runCli(['complete-execution', exec1, '--as', 'loop-2', '--json'], { cwd });
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).taskSpec).toMatchObject({ status: 'complete', assigned_to: 'loop-2' });
  });
});

describe('completeExecution again (a retry whose first answer was lost) after the task spec was reopened', () => {
  /** loop-1 claims `a` (the PRD's only other spec `c` is complete) and completes its execution: spec and PRD complete. */
  function completedOnce(store: Store) {
    const prdId = store.createPrd({ title: 'P' });
    const a = store.createTaskSpec({ prd_id: prdId, phase_name: 'a' });
    const b = store.createTaskSpec({ prd_id: prdId, phase_name: 'b', dependencies: [a] });
    store.updateTaskSpec(b, { ...store.getTaskSpec(b)!, status: 'complete' });
    store.claimTaskSpec(a, 'loop-1');
    const exec = store.createExecution({ ts_id: a, worktree_path: '/w', branch_name: 'b' });
    const first = store.completeExecution(exec, { claimant: 'loop-1' });
    expect(first).toMatchObject({ alreadyComplete: false, taskSpec: { status: 'complete' }, prd: { status: 'complete' } });
    return { prdId, a, exec, first };
  }

  /** An operator reopens spec `a` (and its PRD) for a new attempt. */
  function reopen(store: Store, prdId: string, a: string) {
    store.updateTaskSpec(a, { ...store.getTaskSpec(a)!, status: 'pending', assigned_to: null });
    store.updatePrd(prdId, { ...store.getPrd(prdId)!, status: 'active' });
  }

  const lines = (dir: string) => ['executions', 'task_specs', 'prds'].map((n) => logLines(dir, n).length);

  it('without a claimant: writes nothing, the reopened spec and PRD stay reopened; the current state comes back with alreadyComplete', () => {
    const { store, dir } = openStore();
    const { prdId, a, exec, first } = completedOnce(store);
    reopen(store, prdId, a);
    const before = lines(dir);
    const again = store.completeExecution(exec);
    expect(lines(dir)).toEqual(before);
    expect(again.alreadyComplete).toBe(true);
    expect(again.execution).toEqual(first.execution);
    expect(again.taskSpec).toEqual(store.getTaskSpec(a));
    expect(again.taskSpec).toMatchObject({ status: 'pending', assigned_to: null });
    expect(again.prd).toMatchObject({ status: 'active' });
    expect(store.listReadyTaskSpecs().map((s) => s.id)).toEqual([a]);
  });

  it('a new attempt another loop claimed stays its own: status, holder and lease untouched', () => {
    const { store, dir } = openStore();
    const { prdId, a, exec } = completedOnce(store);
    reopen(store, prdId, a);
    const claimed = store.claimTaskSpec(a, 'loop-2');
    const before = lines(dir);
    expect(store.completeExecution(exec).taskSpec).toEqual(claimed);
    expect(lines(dir)).toEqual(before);
    expect(store.renewTaskSpecClaim(a, 'loop-2').assigned_to).toBe('loop-2');
  });

  it('with the claimant that completed it: no CLAIMED for a completion that did happen, and nothing written', () => {
    const { store, dir } = openStore();
    const { prdId, a, exec } = completedOnce(store);
    reopen(store, prdId, a);
    const before = lines(dir);
    const again = store.completeExecution(exec, { claimant: 'loop-1' });
    expect(again).toMatchObject({ alreadyComplete: true, taskSpec: { status: 'pending' }, prd: { status: 'active' } });
    expect(lines(dir)).toEqual(before);
  });

  it('the first completion is as before: also of an execution an update set complete without completed_at (it cascades)', () => {
    const { store } = openStore();
    const { a } = graph(store);
    store.claimTaskSpec(a, 'loop-1');
    const exec = store.createExecution({ ts_id: a, worktree_path: '/w', branch_name: 'b' });
    store.updateExecution(exec, { ...store.getExecution(exec)!, status: 'complete' });
    expect(store.getExecution(exec)!.completed_at).toBeNull();
    const done = store.completeExecution(exec, { claimant: 'loop-1' });
    expect(done.alreadyComplete).toBe(false);
    expect(typeof done.execution.completed_at).toBe('number');
    expect(done.taskSpec).toMatchObject({ status: 'complete', assigned_to: 'loop-1', lease_expires_at: null });
  });

  it('the CLI: a second complete-execution exits 0, says it changed nothing and shows the spec as reopened; --json says alreadyComplete', () => {
    const { store, dir } = openStore();
    const { prdId, a, exec } = completedOnce(store);
    reopen(store, prdId, a);
    store.close();
    const cwd = dirname(dir);
    const before = lines(dir);
    const human = runCli(['complete-execution', exec, '--as', 'loop-1'], { cwd });
    expect(human.status, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^execution \S+ complete \(already complete: nothing changed\)\ntask spec \S+ pending\nPRD +\S+ active\n$/);
    const json = runCli(['complete-execution', exec, '--json'], { cwd });
    expect(json.status, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ alreadyComplete: true, execution: { status: 'complete' }, taskSpec: { id: a, status: 'pending' }, prd: { status: 'active' } });
    expect(lines(dir)).toEqual(before);
  });
});

describe('check() and double claims', () => {
  it('reports a task spec with two running executions as double_claim', () => {
    const { store } = openStore();
    const { a, c } = graph(store);
    const e1 = store.createExecution({ ts_id: a, worktree_path: '/w1', branch_name: 'b1' });
    store.createExecution({ ts_id: c, worktree_path: '/w', branch_name: 'b' });
    expect(store.check().problems.filter((p) => p.kind === 'double_claim')).toEqual([]);
    const e2 = store.createExecution({ ts_id: a, worktree_path: '/w2', branch_name: 'b2' });
    const [problem, ...rest] = store.check().problems.filter((p) => p.kind === 'double_claim');
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ kind: 'double_claim', collection: 'task_specs', id: a });
    expect(problem!.message).toContain([e1, e2].sort().join(', '));
    store.completeExecution(e2);
    expect(store.check().problems.filter((p) => p.kind === 'double_claim')).toEqual([]);
  });

  it('reports a takeover within one store (a lease ran out, another claimant took the spec) and names that cause', async () => {
    const { store } = openStore();
    const { a } = graph(store);
    store.claimTaskSpec(a, 'loop-1', { leaseMs: 1 });
    store.createExecution({ ts_id: a, worktree_path: '/w1', branch_name: 'b1' });
    await new Promise((r) => setTimeout(r, 5));
    store.claimTaskSpec(a, 'loop-2');
    store.createExecution({ ts_id: a, worktree_path: '/w2', branch_name: 'b2' });
    const [problem] = store.check().problems.filter((p) => p.kind === 'double_claim');
    expect(problem).toMatchObject({ id: a });
    expect(problem!.message).toMatch(/a lease ran out and another claimant took it over/);
    expect(problem!.message).toMatch(/end every one but the current claimant's/);
  });
});

/** Runs `fn` while this process's Date.now() is `offsetMs` off (a clock that is wrong, or jumped). */
function withClockOffset<T>(offsetMs: number, fn: () => T): T {
  const realNow = Date.now.bind(Date);
  const spy = vi.spyOn(Date, 'now').mockImplementation(() => realNow() + offsetMs);
  try {
    return fn();
  } finally {
    spy.mockRestore();
  }
}

const CLOCK_OFFSET = join(import.meta.dirname, '..', 'fixtures', 'clock-offset.mjs');
const YEAR_MS = 365 * 24 * 3600 * 1000;

describe('clocks that are wrong', () => {
  it('a lease written by a claimer whose clock runs a year ahead is not held for a year: others may claim it at once', () => {
    const { store, dir } = openStore();
    const { a } = graph(store);
    // A real process (the CLI) whose Date runs a year ahead claims `a` with the default lease.
    const env = { NODE_OPTIONS: `--import ${CLOCK_OFFSET}`, TASKSTORE_TEST_CLOCK_OFFSET_MS: String(YEAR_MS) };
    const claimed = runCli(['--json', 'claim', a, '--as', 'ahead'], { cwd: dirname(dir), env });
    expect(claimed.stderr).toBe('');
    expect(claimed.status).toBe(0);
    store.refresh();
    const held = store.getTaskSpec(a)!;
    expect(held).toMatchObject({ status: 'running', assigned_to: 'ahead' });
    expect(held.lease_expires_at!).toBeGreaterThan(Date.now() + YEAR_MS - 60_000); // what its clock said
    // To every honest clock that lease ends further ahead than any lease can: it cannot be
    // right, so the spec is listed with the expired claims and claimable again.
    expect(store.listExpiredClaims().map((s) => s.id)).toEqual([a]);
    expect(store.claimNextReadyTaskSpec('honest')).toMatchObject({ id: a, status: 'running', assigned_to: 'honest' });
    expect(store.getTaskSpec(a)!.lease_expires_at!).toBeLessThanOrEqual(Date.now() + DEFAULT_LEASE_MS);
    // The claimer with the wrong clock learns it lost the spec at its next heartbeat.
    const renewed = runCli(['renew', a, '--as', 'ahead'], { cwd: dirname(dir), env });
    expect(renewed.status).toBe(1);
    expect(renewed.stderr).toMatch(/ahead cannot renew task spec .+: honest holds it/);
  });

  it('claimTaskSpec by id takes such a lease too; a lease that ends past the longest lease plus the allowed skew counts as ended', () => {
    const { store } = openStore();
    const { a, c } = graph(store);
    const specs = store.collection({ name: 'task_specs' });
    const now = Date.now();
    specs.patch(a, { status: 'running', assigned_to: 'ahead', lease_expires_at: now + MAX_LEASE_MS + LEASE_CLOCK_SKEW_MS + 60_000 });
    specs.patch(c, { status: 'running', assigned_to: 'honest', lease_expires_at: now + MAX_LEASE_MS + LEASE_CLOCK_SKEW_MS - 60_000 });
    expect(store.claimTaskSpec(a, 'other')).toMatchObject({ assigned_to: 'other' });
    expect(() => store.claimTaskSpec(c, 'other')).toThrow(ClaimedError);
  });

  it('an honest claimer whose clock is up to the allowed skew ahead keeps even the longest lease', () => {
    const { store, dir } = openStore();
    const { a, c } = graph(store);
    const held = withClockOffset(LEASE_CLOCK_SKEW_MS - 60_000, () => store.claimTaskSpec(a, 'skewed', { leaseMs: MAX_LEASE_MS }));
    expect(store.listExpiredClaims()).toEqual([]);
    expect(store.claimNextReadyTaskSpec('other')!.id).toBe(c); // the next one, not `a`
    const err = expectRejected(dir, () => store.claimTaskSpec(a, 'other'), 'CLAIMED');
    expect(err.data).toEqual({ id: a, claimant: 'skewed', leaseExpiresAt: held.lease_expires_at });
    expect(withClockOffset(LEASE_CLOCK_SKEW_MS - 60_000, () => store.renewTaskSpecClaim(a, 'skewed', { leaseMs: MAX_LEASE_MS })).assigned_to).toBe('skewed');
  });

  it('a lease longer than MAX_LEASE_MS is refused (VALIDATION, leaseMs), also when nothing is claimable', () => {
    const { store, dir } = openStore();
    const { a } = graph(store);
    expect(MAX_LEASE_MS).toBe(24 * 3600 * 1000);
    expectRejected(dir, () => store.claimTaskSpec(a, 'x', { leaseMs: MAX_LEASE_MS + 1 }), 'VALIDATION', 'leaseMs');
    expectRejected(dir, () => store.claimNextReadyTaskSpec('x', { leaseMs: YEAR_MS }), 'VALIDATION', 'leaseMs');
    store.claimTaskSpec(a, 'x', { leaseMs: MAX_LEASE_MS });
    expectRejected(dir, () => store.renewTaskSpecClaim(a, 'x', { leaseMs: MAX_LEASE_MS + 1 }), 'VALIDATION', 'leaseMs');
    store.releaseTaskSpecClaim(a, 'x');
    store.collection({ name: 'task_specs' }).patch(a, { status: 'complete' });
    // The check does not depend on there being a spec to claim.
    while (store.claimNextReadyTaskSpec('drain') !== undefined);
    expectRejected(dir, () => store.claimNextReadyTaskSpec('x', { leaseMs: Number.MAX_SAFE_INTEGER }), 'VALIDATION', 'leaseMs');
  });

  it('a lease that is not a number (a hand-written line) is neither expired nor too far ahead: the spec stays held for claimNext as for claimTaskSpec', () => {
    const { store, dir } = openStore();
    const { a } = graph(store);
    const spec = store.getTaskSpec(a)!;
    const line = { ...spec, status: 'running', assigned_to: 'by-hand', lease_expires_at: '2099-01-01', updated_at: spec.updated_at + 1 };
    appendFileSync(join(dir, 'task_specs.jsonl'), `${JSON.stringify(line)}\n`);
    store.refresh();
    expect(store.listExpiredClaims()).toEqual([]);
    expectRejected(dir, () => store.claimTaskSpec(a, 'x'), 'CLAIMED');
    expect(store.claimNextReadyTaskSpec('x')?.id).not.toBe(a);
  });
});
