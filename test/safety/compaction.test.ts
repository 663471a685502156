/**
 * Issue 9 item 11 and retention: compaction that has nothing to drop leaves the file
 * alone; a killed compaction's temp file is cleaned and reported; a conflicted log does
 * not hide what was done for the others; keepDays keeps recent history.
 */
import { appendFileSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Engine as Store } from '../../src/store/engine.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';
import { runCli } from '../cli/run-cli.js';
import { DIST } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait-for.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

const DAY = 86_400_000;

function open(dir: string) {
  const logger = quietLogger();
  const store = Store.open(dir, { durability: 'none', logger });
  return { store, logger, notes: store.collection({ name: 'notes' }) };
}

function lines(dir: string, name = 'notes'): string[] {
  return readFileSync(join(dir, `${name}.jsonl`), 'utf8').split('\n').filter((l) => l !== '');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('compact with nothing to drop', () => {
  it('does not rewrite the log (same inode, same bytes) and says so in the report', () => {
    const dir = join(tempDir(), '.taskstore');
    const { store, notes } = open(dir);
    notes.create({ id: 'a' });
    notes.create({ id: 'b' });
    const before = statSync(join(dir, 'notes.jsonl'), { bigint: true });
    const report = store.compact();
    const after = statSync(join(dir, 'notes.jsonl'), { bigint: true });
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeNs).toBe(before.mtimeNs);
    expect(report.collections).toEqual([{ name: 'notes', linesBefore: 2, linesAfter: 2, bytesBefore: Number(before.size), bytesAfter: Number(before.size) }]);
    // With something to drop it still rewrites.
    notes.patch('a', { v: 1 });
    expect(store.compact().collections[0]).toMatchObject({ linesBefore: 3, linesAfter: 2 });
    expect(statSync(join(dir, 'notes.jsonl'), { bigint: true }).ino).not.toBe(before.ino);
    store.close();
  });
});

describe('a killed compaction', () => {
  it('leaves a temp file that the next open removes and check reports once', async () => {
    const dir = join(tempDir(), '.taskstore');
    const { store, notes } = open(dir);
    notes.create({ id: 'a' });
    store.close();
    // A process that has exited: its pid is certainly not alive any more.
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid!;
    await new Promise((r) => child.on('exit', r));
    const leftover = `.notes.jsonl.${pid}.0badc0de.tmp`;
    writeFileSync(join(dir, leftover), '');
    // A temp file of a live process (a compaction in progress) is left alone.
    const live = `.notes.jsonl.${process.pid}.12345678.tmp`;
    writeFileSync(join(dir, live), '');
    const reopened = open(dir);
    expect(existsSync(join(dir, leftover))).toBe(false);
    expect(existsSync(join(dir, live))).toBe(true);
    expect(reopened.logger.warnings.join('\n')).toContain(leftover);
    const problems = reopened.store.check().problems;
    expect(problems).toEqual([expect.objectContaining({ kind: 'stale_temp_file', message: expect.stringContaining(leftover) })]);
    expect(reopened.store.check().ok).toBe(true);
    expect(reopened.notes.get('a')).toBeDefined();
    reopened.store.close();
  });
});

