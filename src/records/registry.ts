/**
 * The record-type registry: everything TaskStore knows about each built-in record type
 * (prds, task_specs, executions, dependencies, workflows, repo_state), in one place.
 * Pure: no I/O.
 *
 * Per type: the collection name, the zod schemas (a stored version, and what
 * `createX` / `updateX` accept), the defaults reads fill in, the indexes the store
 * declares, the fields that reference other records, the status enum, a human label
 * and the field that titles a record. The store's reference checks (on write, on delete,
 * on import), `check()`'s dangling-reference report and the CLI's type handling all read
 * {@link RECORD_TYPES}, so adding a field or a reference to a type is a change to this
 * file alone.
 *
 * Each type has two schemas:
 * - `XSchema` validates a complete stored version (what a JSONL line holds): `id`,
 *   the timestamps, and every field.
 * - `NewXSchema` validates what `createX` / `updateX` accept: the same fields with the
 *   spec's defaults filled in, and `id`, `created_at`, `updated_at` optional (the store
 *   fills them in; `updated_at` is always stamped by the store).
 *
 * Field names are snake_case exactly as on disk, enum values lowercase, timestamps
 * integer Unix milliseconds.
 *
 * Unknown fields are kept, not stripped (zod "loose" objects): a record written by the
 * Rust TaskStore or by a newer TaskStore may carry fields this version has never heard
 * of, and reading, updating or merging it must not silently lose them (the lesson of
 * Beads #1480). The exported TypeScript types list only the known fields.
 *
 * The schemas are built on first use (the first validation or the first property read of
 * an exported schema), not when this module loads: a read never validates, and loading
 * zod is most of a CLI start otherwise (see `lazy-zod.ts`). Everything else here, read
 * defaults included, is plain values.
 */
import type { z } from 'zod';
import { lazyObject, onFirstUse, type Zod } from './lazy-zod.js';

/**
 * The status values, as plain arrays: what needs only the values (check()'s
 * invalid_status) reads them without building the schemas, which loads zod.
 */
const PRD_STATUSES = ['draft', 'ready', 'active', 'in_progress', 'complete', 'failed', 'cancelled'] as const;
const TASK_SPEC_STATUSES = ['pending', 'blocked', 'running', 'complete', 'failed'] as const;
const EXECUTION_STATUSES = ['running', 'paused', 'complete', 'failed', 'stopped'] as const;

/**
 * Builds every record schema with the given zod. Run once, on the first validation
 * (see `lazy-zod.ts`: loading zod and building these is most of a CLI start otherwise).
 */
