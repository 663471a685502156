import { describe, expect, it } from 'vitest';
import {
  NewDependencySchema,
  NewExecutionSchema,
  NewPrdSchema,
  NewTaskSpecSchema,
  NewWorkflowSchema,
  PrdSchema,
  READ_DEFAULTS,
  recordSchemas,
} from '../../src/records/registry.js';
import { formatPath, parseRecordInput } from '../../src/records/record-validation.js';
import { ValidationError } from '../../src/index.js';

function rejection(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return err as ValidationError;
  }
  expect.fail('expected a ValidationError');
}

describe('record schemas', () => {
  it('fill the spec defaults', () => {
    expect(NewPrdSchema.parse({ title: 't' })).toEqual({ title: 't', description: '', status: 'draft', review_passes: 0, content: '' });
    expect(NewTaskSpecSchema.parse({ prd_id: 'p', phase_name: 'x' })).toEqual({
      prd_id: 'p',
      phase_name: 'x',
      description: '',
      status: 'pending',
      workflow_name: null,
      assigned_to: null,
      dependencies: [],
      content: '',
    });
    expect(NewExecutionSchema.parse({ ts_id: 't', worktree_path: '/w', branch_name: 'b' })).toEqual({
      ts_id: 't',
      worktree_path: '/w',
      branch_name: 'b',
      status: 'running',
      completed_at: null,
      current_phase: null,
      iteration_count: 0,
      error_message: null,
    });
    expect(NewDependencySchema.parse({ from_exec_id: 'e', dependency_type: 'share' })).toEqual({
      from_exec_id: 'e',
      to_exec_id: null,
      dependency_type: 'share',
      resolved_at: null,
      payload: null,
    });
    expect(NewWorkflowSchema.parse({ name: 'n', version: '1' })).toEqual({ name: 'n', version: '1', content: '' });
  });

  it('keep unknown fields (records from the Rust TaskStore or newer versions), nested ones too', () => {
    const parsed = NewPrdSchema.parse({ title: 't', priority: 3, meta: { owner: 'x', tags: ['a'] } });
    expect(parsed).toMatchObject({ priority: 3, meta: { owner: 'x', tags: ['a'] } });
  });

  it('give read defaults only for static defaults, fresh each time', () => {
    expect(READ_DEFAULTS.task_specs.dependencies).toEqual([]);
    expect(READ_DEFAULTS.executions).not.toHaveProperty('started_at');
    expect(READ_DEFAULTS.prds).toEqual({ description: '', status: 'draft', review_passes: 0, content: '' });
  });

  it('give read defaults equal to the input schemas\' static defaults (what createX fills in)', () => {
    const { inputFields } = recordSchemas();
    for (const [collection, fields] of Object.entries(inputFields)) {
      const defaults: Record<string, unknown> = {};
      for (const [key, schema] of Object.entries(fields)) {
        const result = (schema as { safeParse(v: unknown): { success: boolean; data?: unknown } }).safeParse(undefined);
        if (result.success && result.data !== undefined) defaults[key] = result.data;
      }
      expect(READ_DEFAULTS[collection as keyof typeof READ_DEFAULTS], collection).toEqual(defaults);
    }
  });

  it('order a stored version in the spec field order', () => {
    const parsed = PrdSchema.parse({ content: '', status: 'draft', updated_at: 2, created_at: 1, id: 'x', title: 't', description: '', review_passes: 0 });
    expect(Object.keys(parsed)).toEqual(['id', 'title', 'description', 'created_at', 'updated_at', 'status', 'review_passes', 'content']);
  });
});

describe('parseRecordInput errors name the field', () => {
  const cases: [string, unknown, string, RegExp][] = [
    ['missing required field', {}, 'title', /^invalid PRD: title is required$/],
    ['wrong type', { title: 42 }, 'title', /^invalid PRD: title must be a string \(got 42\)$/],
    ['unknown enum value', { title: 't', status: 'Done' }, 'status', /status must be one of draft, ready, active, in_progress, complete, failed, cancelled \(got "Done"\)/],
    ['non-integer', { title: 't', review_passes: 1.5 }, 'review_passes', /review_passes must be an integer \(got 1\.5\)/],
    ['negative counter', { title: 't', review_passes: -1 }, 'review_passes', /review_passes must be at least 0 \(got -1\)/],
    ['timestamp as a string', { title: 't', created_at: '2024-01-01' }, 'created_at', /created_at must be a number \(got "2024-01-01"\)/],
    ['unsafe integer', { title: 't', created_at: 2 ** 60 }, 'created_at', /created_at must be a safe integer/],
    // Described as the argument checks describe them: not the function's source text.
    ['a function', { title: () => 'secret source' }, 'title', /^invalid PRD: title must be a string \(got a function\)$/],
    ['a bigint', { title: 't', review_passes: 10n }, 'review_passes', /review_passes must be a number \(got 10n\)$/],
  ];
  for (const [name, input, field, message] of cases) {
    it(name, () => {
      const err = rejection(() => parseRecordInput(NewPrdSchema, input, 'PRD'));
      expect(err.code).toBe('VALIDATION');
      expect(err.field).toBe(field);
      expect(err.message).toMatch(message);
    });
  }

  it('nested paths: the field is the top-level one, the message has the index', () => {
    const err = rejection(() => parseRecordInput(NewTaskSpecSchema, { prd_id: 'p', phase_name: 'x', dependencies: ['a', ''] }, 'task spec'));
    expect(err.field).toBe('dependencies');
    expect(err.message).toBe('invalid task spec: dependencies[1] must be a non-empty string');
  });

  it('nullable fields accept null and reject other types', () => {
    expect(parseRecordInput(NewTaskSpecSchema, { prd_id: 'p', phase_name: 'x', workflow_name: null }, 'task spec').workflow_name).toBeNull();
    expect(rejection(() => parseRecordInput(NewTaskSpecSchema, { prd_id: 'p', phase_name: 'x', assigned_to: 7 }, 'task spec')).field).toBe('assigned_to');
  });

  it('a non-object is rejected', () => {
    expect(rejection(() => parseRecordInput(NewPrdSchema, 'title', 'PRD')).message).toBe('PRD must be a plain object (got string)');
    expect(rejection(() => parseRecordInput(NewPrdSchema, [], 'PRD')).message).toBe('PRD must be a plain object (got an array)');
  });

  it('formatPath', () => {
    expect(formatPath(['dependencies', 0])).toBe('dependencies[0]');
    expect(formatPath(['meta', 'owner'])).toBe('meta.owner');
    expect(formatPath([])).toBe('');
  });
});
