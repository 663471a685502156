/**
 * `taskstore export` and log lines that are not valid records: the export holds every
 * valid record, and never leaves a line out without saying so (count and file:line on
 * stderr); `--strict` turns the warning into exit code 3.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { runCli, withStore } from './run-cli.js';

/** A store whose notes log holds valid records around `bad` malformed lines, starting at line 2. */
function storeWithMalformedLines(bad: string[]): { cwd: string; log: string; ids: string[] } {
  const cwd = tempDir('taskstore-cli-');
  const store = join(cwd, '.taskstore');
  withStore(store, (s) => s.collection({ name: 'notes' }).create({ id: 'n1', text: 'first' }));
  const log = join(store, 'notes.jsonl');
  const first = readFileSync(log, 'utf8');
  const after = '{"id":"n2","text":"after","updated_at":1718000000000}\n';
  writeFileSync(log, `${first}${bad.map((line) => `${line}\n`).join('')}${after}`);
  return { cwd, log, ids: ['n1', 'n2'] };
}

function exportedIds(stdout: string): string[] {
  return stdout
    .trimEnd()
    .split('\n')
    .map((line) => (JSON.parse(line) as { record: { id: string } }).record.id)
    .sort();
}

describe('export with malformed lines in a log', () => {
  it('exports every valid record and names the left-out line on stderr; exit 0', () => {
    const { cwd, log, ids } = storeWithMalformedLines(['{"id": "broken", "text": ']);
    const before = readFileSync(log);
    const result = runCli(['export'], { cwd });
    expect(result.status, result.stderr).toBe(0);
    expect(exportedIds(result.stdout)).toEqual(ids);
    expect(result.stderr).toMatch(/taskstore: warning: export left out 1 malformed line \(not valid records; the logs keep them untouched/);
    expect(result.stderr).toContain(`${join('.taskstore', 'notes.jsonl')}:2: `);
    expect(result.stderr).not.toMatch(/and \d+ more/);
    // The JSON format says the same, and keeps stdout one clean document.
    const json = runCli(['export', '--format', 'json'], { cwd });
    expect(json.status).toBe(0);
    expect((JSON.parse(json.stdout) as { notes: { id: string }[] }).notes.map((r) => r.id).sort()).toEqual(ids);
    expect(json.stderr).toMatch(/left out 1 malformed line/);
    // The line is the user's: export changed nothing.
    expect(readFileSync(log).equals(before)).toBe(true);
  });

  it('lists the first five as file:line, then "and N more"', () => {
    const bad = Array.from({ length: 7 }, (_, i) => `not json ${i}`);
    const { cwd, ids } = storeWithMalformedLines(bad);
    const result = runCli(['export'], { cwd });
    expect(result.status).toBe(0);
    expect(exportedIds(result.stdout)).toEqual(ids);
    expect(result.stderr).toMatch(/left out 7 malformed lines/);
    const listed = [...result.stderr.matchAll(/notes\.jsonl:(\d+):/g)].map((m) => Number(m[1]));
    expect(listed).toEqual([2, 3, 4, 5, 6]);
    expect(result.stderr).toMatch(/^ {2}and 2 more$/m);
  });

  it('--strict exits 3 after printing every valid record; a clean store exits 0', () => {
    const { cwd, ids } = storeWithMalformedLines(['{"no_id": true}']);
    const strict = runCli(['export', '--strict'], { cwd });
    expect(strict.status).toBe(3);
    expect(exportedIds(strict.stdout)).toEqual(ids);
    expect(strict.stderr).toMatch(/notes\.jsonl:2: /);

    const clean = tempDir('taskstore-cli-');
    withStore(join(clean, '.taskstore'), (s) => s.collection({ name: 'notes' }).create({ id: 'a' }));
    const ok = runCli(['export', '--strict'], { cwd: clean });
    expect(ok).toMatchObject({ status: 0, stderr: '' });
  });
});
