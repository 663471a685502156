/**
 * The CLI's coordination commands: `update --if-updated-at`, a race-free `update --set`,
 * and (below) ready / claim / renew / release.
 */
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { GitRepo } from '../helpers/git-repo.js';
import { startMcp } from '../cli/mcp-client.js';
import { openStore, runCli, runJson } from '../cli/run-cli.js';

const COORDINATOR = join(import.meta.dirname, '..', 'fixtures', 'coordinator.mjs');

function storeIn(): { cwd: string; dir: string } {
  const cwd = tempDir();
  return { cwd, dir: join(cwd, '.taskstore') };
}

describe('update --if-updated-at', () => {
  it('writes when the version matches; on a stale one exits 1 with a sentence and a hint, writing nothing', () => {
    const { cwd, dir } = storeIn();
    const store = openStore(dir);
    const id = store.collection({ name: 'notes' }).create({ id: 'note-1', title: 'a' });
    const version = store.collection({ name: 'notes' }).get(id)!.updated_at;
    store.close();
    const ok = runJson<{ title: string; updated_at: number }>(['update', id, '--set', 'title=b', '--if-updated-at', String(version)], { cwd });
    expect(ok.title).toBe('b');
    const stale = runCli(['update', id, '--set', 'title=c', '--if-updated-at', String(version)], { cwd });
    expect(stale.status).toBe(1);
    expect(stale.stdout).toBe('');
    expect(stale.stderr).toMatch(new RegExp(`^taskstore: error: notes ${id} changed: expected updated_at ${version}, but its current version has updated_at ${ok.updated_at}; nothing was written\\nhint: .+\\n$`));
    const bad = runCli(['update', id, '--set', 'title=c', '--if-updated-at', 'soon'], { cwd });
    expect(bad.status).toBe(2);
    const after = openStore(dir);
    expect(after.collection({ name: 'notes' }).get(id)!.title).toBe('b');
    after.close();
  });

  it('works for built-in record types through their update methods', () => {
    const { cwd, dir } = storeIn();
    const store = openStore(dir);
    const prdId = store.createPrd({ title: 'P' });
    const version = store.getPrd(prdId)!.updated_at;
    store.close();
    expect(runCli(['update', prdId, '--set', 'status=ready', '--if-updated-at', String(version - 1)], { cwd }).status).toBe(1);
    expect(runJson<{ status: string }>(['update', prdId, '--set', 'status=ready', '--if-updated-at', String(version)], { cwd }).status).toBe('ready');
  });
});

