/**
 * The orchestrator's records on top of the engine: PRDs, the task specs decomposed from
 * them, the executions working on task specs, dependencies between executions, workflow
 * templates and per-repository state. The public `Store` holds one `Records` and
 * delegates its record methods here; their documentation is on `Store` (src/store.ts).
 *
 * Every method is synchronous. Writes that check other records (references, unique
 * workflow names) do the check and the write in one transaction holding the write
 * lock, so no other writer can slip in between; when a check fails nothing is written.
 * What each record type is (fields, defaults, indexes, references) comes from the
 * registry (`registry.ts`): every `createX` / `updateX` is the one generic
 * `createRecord` / `updateRecord` (input schema, reference checks, the live and
 * `ifUpdatedAt` checks) driven by it, so this file keeps only the real rules: an
 * execution's `started_at`, the completion cascade (planned by `cascade.ts`) and
 * workflow-name uniqueness. Ready specs, claims and cycles are in `readiness.ts`; what
 * `check()` adds and the referrers that block a delete are in `record-checks.ts`.
 *
 * The engine is reached only through its narrow `DomainHost` interface.
 */
import type { Collection, CollectionOptions, NewRecord } from '../store/collection.js';
import type { DomainHost } from '../store/domain-host.js';
import * as Q from '../cache/record-queries.js';
import { RECORD_COLLECTIONS, type CompleteExecutionOptions, type CompleteExecutionResult } from './record-collections.js';
import { assertNewId, type RecordSchema } from '../store/record-input.js';
import { assertIdArgument, assertString, collectionDeclaration } from '../store/arguments.js';
import { parseWriteOptions, type WriteOptions } from '../store/write-options.js';
import { AlreadyExistsError, ClaimedError, ValidationError } from '../errors.js';
import { Readiness } from './readiness.js';
import { assertCurrent, patchOfStored, requireLive } from './live-records.js';
import { assertCompletable, isCompleted, planCompletion } from './cascade.js';
import { assertMayComplete, parseClaimant } from './claims.js';
import { parseArgument, parseRecordInput, storedSchema, withDefaults } from './record-validation.js';
import { recordChecks, referrersOf } from './record-checks.js';
import {
  READ_DEFAULTS,
  RECORD_TYPES,
  type RecordTypeName,
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
} from './registry.js';

/** What a record type adds to the generic create / update (see `createRecord`). */
interface WriteHooks {
  /** Rules beyond the registry's references, checked in the write's transaction (workflow-name uniqueness); given the current version on update. */
  rules?: (input: Record<string, unknown>, current: Record<string, unknown> | undefined) => void;
  /** Fills in what the store decides, given the current version on update. */
  complete?: (input: Record<string, unknown>, current: Record<string, unknown> | undefined) => Record<string, unknown>;
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

/** The fields a completion writes (a validation error on another is the stored record's: see patchOfStored). */
const CASCADE_FIELDS = ['status', 'completed_at', 'lease_expires_at', 'updated_at'] as const;

/** The schema every version written to a record collection must pass, by collection name. */
const STORED_SCHEMAS = new Map<string, RecordSchema>(Object.values(RECORD_TYPES).map((type) => [type.collection, storedSchema(type.stored, type.idField)]));

export class Records {
  private readonly host: DomainHost;
  /** Ready task specs, claims and cycles: everything answered from the task graph. */
  readonly readiness: Readiness;
  /** Every record collection, declared in code with the registry's indexes, so a fresh clone answers filtered queries at once. */
  private readonly byName: Record<RecordTypeName, Collection<Record<string, unknown>>>;
  private readonly records: RecordCollections;

