/**
 * Failures users of other git-native task stores hit (Beads, beads_rust, the Rust
 * TaskStore), each replayed end to end against TaskStore: real git, real files, the
 * built CLI in real child processes. test/LESSONS-MAP.md lists which test proves which
 * lesson; the lessons already proven elsewhere are not repeated here.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { HOOK_NAMES, installGitIntegration } from '../../src/git/index.js';
import { CLI, MERGE_BIN } from '../helpers/paths.js';
import { GitRepo } from '../helpers/git-repo.js';
import { quietLogger } from '../helpers/logger.js';
import { tempDir } from '../helpers/temp.js';
import { runCli, runJson } from '../cli/run-cli.js';
import { commandsFor, fakeCli, gitOk, isExecutable } from '../git/fixtures.js';
import { currentState, hasMarkers, jsonl, linesOf, type Rec } from '../merge/jsonl-fixtures.js';

beforeAll(() => {
  for (const path of [CLI, MERGE_BIN]) if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` first`);
});

const FILE = '.taskstore/notes.jsonl';
const r = (id: string, updated_at: number, fields: Record<string, unknown> = {}): Rec => ({ id, updated_at, ...fields });
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** A repository whose first commit holds `base`, merged by `driver` (the TaskStore driver, or git's union merge). */
function repoMergingWith(driver: 'taskstore' | 'union', base: string): GitRepo {
  const repo = GitRepo.init();
  if (driver === 'taskstore') {
    repo.git('config', 'merge.taskstore.name', 'TaskStore JSONL record merge');
    repo.git('config', 'merge.taskstore.driver', `${shellQuote(process.execPath)} ${shellQuote(MERGE_BIN)} %O %A %B %P`);
  }
  repo.write('.gitattributes', `.taskstore/*.jsonl merge=${driver}\n`);
  repo.write(FILE, base);
  repo.commitAll('base');
  return repo;
}

/** `feature` appends `theirs`, `main` appends `ours`, then main merges feature. */
function mergeDiverged(repo: GitRepo, ours: (Rec | string)[], theirs: (Rec | string)[]): string {
  repo.git('checkout', '-q', '-b', 'feature');
  repo.write(FILE, repo.read(FILE) + jsonl(...theirs));
  repo.commitAll('feature');
  repo.git('checkout', '-q', 'main');
  repo.write(FILE, repo.read(FILE) + jsonl(...ours));
  repo.commitAll('main');
  const merged = repo.tryGit('merge', '--no-edit', 'feature');
  expect(merged.status, merged.stderr).toBe(0);
  return repo.read(FILE);
}

const duplicates = (text: string): string[] => linesOf(text).filter((line, i, all) => all.indexOf(line) !== i);

describe('merge=union duplicated records (Beads users: 707 lines for 600 records)', () => {
  // Both branches carry a version another clone wrote (pulled into each at a different
  // moment, so it sits before main's own line and after feature's): the appended blocks
  // differ, a text merge sees one conflicting hunk, and union keeps both blocks whole.
  const base = jsonl(...Array.from({ length: 20 }, (_, i) => r(`n${i}`, 1, { title: `note ${i}` })));
  const shared = r('n3', 5, { title: 'edited on a third clone' });
  const ours = [shared, r('m1', 6, { title: 'from main' })];
  const theirs = [r('f1', 7, { title: 'from feature' }), shared];

  it('control: git’s union merge writes the shared line twice', () => {
    const text = mergeDiverged(repoMergingWith('union', base), ours, theirs);
    expect(duplicates(text)).toEqual([JSON.stringify(shared)]);
  });

  it('the TaskStore driver writes every line once and keeps every record of both branches', () => {
    const text = mergeDiverged(repoMergingWith('taskstore', base), ours, theirs);
    expect(hasMarkers(text)).toBe(false);
    expect(duplicates(text)).toEqual([]);
    expect(linesOf(text)).toHaveLength(20 + 3);
    const state = currentState(text);
    expect(state.size).toBe(22);
    expect(state.get('n3')).toEqual(shared);
    expect(state.get('m1')?.title).toBe('from main');
    expect(state.get('f1')?.title).toBe('from feature');
  });
});

