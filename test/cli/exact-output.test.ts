/**
 * Integers beyond 2^53 that a log holds are printed with every digit by every command
 * that prints records as JSON, never rounded (`JSON.parse` + `JSON.stringify` would turn
 * 12345678901234567890 into 12345678901234567000 without a word). And `--limit 0` says
 * why nothing was shown. Runs the built CLI (`npm run build` first).
 */
import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { startMcp, textOf } from './mcp-client.js';
import { openStore, runCli, withStore } from './run-cli.js';
import { CLI } from '../helpers/paths.js';

const BIG = '12345678901234567890';
const ROUNDED = '12345678901234567000';
const NEG = '-9007199254740993';

/** A store whose `notes` log holds a hand-written line with integers no number can hold, and a PRD with one. */
function seeded(): { cwd: string; store: string } {
  const cwd = tempDir('taskstore-cli-');
  const store = join(cwd, '.taskstore');
  withStore(store, (s) => {
    s.collection({ name: 'notes' }).create({ id: 'plain', n: 1 });
    s.createPrd({ id: 'p1', title: 'big', content: 'x' });
  });
  appendFileSync(join(store, 'notes.jsonl'), `{"id":"a","n":${BIG},"meta":{"list":[1,${NEG}],"s":"${BIG}"},"f":1.5,"created_at":1,"updated_at":2}\n`);
  const prdLine = runCli(['--store', store, 'export', '--format', 'jsonl'], { cwd })
    .stdout.split('\n')
    .find((l) => l.includes('"prds"'))!;
  const prd = JSON.parse(prdLine).record as Record<string, unknown>;
  appendFileSync(join(store, 'prds.jsonl'), `${JSON.stringify({ ...prd, review_passes: 0, updated_at: (prd.updated_at as number) + 1 }).slice(0, -1)},"ext":${BIG}}\n`);
  return { cwd, store };
}

function run(args: string[], where: { cwd: string; store: string }): string {
  const result = runCli(['--store', where.store, ...args], { cwd: where.cwd });
  expect(result.status, `${args.join(' ')}: ${result.stderr}`).toBe(0);
  return result.stdout;
}

