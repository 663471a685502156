/**
 * Clocks that jump. Every bounded wait of the store (the write lock, a foreign writer's
 * tail, git's index lock, another git-sync) is timed on the monotonic clock: a wall clock
 * set back while waiting must not stretch the wait (it hung until the clock caught up),
 * and one set forward must not end it at once. Real processes whose wall clock runs
 * backward or forward (test/fixtures/clock-script.mjs), real files, real SQLite, real git.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { DIST } from '../helpers/paths.js';
import { GIT_IDENTITY, GitRepo } from '../helpers/git-repo.js';
import { tempDir } from '../helpers/temp.js';
import { runCli } from '../cli/run-cli.js';
import { quietLogger } from '../helpers/logger.js';

const CLOCK = join(import.meta.dirname, '..', 'fixtures', 'clock-script.mjs');
const INDEX = pathToFileURL(join(DIST, 'index.js')).href;

/** A wall clock that reads an hour earlier at every look, and one that reads an hour later. */
const BACKWARD = 'backward:3600000';
const FORWARD = 'forward:3600000';

interface Outcome {
  /** The error code of the write, or 'ok'. */
  code: string;
  /** How long opening the store and writing took, on the monotonic clock (ms). */
  ms: number;
}

/** Writes one note: the action most tests time. */
const WRITE = `store.collection({ name: 'notes' }).create({ title: 'under a jumping clock' });`;

/**
 * Opens the store with `lockTimeoutMs` and runs `action` (module code with `store` in
 * scope; `await` allowed) in a child process under `clock` (undefined: the real one),
 * and says how it ended (the
 * error's `data.reason` or `code`, else 'ok'). A child that does not finish within
 * `limitMs` (a wait that followed the wall clock) fails the test.
 */
function runUnderClock(clock: string | undefined, dir: string, lockTimeoutMs: number, action = WRITE, limitMs = 40_000): Outcome {
  const code = `
    import { Store } from ${JSON.stringify(INDEX)};
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    const started = performance.now();
    let code = 'ok';
    try {
      const store = Store.open(${JSON.stringify(dir)}, { durability: 'none', logger: quiet, lockTimeoutMs: ${lockTimeoutMs} });
      ${action}
      store.close();
    } catch (err) { code = err.data?.reason ?? err.code ?? String(err); }
    console.log(JSON.stringify({ code, ms: performance.now() - started }));
  `;
  const run = spawnSync(process.execPath, [...(clock === undefined ? [] : ['--import', CLOCK]), '--input-type=module', '-e', code], {
    env: { ...process.env, ...GIT_IDENTITY, TASKSTORE_TEST_CLOCK: clock },
    encoding: 'utf8',
    timeout: limitMs,
  });
  if (run.error !== undefined) throw new Error(`the child under ${clock ?? 'the real clock'} did not finish in ${limitMs} ms (${run.error.message}): a wait timed on the wall clock`);
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as Outcome;
}

function seededStore(dir: string): void {
  const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
  store.collection({ name: 'notes' }).create({ id: 'first' });
  store.close();
}