describe('set-union merging resurrected removed values (Beads #1485)', () => {
  it('under a real git merge, what one branch removed stays removed while the other branch edits the same records', () => {
    const base = jsonl(
      r('a', 1, { labels: ['bug', 'ui', 'p1'], owner: 'ann', meta: { tags: ['x', 'y'] } }),
      r('c', 1, { labels: ['keep'] }),
    );
    const text = mergeDiverged(
      repoMergingWith('taskstore', base),
      // main: drops a label and a nested value, removes a field
      [r('a', 5, { labels: ['bug', 'p1'], meta: { tags: ['x'] } })],
      // feature, later: sets another field and re-stamps the rest as the base had it
      [r('a', 9, { labels: ['bug', 'ui', 'p1'], owner: 'ann', meta: { tags: ['x', 'y'] }, status: 'done' })],
    );
    const state = currentState(text);
    const a = state.get('a')!;
    expect(a.labels).toEqual(['bug', 'p1']);
    expect(a.meta).toEqual({ tags: ['x'] });
    expect(a).not.toHaveProperty('owner');
    expect(a.status).toBe('done');
    expect(state.get('c')).toEqual(r('c', 1, { labels: ['keep'] }));
  });

  it('a record one branch deleted stays deleted when the other branch left it alone', () => {
    const base = jsonl(r('a', 1, { labels: ['x'] }), r('b', 1, { labels: ['y'] }));
    const text = mergeDiverged(repoMergingWith('taskstore', base), [r('a', 5, { deleted: true })], [r('b', 9, { labels: [] })]);
    const state = currentState(text);
    expect(state.get('a')?.deleted).toBe(true);
    expect(state.get('b')?.labels).toEqual([]);
  });
});

interface Prd {
  id: string;
  title: string;
  status: string;
}
interface TaskSpec {
  id: string;
  prd_id: string;
  status: string;
}

/** A bare remote and a first clone `a` with an initialized store (no hooks: nothing refreshes the cache behind our back). */
function remoteWithStore() {
  const remote = GitRepo.init({ bare: true });
  const a = GitRepo.clone(remote.dir);
  expect(runCli(['init'], { cwd: a.dir }).status).toBe(0);
  return { remote, a };
}

const cli = (repo: GitRepo, ...args: string[]) => {
  const result = runCli(args, { cwd: repo.dir });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.trim();
};

describe('fresh clones (Beads #1383: an empty database next to 44 committed issues; Rust TaskStore: indexes only in SQLite)', () => {
  it('a fresh git clone has no cache, and the CLI answers filtered queries exactly as the clone that wrote them', () => {
    const { remote, a } = remoteWithStore();
    const search = cli(a, 'create-prd', 'Search');
    const billing = cli(a, 'create-prd', 'Billing');
    cli(a, 'update', billing, '--set', 'status=ready');
    const specs = ['index', 'query', 'rank'].map((phase) => cli(a, 'create-task-spec', phase, '--prd-id', search));
    const other = cli(a, 'create-task-spec', 'invoice', '--prd-id', billing);
    cli(a, 'update', specs[0]!, '--set', 'status=complete');
    a.commitAll('store');
    a.git('push', '-q', 'origin', 'HEAD:main');

    const b = GitRepo.clone(remote.dir);
    expect(existsSync(join(b.dir, '.taskstore', 'notes.jsonl'))).toBe(false);
    expect(existsSync(join(b.dir, '.taskstore', 'taskstore.db'))).toBe(false);
    const queries = [
      ['list-task-specs', '--prd-id', search],
      ['list-task-specs', '--prd-id', billing],
      ['list-task-specs', '--status', 'complete'],
      ['list-task-specs', '--status', 'pending'],
      ['list-prds', '--status', 'ready'],
      ['ready'],
      ['list', 'task_specs', '--where', `prd_id=${search}`],
    ];
    const idsIn = (repo: GitRepo, query: string[]) => runJson<{ id: string }[]>(query, { cwd: repo.dir }).map((x) => x.id);
    const fromClone = queries.map((q) => idsIn(b, q));
    expect(fromClone).toEqual(queries.map((q) => idsIn(a, q)));
    // And the answers are the records written, not an empty list that happens to agree.
    expect(fromClone[0]!.sort()).toEqual([...specs].sort());
    expect(fromClone[1]).toEqual([other]);
    expect(fromClone[2]).toEqual([specs[0]]);
    expect(fromClone[3]!.sort()).toEqual([specs[1], specs[2], other].sort());
    expect(fromClone[4]).toEqual([billing]);
    expect(fromClone[6]!.sort()).toEqual([...specs].sort());
    // The cache the clone built has the indexes the code declares.
    const db = new Database(join(b.dir, '.taskstore', 'taskstore.db'), { readonly: true });
    const indexes = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all() as { name: string }[]).map((x) => x.name);
    db.close();
    expect(indexes).toEqual(expect.arrayContaining(['c_task_specs__f_prd_id', 'c_task_specs__f_status', 'c_prds__f_status']));
  });
});

