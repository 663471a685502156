/**
 * The MCP tools for claims: take a task spec (the next claimable one, or a given one)
 * with a lease, renew the lease while working, release it to give the spec back.
 * Exactly-once is the library's: of many agents claiming at once, each spec goes to one.
 */
import { exactRecord } from '../../shared/exact-records.js';
import { z } from 'zod';
import { ValidationError, type Store } from '../../index.js';
import { resolveId } from '../../shared/id-prefix.js';
import { resolvePrdId } from './read-tools.js';
import { WRITES, defineTool } from './tool-definition.js';
import { claimantArg, idOf, leaseMsArg, taskSpecResult, taskSpecStatusArg } from './tool-schemas.js';

function specId(store: Store, id: string): string {
  return resolveId(store, id, { collections: ['task_specs'], what: 'task spec', argument: 'id' }).id;
}

const leaseOption = (leaseMs: number | undefined): { leaseMs?: number } => (leaseMs === undefined ? {} : { leaseMs });

export const claimTaskSpec = defineTool({
  name: 'claim_task_spec',
  title: 'Claim a task spec',
  description: [
    'Take a task spec so that no other agent works on it: it becomes running, assigned_to your claimant, with a lease (lease_expires_at) of lease_ms.',
    'Without id: claims the first claimable spec (ready, or running with an expired lease), oldest first, optionally within prd_id; returns { task_spec: null } when there is none.',
    'With id: claims that spec (claiming one you already hold renews it). Call renew_claim before the lease ends; when done call complete_execution, or release_claim to give it back.',
    'Errors: CLAIMED (another claimant holds a live lease; data names it: pick another spec), STALE (the spec is not ready: a dependency is not complete, or it is complete/failed), NOT_FOUND.',
  ].join(' '),
  input: z.strictObject({
    claimant: claimantArg,
    id: idOf('task spec').optional().describe('the task spec to claim (id or unique prefix); omit to claim the next claimable one'),
    lease_ms: leaseMsArg.optional(),
    prd_id: idOf('PRD').optional().describe('without id: claim only within this PRD'),
  }),
  output: z.object({ task_spec: taskSpecResult.nullable().describe('the claimed version, or null when nothing was claimable') }),
  annotations: WRITES,
  run(store, args) {
    if (args.id !== undefined) {
      if (args.prd_id !== undefined) {
        throw new ValidationError('prd_id narrows the choice of the next spec: give either id or prd_id, not both', { field: 'prd_id' });
      }
      return { task_spec: exactRecord(store, 'task_specs', store.claimTaskSpec(specId(store, args.id), args.claimant, leaseOption(args.lease_ms))) };
    }
    const prdId = args.prd_id === undefined ? undefined : resolvePrdId(store, args.prd_id);
    const spec = store.claimNextReadyTaskSpec(args.claimant, { ...leaseOption(args.lease_ms), ...(prdId === undefined ? {} : { prdId }) });
    return { task_spec: spec === undefined ? null : exactRecord(store, 'task_specs', spec) };
  },
});

export const renewClaim = defineTool({
  name: 'renew_claim',
  title: 'Renew a claim',
  description: [
    'Extend the lease of a task spec you hold (a heartbeat): lease_expires_at becomes now + lease_ms. Call it well before the lease runs out while you work;',
    'a spec whose lease expired can be claimed by another agent. Returns { task_spec }. Errors: CLAIMED (you do not hold it: someone else does, or nobody; data names the holder), NOT_FOUND.',
  ].join(' '),
  input: z.strictObject({ id: idOf('task spec'), claimant: claimantArg, lease_ms: leaseMsArg.optional() }),
  output: z.object({ task_spec: taskSpecResult }),
  annotations: { ...WRITES, idempotentHint: true },
  run(store, args) {
    return { task_spec: exactRecord(store, 'task_specs', store.renewTaskSpecClaim(specId(store, args.id), args.claimant, leaseOption(args.lease_ms))) };
  },
});

export const releaseClaim = defineTool({
  name: 'release_claim',
  title: 'Release a claim',
  description: [
    'Give back a task spec you hold without completing it: the lease and assigned_to are cleared and status becomes status (default pending, so another agent can claim it; failed or blocked to park it).',
    'To finish work use complete_execution instead. Returns { task_spec }. Errors: CLAIMED (you do not hold it), NOT_FOUND, VALIDATION (unknown status).',
  ].join(' '),
  input: z.strictObject({
    id: idOf('task spec'),
    claimant: claimantArg,
    status: taskSpecStatusArg.optional().describe('the status it gets (default pending)'),
  }),
  output: z.object({ task_spec: taskSpecResult }),
  annotations: WRITES,
  run(store, args) {
    const options = args.status === undefined ? {} : { status: args.status };
    return { task_spec: exactRecord(store, 'task_specs', store.releaseTaskSpecClaim(specId(store, args.id), args.claimant, options)) };
  },
});