describe('update --set is race-free', () => {
  it('never reverts a field another process patched meanwhile (review_passes only ever grows across versions)', async () => {
    const { cwd, dir } = storeIn();
    const store = openStore(dir);
    const prdId = store.createPrd({ title: 'P', description: 'd0' });
    store.close();
    const child = spawn(process.execPath, [COORDINATOR, dir, 'patchloop', 'prds', prdId, 'review_passes', '1500'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.stdin.write('go\n');
    for (let a = 1; a <= 8; a++) expect(runCli(['update', prdId, '--set', `description=d${a}`], { cwd }).status).toBe(0);
    expect(await exited, stderr).toBe(0);
    const after = openStore(dir);
    const history = after.collection({ name: 'prds' }).history(prdId) as unknown as { review_passes: number; description: string }[];
    for (let i = 1; i < history.length; i++) {
      expect(history[i]!.review_passes, `version ${i}`).toBeGreaterThanOrEqual(history[i - 1]!.review_passes);
      expect(Number(history[i]!.description.slice(1)), `version ${i}`).toBeGreaterThanOrEqual(Number(history[i - 1]!.description.slice(1)));
    }
    expect(after.getPrd(prdId)).toMatchObject({ description: 'd8', review_passes: 1500 });
    after.close();
  });
});

describe('ready, claim, renew, release', () => {
  function seedGraph(dir: string) {
    const store = openStore(dir);
    const prd = store.createPrd({ title: 'P' });
    const a = store.createTaskSpec({ prd_id: prd, phase_name: 'schema' });
    const b = store.createTaskSpec({ prd_id: prd, phase_name: 'api', dependencies: [a] });
    const c = store.createTaskSpec({ prd_id: prd, phase_name: 'ui', dependencies: [b, 'ghost-spec'] });
    const other = store.createPrd({ title: 'Q' });
    const q = store.createTaskSpec({ prd_id: other, phase_name: 'q' });
    store.close();
    return { prd, a, b, c, other, q };
  }

  it('ready lists ready specs as a table or JSON; --prd-id filters; --explain lists what blocks each pending spec', () => {
    const { cwd, dir } = storeIn();
    const { prd, a, b, c, q } = seedGraph(dir);
    expect(runJson<{ id: string }[]>(['ready'], { cwd }).map((s) => s.id)).toEqual([a, q]);
    expect(runJson<{ id: string }[]>(['ready', '--prd-id', prd.slice(0, -1)], { cwd }).map((s) => s.id)).toEqual([a]);
    const table = runCli(['ready'], { cwd });
    expect(table.status).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID +PRD +PHASE +STATUS +WORKFLOW +ASSIGNED +DEPENDS ON$/);
    expect(table.stdout).toContain('schema');

    const explained = runJson<{ ready: { id: string }[]; waiting: { spec: { id: string }; blockedBy: { id: string; status: string }[] }[] }>(
      ['ready', '--explain', '--prd-id', prd],
      { cwd },
    );
    expect(explained.ready.map((s) => s.id)).toEqual([a]);
    expect(explained.waiting.map((w) => [w.spec.id, w.blockedBy])).toEqual([
      [b, [{ id: a, status: 'pending' }]],
      [c, [{ id: b, status: 'pending' }, { id: 'ghost-spec', status: 'missing' }]],
    ]);
    const text = runCli(['ready', '--explain', '--prd-id', prd], { cwd }).stdout.split('\n');
    const at = text.indexOf('not ready (2):');
    expect(at).toBeGreaterThan(0);
    expect(text[at + 1]).toMatch(/^ID +PHASE +WAITING FOR$/);
    expect(text[at + 2]).toMatch(new RegExp(`^${b.slice(0, 8)}\\S* +api +${a.slice(0, 8)}\\S* \\(pending\\)$`));
    expect(text[at + 3]).toMatch(new RegExp(`^${c.slice(0, 8)}\\S* +ui +${b.slice(0, 8)}\\S* \\(pending\\), ghost-spec \\(missing\\)$`));
  });

  it('ready --explain spells out control characters in a missing dependency (record text never drives the terminal)', () => {
    const { cwd, dir } = storeIn();
    const store = openStore(dir);
    const prd = store.createPrd({ title: 'P' });
    store.createTaskSpec({ prd_id: prd, phase_name: 'x', dependencies: ['ghost\u009b2J\u202eevil'] });
    store.close();
    const r = runCli(['ready', '--explain'], { cwd });
    expect(r.status).toBe(0);
    expect(r.stdout).not.toMatch(/[\u0080-\u009f\u202e]/);
    expect(r.stdout).toContain('ghost\\x9b2J\\u202eevil (missing)');
  });

  it('ready --explain names an empty dependency id as missing (it failed the whole command: "id must be a non-empty string")', () => {
    const { cwd, dir } = storeIn();
    const store = openStore(dir);
    const prd = store.createPrd({ title: 'P' });
    store.createTaskSpec({ id: 'done-spec', prd_id: prd, phase_name: 'done', status: 'complete' });
    store.close();
    const at = Date.now() + 5;
    appendFileSync(
      join(dir, 'task_specs.jsonl'),
      `${JSON.stringify({ id: 'waits', prd_id: prd, phase_name: 'w', status: 'pending', created_at: at, updated_at: at, dependencies: ['done-spec', ''] })}\n`,
    );
    const explained = runJson<{ waiting: { spec: { id: string }; blockedBy: unknown[] }[] }>(['ready', '--explain'], { cwd });
    expect(explained.waiting.map((w) => [w.spec.id, w.blockedBy])).toEqual([['waits', [{ id: '', status: 'missing' }]]]);
    const r = runCli(['ready', '--explain'], { cwd });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^waits +w +"" \(missing\)$/m);
  });

  it('ready --explain names a hand-written dependencies value that is no list as the blocker, even a string naming a complete spec', () => {
    const { cwd, dir } = storeIn();
    const store = openStore(dir);
    const prd = store.createPrd({ title: 'P' });
    store.createTaskSpec({ id: 'done-spec', prd_id: prd, phase_name: 'done', status: 'complete' });
    store.close();
    const at = Date.now() + 5;
    const line = (id: string, dependencies: unknown) =>
      `${JSON.stringify({ id, prd_id: prd, phase_name: id, status: 'pending', created_at: at, updated_at: at, dependencies })}\n`;
    appendFileSync(join(dir, 'task_specs.jsonl'), line('as-string', 'done-spec') + line('as-object', { 'done-spec': true }));
    const explained = runJson<{ ready: unknown[]; waiting: { spec: { id: string }; blockedBy: unknown[] }[] }>(['ready', '--explain'], { cwd });
    expect(explained.ready).toEqual([]);
    expect(explained.waiting.map((w) => [w.spec.id, w.blockedBy])).toEqual([
      ['as-object', [{ id: { 'done-spec': true }, status: 'not a list' }]],
      ['as-string', [{ id: 'done-spec', status: 'not a list' }]],
    ]);
    const text = runCli(['ready', '--explain'], { cwd }).stdout;
    expect(text).toMatch(/^as-\S* +as-string +done-spec \(not a list\)$/m);
    expect(text).toMatch(/^as-\S* +as-object +\{"done-spec":true\} \(not a list\)$/m);
  });

  it('claim without an id takes the next claimable spec; with an id that one; exit 1 and a hint when none / held', () => {
    const { cwd, dir } = storeIn();
    const { a, q } = seedGraph(dir);
    const first = runJson<{ id: string; status: string; assigned_to: string; lease_expires_at: number }>(['claim', '--as', 'loop-1', '--lease-ms', '60000'], { cwd });
    expect(first).toMatchObject({ id: a, status: 'running', assigned_to: 'loop-1' });
    expect(first.lease_expires_at).toBeGreaterThan(Date.now() + 50_000);
    const table = runCli(['claim', q.slice(0, -1), '--as', 'loop-2'], { cwd });
    expect(table.status).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID +PRD +PHASE +STATUS +ASSIGNED +LEASE UNTIL$/);
    expect(table.stdout.split('\n')[1]).toMatch(/ q +running +loop-2 +\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    const none = runCli(['claim', '--as', 'loop-3'], { cwd });
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/^taskstore: error: no task spec is claimable .*\nhint: `taskstore ready --explain`/);
    const held = runCli(['claim', a, '--as', 'loop-3'], { cwd });
    expect(held.status).toBe(1);
    expect(held.stderr).toMatch(/^taskstore: error: loop-3 cannot claim task spec .+: loop-1 holds it until .+\nhint: /);
    expect(runCli(['claim', '--as', 'x', '--lease-ms', '0'], { cwd }).status).toBe(2);
    expect(runCli(['claim'], { cwd }).status).toBe(2);
    // A lease past 24 hours is a usage error in the option's own words (it named the library's leaseMs).
    for (const args of [['claim', '--as', 'x', '--lease-ms', '86400001'], ['renew', a, '--as', 'loop-1', '--lease-ms', '86400001']]) {
      const long = runCli(args, { cwd });
      expect(long.status, args[0]).toBe(2);
      expect(long.stderr, args[0]).toContain("option '--lease-ms <n>' argument '86400001' is invalid. must be at most 86400000 (24 hours)");
      expect(long.stderr, args[0]).not.toContain('leaseMs');
    }
  });

  it('renew and release by the holder; by anyone else exit 1 (CLAIMED)', () => {
    const { cwd, dir } = storeIn();
    const { a } = seedGraph(dir);
    const claimed = runJson<{ lease_expires_at: number }>(['claim', a, '--as', 'loop-1', '--lease-ms', '1000'], { cwd });
    const renewed = runJson<{ lease_expires_at: number }>(['renew', a, '--as', 'loop-1', '--lease-ms', '600000'], { cwd });
    expect(renewed.lease_expires_at).toBeGreaterThan(claimed.lease_expires_at);
    const wrong = runCli(['renew', a, '--as', 'loop-2'], { cwd });
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/loop-2 cannot renew task spec .+: loop-1 holds it/);
    expect(runCli(['release', a, '--as', 'loop-2'], { cwd }).status).toBe(1);
    const released = runJson<Record<string, unknown>>(['release', a, '--as', 'loop-1', '--status', 'failed'], { cwd });
    expect(released).toMatchObject({ id: a, status: 'failed', assigned_to: null, lease_expires_at: null });
    expect(runCli(['release', a, '--as', 'loop-1'], { cwd }).stderr).toMatch(/nobody holds a claim on it/);
  });
});

