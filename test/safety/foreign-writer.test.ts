/**
 * Issue 9 item 1: the store must not cut (or write past) an incomplete last line that
 * another program is still writing. Real child process replacing the log slowly.
 */
import { existsSync, readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { Engine as Store } from '../../src/store/engine.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';

const REPLACER = join(import.meta.dirname, '..', 'fixtures', 'slow-replacer.mjs');
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a log replaced and still being written by another program', () => {
  it('is never truncated or moved to .torn; store writes wait for it and land after it; no NUL byte, no half line', async () => {
    const dir = join(tempDir(), '.taskstore');
    const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
    const notes = store.collection({ name: 'notes' });
    for (let i = 0; i < 5; i++) notes.create({ id: `before${i}` });
    const log = join(dir, 'notes.jsonl');
    const child = spawn(process.execPath, [REPLACER, log, '12', '80'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((r) => child.on('exit', r));
    const events = createInterface({ input: child.stdout! });
    const seen: string[] = [];
    let wake: (() => void) | undefined;
    events.on('line', (l) => {
      seen.push(l);
      wake?.();
    });
    const until = async (word: string) => {
      while (!seen.includes(word)) await new Promise<void>((r) => (wake = r));
    };
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
    const dir = join(tempDir(), '.taskstore');
    const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
    const notes = store.collection({ name: 'notes' });
    notes.create({ id: 'a' });
    const log = join(dir, 'notes.jsonl');
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

  it('an incomplete line a TaskStore writer left at the offset it recorded is still moved to .torn at once', () => {
    const dir = join(tempDir(), '.taskstore');
    const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
    const notes = store.collection({ name: 'notes' });
    notes.create({ id: 'a' });
    const log = join(dir, 'notes.jsonl');
    writeFileSync(log, `${readFileSync(log, 'utf8')}{"id":"b","upd`);
    const started = Date.now();
    notes.create({ id: 'c' });
    expect(Date.now() - started).toBeLessThan(1500); // no quiet-wait for our own torn bytes
    expect(readFileSync(`${log}.torn`, 'utf8')).toBe('{"id":"b","upd\n');
    expect(readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).id)).toEqual(['a', 'c']);
    store.close();
  });
});