describe('the JSONL was regenerated from a stale database and erased other machines’ records (Beads #3729, #3931)', () => {
  it('after a pull the cache knows nothing of (no hooks), writes only append and compaction keeps the pulled records', () => {
    const { remote, a } = remoteWithStore();
    const mine = cli(a, 'create-prd', 'mine');
    a.commitAll('a: mine');
    a.git('push', '-q', 'origin', 'HEAD:main');

    const b = GitRepo.clone(remote.dir);
    const theirs = [cli(b, 'create-prd', 'theirs 1'), cli(b, 'create-prd', 'theirs 2')];
    cli(b, 'update', theirs[0]!, '--set', 'status=ready');
    b.commitAll('b: theirs');
    b.git('push', '-q', 'origin', 'HEAD:main');

    // A's cache was current before the pull and is stale after it: no hook ran.
    expect(runJson<Prd[]>(['list-prds'], { cwd: a.dir }).map((p) => p.id)).toEqual([mine]);
    a.git('pull', '-q', '--no-rebase', 'origin', 'main');
    const log = join(a.dir, '.taskstore', 'prds.jsonl');
    const pulled = readFileSync(log);

    cli(a, 'update', mine, '--set', 'status=ready');
    const after = readFileSync(log);
    expect(after.subarray(0, pulled.length).equals(pulled)).toBe(true);
    expect(linesOf(after.subarray(pulled.length).toString('utf8'))).toHaveLength(1);

    cli(a, 'compact');
    const state = currentState(readFileSync(log, 'utf8'));
    expect([...state.keys()].sort()).toEqual([mine, ...theirs].sort());
    expect(state.get(theirs[0]!)?.status).toBe('ready');
    expect(state.get(mine)?.status).toBe('ready');
    const prds = runJson<Prd[]>(['list-prds'], { cwd: a.dir });
    expect(prds.map((p) => [p.title, p.status]).sort()).toEqual([
      ['mine', 'ready'],
      ['theirs 1', 'ready'],
      ['theirs 2', 'draft'],
    ]);
  });
});

describe('import ignored timestamps and closed issues reopened (Beads #5833, #6562)', () => {
  it('an older version that arrives later (a pull) changes nothing, live or rebuilt; the next write is stamped after the newest', () => {
    const dir = join(tempDir(), '.taskstore');
    const open = () => Store.open(dir, { durability: 'none', logger: quietLogger() });
    let store = open();
    const notes = store.collection<{ title: string; status: string }>({ name: 'notes', indexes: ['status'] });
    const id = notes.create({ title: 'issue', status: 'open' });
    const closed = notes.patch(id, { status: 'closed' });
    // The other machine's version: older, still open, appended after ours by the merge.
    const stale = { id, title: 'issue', status: 'open', note: 'edited offline', created_at: closed.created_at, updated_at: closed.updated_at - 1 };
    appendFileSync(join(dir, 'notes.jsonl'), `${JSON.stringify(stale)}\n`);
    store.refresh();
    expect(notes.get(id)).toEqual(closed);
    expect(notes.count({ where: { status: 'open' } })).toBe(0);
    store.close();

    store = open();
    const reopened = store.collection<{ title: string; status: string }>({ name: 'notes', indexes: ['status'] });
    store.sync();
    expect(reopened.get(id)).toEqual(closed);
    const next = reopened.patch(id, { title: 'issue, renamed' });
    expect(next.status).toBe('closed');
    expect(next.updated_at).toBeGreaterThan(closed.updated_at);
    store.close();
  });
});

