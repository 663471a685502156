/**
 * The record types' schemas, re-exported from the registry (`registry.ts`, where each
 * type's fields are defined), and the error messages zod issues get. Pure: no I/O.
 */
import type { z } from 'zod';

export {
  DependencySchema,
  DependencyTypeSchema,
  ExecutionSchema,
  ExecutionStatusSchema,
  NewDependencySchema,
  NewExecutionSchema,
  NewPrdSchema,
  NewTaskSpecSchema,
  NewWorkflowSchema,
  PrdSchema,
  PrdStatusSchema,
  READ_DEFAULTS,
  RepoStateSchema,
  TaskSpecSchema,
  TaskSpecStatusSchema,
  WorkflowSchema,
  type Dependency,
  type DependencyType,
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
  type TaskSpecStatus,
  type Workflow,
} from './registry.js';

// ---- error messages ----

/**
 * zod error map giving each issue a message that reads after a field name:
 * "is required", "must be one of draft, ready, … (got "bogus")".
 */
export function issueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  const got = describeValue(issue.input);
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      if (issue.expected === 'int' && typeof issue.input === 'number') return `must be an integer (got ${got})`;
      return `must be ${article(String(issue.expected))} (got ${got})`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')} (got ${got})`;
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return 'must be a non-empty string';
      return `must be at least ${String(issue.minimum)} (got ${got})`;
    case 'too_big':
      if (issue.origin === 'int' || issue.origin === 'number') return `must be a safe integer (got ${got})`;
      return `must be at most ${String(issue.maximum)} (got ${got})`;
    default:
      return undefined;
  }
}

/** A field path as a reader writes it: `dependencies[0]`, `meta.owner`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

function article(type: string): string {
  const name = type === 'int' ? 'integer' : type;
  return /^[aeiou]/.test(name) ? `an ${name}` : `a ${name}`;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  return String(value);
}
