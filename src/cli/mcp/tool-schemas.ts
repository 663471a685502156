/**
 * The argument and result schemas of the MCP tools, as zod schemas: validated on every
 * call and listed as JSON Schema by `tools/list`. Arguments use the records' own
 * snake_case field names plus `id`, `collection`, `where`, `limit`, `offset`,
 * `claimant`, `lease_ms`, `if_updated_at` and `patch`. Pure.
 */
import { z } from 'zod';
import { ExecutionStatusSchema, MAX_LEASE_MS, PrdStatusSchema, RECORD_TYPES, TaskSpecStatusSchema } from '../../index.js';

// ---- arguments ----

export const idArg = z.string().min(1).describe('the record id, or any unique prefix of it (like a short git hash)');

export const idOf = (what: string) => z.string().min(1).describe(`the ${what}'s id, or any unique prefix of it`);

export const claimantArg = z
  .string()
  .min(1)
  .describe('who holds the claim: a stable name of printable characters for this agent or loop (e.g. "loop-3@build-host"; a claim takes at most 256 characters); use the same name to renew and release');

export const leaseMsArg = z
  .int()
  .positive()
  .max(MAX_LEASE_MS)
  .describe('lease length in milliseconds (default 300000 = 5 minutes, at most 86400000 = 24 hours); renew_claim before it runs out, or the spec becomes claimable by others');

export const ifUpdatedAtArg = z
  .int()
  .nonnegative()
  .describe(
    "the record's updated_at as you last read it: the write happens only if the record has not changed since (else error STALE and nothing is written). Omit to write unconditionally",
  );

export const collectionArg = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, 'a collection name is 1-64 characters of a-z, 0-9 and _, starting with a letter')
  .describe(`collection name: ${Object.keys(RECORD_TYPES).join(', ')}, or any generic collection of the store`);

export const limitArg = z.int().nonnegative();
export const offsetArg = z.int().nonnegative().describe('skip this many records first (for paging)');

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const ordered = z.union([z.string(), z.number()]);
const operators = z
  .strictObject({
    eq: scalar.optional(),
    ne: scalar.optional(),
    lt: ordered.optional(),
    lte: ordered.optional(),
    gt: ordered.optional(),
    gte: ordered.optional(),
    like: z.string().optional().describe('SQL LIKE pattern: % any run of characters, _ one character'),
    in: z.array(scalar).optional(),
  })
  // `{}` names no comparison: the library refused it with a message naming no field.
  .refine((ops) => Object.values(ops).some((v) => v !== undefined), 'give at least one operator: eq, ne, lt, lte, gt, gte, like or in')
  .describe('comparison operators, all of which must hold');

export const whereArg = z
  .record(z.string(), z.union([scalar, operators]))
  .describe(
    'field conditions, all of which must hold: a plain value means equality ({"status":"pending"}); an object compares ({"updated_at":{"gt":1733000000000}, "status":{"in":["pending","running"]}}). Dotted names reach into nested objects (meta.owner)',
  );

export const patchArg = z
  .record(z.string(), z.unknown())
  .describe(
    'the fields to change, with their new values (JSON types as stored: numbers for counters and timestamps, null to clear an optional field); fields not named stay as they are. Reference fields (prd_id, ts_id, dependencies …) accept id prefixes',
  );

export const prdStatusArg = PrdStatusSchema;
export const taskSpecStatusArg = TaskSpecStatusSchema;
export const executionStatusArg = ExecutionStatusSchema;

// ---- results ----

/** Any stored record: `id` and `updated_at` (its version) plus its own fields. */
export const recordResult = z.looseObject({
  id: z.string(),
  updated_at: z.int().describe("the record's version: pass it as if_updated_at for a conditional write"),
});

export const taskSpecResult = recordResult.describe('a task spec: prd_id, phase_name, description, status, workflow_name, assigned_to, lease_expires_at, dependencies, content …');
