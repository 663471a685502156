/**
 * What a tool call answers: a result object as structured content plus the same JSON as
 * text (for clients that read only text), or a tool error (`isError`) whose text starts
 * with the TaskStore error code, so an agent can branch on the first word. Pure.
 */
import type { z } from 'zod';
import { TaskStoreError } from '../../index.js';
import { stringifyExact } from '../../shared/exact-json.js';
import { CliError } from '../errors.js';

/** The subset of the MCP `CallToolResult` this server produces. */
export interface ToolResult {
  [key: string]: unknown;
  content: { type: 'text'; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/**
 * A successful result: `value` as structured content and as JSON text. The text prints
 * an integer beyond ±2^53 (an `ExactInteger`) with every digit; structured content is
 * JSON numbers, which hold it rounded, as any client's `JSON.parse` would.
 */
export function toolSuccess(value: Record<string, unknown>): ToolResult {
  // Round-trip so structured content holds what the text says (undefined members dropped).
  const text = stringifyExact(value);
  return { content: [{ type: 'text', text }], structuredContent: JSON.parse(text) as Record<string, unknown> };
}

/** What to do next, for errors that carry no hint of their own (worded for an agent calling tools). */
const DEFAULT_HINTS: Record<string, string> = {
  NOT_FOUND: 'check the id (list_records shows what exists); any unique prefix of an id works',
  ALREADY_EXISTS: 'use another id or name, or update the existing record with update_record',
  VALIDATION: 'fix the named field and call again; nothing was written',
  STALE: 'the record changed since you read it: read it again (get_record), redo your change on the new version and pass its updated_at as if_updated_at',
  CLAIMED: 'another claimant holds this task spec; pick another one (ready_task_specs, or claim_task_spec without id)',
  CONFLICT_MARKERS: 'a person must resolve the git merge conflict in the named file, then run `taskstore sync`',
  CORRUPT: 'call check for details',
  TOO_LARGE: 'store large content elsewhere and keep a reference in the record',
  IO: 'the store directory is not writable or the disk is full; nothing was written',
  INVALID_NAME: 'collection names are 1-64 characters of a-z, 0-9 and _, starting with a letter',
  UNSUPPORTED_VERSION: 'this taskstore is older than the store; upgrade it',
  LOCKED: 'another process is writing to the store; call again in a moment',
};

/** A described failure, before it becomes text. */
interface ToolFailure {
  code: string;
  message: string;
  hint?: string | undefined;
  details?: string[];
  data?: Record<string, unknown>;
}

/**
 * The tool error for `err`: `CODE: message`, then the detail lines, `hint: …` and
 * `data: {…}` (the error's structured details as JSON). A {@link CliError} (an
 * ambiguous id prefix, an empty id) is bad input: `VALIDATION`. Anything else is a bug
 * in TaskStore: `INTERNAL`, and the caller logs the stack to stderr.
 */
export function toolError(err: unknown, tool?: string): ToolResult {
  return failureResult(describeFailure(err, tool));
}

/**
 * The hint for an agent. The library's hints for the coordination errors name CLI
 * commands and library methods; an agent needs the tools instead. A STALE claim (the
 * spec is not ready: `data.status` names its status) differs from a STALE version.
 */
function agentHint(err: TaskStoreError, tool: string | undefined): string | undefined {
  if (err.code === 'CLAIMED' && tool === 'complete_execution') {
    return err.data.claimant === null
      ? 'nobody holds this task spec now (it was released, or the execution has no live task spec): your work did not complete it; claim_task_spec takes it again if it is claimable, or call complete_execution without claimant'
      : 'another claimant holds or completed this task spec (your lease expired and it was taken over): your work did not complete it; record it as a failed execution and pick another spec (ready_task_specs, or claim_task_spec without id)';
  }
  if (err.code === 'CLAIMED' && (tool === 'renew_claim' || tool === 'release_claim')) {
    // The claim hint ("another claimant holds it; pick another") is wrong when nobody
    // does, and a renew that fails means the caller's own work lost its claim.
    return err.data.claimant === null
      ? 'nobody holds this task spec now (it was released or completed, or never claimed), so it is not yours to renew or release; claim_task_spec takes it again if it is claimable'
      : 'another claimant holds this task spec now, not you (your lease may have expired and it was claimed again): stop working on it and pick another one (ready_task_specs, or claim_task_spec without id)';
  }
  if (err.code === 'STALE' && tool === 'complete_execution') {
    // complete_execution takes no if_updated_at: its STALE is the execution's own status (failed or stopped), not a claim's.
    return 'this execution was ended as failed or stopped, so it is not completed (nothing was written): if the work really finished, set its status to running with update_record and call again; otherwise create_execution a new one';
  }
  if (err.code === 'STALE' && typeof err.data.status === 'string') {
    return 'this task spec is not claimable now (see its status): ready_task_specs lists the ready ones; claim_task_spec without id takes the next one';
  }
  if (err.code === 'STALE' || err.code === 'CLAIMED') return DEFAULT_HINTS[err.code];
  if (err.code === 'IO' && err.data.errno === 'ENOENT' && err.hint === undefined) {
    // The store directory removed under the running server: "not writable or the disk is
    // full" sent the agent looking for the wrong cause.
    return 'a file or directory of the store is missing (was the store directory removed or moved?); calls work again once it is back, or recreated with `taskstore init`; nothing was written';
  }
  return err.hint ?? DEFAULT_HINTS[err.code];
}

export function describeFailure(err: unknown, tool?: string): ToolFailure {
  if (err instanceof TaskStoreError) {
    return { code: err.code, message: err.message, hint: agentHint(err, tool), data: err.data };
  }
  if (err instanceof CliError) {
    return { code: 'VALIDATION', message: err.message, hint: err.hint, details: err.details };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message, hint: 'this looks like a bug in taskstore; the server logged the stack trace on its stderr' };
}

export function failureResult(failure: ToolFailure): ToolResult {
  const lines = [`${failure.code}: ${failure.message}`, ...(failure.details ?? []).map((d) => `  ${d}`)];
  if (failure.hint !== undefined && failure.hint !== '') lines.push(`hint: ${failure.hint}`);
  if (failure.data !== undefined && Object.keys(failure.data).length > 0) lines.push(`data: ${safeJson(failure.data)}`);
  return { content: [{ type: 'text', text: lines.join('\n') }], isError: true };
}

/** The arguments did not match the tool's input schema: one `VALIDATION` error naming every offending argument. */
export function argumentError(tool: string, error: z.ZodError): ToolResult {
  const issues = error.issues.flatMap((issue) => specificIssues(issue, []));
  const problems = issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return path === '' ? issue.message : `${path}: ${issue.message}`;
  });
  const first = issues[0];
  return failureResult({
    code: 'VALIDATION',
    message: `invalid arguments for ${tool}: ${problems.join('; ')}`,
    hint: 'fix the arguments as the tool\'s input schema describes (tools/list) and call again; nothing was written',
    data: first === undefined || first.path.length === 0 ? {} : { field: first.path.map(String).join('.') },
  });
}

/** An issue as reported: its full path from the arguments, and its message. */
interface ReportedIssue {
  path: PropertyKey[];
  message: string;
}

/**
 * What to report of `issue`, found at `base`. A value that fits no alternative of a union
 * (a `where` condition is a plain value or an object of operators) is only "Invalid
 * input"; the alternative that got furthest into the value (its issues' paths are the
 * longest) says what was wrong: `{"like": 5}` is an object of operators whose `like` is
 * not a string. When none got inside the value, the union's own message stays.
 */
function specificIssues(issue: z.core.$ZodIssue, base: readonly PropertyKey[]): ReportedIssue[] {
  const path = [...base, ...issue.path];
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [{ path, message: issue.message }];
  const depth = (branch: z.core.$ZodIssue[]): number => Math.max(0, ...branch.map((i) => i.path.length));
  const furthest = issue.errors.reduce((best, branch) => (depth(branch) > depth(best) ? branch : best));
  if (depth(furthest) === 0) return [{ path, message: issue.message }];
  return furthest.flatMap((inner) => specificIssues(inner, path));
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return '{}';
  }
}
