#!/usr/bin/env node
// The whole product, end to end, with the real CLI on a scratch git repository:
// a PRD decomposed into task specs, two agent branches that edit the same records, a
// clean `git merge` through the TaskStore merge driver, and the cache kept current by
// the hooks. Every command is printed (shell-quoted, ready to copy) with its output.
// Exits 1 if anything is off, so it doubles as a smoke test (CI runs it).
//
//   npm run demo              build quietly, run, remove the scratch repository
//   npm run demo -- --keep    keep the scratch repository and print its path to explore
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli', 'main.js');
const keep = process.argv.includes('--keep');

// Build quietly: the build's output is shown only when it fails.
if (!process.argv.includes('--no-build')) {
  const build = spawnSync(process.execPath, [join(root, 'node_modules', 'tsup', 'dist', 'cli-default.js')], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) {
    process.stderr.write(`${build.stdout}${build.stderr}demo: the build failed (above)\n`);
    process.exit(1);
  }
}
if (!existsSync(cli)) {
  console.error('demo: dist/ is missing; run `npm run build`');
  process.exit(1);
}
const repo = mkdtempSync(join(tmpdir(), 'taskstore-demo-'));
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Demo',
  GIT_AUTHOR_EMAIL: 'demo@example.com',
  GIT_COMMITTER_NAME: 'Demo',
  GIT_COMMITTER_EMAIL: 'demo@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  TASKSTORE_DIR: '',
};
const styled = process.stdout.isTTY && !process.env.NO_COLOR;
const bold = (s) => (styled ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s) => (styled ? `\x1b[2m${s}\x1b[0m` : s);