describe('mtime-based staleness misfired (Beads #378, #296, Rust TaskStore)', () => {
  /** A row the cache never got from a log: it survives a tail catch-up, not a rebuild. */
  const sentinel = {
    plant(dir: string) {
      const db = new Database(join(dir, 'taskstore.db'));
      db.prepare(`INSERT INTO "c_notes" (id, updated_at, state, line_no, prev, data) VALUES ('sentinel', 0, 0, 0, 0, '{}')`).run();
      db.close();
    },
    survived(dir: string): boolean {
      const db = new Database(join(dir, 'taskstore.db'), { readonly: true });
      const row = db.prepare(`SELECT 1 FROM "c_notes" WHERE id = 'sentinel'`).get();
      db.close();
      return row !== undefined;
    },
  };

  function seeded(count: number) {
    const dir = join(tempDir(), '.taskstore');
    const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
    const notes = store.collection<{ title: string }>({ name: 'notes' });
    notes.createMany(Array.from({ length: count }, (_, i) => ({ title: `note ${String(i).padStart(5, '0')}` })));
    return { dir, store, notes, log: join(dir, 'notes.jsonl') };
  }

  it('an in-place edit of the same size that keeps the old mtime (and lands in the same second) is seen', () => {
    const { store, notes, log } = seeded(600);
    // A whole second, so the stamp can be put back exactly.
    const stamp = Math.floor(Date.now() / 1000) - 60;
    utimesSync(log, stamp, stamp);
    store.refresh();
    const before = statSync(log);
    const text = readFileSync(log, 'utf8');
    // In the middle, far from both ends of a file of many pages.
    const edited = text.replace('note 00300', 'NOTE 00300');
    expect(edited.length).toBe(text.length);
    writeFileSync(log, edited); // in place: same inode, as `vim` with backupcopy=yes or `sed -i`-less tools write
    utimesSync(log, stamp, stamp);
    expect(statSync(log).ino).toBe(before.ino);
    expect(statSync(log).mtimeMs).toBe(before.mtimeMs);
    store.refresh();
    const titles = notes.list({ orderBy: 'title' }).map((x) => x.title);
    expect(titles).toContain('NOTE 00300');
    expect(titles).not.toContain('note 00300');
    store.close();
  });

  it('the change feed delivers such an edit in the middle of a big log as a rewrite', async () => {
    const { store, log } = seeded(600);
    const changes: { id: string; op: string; source: string; record?: { title?: string } }[] = [];
    const stop = store.watch((c) => changes.push(c as (typeof changes)[number]), { collections: ['notes'] });
    try {
      const text = readFileSync(log, 'utf8');
      writeFileSync(log, text.replace('note 00300', 'NOTE 00300'));
      const deadline = Date.now() + 30_000;
      while (changes.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(changes).toHaveLength(1);
      expect(changes[0]).toMatchObject({ op: 'update', source: 'rewrite', record: { title: 'NOTE 00300' } });
    } finally {
      stop();
      store.close();
    }
  });

  it('a touched log (same bytes, same inode, new mtime) is verified once, not rebuilt, and then known by its stat again', () => {
    const { dir, store, log } = seeded(600);
    store.close();
    sentinel.plant(dir);
    const later = new Date(Date.now() + 3_600_000);
    utimesSync(log, later, later);
    const stampOf = () => {
      const db = new Database(join(dir, 'taskstore.db'), { readonly: true });
      const row = db.prepare(`SELECT mtime_ns FROM files WHERE collection = 'notes'`).get() as { mtime_ns: string };
      db.close();
      return row.mtime_ns;
    };
    const st = statSync(log, { bigint: true });
    expect(stampOf()).not.toBe(`${st.mtimeNs}:${st.ctimeNs}`);
    const again = Store.open(dir, { durability: 'none', logger: quietLogger() });
    expect(again.collection({ name: 'notes' }).count()).toBe(600);
    again.refresh();
    again.close();
    expect(sentinel.survived(dir)).toBe(true);
    expect(stampOf()).toBe(`${st.mtimeNs}:${st.ctimeNs}`);
  });

  it('a checkout that rewrites the same bytes with a new mtime rebuilds nothing', () => {
    const { dir, store, log } = seeded(50);
    store.close();
    sentinel.plant(dir);
    const bytes = readFileSync(log);
    writeFileSync(`${log}.new`, bytes);
    utimesSync(`${log}.new`, new Date(Date.now() + 3_600_000), new Date(Date.now() + 3_600_000));
    renameSync(`${log}.new`, log); // a new inode, as git checkout writes files
    const again = Store.open(dir, { durability: 'none', logger: quietLogger() });
    expect(again.collection({ name: 'notes' }).count()).toBe(50);
    expect(sentinel.survived(dir)).toBe(true);
    again.close();
  });
});

describe('one bad row made the whole export fail for four days (Beads #5106)', () => {
  it('the first reader names the skipped line; export, reads and writes keep working; check reports it; the line is kept', () => {
    const cwd = tempDir('taskstore-lessons-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const a = runCli(['create-prd', 'first'], { cwd }).stdout.trim();
    appendFileSync(join(cwd, '.taskstore', 'prds.jsonl'), '{"id": "broken", "title": \n');
    // The first command that reads the line reports it, and does its work.
    const second = runCli(['create-prd', 'second'], { cwd });
    expect(second.status).toBe(0);
    expect(second.stderr).toMatch(/prds\.jsonl line 2 skipped/);
    const b = second.stdout.trim();
    const exported = runCli(['export'], { cwd });
    expect(exported.status, exported.stderr).toBe(0);
    const lines = linesOf(exported.stdout).map((l) => JSON.parse(l) as { collection: string; record: { id: string } });
    expect(lines.filter((l) => l.collection === 'prds').map((l) => l.record.id).sort()).toEqual([a, b].sort());
    expect(runJson<Prd[]>(['list-prds'], { cwd }).map((p) => p.id).sort()).toEqual([a, b].sort());
    const check = runCli(['check'], { cwd });
    expect(check.status).toBe(1);
    expect(check.stdout + check.stderr).toMatch(/prds\.jsonl.*line 2|line 2.*prds\.jsonl/);
    // The bad line is the user's: kept byte for byte.
    expect(readFileSync(join(cwd, '.taskstore', 'prds.jsonl'), 'utf8')).toContain('{"id": "broken", "title": \n');
  });
});

describe('concurrent writers corrupted SQLite (beads_rust #138: 10 parallel creates, 8 "succeeded", 5 rows)', () => {
  it('10 CLI processes creating at once: every one that says it succeeded has its record, in the log and the cache', async () => {
    const cwd = tempDir('taskstore-lessons-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const env = { ...process.env };
    delete env.TASKSTORE_DIR;
    const runs = Array.from(
      { length: 10 },
      (_, i) =>
        new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
          const child = spawn(process.execPath, [CLI, 'create-prd', `parallel ${i}`], { cwd, env });
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
          child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          child.on('error', reject);
          child.on('close', (code) => resolve({ code, stdout, stderr }));
        }),
    );
    const results = await Promise.all(runs);
    for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0, stderr: '' });
    const ids = results.map((x) => x.stdout.trim());
    expect(new Set(ids).size).toBe(10);
    const logLines = linesOf(readFileSync(join(cwd, '.taskstore', 'prds.jsonl'), 'utf8'));
    expect(logLines).toHaveLength(10);
    expect(logLines.map((l) => (JSON.parse(l) as { id: string }).id).sort()).toEqual([...ids].sort());
    expect(runJson<Prd[]>(['list-prds'], { cwd }).map((p) => p.id).sort()).toEqual([...ids].sort());
    expect(runCli(['check'], { cwd }).status).toBe(0);
    // And a rebuilt cache agrees with the live one.
    expect(runCli(['sync'], { cwd }).status).toBe(0);
    expect(runJson<Prd[]>(['list-prds'], { cwd }).map((p) => p.id).sort()).toEqual([...ids].sort());
  }, 120_000);
});

