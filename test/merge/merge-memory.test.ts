/**
 * Memory: the driver must not hold the logs it merges as JS strings or objects per line.
 * Its heap has to stay far below the size of one input, so a node with a small heap can
 * merge large logs (three 574 MB logs needed 2.6 GB before). This runs the built binary
 * with a JS heap capped well below one side's size: a driver that decodes a side into
 * strings, or keeps an object per line, runs out of heap and exits 2 (the previous one
 * needed more than 48 MB of heap for 30 MB sides). No timing is measured.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MERGE_BIN } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';
import { currentState, linesOf } from './jsonl-fixtures.js';

const LINES = 200_000;
const EDITS = 100;
const HEAP_MB = 24;
const PAD = 'x'.repeat(280);

const line = (i: number, updatedAt: number, fields: Record<string, unknown> = {}) =>
  JSON.stringify({ id: `r${i}`, updated_at: updatedAt, title: `record ${i}`, pad: PAD, ...fields });

describe('merge driver memory', () => {
  it(`merges three ~64 MB logs with a JS heap capped at ${HEAP_MB} MB`, () => {
    const dir = tempDir('taskstore-merge-memory-');
    const base: string[] = [];
    for (let i = 0; i < LINES; i++) base.push(line(i, i + 1));
    const baseText = `${base.join('\n')}\n`;
    // Both sides edit the same records (different fields: each gets a merged line) and add their own.
    const oursAdded: string[] = [];
    const theirsAdded: string[] = [];
    for (let k = 0; k < EDITS; k++) {
      const i = k * 1000;
      oursAdded.push(line(i, 10_000_000 + k, { status: 'ours' }));
      theirsAdded.push(line(i, 20_000_000 + k, { owner: 'theirs' }));
      oursAdded.push(line(LINES + k, 10_000_000 + k));
      theirsAdded.push(line(LINES + EDITS + k, 20_000_000 + k));
    }
    const oursText = `${baseText}${oursAdded.join('\n')}\n`;
    const paths = { base: join(dir, 'base.jsonl'), ours: join(dir, 'ours.jsonl'), theirs: join(dir, 'theirs.jsonl') };
    writeFileSync(paths.base, baseText);
    writeFileSync(paths.ours, oursText);
    writeFileSync(paths.theirs, `${baseText}${theirsAdded.join('\n')}\n`);
    // Each side is well over twice the whole heap the driver may use.
    expect(statSync(paths.ours).size).toBeGreaterThan(2.5 * HEAP_MB * 2 ** 20);

    const res = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_MB}`, MERGE_BIN, paths.base, paths.ours, paths.theirs], { encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stderr).toBe('');

    const merged = readFileSync(paths.ours, 'utf8');
    // Ours' lines first, as they were, then theirs' added lines, then one merged line per record both edited.
    expect(merged.startsWith(oursText)).toBe(true);
    const rest = linesOf(merged.slice(oursText.length));
    expect(rest.slice(0, theirsAdded.length)).toEqual(theirsAdded);
    expect(rest).toHaveLength(theirsAdded.length + EDITS);
    const state = currentState(merged);
    expect(state.size).toBe(LINES + 2 * EDITS);
    expect(state.get('r1000')).toMatchObject({ status: 'ours', owner: 'theirs', updated_at: 20_000_002 });
  });
});