function buildSchemas(z: Zod) {
  // ---- building blocks ----

  /** A record id, or a reference to one: a non-empty string. */
  const idRef = z.string().min(1);
  /** Integer Unix milliseconds. */
  const timestamp = z.int().nonnegative();
  const nullableTimestamp = z.int().nonnegative().nullable();
  /** A non-negative integer counter. */
  const counter = z.int().nonnegative();

  // ---- enums ----

  const PrdStatusSchema = z.enum(PRD_STATUSES);
  const TaskSpecStatusSchema = z.enum(TASK_SPEC_STATUSES);
  const ExecutionStatusSchema = z.enum(EXECUTION_STATUSES);
  const DependencyTypeSchema = z.enum(['notify', 'query', 'share']);

  // ---- field sets (in the spec's on-disk order) ----
  // A field with a default here must have the same value in READ_DEFAULTS below.

  const prdFields = {
    title: z.string(),
    description: z.string().default(''),
    status: PrdStatusSchema.default('draft'),
    review_passes: counter.default(0),
    content: z.string().default(''),
  };

  const taskSpecFields = {
    prd_id: idRef,
    phase_name: z.string(),
    description: z.string().default(''),
    status: TaskSpecStatusSchema.default('pending'),
    workflow_name: z.string().nullable().default(null),
    assigned_to: z.string().nullable().default(null),
    /** Ids of the task specs this one waits for. */
    dependencies: z.array(idRef).default([]),
    content: z.string().default(''),
    /** When the claimant's lease ends (ms); absent or null when nobody holds a claim. */
    lease_expires_at: nullableTimestamp.optional(),
  };

  const executionFields = {
    ts_id: idRef,
    worktree_path: z.string(),
    branch_name: z.string(),
    status: ExecutionStatusSchema.default('running'),
    /** Defaults to now on create; on update, to the current version's value. */
    started_at: timestamp.optional(),
    completed_at: nullableTimestamp.default(null),
    current_phase: z.string().nullable().default(null),
    iteration_count: counter.default(0),
    error_message: z.string().nullable().default(null),
  };

  const dependencyFields = {
    from_exec_id: idRef,
    /** `null` = a broadcast to every execution. */
    to_exec_id: idRef.nullable().default(null),
    dependency_type: DependencyTypeSchema,
    resolved_at: nullableTimestamp.default(null),
    /** Free text; serialize structured payloads with `JSON.stringify` (the Rust TaskStore stores a string). */
    payload: z.string().nullable().default(null),
  };

  const workflowFields = {
    name: z.string().min(1),
    version: z.string(),
    content: z.string().default(''),
  };

  /** Stamps the store sets; optional in `NewX` (and `updated_at` is ignored there). */
  const newStamps = {
    id: idRef.optional(),
    created_at: timestamp.optional(),
    updated_at: timestamp.optional(),
  };

  // ---- stored records (keys in the spec's on-disk order) ----

  const f = { prd: prdFields, ts: taskSpecFields, ex: executionFields, dep: dependencyFields, wf: workflowFields };

  const PrdShape = z.object({
    id: idRef,
    title: f.prd.title,
    description: f.prd.description,
    created_at: timestamp,
    updated_at: timestamp,
    status: f.prd.status,
    review_passes: f.prd.review_passes,
    content: f.prd.content,
  });
  const TaskSpecShape = z.object({
    id: idRef,
    prd_id: f.ts.prd_id,
    phase_name: f.ts.phase_name,
    description: f.ts.description,
    created_at: timestamp,
    updated_at: timestamp,
    status: f.ts.status,
    workflow_name: f.ts.workflow_name,
    assigned_to: f.ts.assigned_to,
    dependencies: f.ts.dependencies,
    content: f.ts.content,
    lease_expires_at: f.ts.lease_expires_at,
  });
  /**
   * Executions have no `created_at` in the spec's field list (`started_at` is their domain
   * timestamp); the store's generic rule (docs/format.md) still sets one on create, so it is
   * optional here: records written by the Rust TaskStore have none.
   */
  const ExecutionShape = z.object({
    id: idRef,
    ts_id: f.ex.ts_id,
    worktree_path: f.ex.worktree_path,
    branch_name: f.ex.branch_name,
    status: f.ex.status,
    started_at: timestamp,
    created_at: timestamp.optional(),
    updated_at: timestamp,
    completed_at: f.ex.completed_at,
    current_phase: f.ex.current_phase,
    iteration_count: f.ex.iteration_count,
    error_message: f.ex.error_message,
  });
  const DependencyShape = z.object({
    id: idRef,
    from_exec_id: f.dep.from_exec_id,
    to_exec_id: f.dep.to_exec_id,
    dependency_type: f.dep.dependency_type,
    created_at: timestamp,
    updated_at: timestamp,
    resolved_at: f.dep.resolved_at,
    payload: f.dep.payload,
  });
  const WorkflowShape = z.object({
    id: idRef,
    name: f.wf.name,
    version: f.wf.version,
    created_at: timestamp,
    updated_at: timestamp,
    content: f.wf.content,
  });
  /** `id` equals `repo_path`. Like executions, `created_at` is optional (not in the spec's field list). */
  const RepoStateShape = z.object({
    id: idRef,
    repo_path: idRef,
    last_synced_commit: z.string(),
    created_at: timestamp.optional(),
    updated_at: timestamp,
  });

  const newPrd = z.object({ ...newStamps, ...prdFields });
  const newTaskSpec = z.object({ ...newStamps, ...taskSpecFields });
  const newExecution = z.object({ ...newStamps, ...executionFields });
  const newDependency = z.object({ ...newStamps, ...dependencyFields });
  const newWorkflow = z.object({ ...newStamps, ...workflowFields });

  return {
    PrdStatusSchema,
    TaskSpecStatusSchema,
    ExecutionStatusSchema,
    DependencyTypeSchema,
    PrdShape,
    TaskSpecShape,
    ExecutionShape,
    DependencyShape,
    WorkflowShape,
    RepoStateShape,
    PrdSchema: PrdShape.loose(),
    TaskSpecSchema: TaskSpecShape.loose(),
    ExecutionSchema: ExecutionShape.loose(),
    DependencySchema: DependencyShape.loose(),
    WorkflowSchema: WorkflowShape.loose(),
    RepoStateSchema: RepoStateShape.loose(),
    NewPrdShape: newPrd,
    NewPrdSchema: newPrd.loose(),
    NewTaskSpecShape: newTaskSpec,
    NewTaskSpecSchema: newTaskSpec.loose(),
    NewExecutionShape: newExecution,
    NewExecutionSchema: newExecution.loose(),
    NewDependencyShape: newDependency,
    NewDependencySchema: newDependency.loose(),
    NewWorkflowShape: newWorkflow,
    NewWorkflowSchema: newWorkflow.loose(),
    /** The `NewX` field sets, whose static defaults READ_DEFAULTS must equal (checked by a test). */
    inputFields: { prds: prdFields, task_specs: taskSpecFields, executions: executionFields, dependencies: dependencyFields, workflows: workflowFields },
  };
}

