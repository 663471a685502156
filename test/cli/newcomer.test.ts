/**
 * The rough edges a first-time user hits, through the built CLI: stores created by
 * accident, terminal injection, help, tables, --where, read-only stores, messages.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { runCli, runJson } from './run-cli.js';

describe('only init and import create a store', () => {
  it('a read or write through --store or TASKSTORE_DIR on a plain folder fails and writes nothing', () => {
    const root = tempDir('taskstore-cli-');
    writeFileSync(join(root, 'README.md'), 'a project\n');
    for (const args of [['--store', '.', 'list-prds'], ['--store', root, 'create-prd', 'x'], ['--store', '.', 'check'], ['--store', '.', 'metrics']]) {
      const r = runCli(args, { cwd: root });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`${root} (named by --store) is not a TaskStore (no .version)`);
    }
    const viaEnv = runCli(['list-prds'], { cwd: root, env: { TASKSTORE_DIR: root } });
    expect(viaEnv.status).toBe(1);
    expect(viaEnv.stderr).toContain('(named by $TASKSTORE_DIR) is not a TaskStore (no .version)');
    expect(readdirSync(root)).toEqual(['README.md']);

    // init and import do create it.
    const store = join(root, 'store');
    mkdirSync(store);
    expect(runCli(['--store', store, 'import', '-'], { cwd: root, input: '' }).status).toBe(0);
    expect(existsSync(join(store, '.version'))).toBe(true);
    expect(runCli(['--store', root, 'init'], { cwd: root }).status).toBe(0);
    expect(runJson<unknown[]>(['--store', root, 'list-prds'], { cwd: root })).toEqual([]);
  });
});