describe('compact with one conflicted collection', () => {
  it('compacts the others, then throws CONFLICT_MARKERS carrying what was done; the CLI prints both', () => {
    const root = tempDir();
    const dir = join(root, '.taskstore');
    const { store, notes } = open(dir);
    notes.create({ id: 'a' });
    notes.patch('a', { v: 1 });
    store.collection({ name: 'tasks' }).create({ id: 't' });
    appendFileSync(join(dir, 'tasks.jsonl'), '<<<<<<< ours\n{"id":"t","updated_at":9}\n=======\n{"id":"t","updated_at":9,"x":1}\n>>>>>>> theirs\n');
    store.close();
    const cli = runCli(['compact'], { cwd: root });
    expect(cli.status).toBe(1);
    expect(cli.stdout).toMatch(/notes\s+2 → 1/);
    expect(cli.stderr).toMatch(/tasks\.jsonl line 2 has a git conflict marker/);
    expect(cli.stderr).toMatch(/other collections were compacted: notes \(2 → 1 lines\)/);
    expect(lines(dir)).toHaveLength(1);
    expect(lines(dir, 'tasks')).toHaveLength(6);
    // --json: what was compacted is the stdout document (a script reads it), the error goes to stderr.
    const again = open(dir);
    again.notes.patch('a', { v: 2 });
    again.store.close();
    const json = runCli(['--json', 'compact'], { cwd: root });
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({ collections: [{ name: 'notes', linesBefore: 2, linesAfter: 1, bytesBefore: expect.any(Number), bytesAfter: expect.any(Number) }] });
    expect(json.stderr).toMatch(/tasks\.jsonl line 2 has a git conflict marker/);
  });

  it('as a library call, the error carries the report', () => {
    const dir = join(tempDir(), '.taskstore');
    const { store, notes } = open(dir);
    notes.create({ id: 'a' });
    notes.patch('a', { v: 1 });
    store.collection({ name: 'tasks' }).create({ id: 't' });
    appendFileSync(join(dir, 'tasks.jsonl'), '=======\n');
    let caught: any;
    try {
      store.compact();
    } catch (err) {
      caught = err;
    }
    expect(caught?.code).toBe('CONFLICT_MARKERS');
    expect(caught.data.compacted.collections).toEqual([expect.objectContaining({ name: 'notes', linesBefore: 2, linesAfter: 1 })]);
    expect(notes.get('a')).toMatchObject({ v: 1 });
    store.close();
  });
});

describe('retention: compact(collection, { keepDays })', () => {
  it('keeps superseded versions within the window, every tombstone, every current version and every malformed line', () => {
    const dir = join(tempDir(), '.taskstore');
    const now = Date.now();
    const { store, notes } = open(dir);
    store.close();
    const log = [
      { id: 'a', v: 1, updated_at: now - 40 * DAY }, // superseded, old: dropped
      { id: 'a', v: 2, updated_at: now - 5 * DAY }, // superseded, recent: kept
      { id: 'a', v: 3, updated_at: now - 1 * DAY }, // current
      { id: 'b', deleted: true, updated_at: now - 50 * DAY }, // old superseded tombstone: kept
      { id: 'b', v: 1, updated_at: now - 45 * DAY }, // current, old
      { id: 'c', v: 1, updated_at: now - 60 * DAY }, // superseded, old: dropped
      { id: 'c', deleted: true, updated_at: now - 59 * DAY }, // current tombstone
    ].map((r) => JSON.stringify(r));
    writeFileSync(join(dir, 'notes.jsonl'), `${log.slice(0, 3).join('\n')}\nnot json\n${log.slice(3).join('\n')}\n`);
    const reopened = open(dir);
    const report = reopened.store.compact('notes', { keepDays: 30 });
    expect(report.collections[0]).toMatchObject({ linesBefore: 8, linesAfter: 6 });
    expect(lines(dir)).toEqual([log[1], log[2], 'not json', log[3], log[4], log[6]]);
    expect(reopened.notes.history('a').map((v) => v.v)).toEqual([2, 3]);
    expect(reopened.notes.get('a')).toMatchObject({ v: 3 });
    expect(reopened.notes.get('b')).toMatchObject({ v: 1 });
    expect(reopened.notes.get('c')).toBeUndefined();
    // Run again: nothing more to drop, so the file is left alone.
    const ino = statSync(join(dir, 'notes.jsonl')).ino;
    reopened.store.compact('notes', { keepDays: 30 });
    expect(statSync(join(dir, 'notes.jsonl')).ino).toBe(ino);
    // Without keepDays the recent superseded version goes too.
    reopened.store.compact('notes');
    expect(reopened.notes.history('a').map((v) => v.v)).toEqual([3]);
    expect(() => reopened.store.compact('notes', { keepDays: -1 })).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
    reopened.store.close();
  });

  it('clocks that disagree: a superseded version stamped in the future counts as recent (kept by every keepDays, 0 included); one stamped before 1970 as old', () => {
    const dir = join(tempDir(), '.taskstore');
    const now = Date.now();
    open(dir).store.close();
    const log = [
      { id: 'f', v: 1, updated_at: now + 365 * DAY }, // a clock a year ahead: superseded, kept
      { id: 'f', v: 2, updated_at: now + 365 * DAY + 1 },
      { id: 'p', v: 1, updated_at: -5 }, // before 1970: superseded, dropped
      { id: 'p', v: 2, updated_at: -4 },
    ].map((r) => JSON.stringify(r));
    writeFileSync(join(dir, 'notes.jsonl'), `${log.join('\n')}\n`);
    const { store, notes } = open(dir);
    store.compact('notes', { keepDays: 0 });
    expect(lines(dir)).toEqual([log[0], log[1], log[3]]);
    expect(notes.get('f')).toMatchObject({ v: 2 });
    expect(notes.get('p')).toMatchObject({ v: 2 });
    store.compact('notes');
    expect(lines(dir)).toEqual([log[1], log[3]]);
    store.close();
  });

  it('the CLI takes --keep-days N', () => {
    const root = tempDir();
    const dir = join(root, '.taskstore');
    const { store, notes } = open(dir);
    notes.create({ id: 'a', v: 1 });
    notes.patch('a', { v: 2 });
    store.close();
    expect(runCli(['compact', 'notes', '--keep-days', '7'], { cwd: root }).status).toBe(0);
    expect(lines(dir)).toHaveLength(2);
    expect(runCli(['compact', 'notes', '--keep-days', 'x'], { cwd: root }).status).toBe(2);
    expect(runCli(['compact', 'notes'], { cwd: root }).status).toBe(0);
    expect(lines(dir)).toHaveLength(1);
  });
});

