/**
 * What a first-time user found following the docs through the built CLI: values a script
 * with an unset variable passes (`--store ""`, an empty file name) taken as something
 * else, `--set updated_at=…` dropped, unclear messages (integers past 2^53, a file where
 * the store should be, a port out of range), `ready` refused on a store you cannot
 * write, a miscounted "more lines".
 */
import { chmodSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { runCli, runJson } from './run-cli.js';

describe('an empty value is refused, not taken as "unset" or as the current directory', () => {
  it('--store "" is a usage error, before or after the command, and runs nothing on the discovered store', () => {
    const cwd = tempDir('taskstore-cli-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const id = runJson<{ id: string }>(['create-prd', 'keep me'], { cwd }).id;
    const log = readFileSync(join(cwd, '.taskstore', 'prds.jsonl'), 'utf8');
    for (const args of [['--store', '', 'delete', id, '--force'], ['delete', id, '--force', '--store', ''], ['--store', '', 'list-prds']]) {
      const r = runCli(args, { cwd });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toContain("option '--store <dir>' argument '' is invalid");
      expect(r.stdout).toBe('');
    }
    // The store discovery would have found ./.taskstore: nothing was deleted there.
    expect(readFileSync(join(cwd, '.taskstore', 'prds.jsonl'), 'utf8')).toBe(log);
    // An empty TASKSTORE_DIR still counts as unset (documented).
    expect(runJson<unknown[]>(['list-prds'], { cwd, env: { TASKSTORE_DIR: '' } })).toHaveLength(1);
  });

  it('import "" and --content-file "" say the file name is empty (exit 2), not "it is a directory"', () => {
    const cwd = tempDir('taskstore-cli-');
    const imp = runCli(['--store', 'store', 'import', ''], { cwd });
    expect(imp.status).toBe(2);
    expect(imp.stderr).toContain('import file: the file name is empty');
    expect(readdirSync(cwd)).toEqual([]);
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const prd = runCli(['create-prd', 'x', '--content-file', ''], { cwd });
    expect(prd.status).toBe(2);
    expect(prd.stderr).toContain('--content-file: the file name is empty');
    expect(runJson<unknown[]>(['list-prds'], { cwd })).toEqual([]);
  });
});

describe('update --set of a field the store stamps', () => {
  it('--set updated_at=… and --set created_at=… are usage errors and write nothing (they used to be dropped while "updated" was printed)', () => {
    const cwd = tempDir('taskstore-cli-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const prd = runJson<{ id: string }>(['create-prd', 'p'], { cwd }).id;
    writeFileSync(join(cwd, '.taskstore', 'notes.jsonl'), '{"id":"n1","v":1,"created_at":10,"updated_at":20}\n');
    const logs = () => ['prds', 'notes'].map((c) => readFileSync(join(cwd, '.taskstore', `${c}.jsonl`), 'utf8'));
    const before = logs();
    for (const [id, set] of [[prd, 'updated_at=5'], [prd, 'created_at=5'], ['n1', 'updated_at=5'], ['n1', 'created_at=1']] as const) {
      const r = runCli(['update', id, '--set', 'v=2', '--set', set], { cwd });
      expect(r.status, `${id} ${set}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`--set "${set}": ${set.split('=')[0]} cannot be set`);
      expect(r.stdout).toBe('');
    }
    expect(logs()).toEqual(before);
    // Other fields still update.
    expect(runJson<{ v: number; created_at: number }>(['update', 'n1', '--set', 'v=2'], { cwd })).toMatchObject({ v: 2, created_at: 10 });
  });

  it('--set created_at=… gives one to a version that has none: the repair a task spec another program wrote without it needs before it can be claimed', () => {
    // Such a spec cannot be claimed (its claim fails validation, and the error says to fix
    // the record), nor updated in any other field; the --set was refused as a field the
    // store keeps from the first version, of which there was none.
    const cwd = tempDir('taskstore-cli-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const prd = runJson<{ id: string }>(['create-prd', 'p'], { cwd }).id;
    const log = join(cwd, '.taskstore', 'task_specs.jsonl');
    writeFileSync(log, `${JSON.stringify({ id: 'foreign', prd_id: prd, phase_name: 'x', status: 'pending', dependencies: [], updated_at: 5 })}\n`);
    const claim = runCli(['claim', '--as', 'loop-1'], { cwd });
    expect(claim.status).toBe(1);
    expect(claim.stderr).toMatch(/task spec foreign cannot be claimed.*created_at: is required/);
    expect(runJson<{ created_at: number }>(['update', 'foreign', '--set', 'created_at=42'], { cwd })).toMatchObject({ id: 'foreign', created_at: 42 });
    // Once it has one, it is kept: refused as before, nothing written.
    const before = readFileSync(log, 'utf8');
    const again = runCli(['update', 'foreign', '--set', 'created_at=7'], { cwd });
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('--set "created_at=7": created_at cannot be set');
    expect(readFileSync(log, 'utf8')).toBe(before);
    expect(runJson<{ id: string; assigned_to: string }>(['claim', '--as', 'loop-1'], { cwd })).toMatchObject({ id: 'foreign', assigned_to: 'loop-1' });
  });
});

describe('numbers out of range name the range', () => {
  it('an integer option beyond 2^53 - 1 says so, instead of "must be a non-negative integer"', () => {
    const cwd = tempDir('taskstore-cli-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const r = runCli(['list-executions', '--limit', '99999999999999999999'], { cwd });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('must be a non-negative integer of at most 9007199254740991');
    expect(runCli(['list-executions', '--limit', '9007199254740991'], { cwd }).status).toBe(0);
    const lease = runCli(['claim', '--as', 'a', '--lease-ms', '9007199254740992'], { cwd });
    expect(lease.status).toBe(2);
    expect(lease.stderr).toContain('must be a positive integer of at most 9007199254740991');
  });

  it('ui --port 70000 is a usage error with a hint, and serves nothing', () => {
    const cwd = tempDir('taskstore-cli-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const r = runCli(['ui', '--port', '70000'], { cwd });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--port must be from 0 to 65535 (got 70000)');
    expect(r.stderr).toMatch(/^hint: .*--port/m);
    expect(r.stdout).toBe('');
  });
});

describe('a store path where a file is in the way', () => {
  it('init and Store.open say the path (or a parent) is a file, not mkdir\'s "EEXIST: file already exists"', async () => {
    const cwd = tempDir('taskstore-cli-');
    writeFileSync(join(cwd, 'afile'), 'not a store\n');
    const self = runCli(['--store', 'afile', 'init'], { cwd });
    expect(self.status).toBe(1);
    expect(self.stderr).toContain(`cannot create the store directory ${join(cwd, 'afile')}: it exists and is not a directory`);
    expect(self.stderr).toContain('hint: name a directory, or a path that does not exist yet');
    const below = runCli(['--store', 'afile/sub', 'import', '-'], { cwd, input: '' });
    expect(below.status).toBe(1);
    expect(below.stderr).toContain('a path above it is a file, not a directory');
    expect(readFileSync(join(cwd, 'afile'), 'utf8')).toBe('not a store\n');
    const { Store, IoError } = await import('../../src/index.js');
    expect(() => Store.open(join(cwd, 'afile'))).toThrow(IoError);
  });
});

describe('ready on a store you cannot write', () => {
  it('answers like list-task-specs --ready, the read it is (it failed with EACCES), and writes nothing', () => {
    const root = tempDir('taskstore-cli-');
    chmodSync(root, 0o755);
    expect(runCli(['init'], { cwd: root }).status).toBe(0);
    const prd = runJson<{ id: string }>(['create-prd', 'p'], { cwd: root }).id;
    const first = runJson<{ id: string }>(['create-task-spec', '--prd-id', prd, 'schema'], { cwd: root }).id;
    const second = runJson<{ id: string }>(['create-task-spec', '--prd-id', prd, 'api', '--depends-on', first], { cwd: root }).id;
    const store = join(root, '.taskstore');
    const before = readdirSync(store).sort();
    chmodSync(store, 0o555);
    // Root may write anywhere: run as an unprivileged user when the tests run as root.
    const as = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    try {
      const ready = runCli(['--json', 'ready', '--prd-id', prd.slice(0, 13)], { cwd: root, ...as });
      expect(ready.status, ready.stderr).toBe(0);
      expect((JSON.parse(ready.stdout) as { id: string }[]).map((s) => s.id)).toEqual([first]);
      const explain = runCli(['--json', 'ready', '--explain'], { cwd: root, ...as });
      expect(explain.status, explain.stderr).toBe(0);
      expect((JSON.parse(explain.stdout) as { waiting: { spec: { id: string } }[] }).waiting.map((w) => w.spec.id)).toEqual([second]);
      expect(runCli(['create-prd', 'x'], { cwd: root, ...as }).stderr).toContain('you have no write permission on it (EACCES)');
      expect(readdirSync(store).sort()).toEqual(before);
    } finally {
      chmodSync(store, 0o755);
    }
  });
});

describe('show cuts long content after 12 lines', () => {
  it('counts the lines left out right: a final newline ends the last line, it adds none ("9 more" for 20 lines; "1 more" for 12)', () => {
    const cwd = tempDir('taskstore-cli-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}\n`).join('');
    const shown = (content: string) => {
      const id = runJson<{ id: string }>(['create-prd', 'p', '--content-file', '-'], { cwd, input: content }).id;
      const r = runCli(['show', id], { cwd });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout;
    };
    expect(shown(lines(20))).toContain('… 8 more lines (taskstore describe');
    expect(shown(lines(13))).toContain('… 1 more line (taskstore describe');
    const twelve = shown(lines(12));
    expect(twelve).toContain('line 12');
    expect(twelve).not.toContain('more line');
    expect(shown(lines(20).trimEnd())).toContain('… 8 more lines');
  });
});

describe('ready --explain with no pending task spec', () => {
  it('says none is pending, not "(every pending task spec is ready)" right after "(no task specs are ready)"', () => {
    const cwd = tempDir('taskstore-cli-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const prd = runJson<{ id: string }>(['create-prd', 'p'], { cwd }).id;
    const spec = runJson<{ id: string }>(['create-task-spec', '--prd-id', prd, 'a'], { cwd }).id;
    const ready = runCli(['ready', '--explain'], { cwd });
    expect(ready.stderr).toContain('(every pending task spec is ready)');
    expect(runCli(['update', spec, '--set', 'status=blocked'], { cwd }).status).toBe(0);
    const none = runCli(['ready', '--explain'], { cwd });
    expect(none.status).toBe(0);
    expect(none.stderr).toBe('(no task specs are ready)\n(no task spec is pending)\n');
  });
});

describe('list() with a limit beyond 2^53 - 1', () => {
  it('names the limit instead of "must be a non-negative integer (got 1152921504606847000)"', async () => {
    const { Store, ValidationError } = await import('../../src/index.js');
    const store = Store.open(tempDir('taskstore-cli-'), { durability: 'none' });
    try {
      const notes = store.collection({ name: 'notes' });
      expect(() => notes.list({ limit: 2 ** 60 })).toThrow(ValidationError);
      expect(() => notes.list({ offset: 2 ** 60 })).toThrow('offset must be a non-negative integer of at most 9007199254740991 (2^53 - 1)');
      expect(() => notes.list({ limit: -1 })).toThrow('limit must be a non-negative integer (got -1)');
      expect(notes.list({ limit: Number.MAX_SAFE_INTEGER })).toEqual([]);
    } finally {
      store.close();
    }
  });
});

describe('import of a jsonl line with a member besides collection and record', () => {
  it('is refused, naming it, and imports nothing (the member was dropped without a word)', () => {
    const cwd = tempDir('taskstore-cli-');
    const input = '{"collection":"notes","record":{"id":"a","n":1}}\n{"collection":"notes","record":{"id":"b"},"title":"typed beside record"}\n';
    const r = runCli(['--store', 'store', 'import', '-'], { cwd, input });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('- line 2 has the member "title" besides "collection" and "record"');
    expect(readdirSync(cwd)).toEqual([]);
    expect(runCli(['--store', 'store', 'import', '-'], { cwd, input: input.split('\n')[0]! }).status).toBe(0);
  });
});
