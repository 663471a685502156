/**
 * Issue 9 item 1: the store must not cut (or write past) an incomplete last line that
 * another program is still writing. Real child process replacing the log slowly.
 */
import { existsSync, readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { Engine as Store } from '../../src/store/engine.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';
import { CLI } from '../helpers/paths.js';
import { leaveTornWrite } from '../helpers/torn-write.js';

/** The lines a child prints, one per event it reports; `until(word)` waits for that line. */
function lineEvents(child: ChildProcess): { until: (word: string) => Promise<void> } {
  const seen: string[] = [];
  let wake: (() => void) | undefined;
  createInterface({ input: child.stdout! }).on('line', (l) => {
    seen.push(l);
    wake?.();
  });
  return {
    until: async (word: string) => {
      while (!seen.includes(word)) await new Promise<void>((r) => (wake = r));
    },
  };
}

const REPLACER = join(import.meta.dirname, '..', 'fixtures', 'slow-replacer.mjs');
const APPENDER = join(import.meta.dirname, '..', 'fixtures', 'slow-appender.mjs');
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));


/** A store (durability none) whose `notes` log holds one record, `firstId`, and the log's path. */
function notesStore(firstId: string) {
  const dir = join(tempDir(), '.taskstore');
  const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
  const notes = store.collection({ name: 'notes' });
  notes.create({ id: firstId });
  return { dir, store, notes, log: join(dir, 'notes.jsonl') };
}

