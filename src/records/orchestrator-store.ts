/**
 * The orchestrator's records (SPEC 2.3) on top of the core engine: PRDs, the task specs
 * decomposed from them, the executions working on task specs, dependencies between
 * executions, workflow templates and per-repository state.
 *
 * Every method is synchronous. Writes that check other records (references, unique
 * workflow names) do the check and the write in one transaction holding the write
 * lock, so no other writer can slip in between; when a check fails nothing is written.
 * What each record type is (fields, defaults, indexes, references) comes from the
 * registry (`registry.ts`); reference checks on write and on delete and the
 * dangling-reference report are driven by it. Pure rules live beside this file:
 * `cascade.ts` (what `completeExecution` changes), `cycles.ts` (dependency cycles).
 */
import type { Collection, CollectionOptions, NewRecord, RecordMeta } from '../store/collection.js';
import type { CheckProblem } from '../store/check.js';
import type { CacheDb } from '../cache/cache-db.js';
import * as Q from '../cache/record-queries.js';
import type { CollectionTable } from '../cache/collection-table.js';
import { CoreStore } from '../store/core-store.js';
import { TaskGraph } from './task-graph.js';
import {
  leaseExpired,
  parseClaimant,
  parseClaimOptions,
  planClaim,
  planRelease,
  planRenew,
  type ClaimFields,
  type ClaimNextOptions,
  type ClaimOptions,
  type ReleaseOptions,
} from './claims.js';
import type { ResolvedOptions } from '../store/options.js';
import { assertId, type RecordSchema } from '../store/record-input.js';
import { assertVersion, parseWriteOptions, type WriteOptions } from '../store/write-options.js';
import { AlreadyExistsError, ConflictMarkersError, NotFoundError, ValidationError } from '../errors.js';
import { planCompletion } from './cascade.js';
import { REFERENCE_FIELDS, type Referrer } from './references.js';
import { RECORD_TYPES, type RecordTypeName, type ReferenceField } from './registry.js';
import { parseArgument, parseRecordInput, storedSchema, withDefaults } from './record-validation.js';
import {
  NewDependencySchema,
  NewExecutionSchema,
  NewPrdSchema,
  NewTaskSpecSchema,
  NewWorkflowSchema,
  READ_DEFAULTS,
  type Dependency,
  type Execution,
  type ExecutionStatus,
  type NewDependency,
  type NewExecution,
  type NewPrd,
  type NewTaskSpec,
  type NewWorkflow,
  type Prd,
  type PrdStatus,
  type RepoState,
  type TaskSpec,
  type Workflow,
} from './schemas.js';

/** The collections behind the record types, as named on disk (`<name>.jsonl`). */
export const RECORD_COLLECTIONS = {
  prds: 'prds',
  taskSpecs: 'task_specs',
  executions: 'executions',
  dependencies: 'dependencies',
  workflows: 'workflows',
  repoState: 'repo_state',
} as const;

/** What {@link OrchestratorStore.completeExecution} returns: the current versions after the cascade. */
export interface CompleteExecutionResult {
  execution: Execution;
  /** The execution's task spec, or undefined when `ts_id` names no live task spec (the cascade stopped there). */
  taskSpec: TaskSpec | undefined;
  /** That task spec's PRD (check `prd.status === 'complete'`), or undefined when it is not live. */
  prd: Prd | undefined;
}

interface RecordCollections {
  prds: Collection<Prd>;
  taskSpecs: Collection<TaskSpec>;
  executions: Collection<Execution>;
  dependencies: Collection<Dependency>;
  workflows: Collection<Workflow>;
  repoState: Collection<RepoState>;
}

const C = RECORD_COLLECTIONS;

/** The schema every version written to a record collection must pass, by collection name. */
const STORED_SCHEMAS = new Map<string, RecordSchema>(Object.values(RECORD_TYPES).map((type) => [type.collection, storedSchema(type.stored)]));

export class OrchestratorStore extends CoreStore {
  /** The readiness graph of each task_specs cache table object (a new one after the cache file is replaced). */
  private readonly graphs = new WeakMap<CollectionTable, TaskGraph>();

  /** Every record collection, declared in code with the registry's indexes, so a fresh clone answers filtered queries at once. */
  private readonly byName = Object.fromEntries(
    Object.values(RECORD_TYPES).map((type) => [type.collection, this.collection({ name: type.collection, indexes: [...type.indexes] })]),
  ) as Record<RecordTypeName, Collection<Record<string, unknown>>>;

  private readonly records: RecordCollections = {
    prds: this.byName.prds as unknown as Collection<Prd>,
    taskSpecs: this.byName.task_specs as unknown as Collection<TaskSpec>,
    executions: this.byName.executions as unknown as Collection<Execution>,
    dependencies: this.byName.dependencies as unknown as Collection<Dependency>,
    workflows: this.byName.workflows as unknown as Collection<Workflow>,
    repoState: this.byName.repo_state as unknown as Collection<RepoState>,
  };