/** `arg` as a POSIX shell word: bare when safe, else in double quotes (or single quotes when it holds $ ` \\ " !). */
function shellWord(arg) {
  if (/^[A-Za-z0-9_\/.:=@%+,-]+$/.test(arg)) return arg;
  if (!/[$`\\"!]/.test(arg)) return `"${arg}"`;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
const comment = (text) => console.log(dim(`# ${text}`));

/** Prints a command (copyable), runs it in the scratch repository and insists on exit `status`. */
function exec(name, file, args, status) {
  console.log(bold(`$ ${[name, ...args].map(shellWord).join(' ')}`));
  const r = spawnSync(file, name === 'taskstore' ? [cli, ...args] : args, { cwd: repo, env, encoding: 'utf8' });
  if (r.status !== status) {
    throw Object.assign(new Error(`${name} ${args.join(' ')} exited ${r.status}${status === 0 ? '' : `, expected ${status}`}`), { stderr: `${r.stdout}${r.stderr}` });
  }
  return r;
}

/** Runs a command that must succeed, printing it and its output; stderr is printed too when `showStderr`. */
function run(name, file, args, { quiet = false, showStderr = false } = {}) {
  const r = exec(name, file, args, 0);
  if (!quiet && r.stdout.trim() !== '') console.log(r.stdout.trimEnd());
  if (showStderr && r.stderr.trim() !== '') console.log(r.stderr.trimEnd());
  return r.stdout.trim();
}
const ts = (...args) => run('taskstore', process.execPath, args);
/** A command that must fail (exit 1): prints it and what it said on stderr. */
function tsFails(...args) {
  const r = exec('taskstore', process.execPath, args, 1);
  console.log(`${r.stderr.trimEnd()}\n${dim('(exit 1)')}`);
  return r.stderr;
}
/** The demo's own assertions read --json output without printing it. */
const tsJson = (...args) =>
  JSON.parse(execFileSync(process.execPath, [cli, '--json', ...args], { cwd: repo, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
const git = (...args) => run('git', 'git', args, { quiet: args[0] === 'commit', showStderr: args[0] === 'merge' });
const section = (title) => console.log(`\n${bold(`# ${title}`)}`);
function expect(condition, message) {
  if (!condition) {
    console.error(`demo: FAILED: ${message}`);
    process.exit(1);
  }
}

try {
  section('A scratch git repository with a TaskStore in it');
  git('init', '-q', '-b', 'main');
  ts('init');
  ts('install-hooks');

  section('A PRD decomposed into three task specs that depend on each other');
  const prd = ts('create-prd', 'Checkout flow', '--description', 'One-page checkout');
  const design = ts('create-task-spec', '--prd-id', prd, 'design');
  const build = ts('create-task-spec', '--prd-id', prd, 'implement', '--depends-on', design);
  const verify = ts('create-task-spec', '--prd-id', prd, 'verify', '--depends-on', build);
  ts('list-task-specs', '--prd-id', prd);
  const ready = tsJson('list-task-specs', '--ready');
  expect(ready.length === 1 && ready[0].id === design, 'only the design spec is ready at first');
  git('add', '-A');
  git('commit', '-q', '-m', 'plan the checkout flow');

  section('Agent A, on its own branch, runs and completes the design spec');
  git('checkout', '-q', '-b', 'agent-a');
  const execA = ts('create-execution', '--ts-id', design, '--worktree', '/work/agent-a', '--branch', 'agent-a');
  ts('update', execA, '--set', 'iteration_count=3', '--set', 'current_phase=review');
  ts('complete-execution', execA);
  ts('update', prd, '--set', 'review_passes=1');
  git('add', '-A');
  git('commit', '-q', '-m', 'agent A: design done');

  section('Agent B, on another branch, edits the same PRD (another field) and a task spec');
  git('checkout', '-q', 'main');
  git('checkout', '-q', '-b', 'agent-b');
  ts('update', prd, '--set', 'status=in_progress');
  ts('update', verify, '--set', 'description=Run the e2e suite');
  const execB = ts('create-execution', '--ts-id', verify, '--worktree', '/work/agent-b', '--branch', 'agent-b');
  git('add', '-A');
  git('commit', '-q', '-m', 'agent B: verification planned');

  section('Both branches merge cleanly: the merge driver merges record by record');
  git('checkout', '-q', 'main');
  git('merge', '-q', '--no-edit', 'agent-a');
  const mergeStarted = Date.now();
  git('merge', '-q', '--no-edit', 'agent-b');
  const mergeEnded = Date.now();
  git('log', '--oneline', '--graph', '-6');
  const merged = tsJson('show', prd);
  expect(merged.status === 'in_progress' && merged.review_passes === 1, "both branches' edits to the PRD survive the merge");
  ts('show', prd);

  section('The hooks kept the cache current through the merge: the next spec is ready');
  // The cache records when it last caught up with lines git (or another process) wrote.
  // Caught up before `git merge` returned, it was the post-merge hook that did it.
  const { lastCatchUpAt, lastCatchUpLines } = tsJson('metrics').recorded;
  expect(lastCatchUpAt !== null && lastCatchUpAt >= mergeStarted && lastCatchUpAt <= mergeEnded, 'the post-merge hook caught the cache up during the merge');
  const clock = (ms) => new Date(ms).toISOString().slice(11, 23);
  comment(`git merge ran from ${clock(mergeStarted)} to ${clock(mergeEnded)}; its post-merge hook ran \`taskstore refresh\`,`);
  comment(`which caught the cache up with the ${lastCatchUpLines} merged lines at ${clock(lastCatchUpAt)} ("last catch-up" below):`);
  ts('metrics');
  const nowReady = tsJson('list-task-specs', '--ready');
  expect(nowReady.map((t) => t.id).join() === build, 'the implement spec is ready once design is complete');
  ts('list-task-specs', '--ready');
  ts('list-executions');
  expect(tsJson('list-executions').some((e) => e.id === execB), "agent B's execution arrived");

  section('Concurrent loops take work with claims, and write only what they read');
  comment('A claim marks the spec running with a lease, in one conditional write: of many loops');
  comment('asking at once, exactly one gets each spec. The next loop finds nothing claimable.');
  ts('ready');
  ts('claim', '--as', 'loop-1', '--lease-ms', '600000');
  const claimed = tsJson('show', build);
  expect(claimed.status === 'running' && claimed.assigned_to === 'loop-1', 'loop-1 claimed the implement spec');
  tsFails('claim', '--as', 'loop-2');
  comment('A write conditional on the version it read is refused once someone else wrote:');
  const seen = tsJson('show', prd).updated_at;
  ts('update', prd, '--set', 'review_passes=2', '--if-updated-at', String(seen));
  const stale = tsFails('update', prd, '--set', 'review_passes=5', '--if-updated-at', String(seen));
  expect(/STALE|changed|moved/i.test(stale) || stale.includes(String(seen)), 'the stale conditional update is refused');
  expect(tsJson('show', prd).review_passes === 2, 'the refused write changed nothing');
  ts('renew', build, '--as', 'loop-1');
  ts('release', build, '--as', 'loop-1');
  comment('A loop that stalls past its lease loses the spec to the next loop, and its late result');
  comment('cannot complete the spec under the new holder (complete-execution --as checks the claim):');
  ts('claim', build, '--as', 'loop-1', '--lease-ms', '1');
  const stalled = ts('create-execution', '--ts-id', build, '--worktree', '/work/loop-1', '--branch', 'loop-1');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20); // the 1 ms lease runs out
  ts('claim', '--as', 'loop-2');
  const taken = ts('create-execution', '--ts-id', build, '--worktree', '/work/loop-2', '--branch', 'loop-2');
  const late = tsFails('complete-execution', stalled, '--as', 'loop-1');
  expect(/loop-2 holds it/.test(late), "loop-1's late completion is refused, naming loop-2");
  ts('update', stalled, '--set', 'status=failed');
  ts('complete-execution', taken, '--as', 'loop-2');
  expect(tsJson('show', build).assigned_to === 'loop-2', 'the spec is complete, done by loop-2');

  section('History keeps every version, including the merged one');
  comment('Agent A set review_passes, agent B (from the same base) set the status; the merge');
  comment('driver wrote a version holding both. In the file the two branches\' versions sit one');
  comment('after the other, so history compares each with the version it was made from:');
  const history = tsJson('history', prd);
  expect(history.versions.some((v) => v.mergeOf !== null), 'history names the merged version as a merge');
  expect(
    !history.versions.some((v) => v.changes.some((c) => c.field === 'review_passes' && c.old === 1 && c.new === 0)),
    'no version of the history reads as if the merge undid review_passes',
  );
  ts('history', prd);

  section('Health and numbers');
  const check = tsJson('check');
  expect(check.ok, `check is clean: ${JSON.stringify(check.problems)}`);
  ts('check');
  ts('metrics');
  console.log(
    keep
      ? `\ndemo: ok. The scratch repository is kept at ${repo}\n  cd ${shellWord(repo)} && taskstore list-prds   (run it with: node ${shellWord(cli)} …)`
      : `\ndemo: ok (scratch repo ${repo}, removed; \`npm run demo -- --keep\` keeps it)`,
  );
} catch (err) {
  console.error(`demo: FAILED: ${err.stderr?.toString() || err.message}`);
  process.exitCode = 1;
} finally {
  if (!keep) rmSync(repo, { recursive: true, force: true });
  else if (process.exitCode === 1) console.error(`demo: the scratch repository is kept at ${repo}`);
}
