/**
 * Claims with leases, as pure rules over a task spec's current version. The store reads
 * the version, asks these functions what to do, and writes the answer in one conditional
 * write under the write lock.
 *
 * A claim is `status: 'running'`, `assigned_to: claimant`, `lease_expires_at: now +
 * leaseMs`. The claimant heartbeats (renews) before the lease ends; a lease in the past
 * means its claimant stopped, and the spec is claimable again.
 */
import { ClaimedError, StaleError, ValidationError } from '../errors.js';
import { argumentTypeError, assertString, describeValue as describe, parseOptionsArgument } from '../store/arguments.js';
import { hasControls, spellControls } from '../jsonl/control-chars.js';
import { TaskSpecStatusSchema, type TaskSpec, type TaskSpecStatus } from './registry.js';
import { LEASE_CLOCK_SKEW_MS, MAX_LEASE_MS, latestPlausibleLeaseEnd } from '../shared/lease-limits.js';
import { isoTime } from '../shared/time.js';
import { clockReading } from '../store/clock.js';

/** Five minutes: long enough for a loop's slowest step between heartbeats. */
export const DEFAULT_LEASE_MS = 300_000;

/** The longest lease a claim or renewal may take, 24 hours (defined in src/shared/lease-limits.ts for the CLI's option parser). */
export { MAX_LEASE_MS };

/** How far ahead of a reader's clock an honest claimer's clock may run: one hour (defined, with the rule, in src/shared/lease-limits.ts for the dashboard). */
export { LEASE_CLOCK_SKEW_MS, latestPlausibleLeaseEnd };

export interface ClaimOptions {
  /** How long the claim lasts without a renewal (ms, default 300000 = 5 minutes). */
  leaseMs?: number;
}

export interface ClaimNextOptions extends ClaimOptions {
  /** Only task specs of this PRD. */
  prdId?: string;
}

export interface ReleaseOptions {
  /** The status the spec gets back (default `pending`; anything but `running`). */
  status?: TaskSpecStatus;
}

/** The claim fields of a spec: what the claimed, renewed or released version changes. */
export type ClaimFields = Pick<TaskSpec, 'status' | 'assigned_to'> & { lease_expires_at: number | null };

/** Who holds `spec` now: its `assigned_to` while it is `running`, else nobody (null). */
function holderOf(spec: Pick<TaskSpec, 'status' | 'assigned_to'>): string | null {
  return spec.status === 'running' ? (spec.assigned_to ?? null) : null;
}

/**
 * True when `spec` is running under a lease that ended before `now` (its claimant stopped
 * heartbeating), or that ends later than any lease can (a claimer's clock far ahead:
 * see {@link LEASE_CLOCK_SKEW_MS}).
 */
export function leaseExpired(spec: Pick<TaskSpec, 'status' | 'lease_expires_at'>, now: number): boolean {
  if (spec.status !== 'running' || typeof spec.lease_expires_at !== 'number') return false;
  return spec.lease_expires_at < now || spec.lease_expires_at > latestPlausibleLeaseEnd(now);
}

/**
 * What claiming `spec` for `claimant` at `now` writes, or the error to throw:
 * - the claimant already holds it → a renewal;
 * - it is ready, or running under an expired lease → a claim;
 * - someone else holds a live lease (or a running spec without a lease) → ClaimedError;
 * - otherwise (not ready: waiting, complete, failed, blocked) → StaleError.
 */
export function planClaim(spec: TaskSpec, ready: boolean, claimant: string, now: number, leaseMs: number): ClaimFields {
  const claim: ClaimFields = { status: 'running', assigned_to: claimant, lease_expires_at: leaseEnd(now, leaseMs) };
  const holder = holderOf(spec);
  if (holder === claimant || ready || leaseExpired(spec, now)) return claim;
  if (spec.status === 'running') throw claimedError(spec, claimant, 'claim');
  throw new StaleError(
    `task spec ${spec.id} is not claimable: its status is ${spec.status}${spec.status === 'pending' ? ' and some of its dependencies are not complete' : ''}`,
    {
      data: { id: spec.id, expected: null, actual: spec.updated_at, status: spec.status },
      hint: 'claim a ready spec instead (`taskstore ready` lists them), or claim the next one with claimNextReadyTaskSpec',
    },
  );
}