  /** Use `OrchestratorStore.open()` (or `Store.open()`). */
  protected constructor(dir: string, options: ResolvedOptions) {
    super(dir, options);
    this.addChecker(() => [
      ...this.danglingReferences(),
      ...this.cycleProblems(),
      ...this.duplicateWorkflowNames(),
      ...this.graphDrift(),
      ...this.doubleClaims(),
    ]);
  }

  /** Attaches the readiness graph to the task_specs cache table (see task-graph.ts). @internal */
  protected override tableCreated(table: CollectionTable, cache: CacheDb): void {
    if (table.name === C.taskSpecs) this.graphs.set(table, new TaskGraph(cache, table));
  }

  /**
   * As {@link CoreStore.collection}; for the record collections (`prds`, `task_specs`,
   * …) the record schema is always applied, so writes through the generic API
   * (`patch`, `createMany`, a CLI `update --set`) are validated too (a schema you pass
   * runs after it). Reference checks and name uniqueness need the dedicated methods.
   * @example store.collection({ name: 'task_specs' }).patch(id, { status: 'blocked' });
   */
  override collection<T extends object = Record<string, unknown>>(options: CollectionOptions<T>): Collection<T> {
    const builtIn = typeof options?.name === 'string' ? STORED_SCHEMAS.get(options.name) : undefined;
    if (builtIn === undefined) return super.collection(options);
    const own = options.schema;
    const schema: RecordSchema<T> =
      own === undefined ? (builtIn as RecordSchema<T>) : { parse: (value) => own.parse(builtIn.parse(value)) };
    return super.collection({ ...options, schema });
  }

  // ---------------------------------------------------------------- PRDs

  /**
   * Creates a PRD and returns its id. Only `title` is required; `description` and
   * `content` default to `""`, `status` to `draft`, `review_passes` to 0.
   * @example const prdId = store.createPrd({ title: 'Search', content: '# Search\n…' });
   */
  createPrd(p: NewPrd): string {
    const input = parseRecordInput(NewPrdSchema, p, 'PRD');
    return this.withReferences(C.prds, input, () => this.records.prds.create(input as NewRecord<Prd>));
  }

  /**
   * The PRD, or undefined when there is none (or it was deleted).
   * @example const prd = store.getPrd(prdId); if (prd?.status === 'complete') …
   */
  getPrd(id: string): Prd | undefined {
    return read(this.records.prds.get(id), READ_DEFAULTS.prds);
  }

  /**
   * Replaces the whole PRD (keeping `id` and `created_at`; `updated_at` is stamped) and
   * returns the new version. Throws `NotFoundError` unless it is live; with
   * `ifUpdatedAt`, `StaleError` unless the current version has that `updated_at`.
   * @example store.updatePrd(prdId, { ...prd, status: 'active' }, { ifUpdatedAt: prd.updated_at });
   */
  updatePrd(id: string, p: NewPrd, options?: WriteOptions): Prd {
    const input = parseRecordInput(NewPrdSchema, p, 'PRD');
    const opts = parseWriteOptions(options);
    return this.withReferences(C.prds, input, () => this.records.prds.update(id, input as NewRecord<Prd>, opts));
  }

  /**
   * PRDs, optionally only those with `status`, oldest first (`created_at`, then `id`).
   * @example const drafts = store.listPrds('draft');
   */
  listPrds(status?: PrdStatus): Prd[] {
    const where: Record<string, string> = status === undefined ? {} : { status: parseArgument(RECORD_TYPES.prds.status!, status, 'status') };
    return readAll(this.records.prds.list({ where, orderBy: 'created_at' }), READ_DEFAULTS.prds);
  }

  // ---------------------------------------------------------------- task specs

  /**
   * Creates a task spec and returns its id. `prd_id` must name a live PRD (else
   * `NotFoundError`, nothing written); `phase_name` is required. `dependencies` lists
   * the ids of task specs this one waits for (default `[]`); they are not required to
   * exist yet.
   * @example const a = store.createTaskSpec({ prd_id: prdId, phase_name: 'schema' });
   * const b = store.createTaskSpec({ prd_id: prdId, phase_name: 'api', dependencies: [a] });
   */
  createTaskSpec(t: NewTaskSpec): string {
    const input = parseRecordInput(NewTaskSpecSchema, t, 'task spec');
    return this.transaction(() => {
      this.requireReferences(C.taskSpecs, input);
      return this.records.taskSpecs.create(input as NewRecord<TaskSpec>);
    });
  }

