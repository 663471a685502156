/**
 * SIGKILL at every crash point of each kind of write: the child is killed right before
 * its Nth disk change (crash-at.mjs counts log, journal and temp-file writes, flushes,
 * truncates, renames, removals, and the cache's statements and commits), for N over the
 * operation's crash points, and each kill is followed by the checks of crash-sweep.ts.
 * Unlike crash.test.ts (kills at random moments of a stream), every boundary is hit, and
 * each write (`writeSync`) is also cut in half before the kill.
 *
 * CI sweeps, per op, up to 8 points spread over its file changes (not the directory
 * flushes, which only matter on a power loss, nor the opens) and its last cache commit
 * (a statement before a commit only changes the cache's open transaction, which the kill
 * rolls back), and cuts each write to a log, the journal or a .torn file. The full sweep, every file
 * change, statement and commit, and after each crash-left state the next transaction,
 * batch and compaction as well (about 10 minutes):
 *   CRASH_SWEEP=full npx vitest run test/reliability/crash-points.test.ts
 * CRASH_TIMING=1 prints each crash point swept, with the milliseconds its runs and its
 * checks took.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyStore, liveRecords, pointsMatching, runOp, runOpAsync, setupTemplate, verifyAfterCrash, type ChildRun, type Peer, type Write } from './crash-sweep.js';

const FULL = process.env.CRASH_SWEEP === 'full';

let root: string;
let template: string;
let serial = 0;
const fresh = (): string => join(root, `s${++serial}`);

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'taskstore-crash-points-'));
  template = setupTemplate(join(root, 'template'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Which crash points CI sweeps: a spread of the file changes (see the top), or only the writes cut in half. */
type Coverage = 'files' | 'torn';

/** Crash points CI sweeps per op at most, besides the cut writes. */
const CI_POINTS = 8;