/** The renewed lease, or ClaimedError unless `claimant` holds the spec. */
export function planRenew(spec: TaskSpec, claimant: string, now: number, leaseMs: number): ClaimFields {
  if (holderOf(spec) !== claimant) throw claimedError(spec, claimant, 'renew');
  return { status: 'running', assigned_to: claimant, lease_expires_at: leaseEnd(now, leaseMs) };
}

/**
 * When a lease taken at `now` ends. A `leaseMs` so large that the end is past the last
 * exactly representable millisecond (2^53 - 1) is refused as `leaseMs`, the argument
 * the caller can fix, before anything is written.
 */
function leaseEnd(now: number, leaseMs: number): number {
  // The clock, not leaseMs, is what is wrong: said as every write's stamp says it.
  clockReading(now, 'lease_expires_at');
  const end = now + leaseMs;
  if (!Number.isSafeInteger(end)) {
    throw new ValidationError(
      `leaseMs is too large: a lease of ${leaseMs} ms from now (${now}) would end past ${Number.MAX_SAFE_INTEGER}, the largest exact timestamp`,
      { field: 'leaseMs' },
    );
  }
  return end;
}

/** The released version's claim fields, or ClaimedError unless `claimant` holds the spec. */
export function planRelease(spec: TaskSpec, claimant: string, status: TaskSpecStatus): ClaimFields {
  if (holderOf(spec) !== claimant) throw claimedError(spec, claimant, 'release');
  return { status, assigned_to: null, lease_expires_at: null };
}

/**
 * Checks that `claimant` may complete an execution of `spec`: it holds the spec (running,
 * `assigned_to` is the claimant, its lease expired or not, as long as nobody took it over),
 * or the spec is already complete by the claimant's own work (completing twice is
 * harmless). Otherwise ClaimedError: another loop took the spec over after the lease ran
 * out, completed it, or the claim was released; the claimant's work is not the spec's.
 */
export function assertMayComplete(spec: TaskSpec, claimant: string): void {
  if (spec.assigned_to === claimant && (spec.status === 'running' || spec.status === 'complete')) return;
  if (spec.status === 'complete' && typeof spec.assigned_to === 'string') {
    throw new ClaimedError(`${claimant} cannot complete task spec ${spec.id}: ${spec.assigned_to} completed it`, {
      data: { id: spec.id, claimant: spec.assigned_to, leaseExpiresAt: null },
      hint: `${spec.assigned_to} took the spec over (your lease had run out) and finished it; record your result as a failed execution or drop it`,
    });
  }
  throw claimedError(spec, claimant, 'complete');
}

function claimedError(spec: TaskSpec, claimant: string, action: 'claim' | 'renew' | 'release' | 'complete'): ClaimedError {
  const holder = holderOf(spec);
  const leaseExpiresAt = typeof spec.lease_expires_at === 'number' ? spec.lease_expires_at : null;
  // A lease a Date cannot hold (another program's line, a broken clock) is named by its number.
  const until = leaseExpiresAt === null ? '' : ` until ${isoTime(leaseExpiresAt) ?? `${leaseExpiresAt} (Unix ms)`}`;
  const message =
    holder === null
      ? `${claimant} cannot ${action} task spec ${spec.id}: nobody holds a claim on it (status ${spec.status})`
      : `${claimant} cannot ${action} task spec ${spec.id}: ${holder} holds it${until}`;
  return new ClaimedError(message, {
    data: { id: spec.id, claimant: holder, leaseExpiresAt },
    hint:
      action === 'claim'
        ? leaseExpiresAt === null
          ? // Running without a lease (set by hand or by an older writer): no lease will run out.
            `it is running without a lease, so it stays held until its status changes (\`taskstore update ${spec.id} --set status=pending\` hands it back); pick another spec meanwhile`
          : 'pick another spec (claimNextReadyTaskSpec / `taskstore claim --as NAME` takes the next free one), or wait for the lease to expire'
        : holder === null
          ? action === 'complete'
            ? 'the claim was released or never taken: claim the spec first, or complete without a claimant'
            : 'claim it first'
          : action === 'complete'
            ? `${holder} holds it now (it took the spec over after your lease ran out, or was given it): its execution completes the spec; record your result as a failed execution or drop it`
            : `only ${holder} can ${action} it; a lease that expires makes it claimable again`,
  });
}

