/** The CLI's pure pieces, tested in-process: tables, values, progress, errors, history diffs, export parsing. */
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../src/index.js';
import { diffVersions } from '../../src/shared/record-history.js';
import { parseExport } from '../../src/cli/commands/import.js';
import { topLevelKeys } from '../../src/shared/json-keys.js';
import fc from 'fast-check';
import { CliError, formatError, UsageError } from '../../src/cli/errors.js';
import { formatBytes, formatTime, formatValue, truncate } from '../../src/cli/output.js';
import { renderPairs, renderTable } from '../../src/cli/table.js';
import { createProgress, renderBar } from '../../src/cli/progress.js';
import { resolveStoreDir } from '../../src/cli/resolve-store.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/temp.js';

describe('output', () => {
  it('renders aligned columns without borders or trailing spaces', () => {
    const text = renderTable(['ID', 'NAME'], [['a', 'x'], ['bbbb', 'yy']]);
    expect(text).toBe('ID    NAME\na     x\nbbbb  yy\n');
  });

  it('formats values, times and sizes', () => {
    expect(formatValue(null)).toBe('-');
    expect(formatValue(['a', 1])).toBe('["a",1]');
    expect(formatValue('line1\nline2')).toBe('line1 ⏎ line2');
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
    expect(formatTime(0)).toBe('1970-01-01 00:00:00Z');
    expect(formatTime('x')).toBe('x');
    // A stamp a Date cannot hold (past ±8.64e15 ms: a hand-written line, a broken clock) is shown as its number.
    expect(formatTime(8.64e15)).toBe('+275760-09-13 00:00:00Z');
    expect(formatTime(9e15)).toBe('9000000000000000');
    expect(formatTime(-9e15)).toBe('-9000000000000000');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
  });
});

