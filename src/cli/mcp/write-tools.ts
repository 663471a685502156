/**
 * The MCP tools that write: create a PRD, a task spec, an execution; patch any record
 * (optionally only if it has not changed since it was read); complete an execution.
 */
import { exactRecord } from '../../shared/exact-records.js';
import { z } from 'zod';
import { ValidationError, type NewExecution, type NewPrd, type NewTaskSpec } from '../../index.js';
import { resolveId } from '../../shared/id-prefix.js';
import { patchRecord, resolveReferenceIds } from '../patch-record.js';
import { claimGuard, refuseRunning } from './claim-fields.js';
import { requireCollection } from './read-tools.js';
import { WRITES, defineTool } from './tool-definition.js';
import {
  claimantArg,
  collectionArg,
  executionStatusArg,
  idArg,
  idOf,
  ifUpdatedAtArg,
  patchArg,
  prdStatusArg,
  recordResult,
  taskSpecStatusArg,
} from './tool-schemas.js';

const created = z.object({ id: z.string().describe('the new id (a UUIDv7)'), record: recordResult });

/** Keeps the members of `args` that were given (zod leaves absent optionals undefined). */
function given(args: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined));
}

export const createPrd = defineTool({
  name: 'create_prd',
  title: 'Create a PRD',
  description: [
    'Create a PRD (product requirement document): only title is required; description and content default to "", status to draft, review_passes to 0.',
    'Returns { id, record }. Then break it into task specs with create_task_spec. Errors: VALIDATION naming the field (e.g. an unknown status).',
  ].join(' '),
  input: z.strictObject({
    title: z.string().describe('the title'),
    description: z.string().optional().describe('a short description'),
    status: prdStatusArg.optional().describe('initial status (default draft)'),
    review_passes: z.int().nonnegative().optional().describe('review passes done so far (default 0)'),
    content: z.string().optional().describe('the document itself, markdown'),
  }),
  output: created,
  annotations: WRITES,
  run(store, args) {
    const id = store.createPrd(given(args) as NewPrd);
    return { id, record: store.getPrd(id) };
  },
});

export const createTaskSpec = defineTool({
  name: 'create_task_spec',
  title: 'Create a task spec',
  description: [
    'Create a task spec (one unit of work) under a PRD. A spec is ready once every task spec in dependencies is complete; status defaults to pending.',
    'Returns { id, record }. Errors: NOT_FOUND when prd_id or a dependency names no live record; VALIDATION naming the field.',
  ].join(' '),
  input: z.strictObject({
    prd_id: idOf('PRD'),
    phase_name: z.string().describe('the phase this spec belongs to (e.g. "api", "tests")'),
    description: z.string().optional().describe('a short description'),
    content: z.string().optional().describe('the full spec, markdown'),
    status: taskSpecStatusArg.optional().describe('initial status (default pending; not running: a spec becomes running when claimed)'),
    workflow_name: z.string().nullable().optional().describe('the workflow template to run it with'),
    assigned_to: z.string().nullable().optional().describe('who it is assigned to (claim_task_spec sets this for you)'),
    dependencies: z
      .array(z.string().min(1))
      .optional()
      .describe('ids (or unique prefixes) of the task specs that must be complete before this one is ready (default [])'),
  }),
  output: created,
  annotations: WRITES,
  run(store, args) {
    const spec = given(args);
    if (spec.status === 'running') refuseRunning('a new task spec');
    resolveReferenceIds(store, 'task_specs', spec, (field) => field);
    if (Array.isArray(spec.dependencies)) spec.dependencies = [...new Set(spec.dependencies)];
    const id = store.createTaskSpec(spec as NewTaskSpec);
    return { id, record: store.getTaskSpec(id) };
  },
});

export const createExecution = defineTool({
  name: 'create_execution',
  title: 'Create an execution',
  description: [
    'Record that you started working on a task spec (usually the one you just claimed): an execution with status running, started now.',
    'Returns { id, record }; keep the id and call complete_execution with it when the work is done (update_record for progress: current_phase, iteration_count, or status failed with error_message).',
    'Errors: NOT_FOUND when ts_id names no live task spec; VALIDATION naming the field.',
  ].join(' '),
  input: z.strictObject({
    ts_id: idOf('task spec'),
    worktree_path: z.string().describe('the git worktree the work happens in'),
    branch_name: z.string().describe('the branch the work is committed on'),
    status: executionStatusArg.optional().describe('initial status (default running)'),
    current_phase: z.string().nullable().optional().describe('what it is doing now'),
    iteration_count: z.int().nonnegative().optional().describe('loop iterations so far (default 0)'),
  }),
  output: created,
  annotations: WRITES,
  run(store, args) {
    const execution = given(args);
    resolveReferenceIds(store, 'executions', execution, (field) => field);
    const id = store.createExecution(execution as NewExecution);
    return { id, record: store.getExecution(id) };
  },
});