type Built = ReturnType<typeof buildSchemas>;

/** The built schemas; the first call loads zod and builds them. @internal */
export const recordSchemas = onFirstUse(buildSchemas);

/** An exported schema: a stand-in that builds the schemas on first use (see `lazyObject`). */
function lazy<K extends keyof Built>(key: K): Built[K] {
  return lazyObject(() => recordSchemas()[key]);
}

// ---- enums ----

export const PrdStatusSchema = lazy('PrdStatusSchema');
export type PrdStatus = z.infer<Built['PrdStatusSchema']>;

export const TaskSpecStatusSchema = lazy('TaskSpecStatusSchema');
export type TaskSpecStatus = z.infer<Built['TaskSpecStatusSchema']>;

export const ExecutionStatusSchema = lazy('ExecutionStatusSchema');
export type ExecutionStatus = z.infer<Built['ExecutionStatusSchema']>;

export const DependencyTypeSchema = lazy('DependencyTypeSchema');
export type DependencyType = z.infer<Built['DependencyTypeSchema']>;

// ---- stored records ----

/** A stored PRD version (`prds.jsonl`). Unknown fields are kept. */
export const PrdSchema = lazy('PrdSchema');
/** A stored task spec version (`task_specs.jsonl`). Unknown fields are kept. */
export const TaskSpecSchema = lazy('TaskSpecSchema');
/** A stored execution version (`executions.jsonl`). Unknown fields are kept. */
export const ExecutionSchema = lazy('ExecutionSchema');
/** A stored dependency version (`dependencies.jsonl`). Unknown fields are kept. */
export const DependencySchema = lazy('DependencySchema');
/** A stored workflow version (`workflows.jsonl`). Unknown fields are kept. */
export const WorkflowSchema = lazy('WorkflowSchema');
/** A stored repository state (`repo_state.jsonl`). Unknown fields are kept. */
export const RepoStateSchema = lazy('RepoStateSchema');

export type Prd = z.output<Built['PrdShape']>;
export type TaskSpec = z.output<Built['TaskSpecShape']>;
export type Execution = z.output<Built['ExecutionShape']>;
export type Dependency = z.output<Built['DependencyShape']>;
export type Workflow = z.output<Built['WorkflowShape']>;
export type RepoState = z.output<Built['RepoStateShape']>;

// ---- create / update input ----

