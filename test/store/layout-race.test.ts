/**
 * Several processes opening one store at the same moment (agents started together), each
 * writing the layout files the store lacks. Real processes released at once.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { raceChildren } from '../helpers/race-children.js';
import { tempDir } from '../helpers/temp.js';

const OPEN_ON_GO = new URL('../fixtures/open-on-go.mjs', import.meta.url).pathname;
const ENTRIES = ['taskstore.db', 'taskstore.db-*', 'taskstore.journal', '*.torn', '*.rescued', '*.lock', '*.log', '.*.tmp'];

describe('first opens at once', () => {
  it('a .gitignore lacking entries (an older version\'s) gets TaskStore\'s block once, not once per process: 10 rounds of 8', async () => {
    for (let round = 0; round < 10; round++) {
      const dir = join(tempDir(), '.taskstore');
      mkdirSync(dir);
      writeFileSync(join(dir, '.version'), '1\n');
      const mine = '# mine\nbuild/\ntaskstore.db\n';
      writeFileSync(join(dir, '.gitignore'), mine);
      const runs = await raceChildren(OPEN_ON_GO, Array.from({ length: 8 }, () => [dir]));
      for (const run of runs) expect(run.stderr).toBe('');
      expect(runs.map((run) => run.code)).toEqual(Array(8).fill(0));
      const after = readFileSync(join(dir, '.gitignore'), 'utf8');
      expect(after.startsWith(mine), `round ${round}`).toBe(true);
      const lines = after.split('\n');
      expect(lines.filter((line) => line.startsWith('# Added by TaskStore')), `round ${round}:\n${after}`).toHaveLength(1);
      for (const entry of ENTRIES) expect(lines.filter((line) => line === entry), `round ${round}: ${entry}`).toHaveLength(1);
    }
  }, 120_000);
});