export const completeExecution = defineTool({
  name: 'complete_execution',
  title: 'Complete an execution',
  description: [
    'Mark an execution complete, in one transaction with what follows from it: its task spec becomes complete (its claim lease is cleared, assigned_to kept),',
    'and when every task spec of that PRD is then complete, the PRD too. Specs that depended on it may become ready.',
    'An execution already complete is left as it is and so are its task spec and PRD (a retry is safe and never undoes a reopen of the spec): alreadyComplete is then true.',
    'Pass your claimant: then it completes only if you still hold the spec (CLAIMED when another agent took it over after your lease ran out, or completed it).',
    'A cancelled PRD stays cancelled.',
    'Returns { execution, taskSpec, prd, alreadyComplete } (current versions). Errors: NOT_FOUND when id names no live execution; CLAIMED (with claimant);',
    'STALE when the execution is failed or stopped (set its status back with update_record first if the work really finished, or create a new execution).',
  ].join(' '),
  input: z.strictObject({ id: idOf('execution'), claimant: claimantArg.optional() }),
  output: z.looseObject({ execution: recordResult, taskSpec: recordResult.optional(), prd: recordResult.optional(), alreadyComplete: z.boolean() }),
  annotations: { ...WRITES, idempotentHint: true },
  run(store, args) {
    const { id } = resolveId(store, args.id, { collections: ['executions'], what: 'execution' });
    const result = store.completeExecution(id, args.claimant === undefined ? undefined : { claimant: args.claimant });
    return {
      execution: exactRecord(store, 'executions', result.execution),
      taskSpec: result.taskSpec === undefined ? undefined : exactRecord(store, 'task_specs', result.taskSpec),
      prd: result.prd === undefined ? undefined : exactRecord(store, 'prds', result.prd),
      alreadyComplete: result.alreadyComplete,
    };
  },
});

/**
 * Fields the store owns: a patch may not set them. `created_at` is checked against the
 * current version instead (see {@link createdAtGuard}).
 */
const STAMPED = ['id', 'updated_at'] as const;

/**
 * The store keeps `created_at` from the first version, so a patch of it would be dropped:
 * refused when the current version has one. A version without one (a line another program
 * wrote) takes the one given, as `taskstore update --set created_at=…` does: the repair a
 * task spec without it needs before it can be claimed. Checked under the write lock.
 */
function createdAtGuard(patch: Record<string, unknown>): ((current: Record<string, unknown> | undefined) => void) | undefined {
  if (!Object.hasOwn(patch, 'created_at')) return undefined;
  return (current) => {
    if (current?.created_at === undefined) return; // none to keep (a missing record is the patch's own NOT_FOUND)
    throw new ValidationError('patch may not set created_at: the store keeps it from the first version', {
      field: 'created_at',
      hint: 'remove it from patch (only a record that has no created_at takes one from a patch)',
    });
  };
}

export const updateRecord = defineTool({
  name: 'update_record',
  title: 'Update a record',
  description: [
    'Change some fields of one record (found by id or unique prefix, in any collection): the fields in patch take their new values, all others stay.',
    'For a read-modify-write, pass the updated_at you read as if_updated_at: if anyone changed the record since, nothing is written and the error is STALE (read it again and retry).',
    'The record is validated as a whole (built-in types: field types, enum values, references). Returns { collection, record } (the new version).',
    'id and updated_at are the store\'s; created_at too, except that a record without one (written by another program) takes the one patch gives.',
    "A task spec's claim is not patched: lease_expires_at, a status change to or from running, and assigned_to of a running spec are refused (VALIDATION); the claim tools make those changes.",
    'Errors: STALE; NOT_FOUND; VALIDATION naming the field; CLAIMED is never raised here (use the claim tools for claims).',
  ].join(' '),
  input: z.strictObject({
    id: idArg,
    patch: patchArg,
    if_updated_at: ifUpdatedAtArg.optional(),
    collection: collectionArg.optional().describe('look for the id in this collection only'),
  }),
  output: z.object({ collection: z.string(), record: recordResult }),
  annotations: WRITES,
  run(store, args) {
    const patch = { ...args.patch };
    for (const field of STAMPED) {
      if (Object.hasOwn(patch, field)) {
        throw new ValidationError(`patch may not set ${field}: the store maintains it`, {
          field,
          hint: field === 'updated_at' ? 'pass the version you read as if_updated_at for a conditional write' : 'remove it from patch',
        });
      }
    }
    if (Object.keys(patch).length === 0) throw new ValidationError('patch names no field to change', { field: 'patch' });
    if (args.collection !== undefined) requireCollection(store, args.collection);
    const { collection, id } = resolveId(store, args.id, args.collection === undefined ? {} : { collections: [args.collection] });
    resolveReferenceIds(store, collection, patch, (field) => `patch.${field}`);
    const guards = [createdAtGuard(patch), claimGuard(collection, patch)];
    const record = patchRecord(store, collection, id, patch, args.if_updated_at, (current) => {
      for (const guard of guards) guard?.(current);
    });
    return { collection, record: exactRecord(store, collection, record) };
  },
});