// ---- argument checks ----

/** Half of a UTF-16 surrogate pair: no character (the cache, UTF-8, would store U+FFFD). */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * A claimant name: printable text. The holder's name goes into every CLAIMED message and
 * table; a newline in it would forge a line of the message ("…\nhint: …"), an escape
 * sequence or a direction override would disguise it, half a surrogate pair is no text.
 */
export function parseClaimant(claimant: unknown): string {
  assertString('claimant', claimant);
  if (claimant.trim() === '') {
    throw new ValidationError(`claimant must be a non-empty string naming who claims (got ${describe(claimant)})`, { field: 'claimant' });
  }
  if (hasControls(claimant) || LONE_SURROGATE.test(claimant)) {
    throw new ValidationError(`claimant ${spellControls(JSON.stringify(claimant.slice(0, 80)))} holds a control character or half a surrogate pair: a claimant is printable text`, {
      field: 'claimant',
      hint: 'name the claimant with printable characters (e.g. "loop-3@build-host")',
    });
  }
  return claimant;
}

/**
 * The longest claimant name a claim writes, in UTF-16 code units. A name is stored in the
 * spec's `assigned_to`, shown in every `CLAIMED` message, table and dashboard card, and
 * compared on every renew: a host name and a loop number fit many times over; a
 * megabyte-long "name" is a mistake (a log or a prompt passed by accident).
 */
export const MAX_CLAIMANT_LENGTH = 256;

/**
 * A claimant name for a new claim: {@link parseClaimant}, and at most
 * {@link MAX_CLAIMANT_LENGTH} characters. Renew and release take any printable name, so
 * that a holder whose longer name another writer stored can still let go.
 */
export function parseNewClaimant(claimant: unknown): string {
  const who = parseClaimant(claimant);
  if (who.length > MAX_CLAIMANT_LENGTH) {
    throw new ValidationError(`claimant is ${who.length} characters long, over the limit of ${MAX_CLAIMANT_LENGTH}: ${JSON.stringify(`${who.slice(0, 40)}…`)}`, {
      field: 'claimant',
      hint: 'name the claimant briefly (e.g. "loop-3@build-host"); keep longer descriptions in the execution record',
    });
  }
  return who;
}

/** Options not an object, an unknown option or an option of the wrong type: TypeError; a value out of range: ValidationError. */
export function parseClaimOptions(options: unknown, allowed: readonly string[]): { leaseMs: number; prdId?: string; status?: TaskSpecStatus } {
  if (options === undefined) return { leaseMs: DEFAULT_LEASE_MS };
  parseOptionsArgument(options, allowed);
  const { leaseMs = DEFAULT_LEASE_MS, prdId, status } = options as { leaseMs?: unknown; prdId?: unknown; status?: unknown };
  if (typeof leaseMs !== 'number') throw argumentTypeError('leaseMs', 'a positive integer number of milliseconds', leaseMs);
  if (!Number.isSafeInteger(leaseMs) || leaseMs <= 0) {
    throw new ValidationError(`leaseMs must be a positive integer number of milliseconds (got ${describe(leaseMs)})`, { field: 'leaseMs' });
  }
  if (leaseMs > MAX_LEASE_MS) {
    throw new ValidationError(`leaseMs must be at most ${MAX_LEASE_MS} (24 hours; got ${leaseMs})`, {
      field: 'leaseMs',
      hint: 'take a shorter lease and renew it while you work: other processes treat a lease ending further ahead than that as written by a wrong clock',
    });
  }
  if (prdId !== undefined) assertString('prdId', prdId);
  if (prdId === '') {
    throw new ValidationError(`prdId must be a non-empty string (got ${describe(prdId)})`, { field: 'prdId' });
  }
  if (status !== undefined) {
    const parsed = TaskSpecStatusSchema.safeParse(status);
    if (!parsed.success || parsed.data === 'running') {
      throw new ValidationError(`status must be one of pending, blocked, complete, failed (got ${describe(status)}): a released spec is no longer running`, {
        field: 'status',
      });
    }
  }
  return { leaseMs, ...(prdId === undefined ? {} : { prdId: prdId as string }), ...(status === undefined ? {} : { status: status as TaskSpecStatus }) };
}