describe('progress', () => {
  it('draws only on a terminal, only after the delay, and clears its line', () => {
    let now = 0;
    const written: string[] = [];
    const tty = { isTTY: true, write: (s: string) => written.push(s) };
    const bar = createProgress(tty, { label: 'sync', delayMs: 300, now: () => now });
    bar.update(1, 10);
    expect(written).toEqual([]);
    now = 400;
    bar.update(5, 10);
    expect(written[0]).toBe(`\r${renderBar('sync', 5, 10)}\u001b[K`);
    bar.clear();
    expect(written[1]).toBe('\r\u001b[K');
    const piped: string[] = [];
    const quiet = createProgress({ write: (s: string) => piped.push(s) }, { label: 'sync', delayMs: 0 });
    quiet.update(1, 2);
    quiet.clear();
    expect(piped).toEqual([]);
    // A terminal that shows escape codes as text (TERM=dumb) gets no bar either.
    const dumb: string[] = [];
    const none = createProgress({ write: (s: string) => dumb.push(s), isTTY: true }, { label: 'sync', delayMs: 0, env: { TERM: 'dumb' } });
    none.update(1, 2);
    none.clear();
    expect(dumb).toEqual([]);
    expect(renderBar('x', 3, 4)).toMatch(/^x \[#{23}\.{7}\]  75%$/);
  });
});

describe('formatError', () => {
  it('maps every kind of error to a message, a hint and an exit code', () => {
    const usage = new CommanderError(1, 'commander.unknownOption', "error: unknown option '--x'");
    expect(formatError(Object.assign(usage, { commandName: 'sync' }), false)).toEqual({
      exitCode: 2,
      lines: ["taskstore: error: unknown option '--x'", 'hint: run `taskstore sync --help` for usage'],
    });
    const validation = formatError(new ValidationError('invalid PRD: status must be one of a, b', { field: 'status' }), false);
    expect(validation.exitCode).toBe(1);
    expect(validation.lines[0]).toBe('taskstore: error: invalid PRD: status must be one of a, b');
    expect(validation.lines[1]).toMatch(/^hint: /);
    expect(formatError(new NotFoundError('gone', { hint: 'look elsewhere' }), false).lines).toEqual(['taskstore: error: gone', 'hint: look elsewhere']);
    expect(formatError(new UsageError('bad --set'), false).exitCode).toBe(2);
    expect(formatError(new CliError('ambiguous', { details: ['a', 'b'], hint: 'type more' }), false).lines).toEqual([
      'taskstore: error: ambiguous',
      '  a',
      '  b',
      'hint: type more',
    ]);
    const bug = formatError(new TypeError('oops'), false);
    expect(bug).toEqual({ exitCode: 1, lines: ['taskstore: error: oops', expect.stringMatching(/--debug/)] });
    expect(formatError(new TypeError('oops'), true).lines.join('\n')).toMatch(/TypeError: oops\n\s+at /);
  });
});

describe('history diffs', () => {
  it('lists added, changed and removed fields per version; tombstones have none', () => {
    const versions = diffVersions([
      { id: 'a', updated_at: 1, x: 1, tags: ['a'] },
      { id: 'a', updated_at: 2, x: 2, tags: ['a'] },
      { id: 'a', updated_at: 3, tags: ['a', 'b'] },
      { id: 'a', updated_at: 4, deleted: true },
      { id: 'a', updated_at: 5, x: 9 },
    ]);
    expect(versions.map((v) => v.changes)).toEqual([
      [{ field: 'x', new: 1 }, { field: 'tags', new: ['a'] }],
      [{ field: 'x', old: 1, new: 2 }],
      [{ field: 'x', old: 2 }, { field: 'tags', old: ['a'], new: ['a', 'b'] }],
      [],
      [{ field: 'x', new: 9 }],
    ]);
    expect(versions.map((v) => v.deleted)).toEqual([false, false, false, true, false]);
    expect(versions.map((v) => v.basedOn)).toEqual([null, 1, 2, 3, 4]);
    expect(versions.map((v) => v.mergeOf)).toEqual([null, null, null, null, null]);
  });

  it('reads merged history: a version from another branch is compared with its own base, the merge names both sides', () => {
    // Base, branch A (review_passes), branch B (status, made from the base), the merge driver's merged version.
    const versions = diffVersions([
      { id: 'p', updated_at: 1, status: 'draft', review_passes: 0 },
      { id: 'p', updated_at: 2, status: 'draft', review_passes: 1 },
      { id: 'p', updated_at: 3, status: 'in_progress', review_passes: 0 },
      { id: 'p', updated_at: 4, status: 'in_progress', review_passes: 1 },
    ]);
    expect(versions.map((v) => [v.basedOn, v.mergeOf])).toEqual([[null, null], [1, null], [1, null], [3, 2]]);
    expect(versions[2]!.changes).toEqual([{ field: 'status', old: 'draft', new: 'in_progress' }]); // no "review_passes 1 → 0"
    expect(versions[3]!.changes).toEqual([{ field: 'review_passes', old: 0, new: 1 }]);
  });

  it('a linear history that flips a field back stays linear', () => {
    const versions = diffVersions([
      { id: 'a', updated_at: 1, s: 'a', x: 1 },
      { id: 'a', updated_at: 2, s: 'b', x: 1 },
      { id: 'a', updated_at: 3, s: 'a', x: 1 },
      { id: 'a', updated_at: 4, s: 'a', x: 2 },
      { id: 'a', updated_at: 5, s: 'b', x: 2 },
    ]);
    expect(versions.map((v) => v.basedOn)).toEqual([null, 1, 2, 3, 4]);
    expect(versions.map((v) => v.mergeOf)).toEqual([null, null, null, null, null]);
    expect(versions[2]!.changes).toEqual([{ field: 's', old: 'b', new: 'a' }]);
  });
});

describe('parseExport', () => {
  it('reads both formats and names the line or entry of bad input', () => {
    expect(parseExport('{"collection":"notes","record":{"id":"a"}}\n\n{"collection":"prds","record":{"title":"t"}}\r\n', 'f')).toEqual({
      format: 'jsonl',
      entries: [
        { collection: 'notes', record: { id: 'a' }, where: 'line 1' },
        { collection: 'prds', record: { title: 't' }, where: 'line 3' },
      ],
    });
    expect(parseExport('{"notes":[{"id":"a"}],"prds":[]}', 'f')).toEqual({
      format: 'json',
      entries: [{ collection: 'notes', record: { id: 'a' }, where: 'notes[0]' }],
    });
    expect(parseExport('', 'f')).toEqual({ format: 'jsonl', entries: [] });
    expect(() => parseExport('{\n  "notes": [\n', 'f.json')).toThrow(/f\.json is not valid JSON/);
    expect(() => parseExport('{"notes":[1]}', 'f')).toThrow(/f notes\[0\] has a record that is not a JSON object/);
    expect(() => parseExport('{"collection":"notes"}', 'f')).toThrow(/f line 1 has no "record"/);
    expect(() => parseExport('[1]', 'f')).toThrow(/f line 1 is not a JSON object/);
    expect(() => parseExport('{"collection":"x","record":{"id":"a","deleted":true}}', 'f')).toThrow(/tombstone/);
    expect(() => parseExport('{"collection":"x","record":{"id":7}}', 'f')).toThrow(/"id" is not a non-empty string/);
  });

  it('refuses a collection named twice in the json format, and "collection" or "record" twice in a jsonl line: JSON.parse keeps only the last, the first would be dropped without a word', () => {
    expect(() => parseExport('{"notes":[{"id":"x"}],"prds":[],"notes":[{"id":"y"}]}', 'f.json')).toThrow(/f\.json names the collection "notes" twice/);
    // Pretty-printed, as `export --format json` writes it, and a key spelt with an escape.
    expect(() => parseExport('{\n  "notes": [\n    {"id": "x"}\n  ],\n  "n\\u006ftes": []\n}\n', 'f.json')).toThrow(/names the collection "notes" twice/);
    expect(() => parseExport('{"collection":"notes","record":{"id":"a"}}\n{"collection":"notes","record":{"id":"b"},"record":{"id":"c"}}', 'f')).toThrow(/f line 2 has "record" twice/);
    expect(() => parseExport('{"collection":"notes","record":{"id":"a"},"collection":"prds"}', 'f')).toThrow(/f line 1 has "collection" twice/);
    expect(() => parseExport('{"collection":"notes","record":{"id":"a"},"\\u0072ecord":{"id":"b"}}', 'f')).toThrow(/f line 1 has "record" twice/);
    // The words inside a record are no members of the line.
    expect(parseExport('{"collection":"notes","record":{"id":"a","collection":"c","record":"r","note":"\\"record\\":"}}', 'f').entries).toHaveLength(1);
  });
});

describe('topLevelKeys', () => {
  it('lists the top-level keys of any object text in source order, whatever the nesting, strings and indentation', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.integer({ min: 0, max: 3 }), (object, indent) => {
        expect(topLevelKeys(JSON.stringify(object, null, indent))).toEqual(Object.keys(object));
      }),
    );
    expect(topLevelKeys('{ "a" : {"a":1}, "b":["a", {"c":2}], "a" :\n3}')).toEqual(['a', 'b', 'a']);
  });
});

