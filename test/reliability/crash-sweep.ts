/**
 * The crash-point sweep's machinery: runs one store operation in a child process that
 * the crash-at.mjs preload kills with SIGKILL at its Nth disk change (a log or journal
 * write, flush, truncate, rename, or a statement of the cache), then checks what the
 * next open finds against every promise the store makes about a crash.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { Store } from '../../src/index.js';
import { parseLine } from '../../src/jsonl/line-codec.js';
import { quietLogger } from '../helpers/logger.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const PRELOAD = join(FIXTURES, 'crash-at.mjs');
const OP = join(FIXTURES, 'crash-op.mjs');

/** One expected record state: fields it has, or that it is deleted. */
interface Expected {
  c: string;
  id: string;
  fields?: Record<string, unknown>;
  deleted?: true;
}

/** One write the child started (`intent`), and whether it returned (`acked`). */
export interface Write {
  expect: Expected[];
  acked: boolean;
}

export interface ChildRun {
  killed: boolean;
  writes: Write[];
  /** Crash points the op has (printed only by a run nobody killed). */
  boundaries?: number;
  /** `#N name detail` per crash point, with `trace`. */
  trace: string[];
  stderr: string;
}

/** A peer process killed at its crash point `at` after the op's process opened the store, before the op writes. */
export interface Peer {
  op: string;
  at: number;
  torn?: boolean;
}

interface RunOptions {
  crashAt?: number;
  torn?: boolean;
  trace?: boolean;
  peer?: Peer;
}

/** Runs `op` on `dir`, killed at crash point `crashAt` (0: never), `torn`: that write cut in half first. */
export function runOp(dir: string, op: string, options: RunOptions = {}): ChildRun {
  const result = spawnSync(process.execPath, ['--import', PRELOAD, OP, dir, op], { env: childEnv(options), encoding: 'utf8', timeout: 60_000 });
  if (result.error !== undefined) throw result.error;
  return parseRun(op, result.stdout, result.stderr, result.status, result.signal);
}

/** {@link runOp} without blocking, so that several crash points run at once. */
export function runOpAsync(dir: string, op: string, options: RunOptions = {}): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', PRELOAD, OP, dir, op], { env: childEnv(options), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status, signal) => {
      try {
        resolve(parseRun(op, stdout, stderr, status, signal));
      } catch (err) {
        reject(err);
      }
    });
  });
}

function childEnv({ crashAt = 0, torn = false, trace = false, peer }: RunOptions): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CRASH_AT: String(crashAt),
    CRASH_TORN: torn ? '1' : '0',
    CRASH_TRACE: trace ? '1' : '0',
    ...(peer === undefined ? {} : { PEER: JSON.stringify(peer) }),
  };
}

function parseRun(op: string, stdout: string, stderr: string, status: number | null, signal: NodeJS.Signals | null): ChildRun {
  const writes: Write[] = [];
  let boundaries: number | undefined;
  for (const line of stdout.split('\n')) {
    const space = line.indexOf(' ');
    const kind = line.slice(0, space);
    const body = line.slice(space + 1);
    if (kind === 'intent') writes.push({ expect: (JSON.parse(body) as { expect: Expected[] }).expect, acked: false });
    else if (kind === 'ack') writes.at(-1)!.acked = true;
    else if (kind === 'boundaries') boundaries = Number(body);
  }
  const traceLines = stderr.split('\n').filter((l) => l.startsWith('#'));
  const otherErr = stderr.split('\n').filter((l) => l !== '' && !l.startsWith('#')).join('\n');
  const killed = signal === 'SIGKILL';
  if (!killed && (status !== 0 || otherErr !== '')) throw new Error(`crash-op ${op} failed (status ${status}):\n${otherErr}`);
  return { killed, writes, boundaries, trace: traceLines, stderr: otherErr };
}

/** A fresh copy of `template` (the whole store directory, cache and journal included). */
export function copyStore(template: string, to: string): string {
  mkdirSync(to, { recursive: true });
  cpSync(template, to, { recursive: true });
  return to;
}

/** Builds the store every op starts from. */
export function setupTemplate(dir: string): string {
  const result = spawnSync(process.execPath, [OP, dir, 'setup'], { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`setup failed: ${result.stderr}`);
  return dir;
}

function openStore(dir: string): Store {
  return Store.open(dir, { durability: 'none', logger: quietLogger() });
}

function logNames(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /^[a-z][a-z0-9_]*\.jsonl$/.test(f))
    .map((f) => f.slice(0, -'.jsonl'.length))
    .sort();
}

type Snapshot = Record<string, { list: Record<string, unknown>[]; history: Record<string, unknown[]> }>;

/** Every collection's live records and every id's history, as the store answers them. */
function snapshot(store: Store, dir: string): Snapshot {
  const out: Snapshot = {};
  for (const name of logNames(dir)) {
    const c = store.collection({ name });
    const list = c.list({ orderBy: 'id' });
    const history: Record<string, unknown[]> = {};
    const ids = new Set(list.map((r) => r.id));
    for (const line of readFileSync(join(dir, `${name}.jsonl`), 'utf8').split('\n')) {
      const parsed = parseLine(line);
      if (parsed.kind === 'record') ids.add(parsed.record.id);
    }
    for (const id of [...ids].sort()) history[id] = c.history(id);
    out[name] = { list, history };
  }
  return out;
}

