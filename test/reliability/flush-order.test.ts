/**
 * The flushes a power loss needs, in the order it needs them. A SIGKILL leaves the page
 * cache intact, so no crash test notices a flush that is missing or comes too late: only
 * the order of the real calls says it. crash-at.mjs (the crash sweep's preload, no hook
 * in the store's code) prints every call that changes the disk, as the child makes it;
 * each test reads that trace of one real write.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyStore, pointsMatching, runOp, setupTemplate } from './crash-sweep.js';

let root: string;
let template: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'taskstore-flush-order-'));
  template = setupTemplate(join(root, 'template'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The calls `op` made on a fresh copy of the template store, without their `#N` numbers. */
function callsOf(op: string): { dir: string; calls: string[] } {
  const dir = copyStore(template, join(root, op));
  const run = runOp(dir, op, { trace: true });
  expect(run.killed).toBe(false);
  return { dir, calls: run.trace.map((line) => line.replace(/^#\d+ /, '')) };
}

/**
 * Asserts that `calls` holds a call matching each of `steps`, in that order (other calls
 * may come between). Fails naming the first step not found after the previous one.
 */
function expectInOrder(calls: string[], steps: RegExp[]): void {
  let at = -1;
  for (const step of steps) {
    const found = calls.findIndex((call, i) => i > at && step.test(call));
    expect(found, `no ${step} after call ${at + 1} in:\n${calls.join('\n')}`).toBeGreaterThan(at);
    at = found;
  }
}

describe('flush order of a write (real fs calls, traced)', () => {
  it('a single create: its line is written to the log, then fdatasynced, before the cache commits', () => {
    const { calls } = callsOf('create');
    expectInOrder(calls, [/^fs\.writeSync taskstore\.journal /, /^fs\.writeSync notes\.jsonl /, /^fs\.fdatasyncSync notes\.jsonl$/, /^sqlite\.run COMMIT/]);
  });

  it('the first line of a new log: the directory is flushed after the log is created, before the cache commits', () => {
    const { dir, calls } = callsOf('create-new');
    expectInOrder(calls, [
      /^fs\.openSync fresh\.jsonl$/,
      new RegExp(`^fs\\.fsyncSync ${basename(dir)}$`),
      /^fs\.writeSync fresh\.jsonl /,
      /^fs\.fdatasyncSync fresh\.jsonl$/,
      /^sqlite\.run COMMIT/,
    ]);
  });

  it('a batch: its journal record is flushed before the log gets a byte, and the log before the cache commits', () => {
    const { calls } = callsOf('create-many');
    expectInOrder(calls, [
      /^fs\.writeSync taskstore\.journal /,
      /^fs\.fdatasyncSync taskstore\.journal$/,
      /^fs\.writeSync notes\.jsonl /,
      /^fs\.fdatasyncSync notes\.jsonl$/,
      /^sqlite\.run COMMIT/,
    ]);
  });

  it('a compaction: the new log is flushed before it is renamed over the old one, and the directory after the rename', () => {
    const { dir, calls } = callsOf('compact');
    const temp = String.raw`\.notes\.jsonl\.\d+\.[0-9a-f]{12}\.tmp`;
    expectInOrder(calls, [
      new RegExp(`^fs\\.writeSync ${temp} `),
      new RegExp(`^fs\\.fsyncSync ${temp}$`),
      new RegExp(`^fs\\.renameSync ${temp}$`),
      // The directory is named by its base name (it holds no dot, unlike every file here).
      new RegExp(`^fs\\.fsyncSync ${basename(dir)}$`),
      /^sqlite\.run COMMIT/,
    ]);
  });
});

describe('moving a dead writer\'s torn bytes aside', () => {
  it('a recovering open killed at any of its file changes leaves the bytes in the log or in .torn, never in neither', () => {
    // A create killed half way through its append leaves a torn line its journal names.
    const counted = runOp(copyStore(template, join(root, 'torn-counted')), 'create', { trace: true });
    const [append] = pointsMatching(counted, /^#\d+ fs\.writeSync notes\.jsonl /);
    expect(append).toBeDefined();
    const crashed = copyStore(template, join(root, 'torn-crashed'));
    expect(runOp(crashed, 'create', { crashAt: append, torn: true }).killed).toBe(true);
    const log = readFileSync(join(crashed, 'notes.jsonl'));
    const torn = log.subarray(log.lastIndexOf(0x0a) + 1);
    expect(torn.length).toBeGreaterThan(0);
    // The next open moves them to notes.jsonl.torn: killed before each of its file changes.
    const opening = runOp(copyStore(crashed, join(root, 'torn-open-counted')), 'open', { trace: true });
    const points = pointsMatching(opening, /^#\d+ fs\./);
    expect(opening.trace.some((l) => / fs\.ftruncateSync notes\.jsonl$/.test(l))).toBe(true);
    for (const point of points) {
      const dir = copyStore(crashed, join(root, `torn-open-${point}`));
      expect(runOp(dir, 'open', { crashAt: point }).killed).toBe(true);
      const inLog = readFileSync(join(dir, 'notes.jsonl')).subarray(-torn.length).equals(torn);
      const tornFile = join(dir, 'notes.jsonl.torn');
      const inTorn = existsSync(tornFile) && readFileSync(tornFile).includes(torn);
      expect(inLog || inTorn, `killed at ${opening.trace[point - 1]}`).toBe(true);
    }
  });
});
