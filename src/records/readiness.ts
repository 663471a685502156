/**
 * Everything answered from the task graph (`task-graph.ts`, maintained inside the cache
 * on every write): which task specs are ready, claims on them (one conditional write
 * under the write lock, planned by `claims.ts`), expired leases, dependency cycles.
 * Part of the record layer; `Store` documents the methods.
 */
import type { CacheDb } from '../cache/cache-db.js';
import type { CollectionTable } from '../cache/collection-table.js';
import type { Collection } from '../store/collection.js';
import type { DomainHost } from '../store/domain-host.js';
import { assertIdArgument } from '../store/arguments.js';
import { TooLargeError, ValidationError } from '../errors.js';
import { TaskGraph } from './task-graph.js';
import {
  leaseExpired,
  parseClaimant,
  parseNewClaimant,
  parseClaimOptions,
  planClaim,
  planRelease,
  planRenew,
  type ClaimFields,
  type ClaimNextOptions,
  type ClaimOptions,
  type ReleaseOptions,
} from './claims.js';
import { requireLive } from './live-records.js';
import { withDefaults } from './record-validation.js';
import { READ_DEFAULTS, RECORD_TYPES, type Prd, type TaskSpec } from './registry.js';

const TASK_SPECS = RECORD_TYPES.task_specs.collection;

export class Readiness {
  /** The readiness graph of each task_specs cache table object (a new one after the cache file is replaced). */
  private readonly graphs = new WeakMap<CollectionTable, TaskGraph>();

  constructor(
    private readonly host: DomainHost,
    /** The task_specs collection (declared after this object exists, so asked for when needed). */
    private readonly taskSpecs: () => Collection<TaskSpec>,
    /** The prds collection, likewise: a claim within a PRD checks that it names one. */
    private readonly prds: () => Collection<Prd>,
  ) {}

  /** Attaches the readiness graph to a new task_specs cache table, before any line is applied to it. */
  tableCreated(table: CollectionTable, cache: CacheDb): void {
    if (table.name === TASK_SPECS) this.graphs.set(table, new TaskGraph(cache, table));
  }

  /** The readiness graph, after the task_specs cache table caught up. */
  graph(): TaskGraph {
    return this.graphs.get(this.host.cacheTable(TASK_SPECS))!;
  }

  listReadyTaskSpecs(): TaskSpec[] {
    const specs = this.graph().readySpecs<TaskSpec>();
    for (const spec of specs) withDefaults(spec, READ_DEFAULTS.task_specs);
    return specs;
  }

  claimTaskSpec(id: string, claimant: string, options?: ClaimOptions): TaskSpec {
    assertIdArgument(id);
    const who = parseNewClaimant(claimant);
    const { leaseMs } = parseClaimOptions(options, ['leaseMs']);
    return this.host.transaction(() => {
      const spec = this.liveTaskSpec(id);
      const now = Date.now();
      return this.writeClaim(spec, planClaim(spec, this.graph().isReady(id), who, now, leaseMs));
    });
  }

  /**
   * The choice and the write happen under the write lock: each spec goes to one claimant.
   *
   * A claimable spec whose stored version no write can pass (a line another program
   * wrote without `created_at`, say) is passed over for the next one: it came first in
   * claim order for every loop, so each call failed on it and no other spec was ever
   * claimed. So is one too large for this process's `maxRecordBytes`. When nothing else
   * could be claimed, its error is thrown (naming it), so a loop with nothing but such
   * specs left learns why instead of seeing no work.
   */
  claimNextReadyTaskSpec(claimant: string, options?: ClaimNextOptions): TaskSpec | undefined {
    const who = parseNewClaimant(claimant);
    const { leaseMs, prdId } = parseClaimOptions(options, ['leaseMs', 'prdId']);
    return this.host.transaction(() => {
      // A prdId that names no PRD (a typo, a deleted PRD) found nothing to claim, and said
      // so the way a PRD without ready work does: undefined, so a loop stopped as if done.
      if (prdId !== undefined) requireLive(this.prds(), prdId, 'prdId', 'PRD');
      const now = Date.now();
      const unwritable = new Set<string>();
      let firstError: ValidationError | TooLargeError | undefined;
      // Candidates are read in claim order, twice as many each round: asking again for
      // one more each time an unwritable spec was passed over read k²/2 rows for k of
      // them (4,000 such lines: 6 s per claim, all of it under the write lock).
      for (let limit = 1; ; limit *= 2) {
        const { candidates, more } = this.graph().firstClaimable(now, prdId, limit);
        for (const next of candidates) {
          if (unwritable.has(next.id)) continue;
          const spec = this.liveTaskSpec(next.id);
          // The graph's lease column holds a hand-written `true` as 1, a lease long past; the
          // rule (leaseExpired) counts only a number, as claimTaskSpec and listExpiredClaims do.
          if (!this.graph().isReady(spec.id) && !leaseExpired(spec, now)) continue;
          const fields = planClaim(spec, true, who, now, leaseMs);
          try {
            return this.writeClaim(spec, fields);
          } catch (err) {
            // Too large: a claim rewrites the whole spec, which another process with a
            // larger maxRecordBytes wrote; this process can write no claim of it.
            if (!(err instanceof UnwritableSpecError || err instanceof TooLargeError)) throw err;
            unwritable.add(spec.id);
            firstError ??= err;
          }
        }
        if (!more) {
          if (firstError !== undefined) throw firstError;
          return undefined;
        }
      }
    });
  }

