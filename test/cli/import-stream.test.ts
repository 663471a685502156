/**
 * `import` of a large `jsonl` export reads it a line at a time, twice (every line checked
 * before any store is opened, then the records written in batches), inside one
 * transaction: bounded memory, still all or nothing, still naming the first bad line of
 * the file, references still resolved anywhere in the import.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { run } from '../../src/cli/commands/import.js';
import type { CliContext } from '../../src/cli/context.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';
import { runCli } from './run-cli.js';

const line = (collection: string, record: Record<string, unknown>): string => JSON.stringify({ collection, record });
const notes = (n: number, from = 0): string[] => Array.from({ length: n }, (_, i) => line('notes', { id: `n${from + i}`, v: from + i }));

function context(cwd: string): CliContext & { out: string[] } {
  const out: string[] = [];
  const stream = { write: (text: string) => void out.push(text) };
  return { cwd, env: {}, storeFlag: join(cwd, '.taskstore'), json: true, debug: false, stdout: stream, stderr: { write: () => {} }, out };
}

/** Every file of the store directory but the cache, with its bytes: what an import that failed must leave as it was. */
function logs(dir: string): Record<string, string> {
  if (!existsSync(dir)) return {};
  return Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith('.jsonl')).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

describe('import of a large jsonl export', () => {
  it('hands the store the records in batches, never the whole file at once', async () => {
    const root = tempDir();
    const n = 25_000;
    writeFileSync(join(root, 'dump.jsonl'), `${notes(n).join('\n')}\n`);
    // Every createMany's size: the largest is what the import held parsed at once.
    const probe = Store.open(join(tempDir(), 'probe'), { durability: 'none', logger: quietLogger() });
    const proto = Object.getPrototypeOf(probe.collection({ name: 'x' })) as { createMany(records: unknown[]): string[] };
    probe.close();
    const createMany = proto.createMany;
    const sizes: number[] = [];
    proto.createMany = function (this: unknown, records: unknown[]) {
      sizes.push(records.length);
      return createMany.call(this, records);
    };
    const ctx = context(root);
    try {
      expect(await run(ctx, { file: 'dump.jsonl' })).toBe(0);
    } finally {
      proto.createMany = createMany;
    }
    expect(JSON.parse(ctx.out.join(''))).toEqual({ format: 'jsonl', records: n, collections: { notes: n } });
    // Read whole, the 25,000 records went to one createMany.
    expect(Math.max(...sizes)).toBeLessThanOrEqual(10_000);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(n);
    const store = Store.open(join(root, '.taskstore'), { durability: 'none', logger: quietLogger() });
    expect(store.collection({ name: 'notes' }).count()).toBe(n);
    expect(store.check().problems).toEqual([]);
    store.close();
  }, 60_000);

  it('a failure in a later batch names its line and imports nothing, also of the batches before it', () => {
    const root = tempDir();
    const dir = join(root, '.taskstore');
    const seed = Store.open(dir, { logger: quietLogger() });
    seed.collection({ name: 'notes' }).create({ id: 'taken', v: 0 });
    seed.close();
    const before = logs(dir);
    const lines = notes(25_000);
    lines.splice(23_999, 0, line('notes', { id: 'taken', v: 1 }));
    writeFileSync(join(root, 'dump.jsonl'), lines.join('\n'));
    const result = runCli(['import', 'dump.jsonl'], { cwd: root });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/dump\.jsonl line 24000 \(notes\): notes already has a record with id taken/);
    expect(logs(dir)).toEqual(before);
  }, 60_000);

  it('a bad line at the very end is refused before a store is created', () => {
    const root = tempDir();
    writeFileSync(join(root, 'dump.jsonl'), `${notes(15_000).join('\n')}\n{"collection":"notes","record":{"id":"x"},"extra":1}\n`);
    const result = runCli(['import', 'dump.jsonl'], { cwd: root });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/dump\.jsonl line 15001 has the member "extra"/);
    expect(existsSync(join(root, '.taskstore'))).toBe(false);
  }, 60_000);

  it('a reference to a record many batches later is resolved; one to nothing names its line, and nothing is imported', () => {
    const root = tempDir();
    const prd = line('prds', { id: 'p1', title: 'one', status: 'draft', review_passes: 0, description: '', content: '', created_at: 1 });
    const spec = line('task_specs', { id: 't1', prd_id: 'p1', phase_name: 'x', created_at: 1 });
    const exec = (id: string, ts: string): string => line('executions', { id, ts_id: ts, worktree_path: '/w', branch_name: 'b', started_at: 1 });
    // The execution comes first (an export lists executions before task_specs), its task spec 22,000 lines later.
    writeFileSync(join(root, 'good.jsonl'), [exec('e1', 't1'), ...notes(22_000), prd, spec].join('\n'));
    const good = runCli(['--json', 'import', 'good.jsonl'], { cwd: root });
    expect(good.stderr).toBe('');
    expect(JSON.parse(good.stdout)).toMatchObject({ records: 22_003 });
    const dir = join(root, '.taskstore');
    const before = logs(dir);
    writeFileSync(join(root, 'bad.jsonl'), [exec('e2', 't1'), exec('e3', 'nope'), ...notes(22_000, 30_000), exec('e4', 'nope2')].join('\n'));
    const bad = runCli(['import', 'bad.jsonl'], { cwd: root });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/bad\.jsonl line 2 \(executions\): ts_id "nope" does not name a live task spec/);
    expect(logs(dir)).toEqual(before);
  }, 60_000);

  it('from stdin too (copied to a temporary file, read twice, removed)', () => {
    const root = tempDir();
    const tmp = tempDir();
    const result = runCli(['--json', 'import', '-'], { cwd: root, input: `\ufeff${notes(12_000).join('\r\n')}\r\n`, env: { TMPDIR: tmp } });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ format: 'jsonl', records: 12_000, collections: { notes: 12_000 } });
    expect(readdirSync(tmp)).toEqual([]);
  }, 60_000);
});