describe('hooks written to a worktree’s private git dir, which git never reads (Rust TaskStore, Beads #119)', () => {
  function repoWithWorktree() {
    const main = GitRepo.init();
    main.write('.taskstore/.version', '1\n'); // a store: the post-* hooks look for its .version
    main.commitAll('first');
    main.git('commit', '-q', '--allow-empty', '-m', 'second');
    const wt = join(tempDir(), 'wt');
    main.git('worktree', 'add', '-q', wt);
    return { main, wt };
  }

  it('installed from a linked worktree with an absolute core.hooksPath: hooks land there and fire in both work trees', () => {
    const { main, wt } = repoWithWorktree();
    const hooksDir = join(tempDir('taskstore-hooks-'), 'shared');
    main.git('config', 'core.hooksPath', hooksDir);
    const fake = fakeCli('ok');
    const report = installGitIntegration({ cwd: wt, storeDir: '.taskstore', commands: commandsFor(fake.path) });
    expect(report.hooksDir).toBe(hooksDir);
    for (const hook of HOOK_NAMES) {
      expect(isExecutable(join(hooksDir, hook))).toBe(true);
      expect(existsSync(join(main.dir, '.git', 'hooks', hook))).toBe(false);
      expect(existsSync(join(main.dir, '.git', 'worktrees', 'wt', 'hooks', hook))).toBe(false);
    }
    gitOk(wt, 'checkout', '-q', '--detach', 'HEAD~1');
    gitOk(main.dir, 'checkout', '-q', '--detach', 'HEAD~1');
    expect(fake.calls().map((c) => c.cwd)).toEqual([wt, main.dir]);
  });

  it('installed from a linked worktree with a relative core.hooksPath: hooks land where git resolves it for that worktree, and fire there', () => {
    const { main, wt } = repoWithWorktree();
    main.git('config', 'core.hooksPath', '.githooks');
    const fake = fakeCli('ok');
    const report = installGitIntegration({ cwd: wt, storeDir: '.taskstore', commands: commandsFor(fake.path) });
    // git runs hooks from the top of the work tree it works in, so a relative hooksPath is per worktree.
    expect(report.hooksDir).toBe(join(wt, '.githooks'));
    for (const hook of HOOK_NAMES) expect(isExecutable(join(wt, '.githooks', hook))).toBe(true);
    expect(existsSync(join(main.dir, '.git', 'worktrees', 'wt', 'hooks', 'post-checkout'))).toBe(false);
    gitOk(wt, 'checkout', '-q', '--detach', 'HEAD~1');
    expect(fake.calls()).toEqual([{ argv: ['--store', '.taskstore', 'refresh'], cwd: wt }]);
  });
});

