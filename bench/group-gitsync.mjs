/**
 * Scenarios 11a-11c: git-sync, whole processes against plain git doing the same job by
 * hand, in the same run and the same clone (each repeat runs the two back to back).
 *
 * 11a: one `taskstore git-sync` round after 1,000 new lines on a 100,000-line store on a
 *      store branch (commit + fetch + push, the remote unchanged), against
 *      `git add .taskstore && git commit && git push`.
 * 11b: the same, when another clone pushed 1,000 lines first (commit + fetch + merge with
 *      the driver + push), against `git add && git commit && git pull --no-rebase && git
 *      push` with the driver installed.
 * 11c: four clones each running 5 rounds of (20 new records + git-sync) at once, until
 *      all four are identical, against the same 20 rounds run one after another (no
 *      pushes racing).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BENCH_DIR, CLI_MAIN, DIST_INDEX, GIT_IDENTITY, gitRunner, groupMain, log, makeRecords, row, runNode, tempDir, writeJsonlFile } from './lib.mjs';

const { Store } = await import(DIST_INDEX);

// Every git here, and the CLI's git in child processes, runs with the same fixed identity.
Object.assign(process.env, GIT_IDENTITY);
const git = gitRunner({ TASKSTORE_SKIP_HOOKS: '1' });

function cli(cwd, ...args) {
  const r = runNode([CLI_MAIN, ...args], { cwd });
  if (r.status !== 0) throw new Error(`taskstore ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r;
}

/** A bare remote with one code commit on main. */
function makeRemote(root) {
  const remote = join(root, 'remote.git');
  git(root, 'init', '-q', '--bare', '-b', 'main', remote);
  const seed = join(root, 'seed');
  git(root, 'clone', '-q', remote, seed);
  git(seed, 'commit', '-q', '--allow-empty', '-m', 'code');
  git(seed, 'push', '-q', 'origin', 'HEAD:main');
  return remote;
}

/** A clone with the store branch `taskstore` set up; returns { dir, storeDir, worktree }. */
function branchClone(root, remote, name) {
  const dir = join(root, name);
  git(root, 'clone', '-q', remote, dir);
  const setup = JSON.parse(cli(dir, '--json', 'init', '--branch', 'taskstore').stdout);
  return { dir, storeDir: setup.storeDir, worktree: setup.worktree };
}

let nextRecord = 10_000_000;
/** Appends `n` new records through the API (cache current afterwards, as after any write). */
function addRecords(storeDir, n) {
  const store = Store.open(storeDir, { durability: 'none' });
  store.collection({ name: 'notes' }).createMany(makeRecords(n, nextRecord).map(({ updated_at, ...r }) => r));
  nextRecord += n;
  store.close();
}

