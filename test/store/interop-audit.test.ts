/**
 * Interoperability and upgrades: stores, caches and lines other programs wrote, read
 * through the real files (and, for the CLI, through real processes of the built dist/).
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { isUnheldNumber, unheldNumbers } from '../../src/shared/exact-integers.js';
import { memberText } from '../../src/shared/json-keys.js';
import { rawCallProblem } from '../../src/cli/mcp/raw-arguments.js';
import { runCli } from '../cli/run-cli.js';
import { branchClone, cli, makeRemote } from '../git/sync/helpers.js';
import { quietLogger } from '../helpers/logger.js';
import { CLI, MERGE_BIN } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A store directory holding one log, `notes.jsonl`, with `text`, and no cache yet. */
function storeWithLog(text: string): string {
  const dir = tempDir();
  writeFileSync(join(dir, '.version'), '1\n');
  writeFileSync(join(dir, 'notes.jsonl'), text);
  return dir;
}

describe('a taskstore.db another program made (no TaskStore layout in it)', () => {
  // The Rust TaskStore keeps its SQLite cache at the same path, `.taskstore/taskstore.db`.
  const rustSchema = `
    CREATE TABLE records (collection TEXT NOT NULL, id TEXT NOT NULL, data_json TEXT NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (collection, id));
    CREATE TABLE record_indexes (collection TEXT NOT NULL, id TEXT NOT NULL, field_name TEXT NOT NULL, field_value_str TEXT,
      PRIMARY KEY (collection, id, field_name), FOREIGN KEY (collection, id) REFERENCES records(collection, id) ON DELETE CASCADE);
    CREATE TABLE sync_metadata (collection TEXT PRIMARY KEY, last_sync_time INTEGER NOT NULL, file_mtime INTEGER NOT NULL);
    INSERT INTO records VALUES ('notes', 'a', '{}', 1);
    INSERT INTO record_indexes VALUES ('notes', 'a', 'status', 'open');`;

  it.each([
    ['the Rust TaskStore cache schema, with rows and a foreign key', rustSchema],
    ['a table named files of another shape', 'CREATE TABLE files (path TEXT); INSERT INTO files VALUES (\'x\');'],
    ['a table named meta of another shape', 'CREATE TABLE meta (k TEXT); INSERT INTO meta VALUES (\'x\');'],
    ['a view named bad_lines', 'CREATE TABLE t (x); CREATE VIEW bad_lines AS SELECT x FROM t;'],
  ])('%s: is rebuilt from the logs, which stay untouched', (_name, schema) => {
    const log = '{"id":"a","updated_at":1,"status":"open"}\n{"id":"b","updated_at":2}\n';
    const dir = storeWithLog(log);
    const raw = new Database(join(dir, 'taskstore.db'));
    raw.exec(schema);
    raw.close();
    const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
    try {
      const notes = store.collection({ name: 'notes' });
      expect(notes.list({ orderBy: 'id' }).map((r) => r.id)).toEqual(['a', 'b']);
      expect(notes.list({ where: { status: 'open' } }).map((r) => r.id)).toEqual(['a']);
      notes.patch('b', { status: 'done' });
      expect(store.check().ok).toBe(true);
    } finally {
      store.close();
    }
    expect(readFileSync(join(dir, 'notes.jsonl'), 'utf8').startsWith(log)).toBe(true);
    const after = new Database(join(dir, 'taskstore.db'), { readonly: true });
    try {
      const names = after.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')").pluck().all() as string[];
      expect(names).not.toContain('records');
      expect(names).not.toContain('t');
    } finally {
      after.close();
    }
  });
});