describe('compact while another program appends', () => {
  it('keeps the lines appended after the cache read the log, and an incomplete last line', () => {
    const dir = join(tempDir(), '.taskstore');
    const pad = 'x'.repeat(500);
    // Over 1 MiB of versions of ten ids, so that the rewrite reports progress while it reads.
    const versions = Array.from({ length: 3000 }, (_, i) => `${JSON.stringify({ id: `r${i % 10}`, updated_at: 1_700_000_000_000 + i, n: i, pad })}\n`);
    const { store } = open(dir);
    writeFileSync(join(dir, 'notes.jsonl'), versions.join(''));
    const late = `${JSON.stringify({ id: 'late', updated_at: 1_800_000_000_000, by: 'another program' })}\n`;
    const partial = '{"id":"half';
    let appended = false;
    store.compact('notes', {
      onProgress: (done, total) => {
        if (appended || done >= total) return;
        // Mid-rewrite, as a program that does not take TaskStore's lock would.
        appendFileSync(join(dir, 'notes.jsonl'), late + partial);
        appended = true;
      },
    });
    expect(appended).toBe(true);
    const text = readFileSync(join(dir, 'notes.jsonl'), 'utf8');
    // The incomplete line is ended by the catch-up after the rewrite, once it stays unchanged: kept as a malformed line.
    expect(text.endsWith(`${late}${partial}\n`)).toBe(true);
    // The ten current versions, then what the other program wrote.
    expect(text.split('\n').slice(0, -3).map((l) => JSON.parse(l).n)).toEqual(Array.from({ length: 10 }, (_, i) => 2990 + i));
    expect(store.collection({ name: 'notes' }).get('late')).toMatchObject({ by: 'another program' });
    store.close();
  });
});

