/**
 * `taskstore watch`: the real CLI process, NDJSON out, ended by a signal; and the pure
 * line format for people, with hostile record text.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, constants, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import pc from 'picocolors';
import { Store, type Change } from '../../src/index.js';
import { changedFields, formatChangeLine } from '../../src/cli/change-line.js';
import { run as runWatch } from '../../src/cli/commands/watch.js';
import { visible } from '../../src/cli/terminal-safe.js';
import { CLI } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';
import { quietLogger } from '../helpers/logger.js';

/** `taskstore --store DIR watch --json --since 0 --collection notes` as a child process, its output collected. */
function watchNotes(dir: string): { child: ChildProcess; stdout: () => string; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, '--store', dir, 'watch', '--json', '--since', '0', '--collection', 'notes'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

describe('taskstore watch', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`prints NDJSON (--since replay, then live changes) and exits 0 on ${signal}`, async () => {
      const dir = join(tempDir(), '.taskstore');
      const store = Store.open(dir, { logger: quietLogger() });
      const notes = store.collection({ name: 'notes' });
      notes.create({ id: 'seed', title: 'before' });
      store.collection({ name: 'other' }).create({ id: 'elsewhere' });
      const { child, stdout, stderr, exited } = watchNotes(dir);
      try {
        await waitFor('the replay', () => stdout().includes('"seed"'));
        notes.patch('seed', { title: 'after' });
        store.collection({ name: 'other' }).create({ id: 'not-shown' });
        notes.create({ id: 'live', title: 'esc \u001b[2J' });
        await waitFor('the live changes', () => stdout().split('\n').length >= 4);
        child.kill(signal);
        expect(await exited).toBe(0);
      } finally {
        child.kill('SIGKILL');
        store.close();
      }
      expect(stderr()).toBe('');
      const lines = stdout().trimEnd().split('\n').map((l) => JSON.parse(l) as Change);
      expect(lines.map((c) => [c.collection, c.id, c.op, c.source])).toEqual([
        ['notes', 'seed', 'update', 'rewrite'],
        ['notes', 'seed', 'update', 'external'],
        ['notes', 'live', 'create', 'external'],
      ]);
      expect(lines[1]!.previous).toMatchObject({ title: 'before' });
      expect(lines[2]!.record.title).toBe('esc \u001b[2J');
    }, 60_000);
  }
});

describe('taskstore watch: a signal during a long replay', () => {
  it('SIGINT stops a --since replay of 200,000 records without printing the rest (it printed every one first)', async () => {
    const dir = join(tempDir(), '.taskstore');
    const store = Store.open(dir, { logger: quietLogger() });
    const n = 200_000;
    for (let b = 0; b < n; b += 50_000) store.collection({ name: 'notes' }).createMany(Array.from({ length: 50_000 }, (_, i) => ({ n: b + i })));
    store.close();
    const { child, stdout, stderr, exited } = watchNotes(dir);
    try {
      await waitFor('the first replayed line', () => stdout().includes('\n'), 60_000);
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    expect(stderr()).toBe('');
    const printed = stdout().split('\n').length - 1;
    expect(printed).toBeGreaterThan(0);
    expect(printed).toBeLessThan(n);
  }, 120_000);
});

describe('taskstore watch and a reader slower than the changes', () => {
  it('waits for the output to drain: a stalled reader does not get the whole --since replay piled up in memory (it did: stdout to a pipe is asynchronous)', async () => {
    const dir = join(tempDir(), '.taskstore');
    const store = Store.open(dir, { logger: quietLogger() });
    const n = 20_000;
    store.collection({ name: 'notes' }).createMany(Array.from({ length: n }, (_, i) => ({ n: i })));
    store.close();
    // A real Node stream with a reader that takes nothing until released, like a pipe to a paused pager.
    let stalled = true;
    const held: (() => void)[] = [];
    let received = '';
    const out = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        received += chunk.toString('utf8');
        if (stalled) held.push(() => callback());
        else callback();
      },
    });
    const controller = new AbortController();
    const stderr = { write: () => true };
    const ctx = { cwd: dir, env: {}, storeFlag: dir, json: true, debug: false, stdout: out, stderr };
    const running = runWatch(ctx, { collections: ['notes'], since: 0, signal: controller.signal });
    try {
      await waitFor('the loop to wait for the reader, or the replay to pile up', () => out.listenerCount('drain') > 0 || out.writableLength > 1_000_000);
      expect(out.writableLength).toBeLessThan(64 * 1024);
      stalled = false;
      for (const release of held.splice(0)) release();
      await waitFor('the whole replay', () => received.split('\n').length > n, 60_000);
    } finally {
      controller.abort();
    }
    expect(await running).toBe(0);
    const ns = received.trimEnd().split('\n').map((l) => (JSON.parse(l) as Change).record.n);
    expect(ns).toEqual(Array.from({ length: n }, (_, i) => i));
  }, 120_000);
});