describe('ids from the first 6 hex digits of a UUIDv7 collided, and INSERT OR REPLACE overwrote the first (the real orchestrator client)', () => {
  const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  it('children of one PRD created in the same milliseconds by two processes get distinct full UUIDv7 ids; a live id is refused', async () => {
    const cwd = tempDir('taskstore-lessons-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const prd = runCli(['create-prd', 'parent'], { cwd }).stdout.trim();
    const script = `
      import { Store } from ${JSON.stringify(join(CLI, '..', '..', 'index.js'))};
      const store = Store.open(process.argv[1], { durability: 'none' });
      const ids = store.transaction(() => Array.from({ length: 300 }, (_, i) => store.createTaskSpec({ prd_id: process.argv[2], phase_name: 'child ' + i })));
      store.close();
      process.stdout.write(JSON.stringify(ids));
    `;
    const runs = [0, 1].map(
      () =>
        new Promise<string[]>((resolve, reject) => {
          const child = spawn(process.execPath, ['--input-type=module', '-e', script, join(cwd, '.taskstore'), prd]);
          let out = '';
          let err = '';
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          child.stderr.on('data', (d: Buffer) => (err += d.toString()));
          child.on('error', reject);
          child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as string[]) : reject(new Error(err))));
        }),
    );
    const ids = (await Promise.all(runs)).flat();
    expect(ids).toHaveLength(600);
    for (const id of ids) expect(id).toMatch(UUID_V7);
    expect(new Set(ids).size).toBe(600);
    // Many were made in the same millisecond: a short form of the time bits would have collided.
    expect(new Set(ids.map((id) => id.slice(0, 6))).size).toBeLessThan(600);
    const specs = runJson<TaskSpec[]>(['list-task-specs', '--prd-id', prd], { cwd });
    expect(specs.map((s) => s.id).sort()).toEqual([...ids].sort());

    const store = Store.open(join(cwd, '.taskstore'), { durability: 'none', logger: quietLogger() });
    try {
      const before = readFileSync(join(cwd, '.taskstore', 'task_specs.jsonl'));
      expect(() => store.createTaskSpec({ id: ids[0]!, prd_id: prd, phase_name: 'overwrite?' })).toThrow(expect.objectContaining({ code: 'ALREADY_EXISTS' }));
      expect(readFileSync(join(cwd, '.taskstore', 'task_specs.jsonl')).equals(before)).toBe(true);
      expect(store.getTaskSpec(ids[0]!)?.phase_name).toBe('child 0');
    } finally {
      store.close();
    }
  }, 120_000);
});

