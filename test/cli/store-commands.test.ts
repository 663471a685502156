/**
 * Store-wide commands through the built CLI: discovery, init, sync, check, compact,
 * metrics, backup, export / import.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckReport, CompactReport, StoreMetrics, SyncReport } from '../../src/index.js';
import { tempDir } from '../helpers/temp.js';
import { runCli, runJson, withStore } from './run-cli.js';

describe('store discovery', () => {
  it('uses --store, else $TASKSTORE_DIR, else the nearest .taskstore above, else ./.taskstore', () => {
    const root = tempDir('taskstore-cli-');
    const deep = join(root, 'a', 'b', 'c');
    mkdirSync(deep, { recursive: true });

    // Nothing found: a read command fails with a hint to init; init creates ./.taskstore.
    const none = runCli(['list-prds'], { cwd: deep });
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/no TaskStore found/);
    expect(none.stderr).toMatch(/hint: run `taskstore init`/);
    expect(existsSync(join(deep, '.taskstore'))).toBe(false);

    const init = runJson<{ dir: string; created: boolean; workTree: string | null }>(['init'], { cwd: root });
    expect(init).toMatchObject({ dir: join(root, '.taskstore'), created: true, workTree: null, hooks: null });
    expect(readFileSync(join(root, '.taskstore', '.version'), 'utf8')).toBe('1\n');
    expect(runJson<{ created: boolean }>(['init'], { cwd: root }).created).toBe(false);

    // Walking up from a subdirectory finds it.
    const found = runJson<{ id: string }>(['create-prd', 'found by walking up'], { cwd: deep });
    withStore(join(root, '.taskstore'), (s) => expect(s.getPrd(found.id)?.title).toBe('found by walking up'));

    // $TASKSTORE_DIR (relative to the cwd) beats walking up; --store beats both.
    const other = join(root, 'a', 'other-store');
    expect(runCli(['init'], { cwd: root, env: { TASKSTORE_DIR: 'a/other-store' } }).status).toBe(0);
    const viaEnv = runCli(['create-prd', 'via env'], { cwd: join(root, 'a'), env: { TASKSTORE_DIR: 'other-store' } }).stdout.trim();
    withStore(other, (s) => expect(s.getPrd(viaEnv)?.title).toBe('via env'));
    const viaFlag = runJson<{ id: string }>(['--store', '../other-store', 'create-prd', 'via flag'], { cwd: join(root, 'a', 'b'), env: { TASKSTORE_DIR: '/nonexistent' } });
    withStore(other, (s) => expect(s.getPrd(viaFlag.id)?.title).toBe('via flag'));
    // Global options work after the command name too.
    expect(runJson<unknown[]>(['list-prds', '--store', other], { cwd: deep })).toHaveLength(2);

    const missingFlag = runCli(['--store', join(root, 'nope'), 'list-prds'], { cwd: root });
    expect(missingFlag.status).toBe(1);
    expect(missingFlag.stderr).toMatch(/no TaskStore at .*nope \(named by --store\)/);
  });
});

describe('sync and check', () => {
  it('sync exits 0 with a warning on a malformed line; check exits 1 naming it, 0 on a clean store', () => {
    const cwd = tempDir('taskstore-cli-');
    const store = join(cwd, '.taskstore');
    withStore(store, (s) => {
      s.createPrd({ title: 'p' });
      s.collection({ name: 'notes' }).create({ id: 'n1' });
    });
    const clean = runCli(['check'], { cwd });
    expect(clean.status).toBe(0);
    expect(clean.stdout).toMatch(/ok: no problems found/);

    appendFileSync(join(store, 'notes.jsonl'), 'this is not json\n');
    const sync = runCli(['--json', 'sync'], { cwd });
    expect(sync.status).toBe(0);
    const report = JSON.parse(sync.stdout) as SyncReport;
    expect(report).toMatchObject({ records: 2, skipped: [{ collection: 'notes', line: 2 }] });
    expect(typeof report.ms).toBe('number');
    expect(sync.stderr).toMatch(/taskstore: warning: .*notes\.jsonl line 2/);
    expect(sync.stderr).not.toContain('\r'); // no progress bar when stderr is not a terminal
    const syncText = runCli(['sync'], { cwd });
    expect(syncText.status).toBe(0);
    expect(syncText.stdout).toMatch(/^synced \d+ collections: 2 records from \d+ lines in \d+ ms\n$/);

    const check = runCli(['check'], { cwd });
    expect(check.status).toBe(1);
    expect(check.stdout).toMatch(/malformed_line .*notes.*line 2/);
    const checkJson = runCli(['--json', 'check'], { cwd });
    expect(checkJson.status).toBe(1);
    expect(JSON.parse(checkJson.stdout) as CheckReport).toEqual({
      ok: false,
      problems: [expect.objectContaining({ kind: 'malformed_line', collection: 'notes', line: 2 })],
    });
  });

  it('a conflicted file is an error for reads and a problem for check', () => {
    const cwd = tempDir('taskstore-cli-');
    const store = join(cwd, '.taskstore');
    withStore(store, (s) => s.collection({ name: 'notes' }).create({ id: 'n1' }));
    appendFileSync(join(store, 'notes.jsonl'), '<<<<<<< ours\n{"id":"n2","updated_at":5}\n=======\n{"id":"n2","updated_at":6}\n>>>>>>> theirs\n');
    const list = runCli(['list', 'notes'], { cwd });
    expect(list.status).toBe(1);
    expect(list.stderr).toMatch(/notes\.jsonl line 2 has a git conflict marker/);
    expect(list.stderr).toMatch(/hint: resolve the conflict/);
    const check = runCli(['--json', 'check'], { cwd });
    expect(check.status).toBe(1);
    expect((JSON.parse(check.stdout) as CheckReport).problems).toContainEqual(expect.objectContaining({ kind: 'conflict_markers', collection: 'notes', line: 2 }));
  });
});

describe('refresh (what the git hooks run)', () => {
  it('applies lines another program appended and reports every collection it checked, a conflicted one too', () => {
    const cwd = tempDir('taskstore-cli-');
    const store = join(cwd, '.taskstore');
    const names = withStore(store, (s) => {
      s.collection({ name: 'notes' }).create({ id: 'n1' });
      s.collection({ name: 'tags' }).create({ id: 't1' });
      return s.collectionNames();
    });
    appendFileSync(join(store, 'notes.jsonl'), '{"id":"n2","updated_at":5}\n');
    appendFileSync(join(store, 'tags.jsonl'), '<<<<<<< ours\n{"id":"t2","updated_at":5}\n=======\n');
    const result = runCli(['--json', 'refresh'], { cwd });
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as { collections: number; ms: number };
    expect(report.collections).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['notes', 'tags']));
    expect(result.stderr).toMatch(/tags\.jsonl line 2 has a git conflict marker/);
    const text = runCli(['refresh'], { cwd });
    expect(text.stdout).toMatch(new RegExp(`^cache current: ${names.length} collections checked in \\d+ ms\n$`));
    expect(runJson<{ id: string }[]>(['list', 'notes'], { cwd }).map((r) => r.id).sort()).toEqual(['n1', 'n2']);
  });
});

describe('compact, metrics, backup', () => {
  it('compacts superseded versions, reports metrics, and backs up the JSONL files and .version', () => {
    const cwd = tempDir('taskstore-cli-');
    const store = join(cwd, '.taskstore');
    withStore(store, (s) => {
      const id = s.createPrd({ title: 'p' });
      for (let i = 1; i <= 3; i++) s.updatePrd(id, { ...s.getPrd(id)!, review_passes: i });
      s.collection({ name: 'notes' }).create({ id: 'n1', text: 'x' });
    });
    const compact = runJson<CompactReport>(['compact', 'prds'], { cwd });
    expect(compact.collections).toEqual([expect.objectContaining({ name: 'prds', linesBefore: 4, linesAfter: 1 })]);
    expect(readFileSync(join(store, 'prds.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
    expect(runCli(['compact'], { cwd }).stdout).toMatch(/COLLECTION\s+LINES\s+BYTES/);
    expect(runCli(['compact', 'nonesuch'], { cwd }).status).toBe(1);

    const metrics = runJson<StoreMetrics>(['metrics'], { cwd });
    expect(metrics.counts).toMatchObject({ prds: 1, notes: 1, task_specs: 0 });
    expect(metrics.jsonlBytes.notes).toBeGreaterThan(0);
    expect(metrics).toHaveProperty('writeLatencyMs');
    expect(metrics).toHaveProperty('lastSyncMs');
    expect(runCli(['metrics'], { cwd }).stdout).toMatch(/prds\s+1\s+1\s+0 \(0%\)\s+\d+ B/);

    const backup = runJson<{ dest: string; files: { name: string; bytes: number }[] }>(['backup', 'bk'], { cwd });
    expect(backup.dest).toBe(join(cwd, 'bk'));
    expect(backup.files.map((f) => f.name)).toEqual(['.version', 'notes.jsonl', 'prds.jsonl']);
    expect(readdirSync(join(cwd, 'bk')).sort()).toEqual(['.version', 'notes.jsonl', 'prds.jsonl']);
    for (const name of ['.version', 'notes.jsonl', 'prds.jsonl']) {
      expect(readFileSync(join(cwd, 'bk', name), 'utf8')).toBe(readFileSync(join(store, name), 'utf8'));
    }
    // The backup is a store.
    withStore(join(cwd, 'bk'), (s) => expect(s.collection({ name: 'notes' }).get('n1')).toMatchObject({ text: 'x' }));
    const again = runCli(['backup', 'bk'], { cwd });
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/is not empty/);
  });
});

describe('export and import', () => {
  it('round-trips every record into a fresh store in both formats, keeping ids', () => {
    const cwd = tempDir('taskstore-cli-');
    const store = join(cwd, '.taskstore');
    withStore(store, (s) => {
      const prd = s.createPrd({ title: 'Search', content: '# x\n' });
      const spec = s.createTaskSpec({ prd_id: prd, phase_name: 'api' });
      s.createExecution({ ts_id: spec, worktree_path: '/wt', branch_name: 'b' });
      s.createWorkflow({ name: 'tdd', version: '1' });
      s.collection({ name: 'notes' }).createMany([{ id: 'n1', nested: { a: [1, { b: null }] }, 'odd key': '✓' }, { id: 'n2' }]);
      s.collection({ name: 'notes' }).delete('n2');
    });
    const jsonl = runCli(['export'], { cwd });
    expect(jsonl.status).toBe(0);
    const lines = jsonl.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { collection: string; record: { id: string } });
    expect(lines.map((l) => l.collection)).toEqual(['executions', 'notes', 'prds', 'task_specs', 'workflows']);
    expect(lines.every((l) => Object.keys(l).join() === 'collection,record')).toBe(true);
    const json = runCli(['export', '--format', 'json'], { cwd });
    const doc = JSON.parse(json.stdout) as Record<string, { id: string }[]>;
    expect(Object.keys(doc)).toEqual(['executions', 'notes', 'prds', 'task_specs', 'workflows']);
    expect(doc.notes!.map((r) => r.id)).toEqual(['n1']);
    // --json alone means one JSON document: the json format.
    expect(runJson<Record<string, unknown>>(['export'], { cwd })).toEqual(doc);

    writeFileSync(join(cwd, 'export.jsonl'), jsonl.stdout);
    writeFileSync(join(cwd, 'export.json'), json.stdout);
    const strip = (records: Record<string, unknown>[]) => records.map(({ updated_at: _u, ...rest }) => rest);
    for (const file of ['export.jsonl', 'export.json']) {
      const fresh = join(cwd, `fresh-${file}`);
      const report = runJson<{ records: number; collections: Record<string, number> }>(['--store', fresh, 'import', file], { cwd });
      expect(report.records).toBe(5);
      expect(report.collections).toEqual({ executions: 1, notes: 1, prds: 1, task_specs: 1, workflows: 1 });
      const copy = JSON.parse(runCli(['--store', fresh, 'export', '--format', 'json'], { cwd }).stdout) as Record<string, Record<string, unknown>[]>;
      // Identical records (ids, created_at and every field kept); only updated_at is stamped anew by the store.
      expect(Object.keys(copy)).toEqual(Object.keys(doc));
      for (const name of Object.keys(doc)) expect(strip(copy[name]!)).toEqual(strip(doc[name] as never));
    }
    // Importing the same ids again fails, naming the line, and imports nothing.
    const dup = runCli(['--store', join(cwd, 'fresh-export.jsonl'), 'import', 'export.jsonl'], { cwd });
    expect(dup.status).toBe(1);
    expect(dup.stderr).toMatch(/export\.jsonl line 1 \(executions\): .*already has a record/);
  });

  it('rejects bad input naming the line, and imports nothing', () => {
    const cwd = tempDir('taskstore-cli-');
    const store = join(cwd, '.taskstore');
    writeFileSync(join(cwd, 'bad-json.jsonl'), '{"collection":"notes","record":{"id":"a"}}\n{nope\n');
    writeFileSync(join(cwd, 'bad-shape.jsonl'), '{"collection":"notes","record":{"id":"a"}}\n\n{"collection":"Bad Name","record":{}}\n');
    writeFileSync(join(cwd, 'bad-record.jsonl'), '{"collection":"notes","record":{"id":"a"}}\n{"collection":"prds","record":{"title":"t","status":"bogus"}}\n');
    const cases: [string, RegExp][] = [
      ['bad-json.jsonl', /bad-json\.jsonl line 2 is not valid JSON/],
      ['bad-shape.jsonl', /bad-shape\.jsonl line 3 names the collection "Bad Name"/],
      ['bad-record.jsonl', /bad-record\.jsonl line 2 \(prds\): .*status.* must be one of/],
    ];
    for (const [file, message] of cases) {
      const result = runCli(['import', file], { cwd });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toMatch(/nothing was imported/);
    }
    withStore(store, (s) => expect(s.collection({ name: 'notes' }).count()).toBe(0));
    // stdin works too.
    const viaStdin = runJson<{ records: number }>(['import', '-'], { cwd, input: '{"notes":[{"id":"s1","v":1}]}' });
    expect(viaStdin.records).toBe(1);
  });
});