describe('number literals a double does not hold, written into a log by hand or another program', () => {
  // JSON.parse makes 1e400 Infinity (JSON.stringify prints it null), 1e-400 zero, -0 a zero
  // JSON.stringify prints without its sign, and rounds the long decimal and integer.
  const members = '"big":1e400,"neg":-1.5E+400,"tiny":1e-400,"negzero":-0,"long":0.12345678901234567890,"int":12345678901234567890';
  const line = `{"id":"a","updated_at":1,${members}}`;

  it('tells them from literals whose value a double holds', () => {
    for (const token of ['1e400', '-1.5E+400', '1e-400', '-0', '-0.0', '-0e5', '0.12345678901234567890', '12345678901234567890']) expect(isUnheldNumber(token), token).toBe(true);
    for (const token of ['0', '1.50', '1E2', '1e+21', '0.1', '-1.5', '5e-324', '9007199254740992', '"1e400"', '123456789.123456']) expect(isUnheldNumber(token), token).toBe(false);
    expect(unheldNumbers('{"s":"-0 1e400","a":[1e400,-0.5,-0]}')).toEqual(['1e400', '-0']);
  });

  it('export, show --json and list --json print them as the log writes them; import stores them so; the log is untouched', () => {
    const dir = storeWithLog(`${line}\n`);
    const cwd = tempDir();
    const exported = runCli(['--store', dir, 'export'], { cwd });
    expect(exported.status).toBe(0);
    expect(exported.stdout).toBe(`{"collection":"notes","record":${line}}\n`);
    const shown = runCli(['--store', dir, '--json', 'show', 'a'], { cwd });
    expect(shown.status).toBe(0);
    expect(shown.stdout).toContain('"big": 1e400,');
    expect(shown.stdout).toContain('"negzero": -0,');
    expect(shown.stdout).not.toContain('null');
    const listed = runCli(['--store', dir, '--json', 'list', 'notes'], { cwd });
    expect(listed.stdout).toContain('"tiny": 1e-400,');
    const asJson = runCli(['--store', dir, 'export', '--format', 'json'], { cwd });
    expect(asJson.stdout).toContain('"neg": -1.5E+400,');

    writeFileSync(join(cwd, 'dump.jsonl'), exported.stdout);
    const copy = join(cwd, 'copy');
    const imported = runCli(['--store', copy, 'import', 'dump.jsonl'], { cwd });
    expect(imported.stderr).toBe('');
    expect(imported.status).toBe(0);
    // Members in the order the line wrote them (its updated_at, restamped, in its place); the store's created_at after them.
    expect(readFileSync(join(copy, 'notes.jsonl'), 'utf8')).toMatch(new RegExp(`^${escape('{"id":"a","updated_at":')}\\d+,${escape(`${members},"created_at":`)}\\d+\\}\\n$`));
    const again = runCli(['--store', copy, 'export'], { cwd });
    expect(again.stdout).toMatch(new RegExp(`^${escape('{"collection":"notes","record":{"id":"a","updated_at":')}\\d+,${escape(`${members},"created_at":`)}\\d+\\}\\}\\n$`));
    expect(readFileSync(join(dir, 'notes.jsonl'), 'utf8')).toBe(`${line}\n`);
  });

  it('createFromText keeps 1e400, with a schema or without; a schema that returns Infinity for another value is still refused', () => {
    const store = Store.open(tempDir(), { durability: 'none', logger: quietLogger() });
    try {
      const notes = store.collection({ name: 'notes' });
      notes.createFromText('{"id":"x","big":1e400,"list":[1e400]}');
      expect(notes.getText('x')).toMatch(/^\{"id":"x","big":1e400,"list":\[1e400\],"created_at":\d+,"updated_at":\d+\}$/);
      expect(notes.get('x')!.big).toBe(Infinity);
      expect(() => notes.create({ id: 'y', big: Infinity })).toThrow(/Infinity, which JSON cannot store/);
      const checked = store.collection<Record<string, unknown>>({ name: 'checked', schema: { parse: (v: unknown) => ({ ...(v as object), big: Infinity }) } });
      // A schema that returns Infinity where the text had another value is refused; one that returns the text's 1e400 as read keeps it.
      expect(() => checked.createFromText('{"id":"z","big":1}')).toThrow(/field big is Infinity, which JSON cannot store/);
      expect(checked.get('z')).toBeUndefined();
      checked.createFromText('{"id":"w","big":1e400,"list":[-1e400]}');
      expect(checked.getText('w')).toMatch(/^\{"id":"w","big":1e400,"list":\[-1e400\],"created_at":\d+,"updated_at":\d+\}$/);
    } finally {
      store.close();
    }
  });
});

