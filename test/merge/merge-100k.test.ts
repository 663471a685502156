/**
 * Scale: merges of 100,000-line files, through the built binary and real `git merge`. Times are printed for docs/merge.md, never asserted (wall-clock
 * speed depends on the machine); correctness is.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GitRepo } from '../helpers/git-repo.js';
import { MERGE_BIN } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';
import { currentState, linesOf } from './jsonl-fixtures.js';

const N = 100_000;
const id = (i: number) => `ts-${String(i).padStart(6, '0')}`;

/** A task-spec-like line of about 230 bytes. */
function spec(i: number, updatedAt: number, status = 'pending', owner: string | null = null): string {
  return JSON.stringify({
    id: id(i),
    prd_id: `prd-${i % 97}`,
    phase_name: `phase ${i % 7}`,
    description: `Implement part ${i} of the plan`,
    created_at: 1_700_000_000_000 + i,
    updated_at: updatedAt,
    status,
    workflow_name: null,
    assigned_to: owner,
    dependencies: i % 3 === 0 ? [id(i - 1)] : [],
    content: '# Task\n\nDo the thing.',
  });
}

/**
 * base: 100,000 records. ours: every 20th record gets a new status, 1,000 new records.
 * theirs: every 25th record gets an owner (newer), 1,000 new records. The 1,000 records
 * edited on both sides need a merged line each.
 */
function fixtures() {
  const base: string[] = [];
  for (let i = 0; i < N; i++) base.push(spec(i, 1_700_000_000_000 + i));
  const ours = base.slice();
  const theirs = base.slice();
  for (let i = 0; i < N; i += 20) ours.push(spec(i, 1_800_000_000_000 + i, 'running'));
  for (let i = 0; i < N; i += 25) theirs.push(spec(i, 1_900_000_000_000 + i, 'pending', 'bob'));
  for (let i = N; i < N + 1000; i++) ours.push(spec(i, 1_800_000_000_000 + i));
  for (let i = N + 1000; i < N + 2000; i++) theirs.push(spec(i, 1_900_000_000_000 + i));
  const text = (lines: string[]) => `${lines.join('\n')}\n`;
  return { base: text(base), ours: text(ours), theirs: text(theirs) };
}

// base + ours edits + ours new + theirs edits + theirs new + one merged line per record edited on both sides
const EXPECTED_LINES = N + N / 20 + 1000 + N / 25 + 1000 + N / 100;

function checkMerged(text: string): void {
  const lines = linesOf(text);
  expect(lines).toHaveLength(EXPECTED_LINES);
  const state = currentState(text);
  expect(state.size).toBe(N + 2000);
  expect(state.get(id(0))).toMatchObject({ status: 'running', assigned_to: 'bob', updated_at: 1_900_000_000_001 });
  expect(state.get(id(20))).toMatchObject({ status: 'running', assigned_to: null });
  expect(state.get(id(25))).toMatchObject({ status: 'pending', assigned_to: 'bob' });
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

describe('merging 100,000-line files', () => {
  const input = fixtures();
  const mb = (s: string) => `${(Buffer.byteLength(s) / 1e6).toFixed(1)} MB`;
  const sizes = `base ${mb(input.base)}, ours ${mb(input.ours)}, theirs ${mb(input.theirs)} → ${EXPECTED_LINES} lines`;

  it('taskstore-merge binary (whole process)', () => {
    const dir = tempDir('taskstore-merge-100k-');
    const [base, ours, theirs] = ['base', 'ours', 'theirs'].map((n) => join(dir, `${n}.jsonl`)) as [string, string, string];
    writeFileSync(base, input.base);
    writeFileSync(ours, input.ours);
    writeFileSync(theirs, input.theirs);
    const start = performance.now();
    const res = spawnSync(process.execPath, [MERGE_BIN, base, ours, theirs, '.taskstore/task_specs.jsonl'], { encoding: 'utf8' });
    const ms = performance.now() - start;
    console.log(`[merge 100k] taskstore-merge process (${sizes}; start-up, read, merge, fsync'd atomic write): ${seconds(ms)}`);
    expect(res.status, res.stderr).toBe(0);
    checkMerged(readFileSync(ours, 'utf8'));
  });

  it('git merge', () => {
    const repo = GitRepo.init();
    repo.git('config', 'merge.taskstore.driver', `'${process.execPath}' '${MERGE_BIN}' %O %A %B %P`);
    repo.write('.gitattributes', '.taskstore/*.jsonl merge=taskstore\n');
    repo.write('.taskstore/task_specs.jsonl', input.base);
    repo.commitAll('base');
    repo.git('checkout', '-q', '-b', 'feature');
    repo.write('.taskstore/task_specs.jsonl', input.theirs);
    repo.commitAll('theirs');
    repo.git('checkout', '-q', 'main');
    repo.write('.taskstore/task_specs.jsonl', input.ours);
    repo.commitAll('ours');
    const start = performance.now();
    const res = repo.tryGit('merge', '--no-edit', 'feature');
    const ms = performance.now() - start;
    console.log(`[merge 100k] git merge of the same files (git + driver + merge commit): ${seconds(ms)}`);
    expect(res.status, res.stderr).toBe(0);
    checkMerged(repo.read('.taskstore/task_specs.jsonl'));
  });
});