/** What `createPrd` / `updatePrd` accept: `title` required, the rest defaulted. */
export const NewPrdSchema = lazy('NewPrdSchema');
/** What `createTaskSpec` / `updateTaskSpec` accept: `prd_id` and `phase_name` required. */
export const NewTaskSpecSchema = lazy('NewTaskSpecSchema');
/** What `createExecution` / `updateExecution` accept: `ts_id`, `worktree_path`, `branch_name` required. */
export const NewExecutionSchema = lazy('NewExecutionSchema');
/** What `createDependency` accepts: `from_exec_id` and `dependency_type` required. */
export const NewDependencySchema = lazy('NewDependencySchema');
/** What `createWorkflow` / `updateWorkflow` accept: `name` and `version` required. */
export const NewWorkflowSchema = lazy('NewWorkflowSchema');

export type NewPrd = z.input<Built['NewPrdShape']>;
export type NewTaskSpec = z.input<Built['NewTaskSpecShape']>;
export type NewExecution = z.input<Built['NewExecutionShape']>;
export type NewDependency = z.input<Built['NewDependencyShape']>;
export type NewWorkflow = z.input<Built['NewWorkflowShape']>;

// ---- defaults for reading ----

/**
 * Per collection: the values filled in for fields a stored version lacks, which are the
 * static defaults of the `NewX` schema (what `createX` would fill in), so a record written
 * by an older writer that omitted, say, `dependencies` still reads as a complete
 * `TaskSpec`. Written out as plain values so reads never build a schema; a test checks
 * they equal the schemas' defaults.
 */
export const READ_DEFAULTS: Readonly<Record<Exclude<RecordTypeName, 'repo_state'>, Readonly<Record<string, unknown>>>> = {
  prds: { description: '', status: 'draft', review_passes: 0, content: '' },
  task_specs: { description: '', status: 'pending', workflow_name: null, assigned_to: null, dependencies: [], content: '' },
  executions: { status: 'running', completed_at: null, current_phase: null, iteration_count: 0, error_message: null },
  dependencies: { to_exec_id: null, resolved_at: null, payload: null },
  workflows: { content: '' },
};

// ---- the registry ----

/** The built-in record types, by collection name (`<name>.jsonl`). */
export type RecordTypeName = 'prds' | 'task_specs' | 'executions' | 'dependencies' | 'workflows' | 'repo_state';

/** A field of one record type that holds the id (or, `many`, a list of ids) of records of another. */
export interface ReferenceDefinition {
  /** The field that holds the id(s). */
  field: string;
  /** The record type the id names. */
  to: RecordTypeName;
  /** The field holds a list of ids (task spec `dependencies`). */
  many?: boolean;
  /** `null` means "no record" (a dependency's `to_exec_id`: a broadcast), not a dangling reference. */
  nullable?: boolean;
  /**
   * Must name a live record when written (`createX` / `updateX`, import); `NotFoundError`
   * otherwise. Every reference guards deletes and is reported by `check()` when dangling.
   */
  checkedOnWrite: boolean;
  /** Appended to `check()`'s dangling-reference message: what the dangling id causes. */
  danglingEffect?: string;
}

/** What the store and the CLI know about one record type. */
export interface RecordTypeDefinition {
  /** The collection name, as on disk. */
  collection: RecordTypeName;
  /** Singular, for messages: `task spec`. */
  label: string;
  /** The field that names a record for people (a PRD's `title`, a workflow's `name`); undefined: shown by id. */
  titleField: string | undefined;
  /** Every stored version must pass it (writes through the generic collection API too). */
  stored: z.ZodType<Record<string, unknown>> & { shape: Record<string, unknown> };
  /** What `createX` / `updateX` accept; undefined when the type has no such methods. */
  input: z.ZodType | undefined;
  /** Filled in on read for fields a stored version lacks (the input schema's static defaults). */
  readDefaults: Readonly<Record<string, unknown>> | undefined;
  /** Fields indexed in the cache, declared in code so a fresh clone answers filtered queries at once. */
  indexes: readonly string[];
  /** The field every stored version must hold its own `id` in (a repository state's `repo_path`: reads find the record by it). */
  idField?: string;
  /** Fields that reference other records, in the order they are checked. */
  references: readonly ReferenceDefinition[];
  /** The values of `status`, for types that have one. */
  status: z.ZodType<string> | undefined;
  /** The same values as an array (reading it loads no zod). */
  statusValues: readonly string[] | undefined;
  /**
   * The `Store` method that replaces a record of this type with the type's checks
   * (input schema, references, unique names); undefined: the type has none, and the
   * generic collection API (with the stored schema) writes it.
   */
  updateMethod: 'updatePrd' | 'updateTaskSpec' | 'updateExecution' | 'updateWorkflow' | undefined;
}

