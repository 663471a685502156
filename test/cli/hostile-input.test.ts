/**
 * Files and arguments a careless first-time user hands the CLI: refused with a clear
 * error that changes nothing, or taken exactly as meant, never silently altered.
 * Runs the built CLI (`npm run build` first).
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
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

  it('refuses an integer it would round (beyond 2^53), naming the line, and imports nothing; quoted, every digit is kept', () => {
    const cwd = tempDir('taskstore-cli-');
    const store = join(cwd, '.taskstore');
    writeFileSync(join(cwd, 'big.jsonl'), '{"collection":"notes","record":{"id":"a","n":1}}\n{"collection":"notes","record":{"id":"b","n":12345678901234567890}}\n');
    writeFileSync(join(cwd, 'big.json'), '{\n  "notes": [\n    {\n      "id": "c",\n      "n": -9007199254740993\n    }\n  ]\n}\n');
    for (const [file, line, token, rounded] of [
      ['big.jsonl', 2, '12345678901234567890', '12345678901234567000'],
      ['big.json', 5, '-9007199254740993', '-9007199254740992'],
    ] as const) {
      const result = runCli(['import', file], { cwd });
      expect(result.status, result.stderr).toBe(1);
      expect(result.stderr).toContain(`${file} line ${line} holds ${token}, which a number cannot hold exactly (beyond ±2^53): it would be stored as ${rounded}`);
      expect(result.stderr).toMatch(/quote it.*nothing was imported/);
    }
    expect(existsSync(join(store, 'notes.jsonl'))).toBe(false);
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