  /**
   * The task spec, or undefined.
   * @example const spec = store.getTaskSpec(id);
   */
  getTaskSpec(id: string): TaskSpec | undefined {
    return read(this.records.taskSpecs.get(id), READ_DEFAULTS.task_specs);
  }

  /**
   * Replaces the whole task spec and returns the new version. Throws `NotFoundError`
   * unless it is live, or when `prd_id` names no live PRD; with `ifUpdatedAt`,
   * `StaleError` unless the current version has that `updated_at`.
   * @example store.updateTaskSpec(id, { ...spec, assigned_to: 'agent-7' }, { ifUpdatedAt: spec.updated_at });
   */
  updateTaskSpec(id: string, t: NewTaskSpec, options?: WriteOptions): TaskSpec {
    const input = parseRecordInput(NewTaskSpecSchema, t, 'task spec');
    const opts = parseWriteOptions(options);
    return this.transaction(() => {
      this.assertCurrent(this.records.taskSpecs, id, opts);
      this.requireLive(this.records.taskSpecs, id, 'id', 'task spec');
      this.requireReferences(C.taskSpecs, input);
      return this.records.taskSpecs.update(id, input as NewRecord<TaskSpec>, opts);
    });
  }

  /**
   * The task specs of a PRD, oldest first (`created_at`, then `id`).
   * @example for (const spec of store.listTaskSpecs(prdId)) console.log(spec.phase_name, spec.status);
   */
  listTaskSpecs(prdId: string): TaskSpec[] {
    assertId(prdId, 'prdId');
    return readAll(this.records.taskSpecs.list({ where: { prd_id: prdId }, orderBy: 'created_at' }), READ_DEFAULTS.task_specs);
  }

  /**
   * Task specs with status `pending`, oldest first.
   * @example const waiting = store.listPendingTaskSpecs();
   */
  listPendingTaskSpecs(): TaskSpec[] {
    return readAll(this.records.taskSpecs.list({ where: { status: 'pending' }, orderBy: 'created_at' }), READ_DEFAULTS.task_specs);
  }

  /**
   * Pending task specs all of whose `dependencies` are `complete` — the ones an
   * orchestrator can start now — oldest first. A dependency on an id that is not a live
   * task spec (never created, deleted) is not complete, so it keeps the spec waiting;
   * `check()` reports it as a dangling reference. Answered from the readiness graph the
   * cache maintains on every write, so it costs what its answer costs.
   * @example for (const spec of store.listReadyTaskSpecs()) startLoop(spec);
   */
  listReadyTaskSpecs(): TaskSpec[] {
    const specs = this.taskGraph().readyTexts() as unknown[];
    // Parsed in place: no second array of thousands of entries.
    for (let i = 0; i < specs.length; i++) specs[i] = withDefaults(JSON.parse(specs[i] as string) as TaskSpec, READ_DEFAULTS.task_specs);
    return specs as TaskSpec[];
  }

  // ---------------------------------------------------------------- claims

  /**
   * Claims a task spec for `claimant`: `status: 'running'`, `assigned_to: claimant`,
   * `lease_expires_at: now + leaseMs` (default 5 minutes), in one conditional write
   * under the write lock, and returns the claimed version. The spec must be claimable:
   * ready, or running under a lease that expired. Claiming a spec you already hold
   * renews it. Throws `ClaimedError` when another claimant holds a live lease,
   * `StaleError` when the spec is not ready (waiting, complete, failed, blocked),
   * `NotFoundError` unless it is live.
   * @example const spec = store.claimTaskSpec(id, 'loop-7', { leaseMs: 60_000 });
   */
  claimTaskSpec(id: string, claimant: string, options?: ClaimOptions): TaskSpec {
    assertId(id);
    const who = parseClaimant(claimant);
    const { leaseMs } = parseClaimOptions(options, ['leaseMs']);
    return this.transaction(() => {
      const spec = this.liveTaskSpec(id);
      const now = Date.now();
      return this.writeClaim(spec, planClaim(spec, this.taskGraph().isReady(id), who, now, leaseMs));
    });
  }

  /**
   * Claims the claimable task spec created first (smaller id first among those created
   * in the same millisecond), optionally within one PRD, and returns it; undefined when
   * none is claimable. Exactly once: however many processes call this at the same time,
   * each spec goes to one of them (the choice and the write happen under the write lock).
   * @example for (let spec; (spec = store.claimNextReadyTaskSpec('loop-7')); ) work(spec);
   */
  claimNextReadyTaskSpec(claimant: string, options?: ClaimNextOptions): TaskSpec | undefined {
    const who = parseClaimant(claimant);
    const { leaseMs, prdId } = parseClaimOptions(options, ['leaseMs', 'prdId']);
    return this.transaction(() => {
      const now = Date.now();
      const next = this.taskGraph().nextClaimable(now, prdId);
      if (next === undefined) return undefined;
      const spec = this.liveTaskSpec(next.id);
      return this.writeClaim(spec, planClaim(spec, true, who, now, leaseMs));
    });
  }