describe('a process hung 30 s on a lock it held itself (beads_rust #487)', () => {
  it('inside a transaction every store call answers at once, and the cache it leaves equals one rebuilt from the logs', async () => {
    const dir = join(tempDir(), '.taskstore');
    const open = () => Store.open(dir, { durability: 'none', logger: quietLogger(), lockTimeoutMs: 60_000 });
    const store = open();
    const notes = store.collection<{ title: string }>({ name: 'notes' });
    const a = notes.create({ title: 'a' });
    notes.patch(a, { title: 'a2' });
    // A listener that writes: delivery comes after the commit, outside the lock.
    let listenerWrote = false;
    const stop = store.watch((c) => {
      if (c.op === 'create' && (c.record as { title?: string } | undefined)?.title === 'b' && !listenerWrote) {
        listenerWrote = true;
        notes.create({ title: 'from the listener' });
      }
    });
    const started = Date.now();
    store.transaction(() => {
      notes.create({ title: 'b' });
      notes.patch(a, { title: 'a3' });
      store.transaction(() => notes.create({ title: 'nested' }));
      expect(store.refresh()).toBe(0);
      store.rescue();
      store.metrics();
      expect(notes.list().map((x) => x.title).sort()).toEqual(['a3', 'b', 'nested']);
      // A rebuild from the logs would drop the writes this transaction has not appended
      // yet while they still commit; a compaction kept the lines the cache calls current,
      // which the log does not hold yet, and emptied it. Both refused, like watch().
      const log = readFileSync(join(dir, 'notes.jsonl'));
      expect(() => store.sync()).toThrow(TypeError);
      expect(() => store.compact()).toThrow(TypeError);
      expect(readFileSync(join(dir, 'notes.jsonl')).equals(log)).toBe(true);
      expect(notes.count()).toBe(3);
    });
    // Well under any lock timeout: nothing waited for a lock this process held.
    expect(Date.now() - started).toBeLessThan(30_000);
    const deadline = Date.now() + 30_000;
    while (!listenerWrote && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(listenerWrote).toBe(true);
    stop();
    const live = notes.list({ orderBy: 'id' });
    expect(live.map((x) => x.title).sort()).toEqual(['a3', 'b', 'from the listener', 'nested']);
    store.sync();
    expect(notes.list({ orderBy: 'id' })).toEqual(live);
    expect(store.check().problems).toEqual([]);
    store.close();
  });
});
