/**
 * The journal is git-ignored local state: `git clean -fdX` deletes it (with the cache)
 * under a process that keeps the store open. That process's later commits must still be
 * recorded where the next lock holder looks: a transaction it was killed in the middle of
 * is rolled back, not left half applied.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

function run(dir: string, env: Record<string, string>) {
  const result = spawnSync(process.execPath, ['--import', join(FIXTURES, 'crash-at.mjs'), join(FIXTURES, 'journal-deleted-writer.mjs'), dir], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.error !== undefined) throw result.error;
  return result;
}

describe('the journal deleted under a process that keeps the store open', () => {
  it('a transaction that process is killed in the middle of is rolled back by the next open', () => {
    const counted = run(join(tempDir(), 'store'), { CRASH_TRACE: '1' });
    expect(counted.status, counted.stderr).toBe(0);
    const line = counted.stderr.split('\n').find((l) => /^#\d+ fs\.writeSync events\.jsonl /.test(l));
    expect(line, counted.stderr).toBeDefined();
    const at = /^#(\d+)/.exec(line!)![1]!;

    const dir = join(tempDir(), 'store');
    mkdirSync(dir, { recursive: true });
    const killed = run(dir, { CRASH_AT: at, CRASH_TORN: '1' });
    expect(killed.signal).toBe('SIGKILL');

    const logger = quietLogger();
    const store = Store.open(dir, { logger });
    try {
      expect(store.collection({ name: 'notes' }).list().map((r) => r.id)).toEqual(['n0']);
      expect(store.collection({ name: 'events' }).list().map((r) => r.id)).toEqual(['e0']);
      expect(readFileSync(join(dir, 'notes.jsonl.torn'), 'utf8')).toContain('"id":"tx1"');
      expect(existsSync(join(dir, 'events.jsonl.torn'))).toBe(true);
      expect(store.check().problems.map((p) => p.kind)).toEqual(['torn_line', 'torn_line']);
    } finally {
      store.close();
    }
  });
});
