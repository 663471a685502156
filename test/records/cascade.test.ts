import { describe, expect, it } from 'vitest';
import { assertCompletable, planCompletion } from '../../src/records/cascade.js';

const running = { status: 'running' as const, completed_at: null };

describe('planCompletion', () => {
  it('completes execution, task spec and PRD when no other spec of the PRD is open', () => {
    expect(planCompletion({ execution: running, taskSpec: { status: 'running' }, prd: { status: 'active' }, otherOpenTaskSpecs: 0 })).toEqual({
      alreadyComplete: false,
      execution: true,
      taskSpec: true,
      prd: true,
    });
  });

  it('leaves the PRD alone while other specs are open', () => {
    expect(planCompletion({ execution: running, taskSpec: { status: 'running' }, prd: { status: 'active' }, otherOpenTaskSpecs: 2 }).prd).toBe(false);
  });

  it('rewrites nothing that is already complete', () => {
    expect(
      planCompletion({
        execution: { status: 'complete', completed_at: 5 },
        taskSpec: { status: 'complete' },
        prd: { status: 'complete' },
        otherOpenTaskSpecs: 0,
      }),
    ).toEqual({ alreadyComplete: true, execution: false, taskSpec: false, prd: false });
  });

  it('touches nothing after an execution already completed, even a task spec and PRD reopened since', () => {
    expect(
      planCompletion({
        execution: { status: 'complete', completed_at: 5 },
        taskSpec: { status: 'pending' },
        prd: { status: 'active' },
        otherOpenTaskSpecs: 0,
      }),
    ).toEqual({ alreadyComplete: true, execution: false, taskSpec: false, prd: false });
  });

  it('gives a complete execution without completed_at one, and cascades (no completion has been through it)', () => {
    expect(planCompletion({ execution: { status: 'complete', completed_at: null }, taskSpec: { status: 'running' }, otherOpenTaskSpecs: 0 })).toEqual({
      alreadyComplete: false,
      execution: true,
      taskSpec: true,
      prd: false,
    });
  });

  it('stops the cascade at a missing task spec or PRD', () => {
    expect(planCompletion({ execution: running, otherOpenTaskSpecs: 0 })).toEqual({ alreadyComplete: false, execution: true, taskSpec: false, prd: false });
    expect(planCompletion({ execution: running, taskSpec: { status: 'pending' }, otherOpenTaskSpecs: 0 })).toEqual({
      alreadyComplete: false,
      execution: true,
      taskSpec: true,
      prd: false,
    });
  });

  it('leaves a cancelled PRD alone even when every spec is now complete; a failed one completes', () => {
    const plan = (status: 'cancelled' | 'failed') => planCompletion({ execution: running, taskSpec: { status: 'running' }, prd: { status }, otherOpenTaskSpecs: 0 });
    expect(plan('cancelled')).toEqual({ alreadyComplete: false, execution: true, taskSpec: true, prd: false });
    expect(plan('failed')).toEqual({ alreadyComplete: false, execution: true, taskSpec: true, prd: true });
  });
});

describe('assertCompletable', () => {
  it('refuses failed and stopped executions with STALE; running, paused and complete pass', () => {
    for (const status of ['failed', 'stopped']) {
      expect(() => assertCompletable('e1', { status, updated_at: 7 })).toThrow(
        expect.objectContaining({ code: 'STALE', data: { id: 'e1', expected: null, actual: 7, status } }),
      );
    }
    for (const status of ['running', 'paused', 'complete']) expect(() => assertCompletable('e1', { status, updated_at: 7 })).not.toThrow();
  });
});