describe('the write lock under a jumping clock', () => {
  it.each([
    ['set back at every look', BACKWARD],
    ['set forward at every look', FORWARD],
  ])('a writer whose clock is %s waits lockTimeoutMs for a held lock, then LOCKED', (_, clock) => {
    const dir = join(tempDir(), '.taskstore');
    seededStore(dir);
    const holder = new Database(join(dir, 'taskstore.db'));
    holder.exec('BEGIN IMMEDIATE');
    try {
      const outcome = runUnderClock(clock, dir, 1000);
      expect(outcome.code).toBe('LOCKED');
      // Forward: LOCKED at the first retry before the fix; backward: never.
      expect(outcome.ms).toBeGreaterThanOrEqual(950);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });
});

describe("another program's unfinished line under a clock set back", () => {
  it('is watched: quiet for 2 s it is finished with a newline and kept in the log (not cut into .torn), and the write goes on', () => {
    const dir = join(tempDir(), '.taskstore');
    seededStore(dir);
    // Another program wrote a line and stopped in the middle of the next (a tail that does
    // not start where TaskStore's last append ended, so no dead TaskStore writer's). To a
    // clock that keeps going back its file time is always in the future: never quiet.
    appendFileSync(join(dir, 'notes.jsonl'), '{"id":"whole","updated_at":1}\n{"id":"half","updated_at":1');
    const outcome = runUnderClock(BACKWARD, dir, 30_000);
    expect(outcome).toMatchObject({ code: 'ok' });
    // Watched quiet for QUIET_MS (2 s), not waited out to the 10 s bound.
    expect(outcome.ms).toBeGreaterThanOrEqual(1_900);
    expect(outcome.ms).toBeLessThan(9_000);
    const lines = readFileSync(join(dir, 'notes.jsonl'), 'utf8').split('\n');
    expect(lines.slice(1, 3)).toEqual(['{"id":"whole","updated_at":1}', '{"id":"half","updated_at":1']);
    expect(lines[3]).toContain('under a jumping clock');
    expect(existsSync(join(dir, 'notes.jsonl.torn'))).toBe(false);
  });
});

describe("git's index lock under a clock that stands still", () => {
  it('a write in a git work tree waits the bounded 5 s for a fresh index.lock, then writes', () => {
    const repo = GitRepo.init();
    const dir = join(repo.dir, '.taskstore');
    seededStore(dir);
    // A git command running (or one that died a moment ago): to a clock that no longer
    // moves its lock stays as fresh as when it was made. (A clock set back makes the lock
    // look dated in the future, which counts as stale: see the next test.)
    writeFileSync(join(repo.dir, '.git', 'index.lock'), '');
    const outcome = runUnderClock(`fixed:${Date.now()}`, dir, 30_000);
    expect(outcome).toMatchObject({ code: 'ok' });
    expect(outcome.ms).toBeGreaterThanOrEqual(4_500);
  });
});

describe("git's index lock dated in the future (the clock set back since a git died holding it)", () => {
  it('is stale like an old one: a write does not wait for it', () => {
    const repo = GitRepo.init();
    const dir = join(repo.dir, '.taskstore');
    seededStore(dir);
    const lock = join(repo.dir, '.git', 'index.lock');
    writeFileSync(lock, '');
    const future = new Date(Date.now() + 3600_000);
    utimesSync(lock, future, future);
    const outcome = runUnderClock(undefined, dir, 30_000);
    expect(outcome).toMatchObject({ code: 'ok' });
    expect(outcome.ms).toBeLessThan(4_000); // was: the full 5 s wait at every write, for an hour
  });
});

describe('the git-sync lock under a clock set back', () => {
  it("git-sync waits lockTimeoutMs for another live git-sync's lock, then sync_locked", () => {
    const remote = GitRepo.init({ bare: true });
    const clone = GitRepo.clone(remote.dir);
    const dir = join(clone.dir, '.taskstore');
    seededStore(dir);
    // Held by a live process (this one): not taken over, waited for.
    writeFileSync(join(clone.dir, '.git', 'taskstore-sync.lock'), `${process.pid}\n`);
    const outcome = runUnderClock(BACKWARD, dir, 1000, 'await store.gitSync({ lockTimeoutMs: 1000 });');
    expect(outcome.code).toBe('sync_locked');
    expect(outcome.ms).toBeGreaterThanOrEqual(950);
  });

  it('a lock file without a pid (its owner died creating it) whose time is an hour ahead (the clock set back since) is taken over after 10 s of watching it', () => {
    const remote = GitRepo.init({ bare: true });
    const clone = GitRepo.clone(remote.dir);
    const dir = join(clone.dir, '.taskstore');
    seededStore(dir);
    const lock = join(clone.dir, '.git', 'taskstore-sync.lock');
    writeFileSync(lock, '');
    const future = new Date(Date.now() + 3600_000);
    utimesSync(lock, future, future);
    const outcome = runUnderClock(undefined, dir, 1000, 'await store.gitSync({ lockTimeoutMs: 20_000 });');
    expect(outcome.code).toBe('ok'); // was: sync_locked after 20 s, and so on for an hour
    expect(outcome.ms).toBeGreaterThanOrEqual(9_500);
    expect(existsSync(lock)).toBe(false);
    expect(remote.git('log', '--format=%s', '-1')).not.toBe('');
  });
});

describe('stamps and leases no Date can hold (past ±8.64e15 ms: a hand-written line, a broken clock)', () => {
  it('list, show, history and list-task-specs show them as numbers; renew and release by another claimant are CLAIMED naming the lease as a number', () => {
    const root = tempDir();
    const dir = join(root, '.taskstore');
    const far = 9_000_000_000_000_000; // a safe integer, past the last Date (8.64e15)
    const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
    const spec = store.createTaskSpec({ prd_id: store.createPrd({ title: 'P' }), phase_name: 'build' });
    store.collection({ name: 'task_specs' }).patch(spec, { status: 'running', assigned_to: 'x', lease_expires_at: far });
    store.close();
    writeFileSync(join(dir, 'notes.jsonl'), `${JSON.stringify({ id: 'n1', title: 'far', created_at: far, updated_at: far })}\n`, { flag: 'wx' });
    for (const args of [['list', 'notes'], ['show', 'n1'], ['history', 'n1'], ['list-task-specs']]) {
      const run = runCli(args, { cwd: root });
      expect(run.stderr, args.join(' ')).toBe(''); // was: "Invalid time value", exit 1
      expect(run.status).toBe(0);
      if (args[0] !== 'list-task-specs') expect(run.stdout).toContain('9000000000000000');
    }
    for (const command of ['renew', 'release']) {
      const run = runCli([command, spec, '--as', 'y'], { cwd: root });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`y cannot ${command} task spec ${spec}: x holds it until 9000000000000000 (Unix ms)`);
    }
  });
});