describe('integers beyond 2^53 in records', () => {
  it('export prints every digit, in both formats', () => {
    const where = seeded();
    for (const args of [['export'], ['export', '--format', 'json'], ['--json', 'export'], ['--json', 'export', '--format', 'jsonl']]) {
      const out = run(args, where);
      expect(out, args.join(' ')).toContain(BIG);
      expect(out, args.join(' ')).toContain(NEG);
      expect(out, args.join(' ')).not.toContain(ROUNDED);
      expect(out, args.join(' ')).toContain(`"${BIG}"`); // the string stays a string
    }
    // Both formats are still valid JSON documents / lines.
    const jsonl = run(['export'], where).trim().split('\n');
    for (const line of jsonl) expect(() => JSON.parse(line)).not.toThrow();
    expect(() => JSON.parse(run(['export', '--format', 'json'], where))).not.toThrow();
  });

  it('show, list, history and describe --json print every digit', () => {
    const where = seeded();
    for (const args of [
      ['--json', 'show', 'a'],
      ['--json', 'list', 'notes'],
      ['--json', 'list', 'notes', '--where', 'id=a'],
      ['--json', 'history', 'a'],
      ['--json', 'show', 'p1'],
      ['--json', 'list', 'prds'],
      ['--json', 'list-prds'],
    ]) {
      const out = run(args, where);
      expect(out, args.join(' ')).toContain(BIG);
      expect(out, args.join(' ')).not.toContain(ROUNDED);
      expect(() => JSON.parse(out)).not.toThrow();
    }
  });

  it('update --json prints the kept member with every digit, and so does the table of show', () => {
    const where = seeded();
    const out = run(['--json', 'update', 'a', '--set', 'title=renamed'], where);
    expect(out).toContain(BIG);
    expect(out).not.toContain(ROUNDED);
    expect(out).toContain('renamed');
    const table = run(['show', 'a'], where);
    expect(table).toContain(BIG);
    expect(table).not.toContain(ROUNDED);
  });

  it('task spec commands print every digit, a hand-written dependency that is such a number included', () => {
    const where = seeded();
    withStore(where.store, (s) => {
      s.createTaskSpec({ id: 't1', prd_id: 'p1', phase_name: 'phase' });
    });
    const spec = JSON.parse(run(['--json', 'show', 't1'], where)) as Record<string, unknown>;
    appendFileSync(
      join(where.store, 'task_specs.jsonl'),
      `${JSON.stringify({ ...spec, updated_at: (spec.updated_at as number) + 1 }).slice(0, -1).replace('"dependencies":[]', `"dependencies":[${BIG}]`)},"n":${BIG}}\n`,
    );
    for (const args of [['--json', 'list-task-specs'], ['--json', 'ready', '--explain'], ['list-task-specs'], ['ready', '--explain']]) {
      const out = run(args, where);
      expect(out, args.join(' ')).toContain(BIG);
      expect(out, args.join(' ')).not.toContain(ROUNDED);
      expect(out, args.join(' ')).not.toContain('exact-integer');
    }
    const explained = run(['--json', 'ready', '--explain'], where);
    expect(explained.split(BIG).length - 1, explained).toBe(3); // the spec's n and dependency, and the blocker's id
  });

  it("the MCP server's record results print every digit in their text", async () => {
    const where = seeded();
    const mcp = await startMcp({ cwd: where.cwd, store: where.store });
    try {
      for (const [tool, args] of [
        ['get_record', { id: 'a' }],
        ['list_records', { collection: 'notes' }],
        ['record_history', { id: 'a' }],
        ['get_record', { id: 'p1' }],
        ['update_record', { id: 'a', patch: { title: 'renamed' } }],
      ] as const) {
        const result = await mcp.call(tool, args);
        expect(result.isError, `${tool}: ${textOf(result)}`).toBeFalsy();
        expect(textOf(result), tool).toContain(BIG);
        expect(textOf(result), tool).not.toContain(ROUNDED);
        expect(() => JSON.parse(textOf(result))).not.toThrow();
      }
    } finally {
      await mcp.close();
    }
  });

  it('watch --json prints every digit of the new version and of the previous one', async () => {
    const where = seeded();
    const child = spawn(process.execPath, [CLI, '--store', where.store, 'watch', '--json', '--since', '0', '--collection', 'notes'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const waitFor = async (condition: () => boolean): Promise<void> => {
      for (const deadline = Date.now() + 30_000; !condition(); await new Promise((r) => setTimeout(r, 10))) {
        if (Date.now() > deadline) throw new Error(`timed out; watch printed: ${stdout}`);
      }
    };
    const store = openStore(where.store);
    try {
      await waitFor(() => stdout.includes('"id":"a"'));
      store.collection({ name: 'notes' }).patch('a', { title: 'renamed' });
      await waitFor(() => stdout.includes('renamed'));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      store.close();
    }
    const update = stdout.split('\n').find((l) => l.includes('renamed'))!;
    expect(JSON.parse(update)).toMatchObject({ id: 'a', op: 'update', previous: { id: 'a' } });
    expect(update.split(`"n":${BIG}`).length - 1).toBe(2); // record and previous
    expect(stdout).not.toContain(ROUNDED);
  }, 60_000);

  it('an export with such integers re-imports with every digit: export → import → export is byte-exact (updated_at aside)', () => {
    const where = seeded();
    // updated_at is stamped anew by every write, import included; everything else must match byte for byte.
    const masked = (text: string): string => text.replace(/"updated_at": ?\d+/g, '"updated_at":0');
    for (const format of ['jsonl', 'json']) {
      const exported = run(['export', '--format', format], where);
      expect(exported).toContain(BIG);
      writeFileSync(join(where.cwd, `all.${format}`), exported);
      const copy = { cwd: where.cwd, store: join(where.cwd, `copy-${format}`) };
      expect(runCli(['--store', copy.store, 'import', `all.${format}`], { cwd: where.cwd }).status).toBe(0);
      const again = run(['export', '--format', format], copy);
      expect(masked(again), format).toBe(masked(exported));
      expect(again).not.toContain(ROUNDED);
      // The stored lines hold the digits (any reader of the log, not only export, sees them).
      withStore(copy.store, (s) => {
        expect(s.collection({ name: 'notes' }).getText('a')).toContain(`"n":${BIG},"meta":{"list":[1,${NEG}],"s":"${BIG}"}`);
        expect(s.collection({ name: 'prds' }).getText('p1')).toContain(`"ext":${BIG}`);
      });
    }
  });
});

describe('numbers a double would change, given to --set or --where in any spelling', () => {
  it('are refused with exit 2 naming the argument, and nothing is written; ordinary decimals are stored as given', () => {
    const where = seeded();
    const before = readFileSync(join(where.store, 'notes.jsonl'), 'utf8');
    for (const literal of ['12345678901234567890.0', '1.2345678901234567890e19', '1e400', '-1e400', '1e-400']) {
      const set = runCli(['--store', where.store, 'update', 'plain', '--set', `n=${literal}`], { cwd: where.cwd });
      expect(set.status, set.stderr).toBe(2);
      expect(set.stderr).toContain(`--set "n=${literal}": ${literal} cannot be held exactly by a number`);
      const list = runCli(['--store', where.store, 'list', 'notes', '--where', `n>${literal}`], { cwd: where.cwd });
      expect(list.status, list.stderr).toBe(2);
      expect(list.stderr).toContain(`--where "n>${literal}": ${literal} cannot be held exactly by a number`);
    }
    expect(readFileSync(join(where.store, 'notes.jsonl'), 'utf8')).toBe(before);
    run(['update', 'plain', '--set', 'a=0.1', '--set', 'b=2.5e3', '--set', 'c=100.0', '--set', 'd=1e21', '--set', 'e=1e-7'], where);
    expect(withStore(where.store, (s) => s.collection({ name: 'notes' }).get('plain'))).toMatchObject({ a: 0.1, b: 2500, c: 100, d: 1e21, e: 1e-7 });
  });
});

describe('--limit 0', () => {
  it('says that nothing was shown because of --limit 0, and how many match, instead of "(no records)"', () => {
    const where = seeded();
    const result = runCli(['--store', where.store, 'list', 'notes', '--limit', '0'], { cwd: where.cwd });
    expect(result.status).toBe(0);
    expect(result.stderr).not.toContain('(no records');
    expect(result.stderr).toContain('--limit 0');
    expect(result.stderr).toBe('(nothing shown (--limit 0); 2 records match)\n');
    // An offset past the end says so too, and an empty collection page is still "no records".
    expect(runCli(['--store', where.store, 'list', 'notes', '--offset', '5'], { cwd: where.cwd }).stderr).toBe('(no records in notes at offset 5 of 2)\n');
    expect(runCli(['--store', where.store, 'list', 'notes', '--where', 'n=7', '--limit', '0'], { cwd: where.cwd }).stderr).toBe('(none of the 2 records in notes matches the --where conditions)\n');
  });

  it('list-executions --limit 0 says how many match instead of "(no executions)" and "showing 1-0"', () => {
    const cwd = tempDir('taskstore-cli-');
    const store = join(cwd, '.taskstore');
    withStore(store, (s) => {
      const prd = s.createPrd({ title: 'p', content: '' });
      const ts = s.createTaskSpec({ prd_id: prd, phase_name: 'phase' });
      for (let i = 0; i < 3; i++) s.createExecution({ ts_id: ts, worktree_path: `w${i}`, branch_name: `b${i}` });
    });
    const all = runCli(['list-executions', '--limit', '0'], { cwd });
    expect(all.status).toBe(0);
    expect(all.stderr).toBe('(nothing shown (--limit 0); 3 executions match)\n');
    expect(runCli(['list-executions', '--limit', '0', '--status', 'running'], { cwd }).stderr).toBe('(nothing shown (--limit 0); 3 running executions match)\n');
  });
});