describe('git-sync over a log with a line that is not UTF-8 (written by another program)', () => {
  it('merges it like any malformed line: both sides\' records arrive, the line\'s bytes are kept once, the clones converge', () => {
    const remote = makeRemote();
    const a = branchClone(remote);
    // Another program wrote a Latin-1 line: the store keeps it as a malformed line, git-sync commits it.
    const latin1 = Buffer.from('caf\xe9\n', 'latin1');
    writeFileSync(join(a.storeDir, 'notes.jsonl'), '{"id":"n1","updated_at":1}\n');
    appendFileSync(join(a.storeDir, 'notes.jsonl'), latin1);
    expect(cli(a.clone.dir, 'git-sync').status).toBe(0);
    const b = branchClone(remote);
    appendFileSync(join(a.storeDir, 'notes.jsonl'), '{"id":"from-a","updated_at":2}\n');
    appendFileSync(join(b.storeDir, 'notes.jsonl'), '{"id":"from-b","updated_at":3}\n');
    expect(cli(a.clone.dir, 'git-sync').status).toBe(0);

    const result = cli(b.clone.dir, 'git-sync');
    expect(result.status, result.stderr).toBe(0);
    expect(cli(a.clone.dir, 'git-sync').status).toBe(0);
    for (const clone of [a, b]) {
      const bytes = readFileSync(join(clone.storeDir, 'notes.jsonl'));
      expect(bytes.toString('latin1').split('\n').filter((line) => line === 'caf\xe9')).toHaveLength(1);
      const ids = bytes.toString('latin1').split('\n').filter((line) => line.startsWith('{')).map((line) => (JSON.parse(line) as { id: string }).id);
      expect(ids.sort()).toEqual(['from-a', 'from-b', 'n1']);
    }
    expect(readFileSync(join(a.storeDir, 'notes.jsonl')).equals(readFileSync(join(b.storeDir, 'notes.jsonl')))).toBe(true);
  });
});

describe('git-sync when the merge driver fails (exit 2: an unreadable side, out of memory)', () => {
  it('says the file holds this side only, names the driver\'s reason and where the other side is; nothing is pushed', () => {
    const remote = makeRemote();
    const a = branchClone(remote);
    writeFileSync(join(a.storeDir, 'notes.jsonl'), '{"id":"n1","updated_at":1}\n');
    expect(cli(a.clone.dir, 'git-sync').status).toBe(0);
    const b = branchClone(remote);
    appendFileSync(join(a.storeDir, 'notes.jsonl'), '{"id":"from-a","updated_at":2}\n');
    appendFileSync(join(b.storeDir, 'notes.jsonl'), '{"id":"from-b","updated_at":3}\n');
    expect(cli(a.clone.dir, 'git-sync').status).toBe(0);
    const remoteHead = remote.git('rev-parse', 'taskstore');
    // A driver that fails on this log the way taskstore-merge does (a reason on stderr, exit
    // 2, ours untouched), and is the real driver otherwise (git-sync tries the driver first).
    const failing = join(tempDir(), 'failing-driver.sh');
    writeFileSync(
      failing,
      `#!/bin/sh\nif [ "$4" = ".taskstore/notes.jsonl" ]; then echo "taskstore-merge: $4: cannot read theirs file (simulated)" >&2; exit 2; fi\nexec '${process.execPath}' '${MERGE_BIN}' "$@"\n`,
    );
    chmodSync(failing, 0o755);
    b.clone.git('config', 'merge.taskstore.driver', `${failing} %O %A %B %P`);

    const result = cli(b.clone.dir, 'git-sync');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('the merge driver could not merge .taskstore/notes.jsonl');
    expect(result.stderr).toContain('cannot read theirs file (simulated)');
    expect(result.stderr).toContain('git show :3:');
    expect(result.stderr).not.toContain('between <<<<<<<');
    expect(remote.git('rev-parse', 'taskstore')).toBe(remoteHead);
    // Nothing of b's was lost or changed meanwhile: its side is in the file, the other side in the index.
    expect(readFileSync(join(b.storeDir, 'notes.jsonl'), 'utf8')).toContain('{"id":"from-b","updated_at":3}\n');
  });
});

