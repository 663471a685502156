/**
 * Two processes find no journal at the same moment (a new store, or one whose journal
 * `git clean -fdX` removed): one creates it and writes its record, the other opens it a
 * moment later. That open must not empty the file: the record is what tells the first
 * one's half line, when it is killed mid-append, for TaskStore's own.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';
import { waitFor } from '../helpers/wait-for.js';
import { pointsMatching, runOp, setupTemplate } from './crash-sweep.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

describe('a journal two processes create at once', () => {
  it('is not emptied by the second open: the first one\'s half line is still recognized as TaskStore\'s', async () => {
    const counted = runOp(setupTemplate(join(tempDir(), 'count')), 'create', { trace: true });
    const [at] = pointsMatching(counted, /^#\d+ fs\.writeSync notes\.jsonl /);
    const dir = setupTemplate(join(tempDir(), 'store'));
    rmSync(join(dir, 'taskstore.journal'));
    const signal = join(tempDir(), 'paused');
    const until = `${signal}-go`;
    // The second process: stopped right after it found no journal, before it opens one.
    const opener = spawn(process.execPath, ['--import', join(FIXTURES, 'pause-at-journal.mjs'), '--input-type=module', '-e', `
      const { Store } = await import(${JSON.stringify(new URL('../../dist/index.js', import.meta.url).href)});
      Store.open(${JSON.stringify(dir)}, { logger: { debug() {}, info() {}, warn() {}, error() {} } }).close();`], {
      env: { ...process.env, PAUSE_SIGNAL: signal, PAUSE_UNTIL: until },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    opener.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => opener.on('exit', resolve));
    try {
      await waitFor('the second process to find no journal', () => existsSync(signal));
      // The first process creates the journal, records its line, and is killed mid-append.
      const run = runOp(dir, 'create', { crashAt: at!, torn: true });
      expect(run.killed).toBe(true);
      expect(readFileSync(join(dir, 'notes.jsonl'), 'utf8').endsWith('\n')).toBe(false);
    } finally {
      writeFileSync(until, '');
    }
    expect(await exited, stderr).toBe(0);
    const store = Store.open(dir, { logger: quietLogger() });
    try {
      expect(readFileSync(join(dir, 'notes.jsonl.torn'), 'utf8')).toContain('"id":"c1"');
      expect(store.check().problems.map((p) => p.kind)).toEqual(['torn_line']);
    } finally {
      store.close();
    }
  });
});