describe('taskstore watch and a reader that never reads', () => {
  // A real pipe (a FIFO) whose read end is held open and never read, like `watch | (sleep 1000)`.
  // Once it is full, watch waits for it to drain; the stop signal ended that wait, but the
  // process then waited for stdout to drain before exiting, forever: it took a second signal.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`one ${signal} ends it (exit 0) while the pipe to stdout is full`, async () => {
      const dir = join(tempDir(), '.taskstore');
      const store = Store.open(dir, { logger: quietLogger() });
      store.collection({ name: 'notes' }).createMany(Array.from({ length: 20_000 }, (_, i) => ({ n: i, text: 'x'.repeat(100) })));
      store.close();
      const fifo = join(tempDir(), 'stdout.fifo');
      expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
      const writer = openSync(fifo, constants.O_WRONLY);
      // A second write end, non-blocking: a 1-byte write fails with EAGAIN exactly when the pipe is full.
      const probe = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
      const child = spawn(process.execPath, [CLI, '--store', dir, 'watch', '--json', '--since', '0'], { stdio: ['ignore', writer, 'pipe'] });
      closeSync(writer);
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      let exitCode: number | null | undefined;
      const exited = new Promise<void>((resolve) => child.on('exit', (code) => ((exitCode = code), resolve())));
      const full = (): boolean => {
        try {
          writeSync(probe, 'x');
          return false;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return true;
          throw err;
        }
      };
      try {
        await waitFor('the pipe to fill', full, 60_000);
        child.kill(signal);
        await waitFor(`the exit after one ${signal}`, () => exitCode !== undefined, 10_000);
        await exited;
      } finally {
        child.kill('SIGKILL');
        closeSync(probe);
        closeSync(reader);
      }
      expect(exitCode).toBe(0);
      expect(stderr).toBe('');
    }, 120_000);
  }
});

describe('taskstore watch --json and integers beyond 2^53', () => {
  it('prints the digits of versions whose lines a rewrite removed: a vanished record and a replaced previous version (it printed them rounded)', async () => {
    const dir = join(tempDir(), '.taskstore');
    Store.open(dir, { logger: quietLogger() }).close();
    const log = join(dir, 'notes.jsonl');
    writeFileSync(log, '{"id":"big-1","n":12345678901234567890,"updated_at":7}\n{"id":"big-2","n":98765432109876543210,"updated_at":7}\n');
    const { child, stdout, stderr, exited } = watchNotes(dir);
    try {
      await waitFor('the replay', () => stdout().split('\n').length >= 3);
      // A rewrite, as a checkout of another branch makes it: big-1 is gone, big-2 has a new version.
      writeFileSync(`${log}.new`, '{"id":"big-2","n":11111111111111111111,"updated_at":8}\n');
      renameSync(`${log}.new`, log);
      await waitFor('the rewrite', () => stdout().split('\n').length >= 5);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    // Outside git, the store also keeps the lost version aside (see `rescue`) and says so.
    expect(stderr()).not.toMatch(/error/);
    const lines = stdout().trimEnd().split('\n');
    const gone = lines.find((l) => l.includes('"op":"delete"'))!;
    expect(gone).toContain('"n":12345678901234567890');
    const updated = lines.filter((l) => l.includes('"op":"update"')).at(-1)!;
    expect(JSON.parse(updated)).toMatchObject({ id: 'big-2', source: 'rewrite' });
    expect(updated).toContain('"record":{"id":"big-2","n":11111111111111111111,"updated_at":8}');
    expect(updated).toContain('"previous":{"id":"big-2","n":98765432109876543210,"updated_at":7}');
    // The replay, from the store's current lines, had the digits before this change too.
    expect(lines[0]).toContain('"n":12345678901234567890');
  }, 60_000);
});

describe('watch line format', () => {
  const c = pc.createColors(false);
  const base = { collection: 'notes', source: 'external' as const };

  it('shows time, collection, short id, op and the changed fields', () => {
    const previous = { id: '0192f3a4-aaaa-bbbb', updated_at: 1_700_000_000_000, title: 'a', status: 'open' };
    const record = { ...previous, updated_at: 1_700_000_001_000, status: 'done', owner: 'ana' };
    const line = formatChangeLine({ ...base, id: record.id, op: 'update', record, previous }, c);
    expect(line).toBe('2023-11-14 22:13:21Z  notes  0192f3a4  update  status: "open" → "done", owner: (none) → "ana"');
    const created = formatChangeLine({ ...base, id: 'x', op: 'create', record: { id: 'x', updated_at: 0, created_at: 0, n: 1 } }, c);
    expect(created).toBe('1970-01-01 00:00:00Z  notes  x  create  n: 1');
    const gone = formatChangeLine({ ...base, source: 'rewrite', id: 'x', op: 'delete', record: { id: 'x', updated_at: 0 } }, c);
    expect(gone).toBe('1970-01-01 00:00:00Z  notes  x  delete  (gone from the log)  [rewrite]');
  });

  it('never prints a raw control character from record text', () => {
    const evil = '\u001b]0;pwned\u0007\u001b[2J\r\u009b31m';
    const record = { id: `id${evil}`, updated_at: 0, [`field${evil}`]: evil };
    const line = formatChangeLine({ ...base, id: record.id, op: 'create', record }, c);
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(visible('a\u001bb\nc\u007f\u009b\u202e', true)).toBe('a\\x1bb\\nc\\x7f\\x9b\\u202e');
    expect(changedFields({ ...base, id: 'x', op: 'create', record })[0]).toContain('\\x1b');
  });
});