export const RECORD_TYPES: Readonly<Record<RecordTypeName, RecordTypeDefinition>> = {
  prds: {
    collection: 'prds',
    label: 'PRD',
    titleField: 'title',
    stored: PrdSchema,
    input: NewPrdSchema,
    readDefaults: READ_DEFAULTS.prds,
    indexes: ['status', 'created_at'],
    references: [],
    status: PrdStatusSchema,
    statusValues: PRD_STATUSES,
    updateMethod: 'updatePrd',
  },
  task_specs: {
    collection: 'task_specs',
    label: 'task spec',
    titleField: 'phase_name',
    stored: TaskSpecSchema,
    input: NewTaskSpecSchema,
    readDefaults: READ_DEFAULTS.task_specs,
    indexes: ['prd_id', 'status', 'created_at'],
    references: [
      { field: 'prd_id', to: 'prds', checkedOnWrite: true },
      // Not required to exist yet when written: a spec may wait for one created later.
      { field: 'dependencies', to: 'task_specs', many: true, checkedOnWrite: false, danglingEffect: '(the spec can never become ready)' },
    ],
    status: TaskSpecStatusSchema,
    statusValues: TASK_SPEC_STATUSES,
    updateMethod: 'updateTaskSpec',
  },
  executions: {
    collection: 'executions',
    label: 'execution',
    titleField: undefined,
    stored: ExecutionSchema,
    input: NewExecutionSchema,
    readDefaults: READ_DEFAULTS.executions,
    indexes: ['status', 'ts_id', 'started_at'],
    references: [{ field: 'ts_id', to: 'task_specs', checkedOnWrite: true }],
    status: ExecutionStatusSchema,
    statusValues: EXECUTION_STATUSES,
    updateMethod: 'updateExecution',
  },
  dependencies: {
    collection: 'dependencies',
    label: 'dependency',
    titleField: undefined,
    stored: DependencySchema,
    input: NewDependencySchema,
    readDefaults: READ_DEFAULTS.dependencies,
    indexes: ['from_exec_id', 'to_exec_id'],
    references: [
      { field: 'from_exec_id', to: 'executions', checkedOnWrite: true },
      { field: 'to_exec_id', to: 'executions', nullable: true, checkedOnWrite: true },
    ],
    status: undefined,
    statusValues: undefined,
    updateMethod: undefined,
  },
  workflows: {
    collection: 'workflows',
    label: 'workflow',
    titleField: 'name',
    stored: WorkflowSchema,
    input: NewWorkflowSchema,
    readDefaults: READ_DEFAULTS.workflows,
    indexes: ['name'],
    references: [],
    status: undefined,
    statusValues: undefined,
    updateMethod: 'updateWorkflow',
  },
  repo_state: {
    collection: 'repo_state',
    label: 'repository state',
    titleField: 'repo_path',
    stored: RepoStateSchema,
    input: undefined,
    readDefaults: undefined,
    indexes: [],
    idField: 'repo_path',
    references: [],
    status: undefined,
    statusValues: undefined,
    updateMethod: undefined,
  },
};

/** The built-in type named `collection`, or undefined for a generic collection. */
export function recordType(collection: string): RecordTypeDefinition | undefined {
  return Object.hasOwn(RECORD_TYPES, collection) ? RECORD_TYPES[collection as RecordTypeName] : undefined;
}

/** One reference field with the type that holds it. */
export interface ReferenceField extends ReferenceDefinition {
  /** The collection whose records hold the reference. */
  from: RecordTypeName;
}

/** Every reference between built-in types, type by type in registry order. */
export const REFERENCE_FIELDS: readonly ReferenceField[] = Object.values(RECORD_TYPES).flatMap((type) =>
  type.references.map((ref) => ({ ...ref, from: type.collection })),
);