describe('a directory where a log would be (git checks out notes.jsonl/ as readily as a file)', () => {
  it('fails with an error that says so, and a hint about the directory, not the store permissions', () => {
    const dir = storeWithLog('{"id":"a","updated_at":1}\n');
    mkdirSync(join(dir, 'tasks.jsonl'));
    const result = runCli(['--store', dir, 'list', 'notes'], { cwd: tempDir() });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('tasks.jsonl: it is a directory, where the store keeps a file');
    expect(result.stderr).toContain('hint: move or rename that directory');
    expect(result.stderr).not.toContain('writable');
    expect(readFileSync(join(dir, 'notes.jsonl'), 'utf8')).toBe('{"id":"a","updated_at":1}\n');
  });
});

describe('export (jsonl) -> import into a fresh store keeps every byte of every member', () => {
  it('memberText finds a top-level member\'s text as written', () => {
    expect(memberText('{"a": [1.0, "x,]"] , "b":2}', 'a')).toBe('[1.0, "x,]"]');
    expect(memberText('{"collection":"n","record":{"id":"a","b":{"record":1}}}', 'record')).toBe('{"id":"a","b":{"record":1}}');
    expect(memberText('{"x":{"record":1},"record":"\\"s"}', 'record')).toBe('"\\"s"');
    expect(memberText('{"a":1}', 'record')).toBeUndefined();
  });

  it('a hand-written line with 1.50, \\u escapes, \\/ and spacing: exported as the log writes it, imported so, exported again the same', () => {
    const members = '"f":1.50,"g":[1.0,2E3],"s":"\\u00e9\\/\\t","m":{"n":-0.0,"k":"caf\\u00e9"}';
    const dir = storeWithLog(`{ "id" : "a", "updated_at" : 1, ${members.replace(/,/g, ', ')} }  \r\n`);
    const cwd = tempDir();
    const exported = runCli(['--store', dir, 'export'], { cwd });
    expect(exported.status).toBe(0);
    expect(exported.stdout).toBe(`{"collection":"notes","record":{"id":"a","updated_at":1,${members}}}\n`);
    writeFileSync(join(cwd, 'dump.jsonl'), exported.stdout);
    const copy = join(cwd, 'copy');
    expect(runCli(['--store', copy, 'import', 'dump.jsonl'], { cwd }).status).toBe(0);
    expect(readFileSync(join(copy, 'notes.jsonl'), 'utf8')).toMatch(new RegExp(`^${escape('{"id":"a","updated_at":')}\\d+,${escape(`${members},"created_at":`)}\\d+\\}\\n$`));
    const again = runCli(['--store', copy, 'export'], { cwd });
    expect(withoutStamps(again.stdout)).toBe(withoutStamps(exported.stdout));
  });

  it('the Rust TaskStore\'s store: every member of every record comes back with the same bytes', () => {
    const fixture = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'rust-taskstore');
    const dir = tempDir();
    cpSync(fixture, dir, { recursive: true });
    rmSync(join(dir, 'README.md'));
    const cwd = tempDir();
    const exported = runCli(['--store', dir, 'export'], { cwd });
    expect(exported.status).toBe(0);
    expect(exported.stdout.split('\n').length).toBe(209);
    writeFileSync(join(cwd, 'dump.jsonl'), exported.stdout);
    const copy = join(cwd, 'copy');
    const imported = runCli(['--store', copy, 'import', 'dump.jsonl'], { cwd });
    expect(imported.status, imported.stderr).toBe(0);
    const again = runCli(['--store', copy, 'export'], { cwd });
    // A task spec the Rust store wrote has no `dependencies`; created again, it gets the default [].
    const sorted = (text: string): string[] => withoutStamps(text).replace(/,"dependencies":\[\]/g, '').split('\n').sort();
    expect(sorted(again.stdout)).toEqual(sorted(exported.stdout));
  });
});

/** Export lines without the stamps import sets anew (`updated_at`) or adds (`created_at`, where a record had none). */
function withoutStamps(text: string): string {
  return text.replace(/,"(created|updated)_at":\d+/g, '');
}

