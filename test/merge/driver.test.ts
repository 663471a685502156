import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runMergeDriver } from '../../src/merge/driver.js';
import { MERGE_BIN } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';
import { currentState, hasMarkers, jsonl, type Rec } from './jsonl-fixtures.js';

const r = (id: string, updated_at: number, fields: Record<string, unknown> = {}): Rec => ({ id, updated_at, ...fields });

const BASE = jsonl(r('a', 1, { x: 0, y: 0 }));
const OURS = BASE + jsonl(r('a', 2, { x: 1, y: 0 }), r('o', 2));
const THEIRS = BASE + jsonl(r('a', 3, { x: 0, y: 1 }), r('t', 3));
const MERGED = OURS + jsonl(r('a', 3, { x: 0, y: 1 }), r('t', 3), r('a', 4, { x: 1, y: 1 }));
const CONFLICTING_THEIRS = BASE + jsonl(r('a', 2, { x: 2, y: 0 }));

/** Writes the three inputs into a temp dir and returns their paths. */
function inputs(base: string | undefined, ours: string, theirs: string) {
  const dir = tempDir('taskstore-merge-');
  const paths = { dir, base: join(dir, 'base.jsonl'), ours: join(dir, 'ours.jsonl'), theirs: join(dir, 'theirs.jsonl') };
  if (base !== undefined) writeFileSync(paths.base, base);
  writeFileSync(paths.ours, ours);
  writeFileSync(paths.theirs, theirs);
  return paths;
}

/** Runs the driver in-process, capturing its output. */
function run(args: string[], options: Parameters<typeof runMergeDriver>[1] = {}) {
  let stderr = '';
  let stdout = '';
  const code = runMergeDriver(args, { stderr: (t) => (stderr += t), stdout: (t) => (stdout += t), ...options });
  return { code, stderr, stdout };
}