function timed(fn) {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

function syncRounds(ctx) {
  const root = tempDir(ctx.workRoot, 'gitsync');
  const lines = ctx.scale(100_000);
  const added = ctx.scale(1_000);
  const reps = ctx.quick ? 2 : 3;
  const remote = makeRemote(root);
  const a = branchClone(root, remote, 'a');
  writeJsonlFile(join(a.storeDir, 'notes.jsonl'), lines, 11);
  addRecords(a.storeDir, 1); // catches the cache up with the written log
  cli(a.dir, 'git-sync');
  const b = branchClone(root, remote, 'b');
  addRecords(b.storeDir, 1);
  log(`scenario 11: ${lines.toLocaleString('en-US')}-line store, +${added} lines per round, ${reps} repeats`);

  const plainPush = (cwd) => {
    git(cwd, 'add', '--', '.taskstore');
    git(cwd, 'commit', '-q', '-m', 'by hand');
    git(cwd, 'push', '-q', 'origin', 'taskstore');
  };
  const pairsA = { store: [], baseline: [] };
  const pairsB = { store: [], baseline: [] };
  for (let i = 0; i <= reps; i++) {
    // 11a: nothing new on the remote.
    addRecords(a.storeDir, added);
    const sync = timed(() => cli(a.dir, 'git-sync'));
    addRecords(a.storeDir, added);
    const plain = timed(() => plainPush(a.worktree));
    // 11b: the other clone pushed first.
    addRecords(b.storeDir, added);
    cli(b.dir, 'git-sync');
    addRecords(a.storeDir, added);
    const syncMerge = timed(() => cli(a.dir, 'git-sync'));
    addRecords(b.storeDir, added);
    cli(b.dir, 'git-sync');
    addRecords(a.storeDir, added);
    const plainMerge = timed(() => {
      git(a.worktree, 'add', '--', '.taskstore');
      git(a.worktree, 'commit', '-q', '-m', 'by hand');
      git(a.worktree, 'pull', '-q', '--no-rebase', '--no-edit', 'origin', 'taskstore');
      git(a.worktree, 'push', '-q', 'origin', 'taskstore');
    });
    if (i === 0) continue; // warm-up
    pairsA.store.push(sync);
    pairsA.baseline.push(plain);
    pairsB.store.push(syncMerge);
    pairsB.baseline.push(plainMerge);
    log(`  repeat ${i}: git-sync ${sync.toFixed(0)} ms vs add+commit+push ${plain.toFixed(0)} ms; with a merge ${syncMerge.toFixed(0)} ms vs add+commit+pull+push ${plainMerge.toFixed(0)} ms`);
  }
  ctx.details.syncRounds = { lines, added, pairsA, pairsB };
  const size = `${lines.toLocaleString('en-US')}-line store, +${added.toLocaleString('en-US')} lines`;
  ctx.rows.push(
    row({
      id: '11a',
      what: `git-sync round, ${size} (whole command)`,
      unit: 'ms',
      pairs: pairsA,
      baselineWhat: 'git add .taskstore + git commit + git push of the same change (3 git processes)',
    }),
    row({
      id: '11b',
      what: `git-sync round that merges another clone's +${added.toLocaleString('en-US')} lines, ${size}`,
      unit: 'ms',
      pairs: pairsB,
      baselineWhat: 'git add + commit + pull --no-rebase (merge driver installed) + push by hand',
    }),
  );
}

function runChild(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1))) : reject(new Error(`${args.join(' ')} exited ${code}: ${err}`))));
  });
}

async function convergence(ctx) {
  const rounds = ctx.quick ? 2 : 5;
  const perRound = 20;
  const child = join(BENCH_DIR, 'child-sync-rounds.mjs');
  /** Four fresh clones of a fresh remote; returns the clones. */
  const setUp = (name) => {
    const root = tempDir(ctx.workRoot, name);
    const remote = makeRemote(root);
    const first = branchClone(root, remote, 'c0');
    cli(first.dir, 'git-sync');
    return [first, ...[1, 2, 3].map((i) => branchClone(root, remote, `c${i}`))];
  };
  /** Every clone syncs once more; all must then be at one commit. */
  const catchUp = (clones) => {
    for (const c of clones) cli(c.dir, 'git-sync');
    const heads = new Set(clones.map((c) => git(c.worktree, 'rev-parse', 'HEAD').trim()));
    if (heads.size !== 1) throw new Error(`clones did not converge: ${[...heads].join(', ')}`);
  };

  const concurrentClones = setUp('converge');
  const t0 = performance.now();
  const results = await Promise.all(concurrentClones.map((c, i) => runChild([child, c.storeDir, `c${i}`, String(rounds), String(perRound)])));
  catchUp(concurrentClones);
  const concurrent = performance.now() - t0;

  const sequentialClones = setUp('sequential');
  const t1 = performance.now();
  for (const [i, c] of sequentialClones.entries()) await runChild([child, c.storeDir, `c${i}`, String(rounds), String(perRound)]);
  catchUp(sequentialClones);
  const sequential = performance.now() - t1;

  const retries = results.reduce((n, r) => n + r.retries, 0);
  ctx.details.convergence = { rounds, perRound, concurrentMs: concurrent, sequentialMs: sequential, retries, perClone: results };
  log(`  4 clones × ${rounds} rounds: concurrent ${concurrent.toFixed(0)} ms (${retries} rejected pushes retried), one after another ${sequential.toFixed(0)} ms`);
  ctx.rows.push(
    row({
      id: '11c',
      what: `4 clones × ${rounds} rounds (${perRound} records + git-sync) at once, until identical`,
      unit: 'ms',
      store: concurrent,
      baseline: sequential,
      baselineWhat: `the same ${4 * rounds} rounds run one clone after another (no racing pushes); ${retries} rejected pushes were retried`,
    }),
  );
}

await groupMain(async (ctx) => {
  syncRounds(ctx);
  await convergence(ctx);
});