describe('claims from linked git worktrees', () => {
  it('a claim through the in-tree store of a linked worktree warns that other worktrees have their own copy (two agents both got the spec without a word)', async () => {
    const repo = GitRepo.init();
    const main = repo.dir;
    runCli(['init'], { cwd: main });
    const prd = runCli(['create-prd', 'P'], { cwd: main }).stdout.trim();
    const spec = runCli(['create-task-spec', '--prd-id', prd, 'a'], { cwd: main }).stdout.trim();
    repo.commitAll('store');
    const wt1 = join(tempDir(), 'wt1');
    const wt2 = join(tempDir(), 'wt2');
    repo.git('worktree', 'add', '-q', wt1, '-b', 'wt1');
    repo.git('worktree', 'add', '-q', wt2, '-b', 'wt2');
    // Each worktree has its own checked-out .taskstore/: both claims succeed. That is the
    // documented scope of exactly-once (one store), but the agents must be told.
    const one = runCli(['claim', spec, '--as', 'agent-1'], { cwd: wt1 });
    const two = runCli(['claim', spec, '--as', 'agent-2'], { cwd: wt2 });
    expect([one.status, two.status]).toEqual([0, 0]);
    for (const [result, wt] of [[one, wt1], [two, wt2]] as const) {
      expect(result.stderr).toMatch(/^taskstore: warning: the store .+ is the linked worktree's own copy/);
      expect(result.stderr).toContain(join(wt, '.taskstore'));
      expect(result.stderr).toMatch(/taskstore init --branch/);
    }
    expect(runCli(['renew', spec, '--as', 'agent-1'], { cwd: wt1 }).stderr).toMatch(/^taskstore: warning: the store /);
    expect(runCli(['release', spec, '--as', 'agent-2'], { cwd: wt2 }).stderr).toMatch(/^taskstore: warning: the store /);
    // The MCP server an agent starts in its worktree says it once, at start, on stderr.
    const session = await startMcp({ cwd: wt1 });
    try {
      await session.ok('check');
      expect(session.stderr()).toMatch(/^taskstore: warning: the store .+ is the linked worktree's own copy/);
    } finally {
      await session.close();
    }
    // The main work tree's store, a store named with --store, and reads: no warning.
    expect(runCli(['claim', spec, '--as', 'agent-0'], { cwd: main }).stderr).toBe('');
    expect(runCli(['claim', spec, '--as', 'agent-1', '--store', join(wt1, '.taskstore')], { cwd: wt1 }).stderr).toBe('');
    expect(runCli(['ready'], { cwd: wt2 }).stderr).toBe('');
  }, 60_000);
});