  /** Registers with the engine (before declaring any collection, so the readiness graph sees every line). */
  constructor(host: DomainHost) {
    this.host = host;
    this.readiness = new Readiness(host, () => this.records.taskSpecs, () => this.records.prds);
    host.extend({
      tableCreated: (table, cache) => this.readiness.tableCreated(table, cache),
      referrers: (collection, id) => referrersOf(host, () => this.readiness.graph(), collection, id),
      check: () => recordChecks(host, () => this.readiness.graph()),
    });
    this.byName = Object.fromEntries(
      Object.values(RECORD_TYPES).map((type) => [type.collection, this.collection({ name: type.collection, indexes: [...type.indexes] })]),
    ) as Record<RecordTypeName, Collection<Record<string, unknown>>>;
    this.records = {
      prds: this.byName.prds as unknown as Collection<Prd>,
      taskSpecs: this.byName.task_specs as unknown as Collection<TaskSpec>,
      executions: this.byName.executions as unknown as Collection<Execution>,
      dependencies: this.byName.dependencies as unknown as Collection<Dependency>,
      workflows: this.byName.workflows as unknown as Collection<Workflow>,
      repoState: this.byName.repo_state as unknown as Collection<RepoState>,
    };
  }

  /** The engine's collection; for the record collections the record schema always runs first. */
  collection<T extends object = Record<string, unknown>>(options: CollectionOptions<T>): Collection<T> {
    // Read once and passed on as read (see collectionDeclaration).
    const { name, indexes, schema: own } = collectionDeclaration(options);
    const builtIn = STORED_SCHEMAS.get(name);
    if (builtIn === undefined) return this.host.collection({ name, indexes, schema: own as RecordSchema<T> | undefined });
    const schema: RecordSchema<T> =
      own === undefined ? (builtIn as RecordSchema<T>) : { parse: (value) => own.parse(builtIn.parse(value)) as T };
    return this.host.collection({ name, indexes, schema });
  }

  // ---------------------------------------------------------------- PRDs

  createPrd(p: NewPrd): string {
    return this.createRecord(C.prds, p);
  }

  getPrd(id: string): Prd | undefined {
    return read(this.records.prds.get(id), READ_DEFAULTS.prds);
  }

  updatePrd(id: string, p: NewPrd, options?: WriteOptions): Prd {
    return this.updateRecord<Prd>(C.prds, id, p, options);
  }

  listPrds(status?: PrdStatus): Prd[] {
    const where: Record<string, string> = status === undefined ? {} : { status: parseArgument(RECORD_TYPES.prds.status!, status, 'status') };
    return readAll(this.records.prds.list({ where, orderBy: 'created_at' }), READ_DEFAULTS.prds);
  }

  prdProgress(): Map<string, { complete: number; total: number }> {
    return this.readiness.graph().progressByPrd();
  }

  // ---------------------------------------------------------------- task specs

  createTaskSpec(t: NewTaskSpec): string {
    return this.createRecord(C.taskSpecs, t);
  }

  getTaskSpec(id: string): TaskSpec | undefined {
    return read(this.records.taskSpecs.get(id), READ_DEFAULTS.task_specs);
  }

  updateTaskSpec(id: string, t: NewTaskSpec, options?: WriteOptions): TaskSpec {
    return this.updateRecord<TaskSpec>(C.taskSpecs, id, t, options);
  }

  listTaskSpecs(prdId: string): TaskSpec[] {
    assertIdArgument(prdId, 'prdId');
    return readAll(this.records.taskSpecs.list({ where: { prd_id: prdId }, orderBy: 'created_at' }), READ_DEFAULTS.task_specs);
  }

  listPendingTaskSpecs(): TaskSpec[] {
    return readAll(this.records.taskSpecs.list({ where: { status: 'pending' }, orderBy: 'created_at' }), READ_DEFAULTS.task_specs);
  }

  // ---------------------------------------------------------------- executions

  createExecution(e: NewExecution): string {
    return this.createRecord(C.executions, e, { complete: (input) => ({ ...input, started_at: input.started_at ?? Date.now() }) });
  }

  getExecution(id: string): Execution | undefined {
    return read(this.records.executions.get(id), READ_DEFAULTS.executions);
  }