/** The live records of every collection (current versions only: what a compaction must keep). */
export function liveRecords(dir: string): Record<string, Record<string, unknown>[]> {
  const store = openStore(dir);
  try {
    return Object.fromEntries(logNames(dir).map((name) => [name, store.collection({ name }).list({ orderBy: 'id' })]));
  } finally {
    store.close();
  }
}

function matches(store: Store, e: Expected): boolean {
  const record = store.collection({ name: e.c }).get(e.id) as Record<string, unknown> | undefined;
  if (e.deleted === true) return record === undefined;
  if (record === undefined) return false;
  return Object.entries(e.fields ?? {}).every(([k, v]) => JSON.stringify(record[k]) === JSON.stringify(v));
}

export interface VerifyOptions {
  /** Live records that must be exactly as they were (an op that changes no record: compact, open). */
  unchanged?: Record<string, Record<string, unknown>[]>;
  /** check() problem kinds expected besides torn lines and removed temp files. */
  allowProblems?: string[];
  /** Re-apply rescued versions first (`rescue()`), as a user told by `check` would. */
  rescueFirst?: boolean;
  /** What to say in failure messages. */
  label: string;
}

/**
 * Reopens the store after a crash and checks: every acknowledged write is there; every
 * write is all or none; the logs hold whole lines only (no NUL byte, no half line); the
 * cache answers exactly what a cache rebuilt from a copy of the logs answers; check()
 * reports nothing unexpected; and the store takes new writes at once.
 */
export function verifyAfterCrash(dir: string, writes: Write[], { unchanged, allowProblems = [], rescueFirst = false, label }: VerifyOptions): void {
  const store = openStore(dir);
  let seen: Snapshot;
  try {
    if (rescueFirst) store.rescue();
    for (const w of writes) {
      const found = w.expect.map((e) => matches(store, e));
      const what = `${label}: ${JSON.stringify(w.expect.map((e) => `${e.c}/${e.id}`))}`;
      if (w.acked) expect(found.every(Boolean), `acknowledged write lost (${what}): ${JSON.stringify(found)}`).toBe(true);
      else expect(found.every(Boolean) || !found.some(Boolean), `write applied in part (${what}): ${JSON.stringify(found)}`).toBe(true);
    }
    if (unchanged !== undefined) {
      for (const [name, list] of Object.entries(unchanged)) expect(store.collection({ name }).list({ orderBy: 'id' }), `${label}: ${name} changed`).toEqual(list);
    }
    seen = snapshot(store, dir);
    const ready = store.listReadyTaskSpecs().map((t) => t.id).sort();
    const problems = store.check().problems.filter((p) => !['torn_line', 'stale_temp_file', ...allowProblems].includes(p.kind));
    expect(problems, `${label}: check`).toEqual([]);
    for (const name of logNames(dir)) {
      const bytes = readFileSync(join(dir, `${name}.jsonl`));
      expect(bytes.includes(0), `${label}: NUL byte in ${name}.jsonl`).toBe(false);
      const text = bytes.toString('utf8');
      expect(text === '' || text.endsWith('\n'), `${label}: ${name}.jsonl ends mid-line`).toBe(true);
      text
        .split('\n')
        .slice(0, -1)
        .forEach((line, i) => expect(parseLine(line).kind, `${label}: ${name}.jsonl line ${i + 1}: ${line.slice(0, 80)}`).toBe('record'));
    }
    // No temp file of a killed rewrite is left (the killed child is gone: the open removed them).
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp')), `${label}: temp files left`).toEqual([]);
    // Bytes moved aside stay lines of their own, even after a move cut short by a kill
    // (these records never hold a nested object starting with "id", so a second line
    // start inside a line means two were glued together).
    for (const f of readdirSync(dir).filter((name) => name.endsWith('.jsonl.torn'))) {
      for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) expect(line.indexOf('{"id":', 1), `${label}: two lines glued in ${f}: ${line.slice(0, 60)}…`).toBe(-1);
    }
    // The cache against one rebuilt from the logs alone.
    const copy = `${dir}-rebuilt`;
    mkdirSync(copy);
    for (const f of readdirSync(dir)) if (f.endsWith('.jsonl') || f === '.version') cpSync(join(dir, f), join(copy, f));
    const rebuilt = openStore(copy);
    try {
      expect(seen, `${label}: cache differs from a rebuild`).toEqual(snapshot(rebuilt, copy));
      expect(ready, `${label}: ready task specs differ from a rebuild`).toEqual(rebuilt.listReadyTaskSpecs().map((t) => t.id).sort());
    } finally {
      rebuilt.close();
    }
    // And it goes on working: a write to one log and one across two.
    store.collection({ name: 'notes' }).create({ id: 'after-crash', title: 'next' });
    store.transaction(() => {
      store.collection({ name: 'notes' }).create({ id: 'after-crash-2' });
      store.collection({ name: 'events' }).create({ id: 'after-crash-e' });
    });
  } finally {
    store.close();
  }
}

/** Crash points of a counted run whose trace line matches `pattern` (1-based). */
export function pointsMatching(run: ChildRun, pattern: RegExp): number[] {
  return run.trace.filter((l) => pattern.test(l)).map((l) => Number(/^#(\d+)/.exec(l)![1]));
}
