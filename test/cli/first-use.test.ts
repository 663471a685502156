/**
 * What a first-time user, following README.md and docs/cli.md, was misled by: each case
 * runs the built CLI in a temp git repository.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GitRepo } from '../helpers/git-repo.js';
import { CLI } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';
import { runCli, runJson, withStore } from './run-cli.js';

function repoWithStore(): string {
  const repo = GitRepo.init({ dir: tempDir('taskstore-first-use-') });
  expect(runCli(['init'], { cwd: repo.dir }).status).toBe(0);
  return repo.dir;
}

describe('an empty filtered list says the filter matched nothing, not that there are no records', () => {
  it('list --where, list-prds --status, list-task-specs --status/--prd-id, list-dependencies --exec-id', () => {
    const cwd = repoWithStore();
    withStore(`${cwd}/.taskstore`, (s) => {
      s.collection({ name: 'notes' }).createMany([{ status: 'open' }, { status: 'open' }]);
      s.collection({ name: 'one' }).create({ status: 'open' });
    });
    const prd = runJson<{ id: string }>(['create-prd', 'Search'], { cwd }).id;
    const other = runJson<{ id: string }>(['create-prd', 'Other'], { cwd }).id;
    const spec = runJson<{ id: string }>(['create-task-spec', '--prd-id', prd, 'schema'], { cwd }).id;
    const exec = runJson<{ id: string }>(['create-execution', '--ts-id', spec, '--worktree', 'wt', '--branch', 'b'], { cwd }).id;

    const empty = (args: string[]): string => {
      const r = runCli(args, { cwd });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe('');
      return r.stderr;
    };
    expect(empty(['list', 'notes', '--where', 'status=done'])).toBe('(none of the 2 records in notes matches the --where conditions)\n');
    expect(empty(['list', 'notes', '--where', 'status=done', '--limit', '0'])).toBe('(none of the 2 records in notes matches the --where conditions)\n');
    expect(empty(['list', 'one', '--where', 'status=done'])).toBe('(the one record in one does not match the --where conditions)\n');
    expect(empty(['list-prds', '--status', 'failed'])).toBe('(no failed PRDs)\n');
    expect(empty(['list-task-specs', '--status', 'complete'])).toBe('(no complete task specs)\n');
    expect(empty(['list-task-specs', '--prd-id', other])).toBe(`(no task specs of PRD ${other})\n`);
    expect(empty(['list-task-specs', '--prd-id', other, '--ready'])).toBe(`(no task specs of PRD ${other} are ready)\n`);
    expect(empty(['list-dependencies', '--exec-id', exec])).toBe(`(no dependencies from or to execution ${exec})\n`);
    // Unfiltered and empty, they still say there are none.
    expect(empty(['list-dependencies'])).toBe('(no dependencies)\n');
    expect(empty(['list-workflows'])).toBe('(no workflows)\n');
  });
});

describe('an id that starts with -', () => {
  it('is reachable after --, and the usage error for it says so; nothing is written by the refused command', () => {
    const cwd = repoWithStore();
    withStore(`${cwd}/.taskstore`, (s) => s.collection({ name: 'notes' }).create({ id: '-x', t: 1 }));
    const before = readFileSync(join(cwd, '.taskstore', 'notes.jsonl'), 'utf8');
    for (const args of [['show', '-x'], ['update', '-x', '--set', 't=2']]) {
      const r = runCli(args, { cwd });
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(
        `taskstore: error: unknown option '-x'\nhint: run \`taskstore ${args[0]} --help\` for usage; an argument that starts with - (an id) goes after --, at the end: \`taskstore ${args[0]} [options] -- <argument>\`\n`,
      );
    }
    expect(readFileSync(join(cwd, '.taskstore', 'notes.jsonl'), 'utf8')).toBe(before);
    // The hint is only for commands that take an argument, and not when commander suggests an option.
    expect(runCli(['list-prds', '-x'], { cwd }).stderr).toBe("taskstore: error: unknown option '-x'\nhint: run `taskstore list-prds --help` for usage\n");
    expect(runCli(['show', '--jsn', 'a'], { cwd }).stderr).not.toContain('goes after --');
    // As the hint says:
    expect(runJson<{ t: number }>(['show', '--', '-x'], { cwd }).t).toBe(1);
    expect(runJson<{ t: number }>(['update', '--set', 't=2', '--', '-x'], { cwd }).t).toBe(2);
  });
});

describe('the hint of "not a TaskStore" names a command that runs as copied', () => {
  it('quotes a store path with a space or a quote, so the copied command creates that store (copied unquoted, it failed: "store" was taken for the command)', () => {
    const cwd = tempDir('taskstore-first-use-');
    for (const name of ['my store', "it's"]) {
      const dir = join(cwd, name);
      const r = runCli(['--store', dir, 'list-prds'], { cwd });
      expect(r.status).toBe(1);
      const command = /hint: run `(taskstore [^`]*)`/.exec(r.stderr)![1]!;
      const copied = spawnSync('sh', ['-c', command.replace(/^taskstore /, `"${process.execPath}" "${CLI}" `)], { cwd, encoding: 'utf8' });
      expect(copied.status, copied.stderr).toBe(0);
      expect(existsSync(join(dir, '.version'))).toBe(true);
    }
  });
});

describe('create-* with an empty title, phase name, worktree or branch (a script\'s unset variable)', () => {
  it('is a usage error naming the argument, and creates nothing (create-prd "" made an untitled PRD, exit 0)', () => {
    const cwd = repoWithStore();
    const prd = runJson<{ id: string }>(['create-prd', 'Search'], { cwd }).id;
    const spec = runJson<{ id: string }>(['create-task-spec', '--prd-id', prd, 'schema'], { cwd }).id;
    const logs = (): Record<string, string> =>
      Object.fromEntries(['prds', 'task_specs', 'executions'].map((c) => [c, existsSync(join(cwd, '.taskstore', `${c}.jsonl`)) ? readFileSync(join(cwd, '.taskstore', `${c}.jsonl`), 'utf8') : '']));
    const before = logs();
    for (const [args, message] of [
      [['create-prd', ''], "argument 'title'. must give the title, not be empty."],
      [['create-prd', '  '], "argument 'title'. must give the title, not be empty."],
      [['create-task-spec', '--prd-id', prd, ''], "argument 'phase_name'. must name the phase, not be empty."],
      [['create-execution', '--ts-id', spec, '--worktree', '', '--branch', 'b'], "option '--worktree <path>' argument '' is invalid. must name the worktree path, not be empty."],
      [['create-execution', '--ts-id', spec, '--worktree', 'wt', '--branch', ' '], "option '--branch <name>' argument ' ' is invalid. must name the branch, not be empty."],
    ] as const) {
      const r = runCli([...args], { cwd });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stdout).toBe('');
    }
    expect(logs()).toEqual(before);
    // A title of several lines is a title.
    expect(runCli(['create-prd', 'two\nlines'], { cwd }).status).toBe(0);
  });
});

describe('an id two collections both have (ids are unique per collection)', () => {
  it('is reachable with --collection from show, describe, history, update and delete; without it the ambiguity error says so', () => {
    const cwd = repoWithStore();
    withStore(`${cwd}/.taskstore`, (s) => {
      s.collection({ name: 'notes' }).create({ id: 'config', v: 1 });
      s.collection({ name: 'settings' }).create({ id: 'config', v: 2, content: '# Settings' });
    });
    const ambiguous = runCli(['show', 'config'], { cwd });
    expect(ambiguous.status).toBe(1);
    expect(ambiguous.stderr).toContain('the id "config" is ambiguous: 2 collections have a record with it');
    expect(ambiguous.stderr).toContain('hint: name the collection too (taskstore show, describe, history, update and delete take --collection NAME)');

    expect(runJson<{ v: number }>(['show', 'config', '--collection', 'notes'], { cwd }).v).toBe(1);
    expect(runJson<{ v: number }>(['show', 'conf', '--collection', 'settings'], { cwd }).v).toBe(2);
    expect(runJson<{ content: string }>(['describe', 'config', '--collection', 'settings'], { cwd }).content).toBe('# Settings');
    expect(runJson<{ v: number }>(['update', 'config', '--collection', 'notes', '--set', 'v=3'], { cwd }).v).toBe(3);
    expect(runJson<{ collection: string; versions: unknown[] }>(['history', 'config', '--collection', 'notes'], { cwd })).toMatchObject({ collection: 'notes', versions: [{}, {}] });
    expect(runJson(['delete', 'config', '--collection', 'settings'], { cwd })).toEqual({ collection: 'settings', id: 'config', deleted: true });
    // The other collection's record is untouched, and now the only one.
    expect(runJson<{ v: number }>(['show', 'config'], { cwd }).v).toBe(3);
    expect(runJson<{ collection: string }>(['history', 'config', '--collection', 'settings'], { cwd }).collection).toBe('settings');

    // A name no collection can have is a usage error; one that does not exist finds nothing.
    const bad = runCli(['show', 'config', '--collection', 'Notes'], { cwd });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--collection "Notes" is not a valid collection name');
    const none = runCli(['update', 'config', '--collection', 'nosuch', '--set', 'v=4'], { cwd });
    expect(none.status).toBe(1);
    expect(none.stderr).toContain('no record has the id or id prefix "config" in nosuch');
    expect(existsSync(join(cwd, '.taskstore', 'nosuch.jsonl'))).toBe(false);
  });
});

describe('history of a deleted record whose id is a prefix of a live one', () => {
  it('is the deleted record\'s history (it showed the live one\'s: a full id wins over longer ids, deleted or not)', () => {
    const cwd = repoWithStore();
    withStore(`${cwd}/.taskstore`, (s) => {
      const notes = s.collection({ name: 'notes' });
      notes.create({ id: 'task', v: 1 });
      notes.create({ id: 'task-2', v: 2 });
      notes.delete('task');
    });
    const history = runJson<{ id: string; versions: { deleted: boolean }[] }>(['history', 'task'], { cwd });
    expect(history.id).toBe('task');
    expect(history.versions.map((v) => v.deleted)).toEqual([false, true]);
    // A prefix still finds the live record, as documented.
    expect(runJson<{ id: string }>(['history', 'task-'], { cwd }).id).toBe('task-2');
    expect(runJson<{ id: string }>(['show', 'task'], { cwd }).id).toBe('task-2');

    // Deleted in two collections, the id is ambiguous (it also showed task-2), until --collection names one.
    withStore(`${cwd}/.taskstore`, (s) => {
      s.collection({ name: 'archive' }).create({ id: 'task', v: 3 });
      s.collection({ name: 'archive' }).delete('task');
    });
    const both = runCli(['history', 'task'], { cwd });
    expect(both.status).toBe(1);
    expect(both.stderr).toBe(
      'taskstore: error: the id "task" is ambiguous: 2 collections had a record with it, deleted since\n' +
        '  archive  task  (deleted)\n  notes    task  (deleted)\n' +
        'hint: name the collection too (taskstore show, describe, history, update and delete take --collection NAME)\n',
    );
    expect(runJson<{ collection: string; id: string }>(['history', 'task', '--collection', 'archive'], { cwd })).toMatchObject({ collection: 'archive', id: 'task' });
  });
});

describe('list --limit on a page that is not the last', () => {
  it('says how many match and where the next page starts, as list-executions does (it said nothing: 20 of 250 read as all)', () => {
    const cwd = repoWithStore();
    withStore(`${cwd}/.taskstore`, (s) => void s.collection({ name: 'notes' }).createMany(Array.from({ length: 25 }, (_, n) => ({ n }))));
    const page = runCli(['list', 'notes', '--limit', '10'], { cwd });
    expect(page.status).toBe(0);
    expect(page.stdout.trim().split('\n')).toHaveLength(11);
    expect(page.stderr).toBe('(showing 1-10 of 25; --offset 10 for more)\n');
    expect(runCli(['list', 'notes', '--where', 'n<12', '--limit', '5', '--offset', '5'], { cwd }).stderr).toBe('(showing 6-10 of 12; --offset 10 for more)\n');
    // The last page, and a page without --limit, need no note; --json has none either.
    expect(runCli(['list', 'notes', '--limit', '10', '--offset', '20'], { cwd }).stderr).toBe('');
    expect(runCli(['list', 'notes', '--where', 'n<10', '--limit', '10'], { cwd }).stderr).toBe('');
    expect(runCli(['list', 'notes'], { cwd }).stderr).toBe('');
    expect(runCli(['--json', 'list', 'notes', '--limit', '10'], { cwd }).stderr).toBe('');
  });
});

describe('show of a long content whose record id holds an escape sequence (another tool wrote it)', () => {
  it('spells the id out in the "… more lines (taskstore describe <id>)" pointer too; it reached the terminal raw', () => {
    const cwd = repoWithStore();
    const content = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n');
    writeFileSync(join(cwd, '.taskstore', 'notes.jsonl'), `${JSON.stringify({ id: 'zz\u001b[31mred', content, updated_at: 5 })}\n`);
    const r = runCli(['show', 'zz'], { cwd });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('… 8 more lines (taskstore describe zz\\x1b[31mred)');
    expect(r.stdout).not.toContain('\u001b');
  });
});

describe('--where with a day the calendar does not have', () => {
  it('is a usage error naming it (2025-02-30 was read as March 2), while real days, leap days and offsets work', () => {
    const cwd = repoWithStore();
    withStore(`${cwd}/.taskstore`, (s) => {
      const notes = s.collection({ name: 'notes' });
      notes.create({ id: 'feb', due_at: Date.UTC(2025, 1, 28, 12) });
      notes.create({ id: 'mar', due_at: Date.UTC(2025, 2, 1, 12) });
    });
    for (const day of ['2025-02-30', '2025-02-29', '2025-04-31T10:00', '2025-02-30T00:00Z']) {
      const r = runCli(['list', 'notes', '--where', `due_at>=${day}`], { cwd });
      expect(r.status, day).toBe(2);
      expect(r.stderr).toContain(`--where "due_at>=${day}": "${day}" is not a number, a date nor an ISO time`);
    }
    const ids = (where: string): string[] => runJson<{ id: string }[]>(['list', 'notes', '--where', where], { cwd }).map((r) => r.id);
    expect(ids('due_at<2025-03-01')).toEqual(['feb']);
    expect(ids('due_at>=2025-02-28T23:00-05:00')).toEqual(['mar']);
    expect(ids('due_at>=2024-02-29')).toEqual(['feb', 'mar']);
    expect(ids('due_at>=0099-01-01')).toEqual(['feb', 'mar']);
  });
});

describe('a command\'s --help', () => {
  it('lists the global options (--json, --store …), which work after the command name; `show --help` did not mention --json', () => {
    const cwd = tempDir('taskstore-first-use-');
    for (const command of ['show', 'list-prds', 'update']) {
      const help = runCli([command, '--help'], { cwd });
      expect(help.status).toBe(0);
      const globals = help.stdout.slice(help.stdout.indexOf('\nGlobal Options:\n'));
      for (const option of ['--store <dir>', '--json', '--debug', '--max-record-bytes <n>']) expect(globals, command).toContain(`  ${option}`);
    }
    // As the help says, after the command name:
    const store = runCli(['init', '--store', `${cwd}/s`], { cwd });
    expect(store.status, store.stderr).toBe(0);
    expect(runCli(['list-prds', '--store', `${cwd}/s`, '--json'], { cwd }).stdout).toBe('[]\n');
  });
});