  updateExecution(id: string, e: NewExecution, options?: WriteOptions): Execution {
    return this.updateRecord<Execution>(C.executions, id, e, options, {
      complete: (input, current) => ({ ...input, started_at: input.started_at ?? current?.started_at ?? Date.now() }),
    });
  }

  listExecutions(status?: ExecutionStatus): Execution[] {
    return readAll(this.records.executions.list({ where: this.executionFilter(status), orderBy: 'started_at' }), READ_DEFAULTS.executions);
  }

  listActiveExecutions(): Execution[] {
    return this.listExecutions('running');
  }

  listExecutionsPaginated(status: ExecutionStatus | undefined, limit: number, offset: number): Execution[] {
    if (limit === undefined) throw new ValidationError('limit is required (a non-negative integer)', { field: 'limit' });
    return readAll(
      // Only an omitted offset means 0: null is bad input here as in every query.
      this.records.executions.list({ where: this.executionFilter(status), orderBy: 'started_at', limit, offset: offset === undefined ? 0 : offset }),
      READ_DEFAULTS.executions,
    );
  }

  /** The cascade (execution → task spec → PRD) in one transaction; what changes is decided by `cascade.ts`. */
  completeExecution(id: string, options?: CompleteExecutionOptions): CompleteExecutionResult {
    assertIdArgument(id);
    const opts = parseWriteOptions(options, ['ifUpdatedAt', 'claimant']) as CompleteExecutionOptions;
    const claimant = opts.claimant === undefined ? undefined : parseClaimant(opts.claimant);
    return this.host.transaction(() => {
      const { executions, taskSpecs, prds } = this.records;
      assertCurrent(executions, id, opts);
      const execution = requireLive(executions, id, 'id', 'execution');
      const taskSpec = typeof execution.ts_id === 'string' ? taskSpecs.get(execution.ts_id) : undefined;
      const prd = taskSpec !== undefined && typeof taskSpec.prd_id === 'string' ? prds.get(taskSpec.prd_id) : undefined;
      const current = (alreadyComplete: boolean): CompleteExecutionResult => ({
        execution: this.getExecution(id)!,
        taskSpec: taskSpec === undefined ? undefined : this.getTaskSpec(taskSpec.id),
        prd: prd === undefined ? undefined : this.getPrd(prd.id),
        alreadyComplete,
      });
      // A retry of a completion that succeeded (its answer lost): nothing is written, so the
      // spec an operator reopened since stays reopened. No claimant check either: it guards
      // writes, and refusing here would tell a loop whose work did complete that it did not.
      if (isCompleted(execution)) return current(true);
      // Before the claim: the refusal is about the execution the caller named, whoever holds its spec.
      assertCompletable(id, execution);
      if (claimant !== undefined) {
        // Checked inside the transaction, under the write lock: a takeover cannot land between the check and the writes.
        if (taskSpec === undefined) {
          throw new ClaimedError(`${claimant} cannot complete execution ${id}: its task spec ${String(execution.ts_id)} is not live, so nobody holds a claim on it`, {
            data: { id: String(execution.ts_id), claimant: null, leaseExpiresAt: null },
            hint: 'complete it without a claimant to complete the execution alone',
          });
        }
        assertMayComplete(taskSpec as TaskSpec, claimant);
      }
      const otherOpenTaskSpecs =
        taskSpec === undefined || prd === undefined
          ? 0
          : taskSpecs.count({ where: { prd_id: prd.id, id: { ne: taskSpec.id }, status: { ne: 'complete' } } });
      const plan = planCompletion({ execution, taskSpec, prd, otherOpenTaskSpecs });
      const action = `complete execution ${id}`;
      if (plan.execution) {
        patchOfStored(action, 'execution', id, CASCADE_FIELDS, () => executions.patch(id, { status: 'complete', completed_at: Date.now() }));
      }
      const leaseHeld = taskSpec?.lease_expires_at !== undefined && taskSpec.lease_expires_at !== null;
      if (plan.taskSpec || leaseHeld) {
        patchOfStored(action, 'its task spec', taskSpec!.id, CASCADE_FIELDS, () =>
          taskSpecs.patch(taskSpec!.id, plan.taskSpec ? { status: 'complete', lease_expires_at: null } : { lease_expires_at: null }),
        );
      }
      if (plan.prd) patchOfStored(action, 'its PRD', prd!.id, CASCADE_FIELDS, () => prds.patch(prd!.id, { status: 'complete' }));
      return current(false);
    });
  }