  /**
   * Extends the lease of a claim `claimant` holds to now + leaseMs (the heartbeat) and
   * returns the new version. Throws `ClaimedError` when anyone else holds it, or nobody.
   * @example setInterval(() => store.renewTaskSpecClaim(spec.id, 'loop-7'), 60_000);
   */
  renewTaskSpecClaim(id: string, claimant: string, options?: ClaimOptions): TaskSpec {
    assertId(id);
    const who = parseClaimant(claimant);
    const { leaseMs } = parseClaimOptions(options, ['leaseMs']);
    return this.transaction(() => {
      const spec = this.liveTaskSpec(id);
      return this.writeClaim(spec, planRenew(spec, who, Date.now(), leaseMs));
    });
  }

  /**
   * Gives a claim back: the spec gets `status` (default `pending`, so it is claimable
   * again once ready), `assigned_to` and `lease_expires_at` are cleared; returns the new
   * version. Throws `ClaimedError` unless `claimant` holds it.
   * @example store.releaseTaskSpecClaim(spec.id, 'loop-7', { status: 'failed' });
   */
  releaseTaskSpecClaim(id: string, claimant: string, options?: ReleaseOptions): TaskSpec {
    assertId(id);
    const who = parseClaimant(claimant);
    const { status = 'pending' } = parseClaimOptions(options, ['status']);
    return this.transaction(() => {
      const spec = this.liveTaskSpec(id);
      return this.writeClaim(spec, planRelease(spec, who, status));
    });
  }

  /**
   * Running task specs whose lease ended (their claimant stopped heartbeating), in claim
   * order: claimable again by anyone.
   * @example for (const spec of store.listExpiredClaims()) log.warn(`${spec.assigned_to} went quiet on ${spec.id}`);
   */
  listExpiredClaims(): TaskSpec[] {
    const now = Date.now();
    return this.taskGraph()
      .expired(now)
      .map(({ id }) => this.getTaskSpec(id))
      .filter((spec): spec is TaskSpec => spec !== undefined && leaseExpired(spec, now));
  }

  // ---------------------------------------------------------------- executions

  /**
   * Creates an execution (one loop run on a task spec) and returns its id. `ts_id` must
   * name a live task spec (else `NotFoundError`, nothing written). `status` defaults to
   * `running`, `started_at` to now, `iteration_count` to 0, the optional fields to null.
   * @example const execId = store.createExecution({ ts_id: specId, worktree_path: '/wt/1', branch_name: 'ts/1' });
   */
  createExecution(e: NewExecution): string {
    const input = parseRecordInput(NewExecutionSchema, e, 'execution');
    return this.transaction(() => {
      this.requireReferences(C.executions, input);
      return this.records.executions.create({ ...input, started_at: input.started_at ?? Date.now() } as NewRecord<Execution>);
    });
  }

  /**
   * The execution, or undefined.
   * @example const exec = store.getExecution(execId);
   */
  getExecution(id: string): Execution | undefined {
    return read(this.records.executions.get(id), READ_DEFAULTS.executions);
  }

  /**
   * Replaces the whole execution and returns the new version (`started_at`, when
   * omitted, keeps the current value). Throws `NotFoundError` unless it is live, or when
   * `ts_id` names no live task spec; with `ifUpdatedAt`, `StaleError` unless the
   * current version has that `updated_at`.
   * @example store.updateExecution(execId, { ...exec, iteration_count: 3, current_phase: 'test' }, { ifUpdatedAt: exec.updated_at });
   */
  updateExecution(id: string, e: NewExecution, options?: WriteOptions): Execution {
    const input = parseRecordInput(NewExecutionSchema, e, 'execution');
    const opts = parseWriteOptions(options);
    return this.transaction(() => {
      this.assertCurrent(this.records.executions, id, opts);
      const current = this.requireLive(this.records.executions, id, 'id', 'execution');
      this.requireReferences(C.executions, input);
      const startedAt = input.started_at ?? current.started_at ?? Date.now();
      return this.records.executions.update(id, { ...input, started_at: startedAt } as NewRecord<Execution>, opts);
    });
  }

  /**
   * Executions, optionally only those with `status`, oldest first (`started_at`, then `id`).
   * @example const failed = store.listExecutions('failed');
   */
  listExecutions(status?: ExecutionStatus): Execution[] {
    return readAll(this.records.executions.list({ where: this.executionFilter(status), orderBy: 'started_at' }), READ_DEFAULTS.executions);
  }

  /**
   * Executions with status `running`, oldest first.
   * @example const running = store.listActiveExecutions().length;
   */
  listActiveExecutions(): Execution[] {
    return this.listExecutions('running');
  }