describe('a log replaced and still being written by another program', () => {
  it('is never truncated or moved to .torn; store writes wait for it and land after it; no NUL byte, no half line', async () => {
    const dir = join(tempDir(), '.taskstore');
    const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
    const notes = store.collection({ name: 'notes' });
    for (let i = 0; i < 5; i++) notes.create({ id: `before${i}` });
    const log = join(dir, 'notes.jsonl');
    const child = spawn(process.execPath, [REPLACER, log, '12', '80'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((r) => child.on('exit', r));
    const { until } = lineEvents(child);
    await until('renamed');
    const acknowledged: string[] = [];
    for (let i = 0; i < 6; i++) {
      acknowledged.push(notes.create({ id: `during${i}` }));
      await pause(60);
    }
    await until('done');
    await exited;
    store.refresh();
    const bytes = readFileSync(log);
    expect(bytes.includes(0)).toBe(false);
    const lines = bytes.toString('utf8').split('\n');
    expect(lines.pop()).toBe('');
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(existsSync(`${log}.torn`)).toBe(false);
    for (let i = 0; i < 12; i++) expect(notes.get(`g${i}`)).toMatchObject({ from: 'replacer' });
    for (const id of acknowledged) {
      expect(notes.get(id)).toBeDefined();
      expect(lines.some((l) => JSON.parse(l).id === id)).toBe(true);
    }
    // The replacement dropped the five records written before it: not in git (no repo
    // here), so the safety net kept them, and check says so.
    expect(store.check().problems).toEqual([expect.objectContaining({ kind: 'rescued_lines', collection: 'notes' })]);
    const rescued = readFileSync(`${log}.rescued`, 'utf8').trim().split('\n').map((l) => JSON.parse(l).id);
    expect(rescued.sort()).toEqual(['before0', 'before1', 'before2', 'before3', 'before4']);
    store.close();
  }, 60_000);

  it('a foreign incomplete tail that has gone quiet is kept as a malformed line, never cut', () => {
    const dir = join(tempDir(), '.taskstore');
    Store.open(dir, { durability: 'none', logger: quietLogger() }).close();
    const log = join(dir, 'notes.jsonl');
    writeFileSync(log, '{"id":"a","updated_at":1}\n{"id":"b","upd');
    const past = new Date(Date.now() - 60_000);
    utimesSync(log, past, past);
    const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
    const notes = store.collection({ name: 'notes' });
    expect(notes.get('a')).toBeDefined();
    notes.create({ id: 'c' });
    expect(readFileSync(log, 'utf8')).toMatch(/^\{"id":"a","updated_at":1\}\n\{"id":"b","upd\n\{"id":"c"/);
    expect(existsSync(`${log}.torn`)).toBe(false);
    expect(store.check().problems).toEqual([expect.objectContaining({ kind: 'malformed_line', line: 2 })]);
    store.close();
  });

  it('a replaced file that extends what was consumed but ends mid-line is someone else’s: never moved to .torn', () => {
    const { store, notes, log } = notesStore('a');
    // What git leaves while it writes a merge result: the same first bytes, a new file.
    writeFileSync(`${log}.new`, `${readFileSync(log, 'utf8')}{"id":"b","upd`);
    const past = new Date(Date.now() - 60_000);
    utimesSync(`${log}.new`, past, past);
    renameSync(`${log}.new`, log);
    notes.create({ id: 'c' });
    expect(existsSync(`${log}.torn`)).toBe(false);
    expect(readFileSync(log, 'utf8')).toMatch(/\n\{"id":"b","upd\n\{"id":"c"/);
    expect(store.check().problems).toEqual([expect.objectContaining({ kind: 'malformed_line', line: 2 })]);
    store.close();
  });

  it('an incomplete line a TaskStore writer left (its journal record names it) is still moved to .torn at once', () => {
    const { dir, store, notes, log } = notesStore('a');
    leaveTornWrite(dir, 'notes', '{"id":"b","updated_at":1}\n', 14);
    const started = Date.now();
    notes.create({ id: 'c' });
    expect(Date.now() - started).toBeLessThan(1500); // no quiet-wait for our own torn bytes
    expect(readFileSync(`${log}.torn`, 'utf8')).toBe('{"id":"b","upd\n');
    expect(readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).id)).toEqual(['a', 'c']);
    store.close();
  });

  it('the same bytes at the same offset with no journal record are another program\'s: waited for, then kept in the log, never cut', () => {
    const { store, notes, log } = notesStore('a');
    writeFileSync(log, `${readFileSync(log, 'utf8')}{"id":"b","upd`);
    const started = Date.now();
    notes.create({ id: 'c' });
    // Watched quiet for QUIET_MS (2 s): its writer may still be at work.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(existsSync(`${log}.torn`)).toBe(false);
    expect(readFileSync(log, 'utf8')).toMatch(/\n\{"id":"b","upd\n\{"id":"c"/);
    expect(store.check().problems).toEqual([expect.objectContaining({ kind: 'malformed_line', line: 2 })]);
    store.close();
  });
});

describe('another program appending after a write read the log', () => {
  it('makes the commit fail with nothing written: no line of the store glued after it, and its line is read', () => {
    const { dir, store, notes, log } = notesStore('before');
    const foreign = `${JSON.stringify({ id: 'foreign', from: 'other program', updated_at: 1 })}\n`;
    const before = readFileSync(log, 'utf8');
    // The transaction's first write catches the log up under the lock; the other program
    // (which takes no TaskStore lock) appends before the transaction commits.
    expect(() =>
      store.transaction(() => {
        notes.create({ id: 'mine' });
        const child = spawnSync(process.execPath, ['-e', `require('node:fs').appendFileSync(${JSON.stringify(log)}, ${JSON.stringify(foreign)})`]);
        expect(child.status).toBe(0);
      }),
    ).toThrow(/changed outside TaskStore during the write/);
    expect(readFileSync(log, 'utf8')).toBe(before + foreign);
    store.refresh();
    expect(notes.get('foreign')).toMatchObject({ from: 'other program' });
    expect(notes.get('mine')).toBeUndefined();
    expect(store.check().problems).toEqual([]);
    store.close();
  });
});

describe('another program appending to a log in place, slowly', () => {
  // Its half line starts exactly where the store last stopped reading: just what a
  // TaskStore writer killed mid-append leaves. Without the dead writer's intent in the
  // journal it is not taken for one: it is waited for, then read whole.
  it.each([
    ['one byte at a time', 'bytes', 20],
    ['in two writes with a pause', 'pause', 600],
  ])('%s: each open, refresh, write and CLI refresh waits for its half line, none moves it to .torn or writes into it', async (_, mode, ms) => {
    const { dir, store, notes, log } = notesStore('a0');
    const actions = ['refresh', 'create', 'open', 'cli', 'create'] as const;
    const child = spawn(process.execPath, [APPENDER, log, String(actions.length), mode as string, String(ms)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise((r) => child.on('exit', r));
    const { until } = lineEvents(child);
    const acknowledged: string[] = [];
    for (const [i, action] of actions.entries()) {
      await until(`half ${i}`);
      if (action === 'refresh') store.refresh();
      else if (action === 'create') acknowledged.push(notes.create({ id: `mine${i}` }));
      else if (action === 'open') {
        const other = Store.open(dir, { durability: 'none', logger: quietLogger() });
        try {
          expect(other.collection({ name: 'notes' }).get(`slow${i}`), `open waited for slow${i}`).toMatchObject({ from: 'appender' });
        } finally {
          other.close();
        }
      } else {
        const r = spawnSync(process.execPath, [CLI, '--store', dir, 'refresh'], { encoding: 'utf8' });
        expect(r.status, r.stderr).toBe(0);
        store.refresh();
      }
      // The store waited for the line to be finished, and read it whole.
      expect(notes.get(`slow${i}`), `${action} read slow${i}`).toMatchObject({ from: 'appender' });
      await until(`line ${i}`);
      if (i < actions.length - 1) child.stdin!.write('next\n');
    }
    await until('done');
    await exited;
    store.refresh();
    expect(existsSync(`${log}.torn`)).toBe(false);
    const lines = readFileSync(log, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    expect(lines.map((l) => JSON.parse(l).id)).toEqual(['a0', 'slow0', 'slow1', 'mine1', 'slow2', 'slow3', 'slow4', 'mine4']);
    for (const id of acknowledged) expect(notes.get(id)).toBeDefined();
    expect(store.check().problems).toEqual([]);
    store.close();
  }, 60_000);
});
