/**
 * The CLI as a first-time user or a script meets it: odd store paths, a working directory
 * deleted under the shell, git's own directory, a misspelt collection, a record deleted
 * meanwhile, an update that changes nothing.
 * Runs the built CLI (`npm run build` first).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';
import { runCli, withStore } from './run-cli.js';

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

describe('watch --collection naming no collection', () => {
  it('warns on stderr that it waits for the first record, naming the collections there are (a typo printed nothing, forever); it still follows it', async () => {
    const cwd = tempDir('taskstore-cli-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const child = spawn(process.execPath, [CLI, 'watch', '--json', '--collection', 'notes', '--collection', 'executoins', '--collection', 'notes', '--collection', 'prds'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const until = async (condition: () => boolean): Promise<void> => {
      for (let waited = 0; !condition(); waited += 20) {
        if (waited > 20_000) throw new Error(`timed out; stderr: ${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      await until(() => stderr.split('\n').length > 2);
      expect(stderr).toBe(
        'taskstore: warning: there is no collection named notes yet: watching for its first record (collections in this store: dependencies, executions, prds, repo_state, task_specs, workflows)\n' +
          'taskstore: warning: there is no collection named executoins yet: watching for its first record (collections in this store: dependencies, executions, prds, repo_state, task_specs, workflows)\n',
      );
      // Its first record arrives all the same.
      withStore(join(cwd, '.taskstore'), (s) => s.collection({ name: 'notes' }).create({ id: 'n1' }));
      await until(() => stdout.includes('"id":"n1"'));
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });
});

describe('show of a text that ends with a newline (a markdown file does)', () => {
  it('prints no empty line for the final newline: the field table stays one block', () => {
    const cwd = tempDir('taskstore-cli-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const id = runCli(['create-prd', 'Search', '--description', 'one\ntwo\n', '--content-file', '-'], { cwd, input: '# Search\n\nFull-text search.\n' }).stdout.trim();
    const shown = runCli(['show', id], { cwd });
    expect(shown.status, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/\ndescription {4}one\n {15}two\ncreated_at /);
    expect(shown.stdout.endsWith('\ncontent        # Search\n\n               Full-text search.\n')).toBe(true);
    // --json keeps the text exactly.
    expect(JSON.parse(runCli(['--json', 'show', id], { cwd }).stdout)).toMatchObject({ description: 'one\ntwo\n', content: '# Search\n\nFull-text search.\n' });
  });
});

describe('run from a directory that was deleted', () => {
  it('says the current directory no longer exists (exit 1; merge: 2, its error code), instead of "uv_cwd … looks like a bug"', () => {
    const root = tempDir('taskstore-cli-');
    for (const [args, status] of [[['list-prds'], 1], [['--store', join(root, 'x'), 'init'], 1], [['merge', 'a', 'b', 'c'], 2]] as const) {
      // A shell that entered the directory before it was removed, as a second terminal's `rm -rf` leaves it.
      const result = spawnSync('/bin/sh', ['-c', 'mkdir gone && cd gone && rmdir ../gone && exec "$0" "$@"', process.execPath, CLI, ...args], { cwd: root, encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(status);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        'taskstore: error: the current directory no longer exists (it was deleted or moved after the shell entered it)\nhint: cd into an existing directory and run the command again\n',
      );
    }
  });
});

describe('run from a directory whose path is not valid UTF-8', () => {
  it('refuses, naming the cause, instead of creating the store in a directory of a similar name (exit 1); merge still works there', () => {
    const root = tempDir('taskstore-cli-');
    // "bad" + byte 0xFF: Node's process.cwd() reads it as "bad\uFFFD", a directory that does not exist.
    mkdirSync(Buffer.concat([Buffer.from(`${root}/bad`), Buffer.from([0xff])]));
    const inBadDir = (...args: string[]) =>
      spawnSync('/bin/sh', ['-c', 'cd "$(printf \'bad\\377\')" && exec "$0" "$@"', process.execPath, CLI, ...args], { cwd: root, encoding: 'utf8' });
    for (const args of [['init'], ['init', '--hooks'], ['create-prd', 'x']]) {
      const result = inBadDir(...args);
      expect(result.status, result.stderr).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        `taskstore: error: the path of the current directory is not valid UTF-8, so TaskStore cannot name it (it reads as ${root}/bad\uFFFD)\n` +
          'hint: rename the directory (or the one above it) to a UTF-8 name, or run the command from another directory, naming the store with --store\n',
      );
    }
    // It made "bad\uFFFD/.taskstore" next to it, and put the store there.
    expect(readdirSync(root, { encoding: 'buffer' })).toEqual([Buffer.concat([Buffer.from('bad'), Buffer.from([0xff])])]);

    const line = '{"id":"a","updated_at":1}\n';
    for (const name of ['base', 'ours', 'theirs']) writeFileSync(Buffer.concat([Buffer.from(`${root}/bad`), Buffer.from([0xff]), Buffer.from(`/${name}`)]), line);
    const merge = inBadDir('merge', 'base', 'ours', 'theirs');
    expect(merge.status, merge.stderr).toBe(0);
  });
});

describe('init inside git\'s own directory', () => {
  it('in .git/ (or below it) or a bare repository, refuses to create a store git would never commit, naming the work tree; --store still places one on purpose', () => {
    const cwd = tempDir('taskstore-cli-');
    execFileSync('git', ['init', '-q', 'repo'], { cwd });
    execFileSync('git', ['init', '-q', '--bare', 'bare.git'], { cwd });
    const repo = join(cwd, 'repo');
    for (const dir of [join(repo, '.git'), join(repo, '.git', 'hooks')]) {
      const result = runCli(['init'], { cwd: dir });
      expect(result.status, result.stderr).toBe(1);
      expect(result.stderr).toBe(`taskstore: error: ${dir} is inside git's own directory (.git), where a store would never be committed\nhint: run \`taskstore init\` in the work tree: cd ${repo}\n`);
    }
    const bare = runCli(['init'], { cwd: join(cwd, 'bare.git') });
    expect(bare.status).toBe(1);
    expect(bare.stderr).toMatch(/is inside a bare git repository, which has no work tree to commit a store from\nhint: /);
    expect(existsSync(join(repo, '.git', '.taskstore'))).toBe(false);
    expect(existsSync(join(repo, '.git', 'hooks', '.taskstore'))).toBe(false);
    expect(existsSync(join(cwd, 'bare.git', '.taskstore'))).toBe(false);

    expect(runCli(['--store', join(cwd, 'bare.git', 'state'), 'init'], { cwd: join(cwd, 'bare.git') }).status).toBe(0);
    expect(runCli(['init'], { cwd: repo }).status).toBe(0);
    // Below .git, the work tree's store is found as from any directory of the project.
    expect(runCli(['init'], { cwd: join(repo, '.git') }).stdout).toBe(`Reinitialized existing TaskStore in ${join(repo, '.taskstore')}\n`);
  });
});

describe('a record that was deleted', () => {
  it('show, delete (again) and update of its id say it was deleted and that its history keeps it, instead of "check the id"', () => {
    const cwd = tempDir('taskstore-cli-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const id = runCli(['create-prd', 'gone'], { cwd }).stdout.trim();
    expect(runCli(['delete', id], { cwd }).status).toBe(0);
    for (const args of [['show', id], ['delete', id], ['update', id, '--set', 'title=x']]) {
      const result = runCli(args, { cwd });
      expect(result.status).toBe(1);
      expect(result.stderr).toBe(`taskstore: error: no record has the id or id prefix "${id}"\nhint: it was deleted from prds; its history keeps every version\n`);
    }
    expect(runCli(['history', id], { cwd }).stdout).toMatch(/#2 .* deleted/);
    expect(runCli(['show', 'nope'], { cwd }).stderr).toMatch(/\nhint: check the id \(list commands show ids\)/);
  });
});

describe('update that changes nothing', () => {
  it('says the record already holds the values and nothing was written, instead of "updated"', () => {
    const cwd = tempDir('taskstore-cli-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const id = runCli(['create-prd', 'Search'], { cwd }).stdout.trim();
    const log = (): string => readFileSync(join(cwd, '.taskstore', 'prds.jsonl'), 'utf8');
    const before = log();
    const same = runCli(['update', id, '--set', 'title=Search', '--set', 'review_passes=0'], { cwd });
    expect(same.status, same.stderr).toBe(0);
    expect(same.stderr).toBe(`unchanged: PRD ${id} already holds these values (nothing written)\n`);
    expect(log()).toBe(before);
    const changed = runCli(['update', id, '--set', 'title=Find'], { cwd });
    expect(changed.stderr).toBe(`updated PRD ${id}\n`);
    expect(log()).not.toBe(before);
  });
});

describe.runIf(process.platform === 'linux')('ui --open on a machine without a browser', () => {
  it('warns that no browser opened, naming the URL (xdg-open exited 3 and --open failed without a word); the dashboard keeps serving', async () => {
    const cwd = tempDir('taskstore-cli-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const bin = join(cwd, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'xdg-open'), '#!/bin/sh\nexit 3\n', { mode: 0o755 });
    const child = spawn(process.execPath, [CLI, 'ui', '--port', '0', '--open'], { cwd, env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      for (let waited = 0; !stderr.includes('\n'); waited += 20) {
        if (waited > 20_000) throw new Error(`timed out; stdout: ${stdout}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const url = /TaskStore dashboard: (\S+)/.exec(stdout)![1]!;
      expect(stderr).toBe(`taskstore: warning: could not open a browser (xdg-open exited with code 3); open ${url} yourself\n`);
      expect((await fetch(`${url}api/prds`)).status).toBe(200);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });
});