  /**
   * One page of {@link listExecutions}: `limit` executions after skipping `offset`. The
   * order (`started_at`, then `id`) is total, so consecutive pages of an unchanged store
   * neither skip nor repeat an execution; status changes do not reorder executions.
   * @example const page2 = store.listExecutionsPaginated(undefined, 50, 50);
   */
  listExecutionsPaginated(status: ExecutionStatus | undefined, limit: number, offset: number): Execution[] {
    if (limit === undefined) throw new ValidationError('limit is required (a non-negative integer)', { field: 'limit' });
    return readAll(
      this.records.executions.list({ where: this.executionFilter(status), orderBy: 'started_at', limit, offset: offset ?? 0 }),
      READ_DEFAULTS.executions,
    );
  }

  /**
   * Marks an execution complete, in one transaction: the execution → `complete` with
   * `completed_at`; its task spec → `complete`; and when every live task spec of that
   * PRD is then complete, the PRD → `complete`. Throws `NotFoundError` unless the
   * execution is live (with `ifUpdatedAt`, `StaleError` unless the execution's current
   * version has that `updated_at`). Completing twice changes nothing (the first
   * `completed_at` stays). When `ts_id` names no live task spec, only the execution is
   * completed. The task spec's claim lease (`lease_expires_at`) is cleared; `assigned_to`
   * stays (it names who did the work).
   * @example const { prd } = store.completeExecution(execId); if (prd?.status === 'complete') announce(prd);
   */
  completeExecution(id: string, options?: WriteOptions): CompleteExecutionResult {
    assertId(id);
    const opts = parseWriteOptions(options);
    return this.transaction(() => {
      const { executions, taskSpecs, prds } = this.records;
      this.assertCurrent(executions, id, opts);
      const execution = this.requireLive(executions, id, 'id', 'execution');
      const taskSpec = typeof execution.ts_id === 'string' ? taskSpecs.get(execution.ts_id) : undefined;
      const prd = taskSpec !== undefined && typeof taskSpec.prd_id === 'string' ? prds.get(taskSpec.prd_id) : undefined;
      const otherOpenTaskSpecs =
        taskSpec === undefined || prd === undefined
          ? 0
          : taskSpecs.count({ where: { prd_id: prd.id, id: { ne: taskSpec.id }, status: { ne: 'complete' } } });
      const plan = planCompletion({ execution, taskSpec, prd, otherOpenTaskSpecs });
      if (plan.execution) executions.patch(id, { status: 'complete', completed_at: Date.now() });
      const leaseHeld = taskSpec?.lease_expires_at !== undefined && taskSpec.lease_expires_at !== null;
      if (plan.taskSpec || leaseHeld) taskSpecs.patch(taskSpec!.id, plan.taskSpec ? { status: 'complete', lease_expires_at: null } : { lease_expires_at: null });
      if (plan.prd) prds.patch(prd!.id, { status: 'complete' });
      return {
        execution: this.getExecution(id)!,
        taskSpec: taskSpec === undefined ? undefined : this.getTaskSpec(taskSpec.id),
        prd: prd === undefined ? undefined : this.getPrd(prd.id),
      };
    });
  }

  // ---------------------------------------------------------------- dependencies

  /**
   * Creates a dependency between executions and returns its id. `from_exec_id` (and
   * `to_exec_id` when not null; null = broadcast) must name live executions (else
   * `NotFoundError`, nothing written).
   * @example store.createDependency({ from_exec_id: a, to_exec_id: b, dependency_type: 'notify' });
   */
  createDependency(d: NewDependency): string {
    const input = parseRecordInput(NewDependencySchema, d, 'dependency');
    return this.transaction(() => {
      this.requireReferences(C.dependencies, input);
      return this.records.dependencies.create(input as NewRecord<Dependency>);
    });
  }

  /**
   * The dependency, or undefined.
   * @example const dep = store.getDependency(depId);
   */
  getDependency(id: string): Dependency | undefined {
    return read(this.records.dependencies.get(id), READ_DEFAULTS.dependencies);
  }

  /**
   * Sets `resolved_at` to now (and `payload`, when given; null clears it) and returns
   * the new version. Throws `NotFoundError` unless the dependency is live; with
   * `ifUpdatedAt`, `StaleError` unless its current version has that `updated_at`.
   * @example store.resolveDependency(depId, JSON.stringify({ schemaVersion: 3 }));
   * store.resolveDependency(depId, undefined, { ifUpdatedAt: dep.updated_at });
   */
  resolveDependency(id: string, payload?: string | null, options?: WriteOptions): Dependency {
    assertId(id);
    const opts = parseWriteOptions(options);
    if (payload !== undefined && payload !== null && typeof payload !== 'string') {
      throw new ValidationError(`payload must be a string or null (got ${typeof payload}); serialize structured payloads with JSON.stringify`, {
        field: 'payload',
      });
    }
    return this.transaction(() => {
      this.assertCurrent(this.records.dependencies, id, opts);
      this.requireLive(this.records.dependencies, id, 'id', 'dependency');
      const fields = payload === undefined ? { resolved_at: Date.now() } : { resolved_at: Date.now(), payload };
      return read(this.records.dependencies.patch(id, fields, opts), READ_DEFAULTS.dependencies)!;
    });
  }