describe('resolveStoreDir', () => {
  it('flag, then env, then the nearest .taskstore above, then ./.taskstore', () => {
    const root = tempDir();
    const deep = join(root, 'a', 'b');
    mkdirSync(deep, { recursive: true });
    expect(resolveStoreDir({ cwd: deep })).toEqual({ dir: join(deep, '.taskstore'), source: 'default' });
    mkdirSync(join(root, '.taskstore'));
    expect(resolveStoreDir({ cwd: deep })).toEqual({ dir: join(root, '.taskstore'), source: 'found' });
    expect(resolveStoreDir({ cwd: deep, env: { TASKSTORE_DIR: 'x' } })).toEqual({ dir: join(deep, 'x'), source: 'env' });
    expect(resolveStoreDir({ cwd: deep, env: { TASKSTORE_DIR: '' } }).source).toBe('found');
    expect(resolveStoreDir({ cwd: deep, flag: '/abs', env: { TASKSTORE_DIR: 'x' } })).toEqual({ dir: '/abs', source: 'flag' });
  });
});

describe('terminal-safe text', () => {
  it('spells out control characters, keeping newlines and tabs unless one line is asked for', async () => {
    const { visible } = await import('../../src/cli/terminal-safe.js');
    expect(visible('\u001b[31mred\u0007')).toBe('\\x1b[31mred\\x07');
    expect(visible('a\nb\tc\rd')).toBe('a\nb\tc\\rd');
    expect(visible('a\nb\tc', true)).toBe('a\\nb\\tc');
    expect(visible('\u009b2J \u202eevil \u2066x')).toBe('\\x9b2J \\u202eevil \\u2066x');
    expect(visible('plain ünïcödé 日本')).toBe('plain ünïcödé 日本');
  });
});