describe('a clock that reads no time (before 1970, past the last Date)', () => {
  it('writes, claims and compact --keep-days under it are refused naming the clock; nothing is written; 1970 and 2100 are times', () => {
    const root = tempDir();
    const dir = join(root, '.taskstore');
    const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
    const prdId = store.createPrd({ title: 'P' });
    const specId = store.createTaskSpec({ prd_id: prdId, phase_name: 'build' });
    store.updatePrd(prdId, { title: 'P2' }); // a superseded version for compaction to weigh
    store.close();
    const logs = () => ['prds', 'task_specs'].map((name) => readFileSync(join(dir, `${name}.jsonl`), 'utf8')).join('');
    const before = logs();
    const under = (clock: string, args: string[]) => runCli(args, { cwd: root, env: { NODE_OPTIONS: `--import ${CLOCK}`, TASKSTORE_TEST_CLOCK: clock } });
    for (const [clock, when] of [
      ['fixed:-5', 'before 1970'],
      ['fixed:9000000000000000', 'past the last time a Date holds'],
    ] as const) {
      for (const args of [['create-prd', 'new'], ['update', prdId, '--set', 'title=P3'], ['claim', specId, '--as', 'loop'], ['compact', '--keep-days', '1']]) {
        const run = under(clock, args);
        expect(run.status, `${clock} ${args.join(' ')}: ${run.stderr}`).toBe(1);
        expect(run.stderr).toContain(`the clock returned ${clock.slice(6)}, which is ${when}`);
      }
    }
    expect(logs()).toBe(before);
    for (const clock of ['fixed:0', 'fixed:4102444800000']) expect(under(clock, ['create-prd', `at ${clock}`]).status).toBe(0);
  });
});

describe('--where on a *_at field in machines of different time zones', () => {
  it('an ISO date-time without a zone is UTC, as the tables show times: the same query matches the same records in every zone', () => {
    const root = tempDir();
    const dir = join(root, '.taskstore');
    const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
    const notes = store.collection({ name: 'notes' });
    const ten = Date.UTC(2025, 0, 31, 10);
    notes.create({ id: 'before', created_at: ten - 1 });
    notes.create({ id: 'at', created_at: ten });
    store.close();
    for (const TZ of ['UTC', 'Asia/Tokyo', 'America/New_York']) {
      for (const condition of ['created_at>=2025-01-31T10:00', 'created_at>=2025-01-31 10:00:00.000']) {
        const run = runCli(['--json', 'list', 'notes', '--where', condition], { cwd: root, env: { TZ } });
        expect(run.stderr).toBe('');
        expect((JSON.parse(run.stdout) as { id: string }[]).map((n) => n.id), `${TZ} ${condition}`).toEqual(['at']);
      }
    }
  });
});