  renewTaskSpecClaim(id: string, claimant: string, options?: ClaimOptions): TaskSpec {
    assertIdArgument(id);
    const who = parseClaimant(claimant);
    const { leaseMs } = parseClaimOptions(options, ['leaseMs']);
    return this.host.transaction(() => {
      const spec = this.liveTaskSpec(id);
      return this.writeClaim(spec, planRenew(spec, who, Date.now(), leaseMs));
    });
  }

  releaseTaskSpecClaim(id: string, claimant: string, options?: ReleaseOptions): TaskSpec {
    assertIdArgument(id);
    const who = parseClaimant(claimant);
    const { status = 'pending' } = parseClaimOptions(options, ['status']);
    return this.host.transaction(() => {
      const spec = this.liveTaskSpec(id);
      return this.writeClaim(spec, planRelease(spec, who, status));
    });
  }

  listExpiredClaims(): TaskSpec[] {
    const now = Date.now();
    const taskSpecs = this.taskSpecs();
    return this.graph()
      .expired(now)
      .map(({ id }) => {
        const spec = taskSpecs.get(id);
        return spec === undefined ? undefined : withDefaults(spec, READ_DEFAULTS.task_specs);
      })
      .filter((spec): spec is TaskSpec => spec !== undefined && leaseExpired(spec, now));
  }

  findDependencyCycles(): string[][] {
    return this.graph().cycles();
  }

  private liveTaskSpec(id: string): TaskSpec {
    return withDefaults(requireLive(this.taskSpecs(), id, 'id', 'task spec'), READ_DEFAULTS.task_specs);
  }

  /**
   * Writes a claim change as one conditional write on the version it was decided on. A
   * version that fails validation is the stored record's fault (the claim fields are
   * valid): said with the spec's id, which the collection's message does not name.
   */
  private writeClaim(spec: TaskSpec, fields: ClaimFields): TaskSpec {
    let written: TaskSpec;
    try {
      written = this.taskSpecs().patch(spec.id, fields, { ifUpdatedAt: spec.updated_at });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      // A refused updated_at is the clock's fault, unless the stored version's own stamp
      // (hand-written at 2^53 - 1) leaves no later one: then no write of the spec can pass.
      const stampedOut = err.field === 'updated_at' && !Number.isSafeInteger(spec.updated_at + 1);
      if (CLAIM_FIELDS.has(err.field ?? '') && !stampedOut) throw err;
      throw new UnwritableSpecError(spec.id, err);
    }
    return withDefaults(written, READ_DEFAULTS.task_specs);
  }
}

/** The fields a claim, renewal or release writes: a validation error on one of them is the call's, not the record's. */
const CLAIM_FIELDS = new Set(['status', 'assigned_to', 'lease_expires_at', 'updated_at']);

/** A task spec whose stored version cannot pass validation, so no claim can be written on it. */
class UnwritableSpecError extends ValidationError {
  constructor(id: string, cause: ValidationError) {
    super(`task spec ${id} cannot be claimed, renewed or released: its stored version is not a valid task spec (${cause.message})`, {
      field: cause.field,
      data: { ...cause.data, id },
      hint: `the record must be fixed first (\`taskstore show ${id}\` shows it); claiming the next spec passes it over meanwhile`,
      cause,
    });
    // A ValidationError to every caller; the class only marks it for claimNextReadyTaskSpec.
    this.name = 'ValidationError';
  }
}