  // ---------------------------------------------------------------- dependencies

  createDependency(d: NewDependency): string {
    return this.createRecord(C.dependencies, d);
  }

  getDependency(id: string): Dependency | undefined {
    return read(this.records.dependencies.get(id), READ_DEFAULTS.dependencies);
  }

  resolveDependency(id: string, payload?: string | null, options?: WriteOptions): Dependency {
    assertIdArgument(id);
    const opts = parseWriteOptions(options);
    if (payload !== undefined && payload !== null && typeof payload !== 'string') {
      throw new ValidationError(`payload must be a string or null (got ${typeof payload}); serialize structured payloads with JSON.stringify`, {
        field: 'payload',
      });
    }
    return this.host.transaction(() => {
      assertCurrent(this.records.dependencies, id, opts);
      requireLive(this.records.dependencies, id, 'id', 'dependency');
      const fields = payload === undefined ? { resolved_at: Date.now() } : { resolved_at: Date.now(), payload };
      const written = patchOfStored(`resolve dependency ${id}`, 'dependency', id, ['resolved_at', 'payload', 'updated_at'], () =>
        this.records.dependencies.patch(id, fields, opts),
      );
      return read(written, READ_DEFAULTS.dependencies)!;
    });
  }

  listDependencies(execId: string): Dependency[] {
    assertIdArgument(execId, 'execId');
    const rows = this.host.queryCache<{ data: string }>([C.dependencies], Q.dependenciesOfExecution, [execId, execId]);
    return rows.map((r) => withDefaults(JSON.parse(r.data) as Dependency, READ_DEFAULTS.dependencies));
  }

  // ---------------------------------------------------------------- workflows

  createWorkflow(w: NewWorkflow): string {
    return this.createRecord(C.workflows, w, { rules: (input) => this.requireFreeWorkflowName(input.name as string, undefined) });
  }

  getWorkflow(id: string): Workflow | undefined {
    return read(this.records.workflows.get(id), READ_DEFAULTS.workflows);
  }

  getWorkflowByName(name: string): Workflow | undefined {
    assertName(name);
    const [first] = this.records.workflows.list({ where: { name }, orderBy: 'created_at', limit: 1 });
    return read(first, READ_DEFAULTS.workflows);
  }

  updateWorkflow(id: string, w: NewWorkflow, options?: WriteOptions): Workflow {
    return this.updateRecord<Workflow>(C.workflows, id, w, options, {
      // Only a new name is checked: keeping the name two merged branches both gave their workflows creates no duplicate.
      rules: (input, current) => {
        if (input.name !== current?.name) this.requireFreeWorkflowName(input.name as string, id);
      },
    });
  }

  listWorkflows(): Workflow[] {
    return readAll(this.records.workflows.list({ orderBy: 'name' }), READ_DEFAULTS.workflows);
  }

  // ---------------------------------------------------------------- repository state

  setRepoState(repoPath: string, lastSyncedCommit: string): RepoState {
    assertIdArgument(repoPath, 'repo_path');
    assertString('last_synced_commit', lastSyncedCommit);
    const fields = { repo_path: repoPath, last_synced_commit: lastSyncedCommit };
    return this.host.transaction(() => {
      const repoState = this.records.repoState;
      if (repoState.get(repoPath) !== undefined) return repoState.patch(repoPath, fields);
      assertNewRepoPath(repoPath);
      repoState.create({ id: repoPath, ...fields });
      return repoState.get(repoPath)!;
    });
  }

