/**
 * What `update_record` may not change in a task spec: its claim. A claim is the
 * conditional write of `status: 'running'`, `assigned_to` and `lease_expires_at` that
 * the claim tools make (one holder at a time, renewals and releases by the holder only).
 * A plain patch of those fields would let an agent take a spec another agent holds, or
 * hand it back without ending the lease, with none of those rules applied; so the patch
 * is refused with the tool to use instead. Other fields of a held spec (its description,
 * its dependencies…) stay open to any agent, as they are to every writer of the store.
 * The CLI's `update` and the library are not limited this way: they are the operator's.
 */
import { ValidationError } from '../../index.js';

/**
 * The check `patchRecord` runs on the current version of a task spec before it applies
 * `patch`, or undefined when the patch touches no claim (or the collection is not
 * `task_specs`). Called inside the write transaction, so the status it sees is the one
 * the patch would replace.
 *
 * - `lease_expires_at`: only a claim sets it.
 * - `status` to `running`: a spec becomes running by a claim (which sets its lease; a
 *   running spec without one is held by nobody and never claimable again).
 * - `status` away from `running`, and `assigned_to` while running: the holder ends its
 *   claim with `release_claim` or `complete_execution`.
 * `assigned_to` of a spec that is not running is a label (a claim replaces it): open.
 */
export function claimGuard(collection: string, patch: Record<string, unknown>): ((current: Record<string, unknown> | undefined) => void) | undefined {
  if (collection !== 'task_specs') return undefined;
  if (Object.hasOwn(patch, 'lease_expires_at')) {
    throw new ValidationError("patch may not set lease_expires_at: a task spec's lease is set by its claim", {
      field: 'lease_expires_at',
      hint: 'claim_task_spec takes a spec (and renews one you hold), renew_claim extends your lease, release_claim gives it back',
    });
  }
  const touchesStatus = Object.hasOwn(patch, 'status');
  const touchesHolder = Object.hasOwn(patch, 'assigned_to');
  if (!touchesStatus && !touchesHolder) return undefined;
  return (current) => {
    if (current === undefined) return; // the patch itself reports the missing record
    if (current.status !== 'running') {
      if (patch.status === 'running') refuseRunning('patch');
      return;
    }
    const statusChanges = touchesStatus && patch.status !== 'running';
    const holderChanges = touchesHolder && patch.assigned_to !== current.assigned_to;
    if (!statusChanges && !holderChanges) return;
    const holder = typeof current.assigned_to === 'string' ? `claimed by ${current.assigned_to}` : 'running';
    const field = statusChanges ? 'status' : 'assigned_to';
    throw new ValidationError(`patch may not change the ${field} of a running task spec (${holder}): its claim ends through the claim tools`, {
      field,
      hint: 'its claimant calls release_claim (with a status) or complete_execution; a spec whose lease ran out is claimed again with claim_task_spec',
    });
  };
}

/**
 * Refuses a new task spec (`create_task_spec`) or a patch that makes one `running`
 * outside a claim.
 */
export function refuseRunning(what: 'patch' | 'a new task spec'): never {
  throw new ValidationError(`${what} may not set status to running: a task spec becomes running when it is claimed`, {
    field: 'status',
    hint: what === 'patch' ? 'claim_task_spec with this id takes it (and records you as its claimant, with a lease)' : 'create it pending (the default), then claim_task_spec with its id',
  });
}
