/**
 * The MCP tools that only read: ready task specs, one record by id or prefix, a page of
 * any collection, a record's history, the consistency check.
 */
import { z } from 'zod';
import { NotFoundError, type Condition, type Store } from '../../index.js';
import { recordHistory } from '../../shared/record-history.js';
import { resolveId } from '../../shared/id-prefix.js';
import { readRecord } from '../../shared/read-record.js';
import { withReadDefaults } from '../record-types.js';
import { exactHistory, exactRecord, exactRecords } from '../../shared/exact-records.js';
import { READ_ONLY, defineTool } from './tool-definition.js';
import { collectionArg, idArg, idOf, limitArg, offsetArg, recordResult, taskSpecResult, whereArg } from './tool-schemas.js';

/** Default page size of `list_records`: enough to work with, small enough for an agent's context. */
const DEFAULT_LIST_LIMIT = 100;

/** Throws NOT_FOUND (listing the collections there are) unless the store has `name`. */
export function requireCollection(store: Store, name: string): void {
  const names = store.collectionNames();
  if (names.includes(name)) return;
  throw new NotFoundError(`there is no collection named ${name}`, {
    data: { collection: name },
    hint: names.length === 0 ? 'the store has no collections yet' : `collections in this store: ${names.join(', ')}`,
  });
}

/** The PRD id for a `prd_id` argument (a full id or a unique prefix). */
export function resolvePrdId(store: Store, prdId: string): string {
  return resolveId(store, prdId, { collections: ['prds'], what: 'PRD', argument: 'prd_id' }).id;
}

export const readyTaskSpecs = defineTool({
  name: 'ready_task_specs',
  title: 'Ready task specs',
  description: [
    'List the task specs that are ready to start: status pending and every task spec in their dependencies complete, oldest first.',
    'Use it to see what work is available; to take one, call claim_task_spec (without id it claims the first claimable spec for you, atomically).',
    'A spec listed here may be claimed by another agent a moment later: always claim before working. Errors: NOT_FOUND when prd_id matches no PRD.',
  ].join(' '),
  input: z.strictObject({
    prd_id: idOf('PRD').optional().describe('only task specs of this PRD (id or unique prefix)'),
    limit: limitArg.optional().describe('at most this many (default: all)'),
  }),
  output: z.object({ task_specs: z.array(taskSpecResult) }),
  annotations: READ_ONLY,
  run(store, args) {
    const prdId = args.prd_id === undefined ? undefined : resolvePrdId(store, args.prd_id);
    const ready = store.listReadyTaskSpecs().filter((spec) => prdId === undefined || spec.prd_id === prdId);
    return { task_specs: exactRecords(store, 'task_specs', args.limit === undefined ? ready : ready.slice(0, args.limit)) };
  },
});

export const getRecord = defineTool({
  name: 'get_record',
  title: 'Get a record',
  description: [
    'Read the current version of one record by its id or any unique prefix of it; the collection is found from the id (give collection to look only there).',
    'Returns { collection, record }; record.updated_at is its version, to pass as if_updated_at to update_record.',
    'Errors: NOT_FOUND when no live record matches; VALIDATION when the prefix matches several records (the text lists them: give more characters).',
  ].join(' '),
  input: z.strictObject({ id: idArg, collection: collectionArg.optional() }),
  output: z.object({ collection: z.string(), record: recordResult }),
  annotations: READ_ONLY,
  run(store, args) {
    if (args.collection !== undefined) requireCollection(store, args.collection);
    const match = resolveId(store, args.id, args.collection === undefined ? {} : { collections: [args.collection] });
    const record = readRecord(store, match.collection, match.id);
    // resolveId returns live records only: only a delete in between gets here.
    if (record === undefined) throw new NotFoundError(`${match.collection} has no record with id ${match.id}`, { data: { ...match } });
    return { collection: match.collection, record: exactRecord(store, match.collection, record) };
  },
});

export const listRecords = defineTool({
  name: 'list_records',
  title: 'List records',
  description: [
    'List the live records of one collection that match where, in the default order (updated_at, then id), one page at a time.',
    `Returns { collection, records, total } where total counts every match (page with offset while offset + records.length < total). Default limit ${DEFAULT_LIST_LIMIT}.`,
    'Errors: NOT_FOUND for a collection the store does not have (the hint lists those it has); VALIDATION for a malformed where.',
  ].join(' '),
  input: z.strictObject({
    collection: collectionArg,
    where: whereArg.optional(),
    limit: limitArg.optional().describe(`at most this many records (default ${DEFAULT_LIST_LIMIT})`),
    offset: offsetArg.optional(),
  }),
  output: z.object({ collection: z.string(), records: z.array(recordResult), total: z.int() }),
  annotations: READ_ONLY,
  run(store, args) {
    requireCollection(store, args.collection);
    const collection = store.collection({ name: args.collection });
    const where = args.where as Record<string, Condition> | undefined;
    const records = collection
      .list({ where, limit: args.limit ?? DEFAULT_LIST_LIMIT, offset: args.offset ?? 0 })
      .map((record) => withReadDefaults(args.collection, record));
    return { collection: args.collection, records: exactRecords(store, args.collection, records), total: collection.count({ where }) };
  },
});

export const recordHistoryTool = defineTool({
  name: 'record_history',
  title: 'Record history',
  description: [
    'Every version of one record in the order written, deletions included, each with the fields it changed (old and new values).',
    'Use it to see who changed what and when (e.g. claims, status changes). A deleted record is found by its full id only.',
    'Returns { collection, id, versions: [{ record, deleted, basedOn, mergeOf, changes: [{ field, old?, new? }] }] }: basedOn is the (1-based) version this one was compared with (after a git merge, the one it was made from), mergeOf the other branch\'s version for a version the merge wrote. Errors: NOT_FOUND; VALIDATION for an ambiguous prefix.',
  ].join(' '),
  input: z.strictObject({ id: idArg }),
  output: z.object({
    collection: z.string(),
    id: z.string(),
    versions: z.array(
      z.object({
        record: recordResult,
        deleted: z.boolean(),
        basedOn: z.int().nullable().describe('the 1-based version this one was compared with; null for the first'),
        mergeOf: z.int().nullable().describe("for a version the merge driver wrote: the other branch's version (1-based); else null"),
        changes: z.array(z.looseObject({ field: z.string() })),
      }),
    ),
  }),
  annotations: READ_ONLY,
  run(store, args) {
    return { ...exactHistory(store, recordHistory(store, { id: args.id })) };
  },
});

export const check = defineTool({
  name: 'check',
  title: 'Check the store',
  description: [
    'Check the store for problems: malformed or torn lines, unresolved git conflict markers, dangling references, dependency cycles, two running executions of one task spec, cache drift, git setup.',
    'Returns { ok, problems: [{ kind, collection?, line?, id?, message }] }; ok false is a normal result, not a tool error. Use it when something looks wrong; problems need a person or the CLI to fix.',
  ].join(' '),
  input: z.strictObject({}),
  output: z.looseObject({
    ok: z.boolean(),
    problems: z.array(z.looseObject({ kind: z.string(), message: z.string() })),
  }),
  annotations: READ_ONLY,
  run(store) {
    return { ...store.check() };
  },
});