describe('compact while another program appends after the rewrite read the log', () => {
  it('copies the appended bytes into the new log before the rename', async () => {
    const dir = join(tempDir(), '.taskstore');
    const versions = Array.from({ length: 50 }, (_, i) => `${JSON.stringify({ id: `r${i % 5}`, updated_at: 1_700_000_000_000 + i, n: i })}\n`);
    const { store } = open(dir);
    writeFileSync(join(dir, 'notes.jsonl'), versions.join(''));
    store.close();
    const signal = join(tempDir(), 'paused');
    const until = `${signal}-go`;
    // The compaction, stopped at its first write to the temp file: the log read to its end.
    const compactor = spawn(process.execPath, ['--import', join(FIXTURES, 'pause-at-temp-write.mjs'), '--input-type=module', '-e', `
      const { Store } = await import(${JSON.stringify(pathToFileURL(join(DIST, 'index.js')).href)});
      const store = Store.open(${JSON.stringify(dir)}, { logger: { debug() {}, info() {}, warn() {}, error() {} } });
      store.compact('notes');
      store.close();`], {
      env: { ...process.env, PAUSE_SIGNAL: signal, PAUSE_UNTIL: until },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    compactor.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => compactor.on('exit', resolve));
    const late = `${JSON.stringify({ id: 'late', updated_at: 1_800_000_000_000, by: 'another program' })}\n`;
    try {
      await waitFor('the compaction to write its temp file', () => existsSync(signal));
      appendFileSync(join(dir, 'notes.jsonl'), late);
    } finally {
      writeFileSync(until, '');
    }
    expect(await exited, stderr).toBe(0);
    const text = readFileSync(join(dir, 'notes.jsonl'), 'utf8');
    expect(text.endsWith(late)).toBe(true);
    expect(text.split('\n').slice(0, -2).map((l) => JSON.parse(l).n)).toEqual([45, 46, 47, 48, 49]);
    const again = open(dir);
    expect(again.store.collection({ name: 'notes' }).get('late')).toMatchObject({ by: 'another program' });
    again.store.close();
  });
});

describe('compact while another program replaces the log', () => {
  it('does not put its rewrite over the new file: CORRUPT, nothing of the other program lost, and the next compaction works', () => {
    const dir = join(tempDir(), '.taskstore');
    const pad = 'x'.repeat(500);
    const versions = Array.from({ length: 3000 }, (_, i) => `${JSON.stringify({ id: `r${i % 10}`, updated_at: 1_700_000_000_000 + i, n: i, pad })}\n`);
    const { store } = open(dir);
    writeFileSync(join(dir, 'notes.jsonl'), versions.join(''));
    // What git checkout / merge does: a new file renamed over the log, mid-rewrite.
    const replacement = `${versions.slice(0, 5).join('')}${JSON.stringify({ id: 'merged', updated_at: 1_800_000_000_000, by: 'git' })}\n`;
    let replaced = false;
    const err = (() => {
      try {
        store.compact('notes', {
          onProgress: (done, total) => {
            if (replaced || done >= total) return;
            writeFileSync(join(dir, 'other.tmp'), replacement);
            renameSync(join(dir, 'other.tmp'), join(dir, 'notes.jsonl'));
            replaced = true;
          },
        });
      } catch (e) {
        return e as { code?: string; message: string };
      }
      return undefined;
    })();
    expect(replaced).toBe(true);
    expect(err).toMatchObject({ code: 'CORRUPT', message: expect.stringMatching(/notes\.jsonl was replaced by another program during the compaction/) });
    expect(readFileSync(join(dir, 'notes.jsonl'), 'utf8')).toBe(replacement);
    store.refresh();
    expect(store.collection({ name: 'notes' }).get('merged')).toMatchObject({ by: 'git' });
    expect(store.compact('notes').collections[0]).toMatchObject({ linesBefore: 6, linesAfter: 6 });
    store.close();
  });
});