describe('runMergeDriver (in-process, real files)', () => {
  it('spells out control characters of a conflicting id on stderr (it comes from the file)', () => {
    const id = '\u001b]0;pwned\u0007\u001b[31mX';
    const line = (title: string) => `${JSON.stringify({ id, updated_at: 2, title })}\n`;
    const p = inputs(`${JSON.stringify({ id, updated_at: 1, title: 'a' })}\n`, line('ours'), line('theirs'));
    const { code, stderr } = run([p.base, p.ours, p.theirs]);
    expect(code).toBe(1);
    expect(stderr).toContain('\\u001b]0;pwned\\u0007\\u001b[31mX');
    expect(stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });

  it('spells out control characters of the work-tree path (%P: a file name a branch chose) on stderr', () => {
    const line = (title: string) => `${JSON.stringify({ id: 'a', updated_at: 2, title })}\n`;
    const p = inputs(`${JSON.stringify({ id: 'a', updated_at: 1, title: 'base' })}\n`, line('ours'), line('theirs'));
    const { code, stderr } = run([p.base, p.ours, p.theirs, '.taskstore/\u001b]0;pwned\u0007.jsonl']);
    expect(code).toBe(1);
    expect(stderr).toContain('.taskstore/\\u001b]0;pwned\\u0007.jsonl');
    expect(stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });

  it('merges into <ours> and exits 0 with 3 arguments', () => {
    const p = inputs(BASE, OURS, THEIRS);
    const { code, stderr } = run([p.base, p.ours, p.theirs]);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(readFileSync(p.ours, 'utf8')).toBe(MERGED);
    expect(readFileSync(p.theirs, 'utf8')).toBe(THEIRS);
    expect(readFileSync(p.base, 'utf8')).toBe(BASE);
  });

  it('accepts the optional 4th argument (%P) and merges exactly the same', () => {
    const p = inputs(BASE, OURS, THEIRS);
    const { code } = run([p.base, p.ours, p.theirs, '.taskstore/tasks.jsonl']);
    expect(code).toBe(0);
    expect(readFileSync(p.ours, 'utf8')).toBe(MERGED);
  });

  it('exits 1 and writes marker blocks when conflicts remain, naming the path and the record', () => {
    const p = inputs(BASE, OURS, CONFLICTING_THEIRS);
    const { code, stderr } = run([p.base, p.ours, p.theirs, '.taskstore/tasks.jsonl']);
    expect(code).toBe(1);
    expect(hasMarkers(readFileSync(p.ours, 'utf8'))).toBe(true);
    expect(stderr).toMatch(/\.taskstore\/tasks\.jsonl: 1 conflicting record\n/);
    expect(stderr).toMatch(/ a: field "x" changed on both sides/);
  });

  it.each([[[]], [['one']], [['one', 'two']], [['1', '2', '3', '4', '5']]])(
    'exits 2 with a usage message for %j arguments',
    (args) => {
      const { code, stderr } = run(args);
      expect(code).toBe(2);
      expect(stderr).toMatch(new RegExp(`expected 3 or 4 arguments .*got ${args.length}`));
      expect(stderr).toMatch(/usage: taskstore-merge <base> <ours> <theirs> \[<path>\]/);
    },
  );

  it('prints help on stdout and exits 0 for --help', () => {
    const { code, stdout } = run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/%O %A %B %P/);
  });

  it('exits 2 and writes nothing when ours or theirs cannot be read', () => {
    const p = inputs(BASE, OURS, THEIRS);
    const missingTheirs = run([p.base, p.ours, join(p.dir, 'nope.jsonl'), 'x.jsonl']);
    expect(missingTheirs.code).toBe(2);
    expect(missingTheirs.stderr).toMatch(/x\.jsonl: cannot read theirs file .*nope\.jsonl/);
    expect(readFileSync(p.ours, 'utf8')).toBe(OURS);
    const missingOurs = run([p.base, join(p.dir, 'gone.jsonl'), p.theirs]);
    expect(missingOurs.code).toBe(2);
    expect(missingOurs.stderr).toMatch(/cannot read ours file/);
    expect(existsSync(join(p.dir, 'gone.jsonl'))).toBe(false);
  });

  it('treats a missing or empty base as empty (file added on both sides)', () => {
    for (const base of [undefined, '']) {
      const p = inputs(base, jsonl(r('o', 1)), jsonl(r('t', 1)));
      expect(run([p.base, p.ours, p.theirs]).code).toBe(0);
      expect(readFileSync(p.ours, 'utf8')).toBe(jsonl(r('o', 1), r('t', 1)));
    }
  });

  it('reports malformed lines on stderr with path, side and line, and keeps them', () => {
    const p = inputs(BASE, `${OURS}not json\n`, THEIRS);
    const { code, stderr } = run([p.base, p.ours, p.theirs, '.taskstore/notes.jsonl']);
    expect(code).toBe(0);
    expect(stderr).toMatch(/\.taskstore\/notes\.jsonl: ours line 4: not valid JSON .*kept unchanged/);
    expect(readFileSync(p.ours, 'utf8')).toContain('\nnot json\n');
  });

  it('lists at most 20 malformed lines', () => {
    const junk = Array.from({ length: 30 }, (_, i) => `junk ${i}`).join('\n');
    const p = inputs('', `${junk}\n`, '');
    const { stderr } = run([p.base, p.ours, p.theirs]);
    expect(stderr.match(/ours line/g)).toHaveLength(20);
    expect(stderr).toMatch(/and 10 more malformed lines/);
  });

  it('keeps a line that is not UTF-8 byte for byte, as a malformed line the store skips (exit 0, reported), instead of refusing the file', () => {
    const p = inputs(BASE, OURS, THEIRS);
    const latin1 = Buffer.from('{"id":"z","title":"caf\xe9"}\n', 'latin1');
    writeFileSync(p.ours, Buffer.concat([Buffer.from(OURS), latin1]));
    writeFileSync(p.theirs, Buffer.concat([Buffer.from(THEIRS), Buffer.from([0xff, 0xfe, 0x0a])]));
    const { code, stderr } = run([p.base, p.ours, p.theirs]);
    expect(code).toBe(0);
    expect(stderr).toMatch(/ours line 4: not valid UTF-8; kept unchanged/);
    expect(stderr).toMatch(/theirs line 4: not valid UTF-8; kept unchanged/);
    const merged = readFileSync(p.ours);
    // Ours' bytes first, its invalid line included, then theirs' lines, its invalid line as it was.
    expect(merged.subarray(0, Buffer.byteLength(OURS) + latin1.length).equals(Buffer.concat([Buffer.from(OURS), latin1]))).toBe(true);
    expect(merged.includes(Buffer.from([0x0a, 0xff, 0xfe, 0x0a]))).toBe(true);
    expect(merged.includes(Buffer.from([0xef, 0xbf, 0xbd]))).toBe(false); // no replacement character anywhere
    expect(currentState(merged.toString('latin1').split('\n').filter((l) => l.startsWith('{"id":"a"') || l.startsWith('{"id":"t"') || l.startsWith('{"id":"o"')).join('\n'))).toEqual(currentState(MERGED));
  });

  it('exits 2 when the result cannot be written, leaving ours as it was', () => {
    const p = inputs(BASE, OURS, THEIRS);
    const { code, stderr } = run([p.base, p.ours, p.theirs], {
      writeFile: () => {
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      },
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/cannot write the merged result .*no space left/);
    expect(readFileSync(p.ours, 'utf8')).toBe(OURS);
  });

  it('leaves no temp file behind', () => {
    const p = inputs(BASE, OURS, THEIRS);
    run([p.base, p.ours, p.theirs]);
    expect(readdirSync(p.dir).sort()).toEqual(['base.jsonl', 'ours.jsonl', 'theirs.jsonl']);
  });
});

describe('the built taskstore-merge binary', () => {
  beforeAll(() => {
    if (!existsSync(MERGE_BIN)) throw new Error(`${MERGE_BIN} is missing: run \`npx tsup\` first`);
    expect(readFileSync(MERGE_BIN, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  const bin = (args: string[]) => {
    const res = spawnSync(process.execPath, [MERGE_BIN, ...args], { encoding: 'utf8' });
    return { code: res.status, stdout: res.stdout, stderr: res.stderr };
  };

  it('merges with 3 arguments: exit 0, result in ours', () => {
    const p = inputs(BASE, OURS, THEIRS);
    const res = bin([p.base, p.ours, p.theirs]);
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(p.ours, 'utf8')).toBe(MERGED);
  });

  it('merges with 4 arguments (%O %A %B %P): exit 0, result in ours', () => {
    const p = inputs(BASE, OURS, THEIRS);
    const res = bin([p.base, p.ours, p.theirs, '.taskstore/task_specs.jsonl']);
    expect(res).toMatchObject({ code: 0, stdout: '' });
    expect(currentState(readFileSync(p.ours, 'utf8')).get('a')).toEqual(r('a', 4, { x: 1, y: 1 }));
  });

  it('exits 1 on conflicts', () => {
    const p = inputs(BASE, OURS, CONFLICTING_THEIRS);
    const res = bin([p.base, p.ours, p.theirs, '.taskstore/task_specs.jsonl']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/task_specs\.jsonl: 1 conflicting record/);
    expect(hasMarkers(readFileSync(p.ours, 'utf8'))).toBe(true);
  });

  it('exits 2 with usage on a wrong argument count, and on an unreadable file', () => {
    const p = inputs(BASE, OURS, THEIRS);
    const wrong = bin([p.base, p.ours]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/usage: taskstore-merge/);
    const unreadable = bin([p.base, p.ours, join(p.dir, 'missing.jsonl')]);
    expect(unreadable.code).toBe(2);
    expect(readFileSync(p.ours, 'utf8')).toBe(OURS);
  });
});