  /**
   * The dependencies whose `from_exec_id` or `to_exec_id` is `execId`, oldest first.
   * Broadcasts (`to_exec_id` null) appear only under their sender.
   * @example const open = store.listDependencies(execId).filter((d) => d.resolved_at === null);
   */
  listDependencies(execId: string): Dependency[] {
    assertId(execId, 'execId');
    const rows = this.queryCache<{ data: string }>([C.dependencies], Q.dependenciesOfExecution, [execId, execId]);
    return rows.map((r) => withDefaults(JSON.parse(r.data) as Dependency, READ_DEFAULTS.dependencies));
  }

  // ---------------------------------------------------------------- workflows

  /**
   * Creates a workflow template and returns its id. `name` must not be taken by another
   * live workflow (else `AlreadyExistsError`, nothing written).
   * @example store.createWorkflow({ name: 'tdd', version: '1.0', content: 'phases: …' });
   */
  createWorkflow(w: NewWorkflow): string {
    const input = parseRecordInput(NewWorkflowSchema, w, 'workflow');
    return this.transaction(() => {
      this.requireReferences(C.workflows, input);
      this.requireFreeWorkflowName(input.name, undefined);
      return this.records.workflows.create(input as NewRecord<Workflow>);
    });
  }

  /**
   * The workflow, or undefined.
   * @example const wf = store.getWorkflow(id);
   */
  getWorkflow(id: string): Workflow | undefined {
    return read(this.records.workflows.get(id), READ_DEFAULTS.workflows);
  }

  /**
   * The live workflow named `name`, or undefined. (Should a merge of two branches leave
   * two with one name, the older one is returned and `check()` reports the duplicate.)
   * @example const wf = store.getWorkflowByName(spec.workflow_name ?? 'default');
   */
  getWorkflowByName(name: string): Workflow | undefined {
    assertName(name);
    const [first] = this.records.workflows.list({ where: { name }, orderBy: 'created_at', limit: 1 });
    return read(first, READ_DEFAULTS.workflows);
  }

  /**
   * Replaces the whole workflow and returns the new version. Throws `NotFoundError`
   * unless it is live, `AlreadyExistsError` when renaming it to another live workflow's
   * name; with `ifUpdatedAt`, `StaleError` unless the current version has that `updated_at`.
   * @example store.updateWorkflow(id, { ...wf, version: '1.1' }, { ifUpdatedAt: wf.updated_at });
   */
  updateWorkflow(id: string, w: NewWorkflow, options?: WriteOptions): Workflow {
    const input = parseRecordInput(NewWorkflowSchema, w, 'workflow');
    const opts = parseWriteOptions(options);
    return this.transaction(() => {
      this.assertCurrent(this.records.workflows, id, opts);
      this.requireLive(this.records.workflows, id, 'id', 'workflow');
      this.requireReferences(C.workflows, input);
      this.requireFreeWorkflowName(input.name, id);
      return this.records.workflows.update(id, input as NewRecord<Workflow>, opts);
    });
  }

  /**
   * Every live workflow, by name.
   * @example const names = store.listWorkflows().map((w) => w.name);
   */
  listWorkflows(): Workflow[] {
    return readAll(this.records.workflows.list({ orderBy: 'name' }), READ_DEFAULTS.workflows);
  }

  // ---------------------------------------------------------------- repository state

  /**
   * Records the last commit synced for a repository (upsert; the record's id is
   * `repoPath`) and returns it. Other fields of an existing record are kept.
   * @example store.setRepoState('/src/app', 'a1b2c3d');
   */
  setRepoState(repoPath: string, lastSyncedCommit: string): RepoState {
    assertId(repoPath, 'repo_path');
    if (typeof lastSyncedCommit !== 'string') {
      throw new ValidationError(`last_synced_commit must be a string (got ${typeof lastSyncedCommit})`, { field: 'last_synced_commit' });
    }
    const fields = { repo_path: repoPath, last_synced_commit: lastSyncedCommit };
    return this.transaction(() => {
      const repoState = this.records.repoState;
      if (repoState.get(repoPath) !== undefined) return repoState.patch(repoPath, fields);
      repoState.create({ id: repoPath, ...fields });
      return repoState.get(repoPath)!;
    });
  }