/** The crash points of a counted run: [point, cut the write in half first]. */
function pointsOf(counted: ChildRun, coverage: Coverage): [number, boolean][] {
  // Writes to the logs, the journal and the .torn files (a cut write to a temp file is garbage either way).
  const torn = pointsMatching(counted, FULL ? /^#\d+ fs\.writeSync / : /^#\d+ fs\.writeSync (\w+\.jsonl(\.torn)?|taskstore\.journal) /);
  let whole: number[];
  if (FULL) whole = Array.from({ length: counted.boundaries! }, (_, i) => i + 1);
  else if (coverage === 'torn') whole = [];
  else {
    const commits = pointsMatching(counted, /^#\d+ sqlite\.\w+ COMMIT/);
    // Not the directory flushes (a directory's name has no dot here: s1, s2 …) nor the opens.
    whole = spread([...pointsMatching(counted, /^#\d+ fs\.(?!fsyncSync [^.]+$|openSync )/), ...commits.slice(-1)].sort((a, b) => a - b), CI_POINTS);
  }
  return [...whole.map((n): [number, boolean] => [n, false]), ...torn.map((n): [number, boolean] => [n, true])];
}

/** At most `max` of `points`, evenly spread, the first and the last among them. */
function spread(points: number[], max: number): number[] {
  if (points.length <= max) return points;
  return [...new Set(Array.from({ length: max }, (_, i) => points[Math.round((i * (points.length - 1)) / (max - 1))]!))];
}

interface OpCase {
  op: string;
  /** The op changes no live record (compaction, a plain open). */
  unchanged?: boolean;
  allowProblems?: string[];
  /** A peer process crashes after the op's process opened the store (see crash-op.mjs). */
  peer?: Peer;
  /** Makes the store the op starts from (default: a copy of the template). */
  prepare?: (dir: string) => Promise<Write[]>;
  coverage?: Coverage;
  /** What the live records must be after the crash (default: as before the op, when `unchanged`). */
  expected?: () => Record<string, Record<string, unknown>[]>;
  rescueFirst?: boolean;
  /** More checks after the store's own. */
  after?: (dir: string, label: string) => void;
}

/** Crash points run at once: the children mostly wait for their flushes. */
const CONCURRENCY = 3;

/**
 * Kills `op` at each of its crash points, each time on a fresh store made by `prepare`
 * (which returns the writes an earlier crashed run left unacknowledged), and verifies.
 * A crash-left state is made again for each point, never copied: a copy has other
 * inodes, and a torn tail in a file other than the one TaskStore appended to is, by
 * design, someone else's. Children run a few at a time; each is verified as it ends.
 */
async function sweep({ op, unchanged, allowProblems, peer, prepare = fromTemplate, coverage = 'files', expected, rescueFirst, after }: OpCase): Promise<number> {
  const countDir = fresh();
  await prepare(countDir);
  const before = expected !== undefined ? expected() : unchanged === true ? liveRecords(copyStore(countDir, fresh())) : undefined;
  const counted = runOp(countDir, op, { trace: true, peer });
  expect(counted.killed).toBe(false);
  // Every write of the op returned (a peer's, killed, did not).
  expect(counted.writes.filter((w) => !w.acked)).toHaveLength(peer === undefined ? 0 : 1);
  const points = pointsOf(counted, coverage);
  // A crash-left state made again has other stamps (Date.now()): its live records are taken each time.
  const eachTime = unchanged === true && expected === undefined && prepare !== fromTemplate;
  const crash = async ([n, torn]: [number, boolean]) => {
    const dir = fresh();
    const started = performance.now();
    const earlier = await prepare(dir);
    const unchangedHere = eachTime ? liveRecords(copyStore(dir, fresh())) : before;
    return { dir, n, torn, earlier, started, unchangedHere, run: await runOpAsync(dir, op, { crashAt: n, torn, peer }) };
  };
  let kills = 0;
  const verify = ({ dir, n, torn, earlier, run, started, unchangedHere }: Awaited<ReturnType<typeof crash>>): void => {
    const verifying = performance.now();
    const label = `${op}${peer === undefined ? '' : ` after a peer's crash`} killed at ${counted.trace[n - 1]}${torn ? ' (torn)' : ''}`;
    expect(run.killed, label).toBe(true);
    kills++;
    verifyAfterCrash(dir, [...earlier, ...run.writes], {
      label,
      ...(unchangedHere === undefined ? {} : { unchanged: unchangedHere }),
      ...(allowProblems === undefined ? {} : { allowProblems }),
      ...(rescueFirst === undefined ? {} : { rescueFirst }),
    });
    after?.(dir, label);
    if (process.env.CRASH_TIMING !== undefined) console.log(`ms ${Math.round(verifying - started)} ${Math.round(performance.now() - verifying)} ${label}`);
    for (const suffix of ['', '-rebuilt', '-backup']) rmSync(`${dir}${suffix}`, { recursive: true, force: true });
  };
  const running = new Set<Promise<void>>();
  let failure: unknown;
  for (const point of points) {
    const job: Promise<void> = crash(point)
      .then(verify)
      .catch((err: unknown) => {
        failure ??= err;
      })
      .finally(() => running.delete(job));
    running.add(job);
    if (running.size >= CONCURRENCY) await Promise.race(running);
    if (failure !== undefined) break;
  }
  await Promise.all(running);
  if (failure !== undefined) throw failure;
  return kills;
}

async function fromTemplate(dir: string): Promise<Write[]> {
  copyStore(template, dir);
  return [];
}

function backupWholeOrNothing(dir: string, label: string): void {
  const dest = `${dir}-backup`;
  const names = existsSync(dest) ? readdirSync(dest).sort() : [];
  if (names.length === 0) return;
  const whole = readdirSync(template).filter((f) => f === '.version' || /^[a-z][a-z0-9_]*\.jsonl$/.test(f)).sort();
  expect(names, `${label}: a partial backup`).toEqual(whole);
  for (const f of whole) expect(readFileSync(join(dest, f)), `${label}: ${f} in the backup`).toEqual(readFileSync(join(template, f)));
}

const OPS: OpCase[] = [
  { op: 'init', prepare: async () => [] },
  { op: 'create' },
  { op: 'create-new' },
  { op: 'create-many' },
  { op: 'create-many-new' },
  { op: 'txn' },
  { op: 'txn-new' },
  { op: 'update-patch-delete' },
  { op: 'sync', unchanged: true },
  { op: 'compact', unchanged: true },
  { op: 'compact-keep-days', unchanged: true },
  { op: 'rescue', allowProblems: ['rescued_lines'] },
  { op: 'claim' },
  { op: 'complete' },
  // Opening a store whose cache is gone (a fresh clone): the whole cache is built.
  {
    op: 'open',
    unchanged: true,
    prepare: async (dir) => {
      copyStore(template, dir);
      for (const f of ['taskstore.db', 'taskstore.db-wal', 'taskstore.db-shm']) rmSync(join(dir, f), { force: true });
      return [];
    },
  },
  // A backup killed part way leaves nothing that looks like one: the destination is
  // absent, empty, or a whole copy.
  { op: 'backup', unchanged: true, after: backupWholeOrNothing },
  // A log another program rewrote: the open's rebuild keeps the versions it lost in
  // .rescued, and after rescue() every record is as it was. (A .rescued line cut by the
  // kill is no record: rescue leaves it in the file, and check goes on reporting it.)
  { op: 'foreign-rewrite', expected: () => liveRecords(copyStore(template, fresh())), rescueFirst: true, allowProblems: ['rescued_lines'] },
];

describe('SIGKILL at every crash point', () => {
  it.each(OPS)('$op: nothing acknowledged lost, all or none, logs of whole lines, cache equal to a rebuild', async (c) => {
    expect(await sweep(c)).toBeGreaterThan(0);
  }, 300_000);
});

/**
 * States a crash leaves (the op, and the crash point in its trace), from which the next
 * process opens the store (recovering a journal, moving a torn line aside, catching up
 * lines the cache never committed) or writes: killed at each point of that, too.
 */
const CRASH_LEFT: { name: string; op: string; at: RegExp; last?: boolean; torn?: boolean }[] = [
  { name: 'a line appended, the cache not committed', op: 'create', at: /sqlite\.run COMMIT/ },
  { name: 'a torn line in an existing log', op: 'create', at: /fs\.writeSync notes\.jsonl/, torn: true },
  { name: 'a torn first line of a new log', op: 'create-new', at: /fs\.writeSync fresh\.jsonl/, torn: true },
  { name: 'a journaled batch cut in half', op: 'create-many', at: /fs\.writeSync notes\.jsonl/, torn: true },
  // The journal's last one-byte write empties it.
  { name: 'a journaled batch whole, the journal not emptied', op: 'create-many', at: /fs\.writeSync taskstore\.journal 1B/, last: true },
  { name: 'a transaction whose second log is torn', op: 'txn', at: /fs\.writeSync events\.jsonl/, torn: true },
  { name: 'a cascade flushed in one log of three', op: 'complete', at: /fs\.fdatasyncSync task_specs\.jsonl/ },
  { name: 'a compaction renamed, the cache not committed', op: 'compact', at: /fs\.openSync notes\.jsonl/ },
];

describe('SIGKILL while the next process recovers from a crash', () => {
  it.each(CRASH_LEFT)('$name: the next open and the next write, killed at each crash point', async ({ op, at, last = false, torn = false }) => {
    const counted = runOp(copyStore(template, fresh()), op, { trace: true });
    const points = pointsMatching(counted, at);
    const point = last ? points.at(-1)! : points[0]!;
    expect(point, `${op}: no crash point matches ${at}`).toBeDefined();
    const crashLeft = async (dir: string): Promise<Write[]> => {
      copyStore(template, dir);
      const crashed = await runOpAsync(dir, op, { crashAt: point, torn });
      expect(crashed.killed).toBe(true);
      return crashed.writes;
    };
    expect(await sweep({ op: 'open', prepare: crashLeft })).toBeGreaterThan(0);
    expect(await sweep({ op: 'write-after', prepare: crashLeft, coverage: 'torn' })).toBeGreaterThan(0);
    // The full sweep also kills the next transaction, batch and compaction at every point.
    if (FULL) {
      for (const next of ['txn', 'compact', ...(op === 'create-many' ? [] : ['create-many'])]) {
        expect(await sweep({ op: next, prepare: crashLeft, unchanged: next === 'compact' })).toBeGreaterThan(0);
      }
    }
    // The crash happens while another process has the store open: its next write finds it
    // (no open of its own caught up first).
    if (op !== 'compact') expect(await sweep({ op: 'write-after', peer: { op, at: point, torn }, coverage: 'torn' })).toBeGreaterThan(0);
  }, 300_000);
});
