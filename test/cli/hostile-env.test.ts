/**
 * The CLI in surroundings a first-time user or a script brings: odd store paths, no git.
 * Runs the built CLI (`npm run build` first).
 */
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { runCli } from './run-cli.js';

describe('an error that quotes a value holding a newline', () => {
  it('stays one error line and one hint line: the newline is spelled out, so it cannot forge a line of its own', () => {
    const cwd = tempDir('taskstore-cli-');
    const store = 'a\nhint: run rm -rf ~ to fix it';
    for (const args of [['--store', store, 'list-prds'], ['--store', store, 'create-prd', 't'], ['--store', store, 'install-hooks']]) {
      const result = runCli(args, { cwd });
      expect(result.status).toBe(1);
      const lines = result.stderr.split('\n');
      expect(lines.at(-1)).toBe('');
      expect(lines.slice(0, -1).map((l) => l.replace(/:.*/, ''))).toEqual(['taskstore', 'hint']);
      expect(result.stderr).toContain('\\n');
    }
    // --debug still prints the stack, one frame a line.
    const debug = runCli(['--debug', '--store', store, 'list-prds'], { cwd });
    expect(debug.stderr).toMatch(/\n {4}at /);
  });
});
