/**
 * `store.created` and `init --json`'s `created`: true for exactly the open that created
 * the store. A script seeds a new store once, when `created` is true; two inits at the
 * same moment both checked for `.version`, found none, both wrote it (atomically, so the
 * store was fine) and both said "Initialized empty", so the store was seeded twice.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { atomicCreateFile } from '../../src/fs/atomic-replace.js';
import { raceChildren } from '../helpers/race-children.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';

const ON_GO = new URL('../fixtures/cli-on-go.mjs', import.meta.url).pathname;

describe('store.created', () => {
  it('is true for the open that made the store, false for every later one', () => {
    const dir = join(tempDir(), 'store');
    const first = Store.open(dir, { durability: 'none', logger: quietLogger() });
    expect(first.created).toBe(true);
    first.close();
    const again = Store.open(dir, { durability: 'none', logger: quietLogger() });
    expect(again.created).toBe(false);
    again.close();
  });

  it('atomicCreateFile leaves a file another process created first, whole, and says so', () => {
    // What the loser of a race meets: the file appeared after its existence check.
    const path = join(tempDir(), '.version');
    writeFileSync(path, 'theirs\n');
    expect(atomicCreateFile(path, 'mine\n')).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe('theirs\n');
    const fresh = join(tempDir(), '.version');
    expect(atomicCreateFile(fresh, '1\n')).toBe(true);
    expect(readFileSync(fresh, 'utf8')).toBe('1\n');
  });

  it('of four `init --json` started at the same instant on a new store, exactly one says created', async () => {
    for (let round = 0; round < 8; round++) {
      const root = tempDir();
      const store = join(root, 'store');
      const runs = await raceChildren(ON_GO, [0, 1, 2, 3].map(() => [root, '--store', store, '--json', 'init']));
      for (const run of runs) expect(run.code, run.stderr).toBe(0);
      const created = runs.map((run) => (JSON.parse(run.lines.join('\n')) as { created: boolean }).created);
      expect(created.filter(Boolean), `round ${round}: ${JSON.stringify(created)}`).toHaveLength(1);
      expect(readFileSync(join(store, '.version'), 'utf8')).toBe('1\n');
    }
  }, 60_000);
});
