/**
 * Files and arguments a careless first-time user hands the CLI: refused with a clear
 * error that changes nothing, or taken exactly as meant, never silently altered.
 * Runs the built CLI (`npm run build` first).
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { handleApi } from '../../src/ui/server/api.js';
import { tempDir } from '../helpers/temp.js';
import { startMcp, textOf } from './mcp-client.js';
import { runCli, runJson, withStore } from './run-cli.js';

const BOM = '\ufeff';

describe('import', () => {
  it('takes an export saved with a byte-order mark or CRLF line ends (a Windows editor), in both formats', () => {
    const cwd = tempDir('taskstore-cli-');
    const source = join(cwd, 'source');
    withStore(source, (s) => {
      s.collection({ name: 'notes' }).create({ id: 'n1', title: 'first' });
      s.collection({ name: 'notes' }).create({ id: 'n2', title: 'second' });
    });
    const jsonl = runCli(['--store', source, 'export', '--format', 'jsonl'], { cwd }).stdout;
    const json = runCli(['--store', source, 'export', '--format', 'json'], { cwd }).stdout;
    const files: Record<string, string> = {
      'bom.jsonl': BOM + jsonl,
      'bom.json': BOM + json,
      'bom-crlf.jsonl': BOM + jsonl.replaceAll('\n', '\r\n'),
      'bom-crlf.json': BOM + json.replaceAll('\n', '\r\n'),
    };
    for (const [file, text] of Object.entries(files)) {
      writeFileSync(join(cwd, file), text);
      const dest = join(cwd, `into-${file}`);
      const result = runCli(['--store', dest, 'import', file], { cwd });
      expect(result.stderr, file).toBe('');
      expect(result.status, file).toBe(0);
      withStore(dest, (s) => expect(s.collection({ name: 'notes' }).list({ orderBy: 'id' }).map((r) => r.title)).toEqual(['first', 'second']));
    }
  });

  it('imports an integer a number would round (beyond 2^53) with every digit, in both formats; quoted, it stays a string', () => {
    const cwd = tempDir('taskstore-cli-');
    const store = join(cwd, '.taskstore');
    writeFileSync(join(cwd, 'big.jsonl'), '{"collection":"notes","record":{"id":"a","n":1}}\n{"collection":"notes","record":{"id":"b","n":12345678901234567890}}\n');
    writeFileSync(join(cwd, 'big.json'), '{\n  "notes": [\n    {\n      "id": "c",\n      "n": -9007199254740993,\n      "deep": { "list": [ 1, 12345678901234567890 ] }\n    }\n  ]\n}\n');
    for (const file of ['big.jsonl', 'big.json']) {
      const result = runCli(['import', file], { cwd });
      expect(result.status, result.stderr).toBe(0);
    }
    withStore(store, (s) => {
      const notes = s.collection({ name: 'notes' });
      expect(notes.getText('a')).toMatch(/^\{"id":"a","n":1,/);
      expect(notes.getText('b')).toMatch(/^\{"id":"b","n":12345678901234567890,/);
      // The pretty-printed json format's record is stored on one line, compact, every digit kept.
      expect(notes.getText('c')).toMatch(/^\{"id":"c","n":-9007199254740993,"deep":\{"list":\[1,12345678901234567890\]\},/);
    });
    // Exact integers of any size, numbers that only look long, and digits in strings are fine.
    writeFileSync(join(cwd, 'ok.jsonl'), '{"collection":"notes","record":{"id":"d","n":"12345678901234567890","m":1152921504606846976,"f":12345678901234567.5,"s":"id 12345678901234567890"}}\n');
    expect(runJson<{ records: number }>(['import', 'ok.jsonl'], { cwd }).records).toBe(1);
    withStore(store, (s) => expect(s.collection({ name: 'notes' }).get('d')).toMatchObject({ n: '12345678901234567890', m: 2 ** 60 }));
  });
});

describe('--content-file', () => {
  it('a byte-order mark is not part of the content (it hid the first markdown heading); CRLF is kept as written', () => {
    const cwd = tempDir('taskstore-cli-');
    const store = join(cwd, '.taskstore');
    runCli(['init'], { cwd });
    writeFileSync(join(cwd, 'spec.md'), `${BOM}# Search\r\n\r\nFind things.\r\n`);
    const { id } = runJson<{ id: string }>(['create-prd', 'Search', '--content-file', 'spec.md'], { cwd });
    withStore(store, (s) => expect(s.getPrd(id)!.content).toBe('# Search\r\n\r\nFind things.\r\n'));
    const viaStdin = runJson<{ id: string }>(['create-prd', 'Piped', '--content-file', '-'], { cwd, input: `${BOM}# Piped\n` });
    withStore(store, (s) => expect(s.getPrd(viaStdin.id)!.content).toBe('# Piped\n'));
  });
});

describe('list --where with a value the field cannot hold', () => {
  it('text for a number field, or a non-date for an ordering on a *_at field, is a usage error instead of an empty answer', () => {
    const cwd = tempDir('taskstore-cli-');
    const store = join(cwd, '.taskstore');
    withStore(store, (s) => {
      s.createPrd({ title: 'p', review_passes: 3 });
      s.collection({ name: 'notes' }).create({ due_at: 5, n: 1 });
    });
    for (const [collection, where, message] of [
      ['prds', 'updated_at>yesterday', /"yesterday" is not a number, a date nor an ISO time, and updated_at holds Unix milliseconds/],
      ['prds', 'review_passes>=3x', /"3x" is not a number, and review_passes holds numbers/],
      ['prds', 'review_passes=three', /"three" is not a number/],
      ['prds', 'review_passes in 1,two', /"two" is not a number/],
      ['notes', 'due_at<=2025-13-45', /"2025-13-45" is not a number, a date nor an ISO time/],
      ['notes', 'meta.seen_at>soon', /"soon" is not a number, a date nor an ISO time, and meta\.seen_at holds/],
    ] as const) {
      const result = runCli(['list', collection, '--where', where], { cwd });
      expect(result.status, `${where}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    // What the fields can hold still works: numbers, dates, null, and text on fields of no known type.
    const count = (collection: string, where: string): number => runJson<unknown[]>(['list', collection, '--where', where], { cwd }).length;
    expect(count('prds', 'review_passes>=3')).toBe(1);
    expect(count('prds', 'updated_at>=2020-01-01')).toBe(1);
    expect(count('prds', 'review_passes in 1,3')).toBe(1);
    expect(count('notes', 'due_at<2020-01-01T00:00:00Z')).toBe(1);
    expect(count('notes', 'due_at=null')).toBe(0);
    expect(count('notes', 'n!=abc')).toBe(1);
  });
});

describe('backup', () => {
  it('an empty destination ("$DEST" unset) is a usage error, not a backup into the current directory', () => {
    const cwd = tempDir('taskstore-cli-');
    withStore(join(cwd, 'store'), (s) => s.collection({ name: 'notes' }).create({ t: 1 }));
    const empty = join(cwd, 'empty');
    runCli(['--store', join(cwd, 'store'), 'init'], { cwd });
    mkdirSync(empty);
    for (const dest of ['', ' ']) {
      const result = runCli(['--store', join(cwd, 'store'), 'backup', dest], { cwd: empty });
      expect(result.status, result.stderr).toBe(2);
      expect(result.stderr).toMatch(/backup needs a destination directory/);
    }
    expect(readdirSync(empty)).toEqual([]);
  });
});

describe('names every JavaScript object has', () => {
  it('a collection named constructor lists and imports; a status "toString" read from a log is shown, not a crash', () => {
    const cwd = tempDir('taskstore-cli-');
    const store = join(cwd, '.taskstore');
    withStore(store, (s) => s.collection({ name: 'constructor' }).create({ id: 'c1', title: 'hello' }));
    const listed = runCli(['list', 'constructor'], { cwd });
    expect(listed.stderr).toBe('');
    expect(listed.stdout).toMatch(/c1\s+hello/);
    writeFileSync(join(cwd, 'in.jsonl'), '{"collection":"constructor","record":{"id":"c2"}}\n');
    expect(runJson<{ collections: unknown }>(['import', 'in.jsonl'], { cwd }).collections).toEqual({ constructor: 1 });
    expect(runCli(['import', 'in.jsonl'], { cwd: cwd }).stderr).toMatch(/already has a record/);
    // A hand edit (or another writer) left a status no schema allows.
    writeFileSync(join(store, 'prds.jsonl'), '{"id":"p1","updated_at":5,"title":"odd","status":"toString"}\n');
    for (const args of [['list-prds'], ['list', 'prds']]) {
      const result = runCli(args, { cwd, env: { FORCE_COLOR: '1' } });
      expect(result.stderr, args.join(' ')).toBe('');
      expect(result.stdout).toMatch(/odd\s+toString/);
    }
  });
});

describe('numeric options', () => {
  it('an option that must be positive says so for any bad text, not "non-negative" (which invites a refused 0)', () => {
    const cwd = tempDir('taskstore-cli-');
    runCli(['init'], { cwd });
    for (const args of [['claim', '--as', 'x', '--lease-ms', '1e3'], ['--max-record-bytes', 'abc', 'list-prds'], ['claim', '--as', 'x', '--lease-ms', '0']]) {
      const result = runCli(args, { cwd });
      expect(result.status, result.stderr).toBe(2);
      expect(result.stderr).toMatch(/must be a positive integer\./);
    }
    expect(runCli(['list-executions', '--limit', 'x'], { cwd }).stderr).toMatch(/must be a non-negative integer\./);
  });
});

describe('records whose ids another tool wrote (over 512 characters, control characters)', () => {
  // A Rust TaskStore repo_path id, an ESC sequence and a C1 control (U+0085): each a
  // valid log line that `list` shows, so each must be reachable by its id.
  const long = '/home/dev/' + 'deep/'.repeat(130) + 'repo';
  const ids = [long, 'esc\u001b[31mred', 'nel\u0085x'];

  function seeded(): string {
    const cwd = tempDir('taskstore-cli-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    writeFileSync(join(cwd, '.taskstore', 'notes.jsonl'), ids.map((id, i) => JSON.stringify({ id, updated_at: 10 + i, title: `t${i}` })).join('\n') + '\n');
    return cwd;
  }

  it('show, update, history and delete reach each of them; the terminal never gets a raw control character', () => {
    const cwd = seeded();
    const rawControl = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
    expect(runJson<{ id: string }[]>(['list', 'notes'], { cwd }).map((r) => r.id)).toEqual(ids);
    for (const [i, id] of ids.entries()) {
      const show = runCli(['show', id], { cwd });
      expect(show.status, show.stderr).toBe(0);
      expect(show.stdout).toContain(`t${i}`);
      expect(show.stdout).not.toMatch(rawControl);
      const update = runCli(['update', id, '--set', 'title=changed'], { cwd });
      expect(update.status, update.stderr).toBe(0);
      expect(update.stdout).not.toMatch(rawControl);
      const history = runCli(['history', id], { cwd });
      expect(history.status, history.stderr).toBe(0);
      expect(history.stdout).toContain('changed');
      expect(history.stdout).not.toMatch(rawControl);
      const del = runCli(['delete', id], { cwd });
      expect(del.status, del.stderr).toBe(0);
      expect(del.stdout + del.stderr).not.toMatch(rawControl);
      expect(runJson<{ versions: unknown[] }>(['history', id], { cwd }).versions).toHaveLength(3);
    }
    expect(runCli(['show', 'esc\u001b[31mred'], { cwd }).stderr).toContain('esc\\u001b[31mred');
    expect(runJson<unknown[]>(['list', 'notes'], { cwd })).toEqual([]);
  });

  it('the MCP server reads, updates and shows the history of each', async () => {
    const cwd = seeded();
    const session = await startMcp({ cwd, store: join(cwd, '.taskstore') });
    try {
      for (const id of ids) {
        const got = await session.call('get_record', { id });
        expect(got.isError, textOf(got)).not.toBe(true);
        const updated = await session.call('update_record', { id, patch: { title: 'via mcp' } });
        expect(updated.isError, textOf(updated)).not.toBe(true);
        const history = await session.call('record_history', { id });
        expect(history.isError, textOf(history)).not.toBe(true);
      }
    } finally {
      await session.close();
    }
    withStore(join(cwd, '.taskstore'), (s) => expect(s.collection<{ title: string }>({ name: 'notes' }).list().map((r) => r.title)).toEqual(['via mcp', 'via mcp', 'via mcp']));
  }, 60_000);

  it('the dashboard API answers a record and its history for each', () => {
    const cwd = seeded();
    withStore(join(cwd, '.taskstore'), (store) => {
      for (const id of ids) {
        const one = handleApi(store, `/api/records/${encodeURIComponent(id)}`, new URLSearchParams(), 1);
        expect(one.status, JSON.stringify(one.body)).toBe(200);
        expect(one.body).toMatchObject({ collection: 'notes', record: { id } });
        const history = handleApi(store, `/api/records/${encodeURIComponent(id)}/history`, new URLSearchParams(), 1);
        expect(history.status, JSON.stringify(history.body)).toBe(200);
      }
    });
  });
});