describe('a store the CLI cannot write, whose log another program left without a final newline', () => {
  it('answers a read at once (from the copy), not after the 2 s a changing file is given', () => {
    const log = '{"id":"a","updated_at":1}\n{"id":"b","updated_at":2}';
    const dir = storeWithLog(log);
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(join(dir, 'notes.jsonl'), hourAgo, hourAgo);
    chmodSync(dir, 0o555);
    // Root may write anywhere: run as an unprivileged user when the tests run as root.
    const as = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    try {
      const started = Date.now();
      const listed = runCli(['--store', dir, '--json', 'list', 'notes'], { cwd: tempDir(), ...as });
      const took = Date.now() - started;
      expect(listed.status, listed.stderr).toBe(0);
      expect((JSON.parse(listed.stdout) as { id: string }[]).map((r) => r.id)).toEqual(['a', 'b']);
      expect(took).toBeLessThan(1500);
    } finally {
      chmodSync(dir, 0o755);
    }
    expect(readFileSync(join(dir, 'notes.jsonl'), 'utf8')).toBe(log);
  });
});

describe('the merge driver (taskstore-merge) and numbers a double does not hold', () => {
  it('sees a change of 1e400 to 2e400 on one side (both read as Infinity) and merges it with the newer side\'s change', () => {
    const dir = tempDir();
    const base = '{"id":"a","updated_at":1,"n":1e400,"t":"x"}\n';
    writeFileSync(join(dir, 'base'), base);
    writeFileSync(join(dir, 'ours'), `${base}{"id":"a","updated_at":2,"n":2e400,"t":"x"}\n`);
    writeFileSync(join(dir, 'theirs'), `${base}{"id":"a","updated_at":3,"n":1e400,"t":"y"}\n`);
    const run = spawnSync(process.execPath, [MERGE_BIN, 'base', 'ours', 'theirs', 'notes.jsonl'], { cwd: dir, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    // Both changes arrive: ours' number, theirs' title, in one new version after both.
    expect(readFileSync(join(dir, 'ours'), 'utf8').split('\n').at(-2)).toBe('{"id":"a","updated_at":4,"n":2e400,"t":"y"}');
  });
});

describe('export and files of the store directory that are not a collection\'s log', () => {
  it('names a *.jsonl the store ignores (not a collection name) and a .rescued file on stderr; --strict exits 3', () => {
    const dir = storeWithLog('{"id":"a","updated_at":1}\n');
    writeFileSync(join(dir, 'Notes.jsonl'), '{"id":"hand","updated_at":1}\n');
    writeFileSync(join(dir, 'notes.jsonl.rescued'), '{"id":"lost","updated_at":5}\n');
    const cwd = tempDir();
    const exported = runCli(['--store', dir, 'export'], { cwd });
    expect(exported.status).toBe(0);
    expect(exported.stdout).toBe('{"collection":"notes","record":{"id":"a","updated_at":1}}\n');
    expect(exported.stderr).toContain('export left out 2 files');
    expect(exported.stderr).toContain('Notes.jsonl: not a valid collection name');
    expect(exported.stderr).toContain('notes.jsonl.rescued: versions a git rewrite lost');
    expect(runCli(['--store', dir, 'export', '--strict'], { cwd }).status).toBe(3);
    expect(readFileSync(join(dir, 'Notes.jsonl'), 'utf8')).toBe('{"id":"hand","updated_at":1}\n');
  });
});

describe('a directory where the cache would be (taskstore.db/, taskstore.db-wal/)', () => {
  it.each(['taskstore.db', 'taskstore.db-wal'])('%s: an error that names it as a directory; the logs are untouched', (name) => {
    const dir = storeWithLog('{"id":"a","updated_at":1}\n');
    mkdirSync(join(dir, name));
    const result = runCli(['--store', dir, 'list', 'notes'], { cwd: tempDir() });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${name}: it is a directory`);
    expect(result.stderr).not.toContain('writable');
    expect(readFileSync(join(dir, 'notes.jsonl'), 'utf8')).toBe('{"id":"a","updated_at":1}\n');
  });
});

describe('.version as git may check it out: a symbolic link, a directory', () => {
  it('a link is never read through (its target\'s text is not shown), a directory is named as one; the logs are untouched', () => {
    const secret = join(tempDir(), 'secret');
    writeFileSync(secret, 'TOPSECRET-TOKEN-1234567890\n');
    const linked = storeWithLog('{"id":"a","updated_at":1}\n');
    rmSync(join(linked, '.version'));
    symlinkSync(secret, join(linked, '.version'));
    const viaLink = runCli(['--store', linked, 'list', 'notes'], { cwd: tempDir() });
    expect(viaLink.status).toBe(1);
    expect(viaLink.stderr).not.toContain('TOPSECRET');
    expect(viaLink.stderr).toContain('.version: it is a symbolic link');
    expect(() => Store.open(linked, { durability: 'none', logger: quietLogger() })).toThrow(expect.objectContaining({ code: 'IO', data: expect.objectContaining({ errno: 'ELOOP' }) }));
    // A link to a file holding "1" is refused too, as backup() always refused it.
    const good = join(tempDir(), 'version');
    writeFileSync(good, '1\n');
    rmSync(join(linked, '.version'));
    symlinkSync(good, join(linked, '.version'));
    expect(() => Store.open(linked, { durability: 'none', logger: quietLogger() })).toThrow(/symbolic link/);

    const dir = storeWithLog('{"id":"a","updated_at":1}\n');
    rmSync(join(dir, '.version'));
    mkdirSync(join(dir, '.version'));
    const viaDir = runCli(['--store', dir, 'list', 'notes'], { cwd: tempDir() });
    expect(viaDir.status).toBe(1);
    expect(viaDir.stderr).toContain('.version: it is a directory');
    expect(viaDir.stderr).not.toContain('looks like a bug');
    expect(readFileSync(join(dir, 'notes.jsonl'), 'utf8')).toBe('{"id":"a","updated_at":1}\n');
  });
});

describe('a record with a string of millions of characters (within the 10 MiB record limit)', () => {
  // 9.5 million characters, and a string of 4.5 million escaped quotes: the regular
  // expressions that walked JSON strings overflowed V8's stack on both.
  const plain = 'x'.repeat(9_500_000);
  const quotes = '"'.repeat(4_500_000);

  it('the MCP server still finds a key given twice in a tool call that carries it', () => {
    const call = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'update_record', arguments: { id: 'a', patch: { s: plain } } } });
    const twice = call.replace('{"id":"a"', '{"id":"a","id":"b"');
    expect(rawCallProblem(twice)).toMatchObject({ requestId: 7, field: 'id' });
  });

  it('createFromText stores it; export prints it and import stores it again', () => {
    const dir = tempDir();
    const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
    try {
      const notes = store.collection({ name: 'notes' });
      notes.createFromText(JSON.stringify({ id: 'plain', s: plain, n: 1.50 }).replace('1.5', '1.50'));
      notes.createFromText(JSON.stringify({ id: 'quotes', s: quotes }));
      expect(notes.get('plain')!.s).toBe(plain);
      expect(notes.getText('plain')).toContain('"n":1.50');
      expect(notes.get('quotes')!.s).toBe(quotes);
    } finally {
      store.close();
    }
    const cwd = tempDir();
    // runCli's buffer holds 1 MiB of output: this export is 20 MB.
    const exported = spawnSync(process.execPath, [CLI, '--store', dir, 'export'], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(exported.stderr).toBe('');
    expect(exported.status).toBe(0);
    expect(exported.stdout.split('\n').length).toBe(3);
    writeFileSync(join(cwd, 'dump.jsonl'), exported.stdout);
    const copy = join(cwd, 'copy');
    const imported = runCli(['--store', copy, 'import', 'dump.jsonl'], { cwd });
    expect(imported.stderr).toBe('');
    expect(imported.status).toBe(0);
    const again = Store.open(copy, { durability: 'none', logger: quietLogger() });
    try {
      const notes = again.collection({ name: 'notes' });
      expect(notes.get('plain')!.s).toBe(plain);
      expect(notes.getText('plain')).toContain('"n":1.50');
      expect(notes.get('quotes')!.s).toBe(quotes);
    } finally {
      again.close();
    }
  }, 60_000);
});

describe('ids holding half a surrogate pair, written by another tool (the cache\'s id column keeps U+FFFD for them)', () => {
  it('two such records read apart, and check reports no drift for them, before or after sync', () => {
    const dir = storeWithLog('{"id":"\\ud801","updated_at":1,"v":"one"}\n{"id":"\\ud800","updated_at":2,"v":"zero"}\n{"id":"\\ud801","updated_at":3,"v":"one-b"}\n');
    const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
    try {
      const notes = store.collection({ name: 'notes' });
      expect(notes.get('\ud800')!.v).toBe('zero');
      expect(notes.get('\ud801')!.v).toBe('one-b');
      expect(store.check()).toEqual({ ok: true, problems: [] });
      appendFileSync(join(dir, 'notes.jsonl'), '{"id":"\\ud800","updated_at":4,"v":"zero-b"}\n');
      store.refresh();
      expect(notes.get('\ud800')!.v).toBe('zero-b');
      expect(store.check()).toEqual({ ok: true, problems: [] });
      store.sync();
      expect(store.check()).toEqual({ ok: true, problems: [] });
    } finally {
      store.close();
    }
    // A damaged cache is still caught, and named by the record's own id.
    const raw = new Database(join(dir, 'taskstore.db'));
    raw.prepare("UPDATE c_notes SET data = replace(data, 'zero-b', 'ZERO') WHERE state = 1 AND data LIKE '%zero-b%'").run();
    raw.close();
    const again = Store.open(dir, { durability: 'none', logger: quietLogger() });
    try {
      const report = again.check();
      expect(report.problems.map((p) => [p.kind, p.id])).toEqual([['cache_drift', '\ud800']]);
    } finally {
      again.close();
    }
  });
});

describe('git-sync and a log with a NUL byte (the pre-commit hook refuses to commit one)', () => {
  it('commits, merges and pushes nothing, naming the file and line; the store keeps working', () => {
    const remote = makeRemote();
    const a = branchClone(remote);
    writeFileSync(join(a.storeDir, 'notes.jsonl'), '{"id":"n1","updated_at":1}\n{"id":"n2","updated_at":2,"x":"a\u0000b"}\n');
    expect(readFileSync(join(a.storeDir, 'notes.jsonl')).includes(0)).toBe(true);
    const head = a.clone.git('rev-parse', 'taskstore');
    const result = cli(a.clone.dir, 'git-sync');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('notes.jsonl line 2 holds a NUL byte');
    expect(a.clone.git('rev-parse', 'taskstore')).toBe(head);
    expect(runCli(['--store', a.storeDir, 'list', 'notes', '--json'], { cwd: a.clone.dir }).status).toBe(0);
  });
});

describe('a record another tool wrote with a "deleted" member that is not true (its own soft-delete flag)', () => {
  it('reads as live and can be updated, patched and deleted; setting or changing "deleted" is still refused', () => {
    const log = '{"id":"a","updated_at":1,"deleted":false,"t":"x"}\n{"id":"b","updated_at":1,"deleted":"no"}\n';
    const dir = storeWithLog(log);
    const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
    try {
      const notes = store.collection<Record<string, unknown>>({ name: 'notes' });
      expect(notes.get('a')).toMatchObject({ deleted: false, t: 'x' });
      expect(notes.patch('a', { t: 'y' })).toMatchObject({ deleted: false, t: 'y' });
      // In the line's order: its updated_at (restamped) stays second.
      expect(notes.getText('a')).toMatch(/^\{"id":"a","updated_at":\d+,"deleted":false,"t":"y"\}$/);
      const current = notes.get('b')!;
      expect(notes.update('b', { ...current, t: 'z' })).toMatchObject({ deleted: 'no', t: 'z' });
      expect(() => notes.patch('a', { deleted: true })).toThrow(/reserved for tombstones/);
      expect(() => notes.patch('b', { deleted: 'yes' })).toThrow(/reserved for tombstones/);
      expect(() => notes.create({ id: 'c', deleted: false })).toThrow(/reserved for tombstones/);
      notes.delete('b');
      expect(notes.get('b')).toBeUndefined();
    } finally {
      store.close();
    }
    const cli = runCli(['--store', dir, 'update', 'a', '--set', 't=w'], { cwd: tempDir() });
    expect(cli.stderr).not.toContain('reserved');
    expect(cli.status).toBe(0);
    expect(readFileSync(join(dir, 'notes.jsonl'), 'utf8').startsWith(log)).toBe(true);
  });
});