  getRepoState(repoPath: string): RepoState | undefined {
    assertIdArgument(repoPath, 'repo_path');
    return this.records.repoState.get(repoPath);
  }

  // ---------------------------------------------------------------- internals

  /**
   * Every reference of `collection`'s type that the registry checks on write must name a
   * live record (`null` or absent: no reference), else `NotFoundError` naming the field.
   */
  private requireReferences(collection: RecordTypeName, input: Record<string, unknown>): void {
    for (const ref of RECORD_TYPES[collection].references) {
      if (!ref.checkedOnWrite) continue;
      const value = input[ref.field];
      for (const id of ref.many === true && Array.isArray(value) ? value : [value]) {
        if (id !== undefined && id !== null) requireLive(this.byName[ref.to], id as string, ref.field, RECORD_TYPES[ref.to].label);
      }
    }
  }

  /**
   * `createX` for any registry type: the type's input schema, then, in one transaction with
   * the write, its references (as the registry declares them) and the type's own `rules`;
   * `complete` fills in what the store decides (an execution's `started_at`).
   */
  private createRecord(type: RecordTypeName, raw: unknown, hooks: WriteHooks = {}): string {
    const definition = RECORD_TYPES[type];
    const input = parseRecordInput(definition.input!, raw, definition.label) as Record<string, unknown>;
    const write = () => this.byName[type].create((hooks.complete?.(input, undefined) ?? input) as NewRecord<Record<string, unknown>>);
    // A type with nothing to check writes at once (one write is its own transaction).
    if (hooks.rules === undefined && !definition.references.some((ref) => ref.checkedOnWrite)) return write();
    return this.host.transaction(() => {
      this.requireReferences(type, input);
      hooks.rules?.(input, undefined);
      return write();
    });
  }

  /**
   * `updateX` for any registry type: the whole record replaced, under one transaction: a
   * stale `ifUpdatedAt` first, then the record must be live, then references and `rules`.
   */
  private updateRecord<T extends object>(type: RecordTypeName, id: string, raw: unknown, options: WriteOptions | undefined, hooks: WriteHooks = {}): T {
    const definition = RECORD_TYPES[type];
    const input = parseRecordInput(definition.input!, raw, definition.label, true) as Record<string, unknown>;
    const opts = parseWriteOptions(options);
    const records = this.byName[type];
    return this.host.transaction(() => {
      assertCurrent(records, id, opts);
      const current = requireLive(records, id, 'id', definition.label);
      this.requireReferences(type, input);
      hooks.rules?.(input, current);
      return records.update(id, (hooks.complete?.(input, current) ?? input) as NewRecord<Record<string, unknown>>, opts) as unknown as T;
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
}

function read<T extends object>(record: T | undefined, defaults: Readonly<Record<string, unknown>>): T | undefined {
  return record === undefined ? undefined : withDefaults(record, defaults);
}

function readAll<T extends object>(records: T[], defaults: Readonly<Record<string, unknown>>): T[] {
  return records.map((r) => withDefaults(r, defaults));
}

/**
 * A repository path that becomes a new record's id must be one (at most 512 characters,
 * no control characters): said in the argument's name, with a hint that fits a path.
 */
function assertNewRepoPath(repoPath: string): void {
  try {
    assertNewId(repoPath, 'repo_path');
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    throw new ValidationError(err.message, {
      field: 'repo_path',
      hint: "a repository state's id is its path: give a path of at most 512 characters with no control characters",
    });
  }
}

/** A workflow name: a string (else TypeError, as for every argument), not empty (else ValidationError). */
function assertName(name: unknown): asserts name is string {
  assertString('name', name);
  if (name.length === 0) throw new ValidationError('name must be a non-empty string (got "")', { field: 'name' });
}
