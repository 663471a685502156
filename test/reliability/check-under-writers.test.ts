/**
 * `check` while other processes write and compact. It folds each log and compares the
 * cache with it; read without the write lock, a writer's line could be in the log and
 * not yet in the cache (or the other way round), and `check` reported cache drift that
 * was not there (exit 1, "run taskstore sync").
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { CLI } from '../helpers/paths.js';
import { quietLogger } from '../helpers/logger.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const DIST_INDEX = new URL('../../dist/index.js', import.meta.url).href;

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(args: string[], env: Record<string, string>): Promise<Exit> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out.stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, ...out })));
}

function storeWithNotes(count: number): string {
  const dir = join(tempDir(), 'store');
  const store = Store.open(dir, { logger: quietLogger() });
  const notes = store.collection({ name: 'notes' });
  for (let i = 0; i < count; i++) notes.create({ id: `n${i}`, i });
  store.close();
  return dir;
}

describe('check while other processes write', () => {
  it('a write committed while check reads the log is no drift: check waits for it and finds the store clean', async () => {
    const dir = storeWithNotes(5);
    const signals = tempDir();
    const at = (name: string): string => join(signals, name);
    // check, stopped where it starts folding the log (its catch-up done).
    const check = start(['--import', join(FIXTURES, 'pause-at-fs-call.mjs'), CLI, '--store', dir, 'check'], {
      PAUSE_CALL: 'openSync',
      PAUSE_PATH_SUFFIX: '.jsonl',
      PAUSE_FLAGS: 'r',
      PAUSE_SIGNAL: at('check-paused'),
      PAUSE_UNTIL: at('check-go'),
    });
    await waitFor('check to reach the log', () => existsSync(at('check-paused')), 15_000);
    // A writer, stopped with its line in the log and its cache commit not made (write lock held).
    const writer = start(
      [
        '--import',
        join(FIXTURES, 'pause-after-write.mjs'),
        '--input-type=module',
        '-e',
        `const { Store } = await import(${JSON.stringify(DIST_INDEX)});
         const store = Store.open(${JSON.stringify(dir)});
         store.collection({ name: 'notes' }).create({ id: 'mid-write', i: 99 });
         store.close();`,
      ],
      { PAUSE_MARK: 'mid-write', PAUSE_FILE: 'notes.jsonl', PAUSE_SIGNAL: at('writer-paused'), PAUSE_UNTIL: at('writer-go') },
    );
    await waitFor('the writer to append its line', () => existsSync(at('writer-paused')), 15_000);
    writeFileSync(at('check-go'), '');
    // The writer finishes a moment later, as every writer does.
    await new Promise((resolve) => setTimeout(resolve, 300));
    writeFileSync(at('writer-go'), '');
    const [checked, written] = await Promise.all([check, writer]);
    expect(written.code).toBe(0);
    expect(checked.stdout).toBe('ok: no problems found\n');
    expect(checked.code).toBe(0);
  }, 30_000);

  it('check run 12 times while 3 processes write and 1 compacts reports no problem', async () => {
    const dir = storeWithNotes(5);
    const script = (body: string): string[] => ['--input-type=module', '-e', `const { Store } = await import(${JSON.stringify(DIST_INDEX)});\nconst store = Store.open(${JSON.stringify(dir)});\n${body}\nstore.close();`];
    const stop = join(tempDir(), 'stop');
    const writers = [0, 1, 2].map((w) =>
      start(
        script(`const notes = store.collection({ name: 'notes' });
          const { existsSync } = await import('node:fs');
          for (let i = 0; !existsSync(${JSON.stringify(stop)}); i++) { const id = notes.create({ id: 'w${w}-' + i, i }); if (i % 2) notes.patch(id, { v: i }); }`),
        {},
      ),
    );
    const compactor = start(
      script(`const { existsSync } = await import('node:fs');
        while (!existsSync(${JSON.stringify(stop)})) { store.compact(); await new Promise((r) => setTimeout(r, 20)); }`),
      {},
    );
    const checks: Exit[] = [];
    try {
      for (let round = 0; round < 12; round++) checks.push(await start([CLI, '--store', dir, 'check'], {}));
    } finally {
      writeFileSync(stop, '');
    }
    for (const run of [...(await Promise.all(writers)), await compactor]) expect(run.stderr).toBe('');
    for (const run of checks) expect(run.stdout + run.stderr).toBe('ok: no problems found\n');
  }, 60_000);
});