describe('tables', () => {
  it('fit the width by cutting shrinkable columns with an ellipsis, widest first', async () => {
    const { renderTable, fitWidths, displayWidth, truncateToWidth } = await import('../../src/cli/table.js');
    const rows = [['0192f3a4', 'a very long title that goes on and on', 'draft'], ['0192f3a5', 'short', 'ready']];
    const text = renderTable(['ID', 'TITLE', 'STATUS'], rows, { maxWidth: 30, shrinkable: [false, true, false] });
    const lines = text.trimEnd().split('\n');
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(30);
    expect(lines[1]).toBe("0192f3a4  a very long…  draft");
    expect(lines[2]).toBe('0192f3a5  short         ready');
    // Unlimited width: nothing cut.
    expect(renderTable(['ID', 'TITLE'], rows.map((r) => r.slice(0, 2)))).toContain('goes on and on');
    // Columns that cannot shrink stay whole even when the table cannot fit.
    expect(fitWidths([10, 40, 10], 20, [false, true, false], [8, 8, 8])).toEqual([10, 8, 10]);
    expect(fitWidths([5, 5], 100, [true, true], [8, 8])).toEqual([5, 5]);
    expect(fitWidths([30, 30], 44, [true, true], [8, 8])).toEqual([21, 21]);
    // Wide characters take two columns; colour codes none and survive a cut.
    expect(displayWidth('日本語')).toBe(6);
    expect(displayWidth('\u001b[32mok\u001b[39m')).toBe(2);
    expect(truncateToWidth('日本語テキスト', 7)).toBe('日本語…');
    expect(truncateToWidth('\u001b[32mcomplete\u001b[39m', 5)).toBe('\u001b[32mcomp…\u001b[0m');
  });

  it('pairs keep blank lines of multi-line values, indented under the value column', async () => {
    const { renderPairs } = await import('../../src/cli/table.js');
    expect(renderPairs([['title', 'x'], ['content', '# H\n\npara\n\n- item']])).toBe('title    x\ncontent  # H\n\n         para\n\n         - item\n');
  });
});

describe('invalidUtf8Offset', () => {
  it('finds the first bad sequence; agrees with node:buffer isUtf8 on random bytes', async () => {
    const fc = (await import('fast-check')).default;
    const { isUtf8 } = await import('node:buffer');
    const { invalidUtf8Offset } = await import('../../src/cli/utf8.js');
    expect(invalidUtf8Offset(Buffer.from('héllo 日本 😀'))).toBe(-1);
    expect(invalidUtf8Offset(Buffer.from([0x61, 0xc3, 0x28]))).toBe(1);
    expect(invalidUtf8Offset(Buffer.from([0x61, 0x62, 0xe2, 0x82]))).toBe(2); // cut off
    expect(invalidUtf8Offset(Buffer.from([0xc0, 0xaf]))).toBe(0); // overlong
    expect(invalidUtf8Offset(Buffer.from([0xed, 0xa0, 0x80]))).toBe(0); // surrogate
    expect(invalidUtf8Offset(Buffer.from([0xf4, 0x90, 0x80, 0x80]))).toBe(0); // > U+10FFFF
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.string({ unit: 'binary' }).map((s) => Buffer.from(s)), fc.tuple(fc.string({ unit: 'binary' }), fc.uint8Array({ maxLength: 3 }), fc.string()).map(([a, b, c]) => Buffer.concat([Buffer.from(a), b, Buffer.from(c)]))), (bytes) => {
        const offset = invalidUtf8Offset(bytes);
        expect(offset === -1).toBe(isUtf8(bytes));
        if (offset >= 0) expect(isUtf8(bytes.subarray(0, offset))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('renderTable and renderPairs with 200,000 rows', () => {
  it('render every row (the widths were taken with Math.max(...rows), which overflowed the stack)', () => {
    const rows = Array.from({ length: 200_000 }, (_, i) => [`id${i}`, 'x']);
    expect(renderTable(['ID', 'V'], rows).trimEnd().split('\n')).toHaveLength(200_001);
    expect(renderPairs(rows.map(([k, v]) => [k!, v!] as const)).trimEnd().split('\n')).toHaveLength(200_000);
  });
});