  /**
   * The repository's state, or undefined when none was recorded.
   * @example const since = store.getRepoState('/src/app')?.last_synced_commit;
   */
  getRepoState(repoPath: string): RepoState | undefined {
    assertId(repoPath, 'repo_path');
    return this.records.repoState.get(repoPath);
  }

  // ---------------------------------------------------------------- cycles

  /**
   * Groups of live task specs whose dependencies form a cycle — two or more specs that
   * reach each other, or one that depends on itself — each group once, as ascending
   * ids, groups ordered by their first id. Such specs can never become ready.
   * Dependencies on missing ids are ignored.
   * @example for (const group of store.findDependencyCycles()) console.warn('cycle:', group.join(' ↔ '));
   */
  findDependencyCycles(): string[][] {
    return this.taskGraph().cycles();
  }

  // ---------------------------------------------------------------- internals

  private liveTaskSpec(id: string): TaskSpec {
    return withDefaults(this.requireLive(this.records.taskSpecs, id, 'id', 'task spec'), READ_DEFAULTS.task_specs);
  }

  /** Writes a claim change as one conditional write on the version it was decided on. */
  private writeClaim(spec: TaskSpec, fields: ClaimFields): TaskSpec {
    const written = this.records.taskSpecs.patch(spec.id, fields, { ifUpdatedAt: spec.updated_at });
    return withDefaults(written, READ_DEFAULTS.task_specs);
  }

  /** The readiness graph, after the task_specs cache table caught up. */
  private taskGraph(): TaskGraph {
    return this.graphs.get(this.readableCacheTable(C.taskSpecs))!;
  }

  /**
   * Task specs with two or more running executions: two claimants working on one spec.
   * Within one store claims are exactly-once, so this happens when claims made in two
   * clones meet in a merge.
   */
  private doubleClaims(): CheckProblem[] {
    return this.checkPart(() =>
      this.queryCache<{ ts_id: string; n: number; ids: string }>([C.executions], Q.doublyClaimedSpecs).map(({ ts_id, n, ids }) => ({
        kind: 'double_claim',
        collection: C.taskSpecs,
        id: ts_id,
        message: `task spec ${ts_id} has ${n} running executions (${ids}): two claimants are working on it (claims made in two clones met in a merge?); stop all but one`,
      })),
    );
  }

  private graphDrift(): CheckProblem[] {
    return this.checkPart(() =>
      this.taskGraph()
        .drift()
        .slice(0, 20)
        .map(({ id, message }) => ({ kind: 'cache_drift', collection: C.taskSpecs, id, message })),
    );
  }

  /**
   * With `ifUpdatedAt`, a stale version is reported before any other check (a reference
   * check failing on a record that moved on would hide the real reason). The collection
   * write checks again, under the same lock.
   */
  private assertCurrent<T extends object>(collection: Collection<T>, id: string, options: WriteOptions): void {
    if (options.ifUpdatedAt === undefined) return;
    assertId(id);
    const live = collection.get(id);
    // Not live: a tombstone is stale (actual null); an id that never existed is left to the NotFoundError that follows.
    const actual = live !== undefined ? live.updated_at : collection.history(id).length > 0 ? null : undefined;
    if (actual !== undefined) assertVersion(collection.name, id, options.ifUpdatedAt, actual);
  }

  /** The live record `id` of `collection`, or `NotFoundError` naming the referring field. */
  private requireLive<T extends object>(collection: Collection<T>, id: string, field: string, what: string): T & RecordMeta {
    const record = collection.get(id);
    if (record !== undefined) return record;
    const message =
      field === 'id' ? `there is no live ${what} with id ${id}` : `${field} ${id} does not name a live ${what}`;
    throw new NotFoundError(message, {
      data: { collection: collection.name, id, field },
      hint: field === 'id' ? undefined : `create the ${what} first, or fix ${field}`,
    });
  }

  /**
   * Every reference of `collection`'s type that the registry checks on write must name a
   * live record (`null` or absent: no reference), else `NotFoundError` naming the field.
   */
  private requireReferences(collection: RecordTypeName, input: Record<string, unknown>): void {
    for (const ref of RECORD_TYPES[collection].references) {
      if (!ref.checkedOnWrite) continue;
      const value = input[ref.field];
      for (const id of ref.many === true && Array.isArray(value) ? value : [value]) {
        if (id !== undefined && id !== null) this.requireLive(this.byName[ref.to], id as string, ref.field, RECORD_TYPES[ref.to].label);
      }
    }
  }

  /** Runs `write`, after the reference checks in the same transaction when the type has any. */
  private withReferences<R>(collection: RecordTypeName, input: Record<string, unknown>, write: () => R): R {
    if (!RECORD_TYPES[collection].references.some((ref) => ref.checkedOnWrite)) return write();
    return this.transaction(() => {
      this.requireReferences(collection, input);
      return write();
    });
  }

