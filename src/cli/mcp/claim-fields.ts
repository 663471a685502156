/**
 * What `update_record` may not change in a task spec: its claim. A claim is the
 * conditional write of `status: 'running'`, `assigned_to` and `lease_expires_at` that
 * the claim tools make (one holder at a time, renewals and releases by the holder only).
 * A plain patch of those fields would let an agent take a spec another agent holds, or
 * hand it back without ending the lease, with none of those rules applied; so the patch
 * is refused with the tool to use instead. Other fields of a held spec (its description,
 * its dependencies…) stay open to any agent, as they are to every writer of the store.
 */
import { ValidationError } from '../../index.js';

const CLAIM_FIELDS = ['assigned_to', 'lease_expires_at'] as const;

/**
 * The check `patchRecord` runs on the current version of a task spec before it applies
 * `patch`, or undefined when the patch touches no claim (or the collection is not
 * `task_specs`). Called inside the write transaction, so the status it sees is the one
 * the patch would replace.
 */
export function claimGuard(collection: string, patch: Record<string, unknown>): ((current: Record<string, unknown> | undefined) => void) | undefined {
  if (collection !== 'task_specs') return undefined;
  for (const field of CLAIM_FIELDS) {
    if (Object.hasOwn(patch, field)) {
      throw new ValidationError(`patch may not set ${field}: a task spec's claim changes through the claim tools`, {
        field,
        hint: 'claim_task_spec takes a spec (and renews one you hold), renew_claim extends your lease, release_claim gives it back; complete_execution ends it',
      });
    }
  }
  if (!Object.hasOwn(patch, 'status')) return undefined;
  const next = patch.status;
  return (current) => {
    if (current === undefined) return; // the patch itself reports the missing record
    const now = current.status;
    if (next === now) return;
    if (next === 'running') {
      throw new ValidationError("patch may not set status to running: a task spec becomes running when it is claimed", {
        field: 'status',
        hint: 'claim_task_spec with this id takes it (and records you as its claimant, with a lease)',
      });
    }
    if (now === 'running') {
      const holder = typeof current.assigned_to === 'string' ? `claimed by ${current.assigned_to}` : 'running';
      throw new ValidationError(`patch may not change the status of a running task spec (${holder}): its claim ends through the claim tools`, {
        field: 'status',
        hint: 'its claimant calls release_claim (with a status) or complete_execution; a spec whose lease ran out is claimed again with claim_task_spec',
      });
    }
  };
}