  private requireFreeWorkflowName(name: string, self: string | undefined): void {
    const taken = this.records.workflows.list({ where: { name, ...(self === undefined ? {} : { id: { ne: self } }) }, limit: 1 });
    if (taken.length > 0) {
      throw new AlreadyExistsError(`a live workflow is already named ${JSON.stringify(name)} (id ${taken[0]!.id})`, {
        data: { collection: C.workflows, name, id: taken[0]!.id },
        hint: 'choose another name, or update or delete the existing workflow',
      });
    }
  }

  private executionFilter(status: ExecutionStatus | undefined): Record<string, string> {
    return status === undefined ? {} : { status: parseArgument(RECORD_TYPES.executions.status!, status, 'status') };
  }

  /** Runs one part of `check()`; a collection with conflict markers is reported by the core, so it is skipped here. */
  private checkPart(part: () => CheckProblem[]): CheckProblem[] {
    try {
      return part();
    } catch (err) {
      if (err instanceof ConflictMarkersError) return [];
      throw err;
    }
  }

  /** Live records whose reference fields name `id` of `collection` (see references.ts). */
  protected override referrersOf(collection: string, id: string): Referrer[] {
    const referrers: Referrer[] = [];
    for (const ref of REFERENCE_FIELDS) {
      if (ref.to !== collection) continue;
      const rows = this.queryCache<{ id: string }>([ref.from], Q.referrers(ref), [id]);
      for (const row of rows) {
        // A task spec listing itself among its dependencies does not keep itself alive.
        if (!(ref.from === collection && row.id === id)) referrers.push({ collection: ref.from, id: row.id, field: ref.field });
      }
    }
    return referrers;
  }

  /**
   * Live records whose reference fields (per the registry) name no live record: single
   * references first, then lists, each in registry order.
   */
  private danglingReferences(): CheckProblem[] {
    const refs = [...REFERENCE_FIELDS.filter((r) => r.many !== true), ...REFERENCE_FIELDS.filter((r) => r.many === true)];
    return refs.flatMap((ref) => this.checkPart(() => this.danglingReferencesOf(ref)));
  }

  private danglingReferencesOf(ref: ReferenceField): CheckProblem[] {
    const what = RECORD_TYPES[ref.from].label;
    const toWhat = RECORD_TYPES[ref.to].label;
    const effect = ref.danglingEffect === undefined ? '' : ` ${ref.danglingEffect}`;
    const sql = Q.danglingReferences(ref);
    const rows =
      ref.from === ref.to
        ? this.queryCache<{ id: string; ref: unknown }>([ref.from], (t) => sql(t, t))
        : this.queryCache<{ id: string; ref: unknown }>([ref.from, ref.to], sql);
    return rows.map(({ id, ref: target }) => ({
      kind: 'dangling_reference',
      collection: ref.from,
      id,
      message: ref.many
        ? `${what} ${id}: ${ref.field} names ${JSON.stringify(target)}, which is not a live ${toWhat}${effect}`
        : `${what} ${id}: ${ref.field} ${JSON.stringify(target)} does not name a live ${toWhat}${effect}`,
    }));
  }

  private cycleProblems(): CheckProblem[] {
    return this.checkPart(() =>
      this.findDependencyCycles().map((group) => ({
        kind: 'dependency_cycle',
        collection: C.taskSpecs,
        id: group[0]!,
        message:
          group.length === 1
            ? `task spec ${group[0]} depends on itself, so it can never become ready`
            : `task specs ${group.join(', ')} depend on each other in a cycle, so none of them can become ready`,
      })),
    );
  }

  private duplicateWorkflowNames(): CheckProblem[] {
    return this.checkPart(() =>
      this.queryCache<{ name: string; ids: string }>([C.workflows], Q.duplicateWorkflowNames).map(({ name, ids }) => ({
        kind: 'duplicate_workflow_name',
        collection: C.workflows,
        id: ids.split(', ')[0],
        message: `live workflows ${ids} share the name ${JSON.stringify(name)} (names must be unique; a merge of two branches can cause this): rename or delete all but one`,
      })),
    );
  }
}

function read<T extends object>(record: T | undefined, defaults: Readonly<Record<string, unknown>>): T | undefined {
  return record === undefined ? undefined : withDefaults(record, defaults);
}

function readAll<T extends object>(records: T[], defaults: Readonly<Record<string, unknown>>): T[] {
  return records.map((r) => withDefaults(r, defaults));
}

function assertName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new ValidationError(`name must be a non-empty string (got ${name === null ? 'null' : typeof name})`, { field: 'name' });
  }
}
