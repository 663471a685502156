/**
 * The rough edges a first-time user hits, through the built CLI: stores created by
 * accident, terminal injection, help, tables, --where, read-only stores, messages.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GIT_IDENTITY, GitRepo } from '../helpers/git-repo.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';
import { runCli, runJson } from './run-cli.js';

describe('only init and import create a store', () => {
  it('a read or write through --store or TASKSTORE_DIR on a plain folder fails and writes nothing', () => {
    const root = tempDir('taskstore-cli-');
    writeFileSync(join(root, 'README.md'), 'a project\n');
    for (const args of [['--store', '.', 'list-prds'], ['--store', root, 'create-prd', 'x'], ['--store', '.', 'check'], ['--store', '.', 'metrics']]) {
      const r = runCli(args, { cwd: root });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`${root} (named by --store) is not a TaskStore (no .version)`);
    }
    const viaEnv = runCli(['list-prds'], { cwd: root, env: { TASKSTORE_DIR: root } });
    expect(viaEnv.status).toBe(1);
    expect(viaEnv.stderr).toContain('(named by $TASKSTORE_DIR) is not a TaskStore (no .version)');
    expect(readdirSync(root)).toEqual(['README.md']);

    // init and import do create it.
    const store = join(root, 'store');
    mkdirSync(store);
    expect(runCli(['--store', store, 'import', '-'], { cwd: root, input: '' }).status).toBe(0);
    expect(existsSync(join(store, '.version'))).toBe(true);
    expect(runCli(['--store', root, 'init'], { cwd: root }).status).toBe(0);
    expect(runJson<unknown[]>(['--store', root, 'list-prds'], { cwd: root })).toEqual([]);
  });
});

describe('init in a repository below a directory that has a store', () => {
  it('makes the repository its own store instead of reinitializing the one above it (a ~/.taskstore), and says so; --store still takes that one', () => {
    const home = tempDir('taskstore-cli-');
    expect(runCli(['init'], { cwd: home }).status).toBe(0); // a store made in the home directory by mistake
    expect(runCli(['create-prd', 'home'], { cwd: home }).status).toBe(0);
    const homeFiles = readdirSync(join(home, '.taskstore')).sort();
    const project = join(home, 'project');
    mkdirSync(join(project, 'src'), { recursive: true });
    GitRepo.init({ dir: project });

    const init = runCli(['init'], { cwd: project });
    expect(init.status, init.stderr).toBe(0);
    expect(init.stdout).toBe(`Initialized empty TaskStore in ${join(project, '.taskstore')}\n`);
    expect(init.stderr).toContain(`note: not using the store at ${join(home, '.taskstore')}: it is outside this git work tree (${project}); pass --store ${join(home, '.taskstore')} to use it`);
    expect(existsSync(join(project, '.taskstore', '.version'))).toBe(true);
    expect(readdirSync(join(home, '.taskstore')).sort()).toEqual(homeFiles);
    // Every later command in the repository, from any subdirectory, finds the repository's store.
    expect(runCli(['create-prd', 'project'], { cwd: join(project, 'src') }).status).toBe(0);
    expect(runJson<{ title: string }[]>(['list-prds'], { cwd: join(project, 'src') }).map((p) => p.title)).toEqual(['project']);
    expect(runJson<{ title: string }[]>(['list-prds'], { cwd: home }).map((p) => p.title)).toEqual(['home']);
    // From a subdirectory of the repository, init finds the repository's store, as before.
    const again = runCli(['init'], { cwd: join(project, 'src') });
    expect(again.stdout).toBe(`Reinitialized existing TaskStore in ${join(project, '.taskstore')}\n`);
    expect(again.stderr).not.toContain('not using the store');
    // Named on purpose, the store above is used.
    const named = runCli(['--store', join(home, '.taskstore'), 'init'], { cwd: project });
    expect(named.stdout).toBe(`Reinitialized existing TaskStore in ${join(home, '.taskstore')}\n`);
  });
});

describe('status right after init', () => {
  it('says the store itself is not in git yet, instead of "uncommitted none"; after the first commit it says none', () => {
    const repo = GitRepo.init({ dir: tempDir('taskstore-cli-') });
    expect(runCli(['init'], { cwd: repo.dir }).status).toBe(0);
    const fresh = runJson<{ uncommitted: object; untrackedFiles: string[] }>(['status'], { cwd: repo.dir });
    expect(fresh.uncommitted).toEqual({});
    expect(fresh.untrackedFiles.sort()).toEqual(['.taskstore/.gitignore', '.taskstore/.version']);
    expect(runCli(['status'], { cwd: repo.dir }).stdout).toMatch(/^uncommitted +not in git yet: \.taskstore\/\.gitignore, \.taskstore\/\.version$/m);
    expect(runCli(['create-prd', 'first'], { cwd: repo.dir }).status).toBe(0);
    expect(runCli(['status'], { cwd: repo.dir }).stdout).toMatch(/^uncommitted +prds \+1, not in git yet: /m);
    repo.git('add', '.taskstore');
    repo.git('commit', '-q', '-m', 'store');
    expect(runJson<{ untrackedFiles: string[] }>(['status'], { cwd: repo.dir }).untrackedFiles).toEqual([]);
    expect(runCli(['status'], { cwd: repo.dir }).stdout).toMatch(/^uncommitted +none$/m);
  });
});

describe('terminal injection', () => {
  it('record text never reaches the terminal raw: control characters are spelled out; --json stays exact', () => {
    const root = tempDir('taskstore-cli-');
    const cwd = root;
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const evil = 'Red \u001b[31mtitle\u001b]8;;http://x\u0007link\u001b]8;;\u0007 \u009b2J\r\u202eoverride';
    const id = runJson<{ id: string }>(['create-prd', evil, '--description', 'line1\n\nline3 \u001b[2J'], { cwd }).id;
    expect(runCli(['update', id, '--set', `status=ready`], { cwd }).status).toBe(0);
    writeFileSync(join(root, 'c.md'), '# Title \u001b[5mblink\n\ntext\n');
    expect(runCli(['create-prd', 'with content', '--content-file', 'c.md'], { cwd }).status).toBe(0);
    const rawControl = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/;
    for (const args of [['show', id], ['list-prds'], ['list', 'prds'], ['history', id], ['describe', id], ['list-prds', '--status', 'ready']]) {
      const r = runCli(args, { cwd });
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stdout, args.join(' ')).not.toMatch(rawControl);
    }
    const show = runCli(['show', id], { cwd }).stdout;
    expect(show).toContain('Red \\x1b[31mtitle\\x1b]8;;http://x\\x07link');
    expect(show).toContain('\\x9b2J\\r\\u202eoverride');
    // Blank lines in a multi-line value are kept.
    expect(show).toMatch(/description\s+line1\n\n\s+line3 \\x1b\[2J\n/);
    const describe = runCli(['describe', runJson<{ id: string }[]>(['list-prds'], { cwd })[1]!.id], { cwd });
    expect(describe.stdout).toBe('# Title \\x1b[5mblink\n\ntext\n');
    // Error messages quoting input are safe too.
    const err = runCli(['show', 'zz\u001b[31m'], { cwd });
    expect(err.status).toBe(1);
    expect(err.stderr).not.toMatch(rawControl);
    // --json is exact.
    expect(runJson<{ title: string }>(['show', id], { cwd }).title).toBe(evil);
  });

  it('check spells out control characters in a file name it reports (git may bring any name)', () => {
    const cwd = tempDir('taskstore-cli-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    writeFileSync(join(cwd, '.taskstore', 'x\u001b]0;pwned\u0007.jsonl.torn'), '{"id":"a"\n');
    const r = runCli(['check'], { cwd });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('torn_line');
    expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(r.stdout).toContain('x\\x1b]0;pwned\\x07');
  });
});

describe('help works like git', () => {
  it('help and help <command> print help and exit 0; help bogus is an unknown command', () => {
    const cwd = tempDir('taskstore-cli-');
    const main = runCli(['help'], { cwd });
    expect(main.status).toBe(0);
    expect(main.stdout).toContain('Usage: taskstore');
    expect(main.stdout).toContain('list-task-specs');
    expect(main.stderr).toBe('');
    expect(main.stdout).toBe(runCli(['--help'], { cwd }).stdout);
    const sub = runCli(['help', 'list'], { cwd });
    expect(sub.status).toBe(0);
    expect(sub.stdout).toBe(runCli(['list', '--help'], { cwd }).stdout);
    expect(sub.stderr).toBe('');
    const bogus = runCli(['help', 'bogus'], { cwd });
    expect(bogus.status).toBe(2);
    expect(bogus.stdout).toBe('');
    expect(bogus.stderr).toMatch(/^taskstore: error: unknown command 'bogus'\n/);
  });

  it("help <typo> (and --help <typo>) suggests the command like `taskstore <typo>` does, exit 2", () => {
    const cwd = tempDir('taskstore-cli-');
    const typo = runCli(['lsit'], { cwd });
    expect(typo.stderr).toMatch(/^taskstore: error: unknown command 'lsit' \(Did you mean list\?\)\n/);
    for (const args of [['help', 'lsit'], ['--help', 'lsit'], ['-h', 'lsit'], ['help', '--json', 'lsit']]) {
      const r = runCli(args, { cwd });
      expect({ args, ...r }).toEqual({ args, status: 2, stdout: '', stderr: typo.stderr });
    }
  });

  it('--help CMD and -h CMD print the help of CMD, as CMD --help does; a global option\'s value is no command', () => {
    const cwd = tempDir('taskstore-cli-');
    const listHelp = runCli(['list', '--help'], { cwd });
    expect(listHelp.stdout).toMatch(/^Usage: taskstore list /);
    const programHelp = runCli(['--help'], { cwd });
    expect(programHelp.stdout).toMatch(/^Usage: taskstore \[options\] \[command\]/);
    for (const args of [['--help', 'list'], ['-h', 'list'], ['--json', '--help', 'list'], ['--help', '--store', 'x', 'list', 'notes'], ['help', 'list'], ['list', '-h']]) {
      expect({ args, ...runCli(args, { cwd }) }).toEqual({ args, status: 0, stdout: listHelp.stdout, stderr: '' });
    }
    // `--store list` names a store directory called list: the help is the program's.
    for (const args of [['--store', 'list', '--help'], ['--help', '--store', 'list'], ['--store=list', '--help'], ['--max-record-bytes', '5', '--help']]) {
      expect({ args, ...runCli(args, { cwd }) }).toEqual({ args, status: 0, stdout: programHelp.stdout, stderr: '' });
    }
  });
});

describe('messages', () => {
  it('compact of an unknown collection names the collections; list-executions past the end says so', () => {
    const cwd = tempDir('taskstore-cli-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    runCli(['create-prd', 'p'], { cwd });
    const compact = runCli(['compact', 'nope'], { cwd });
    expect(compact.status).toBe(1);
    expect(compact.stderr).toContain('there is no collection named nope');
    expect(compact.stderr).toMatch(/hint: collections in this store: .*prds/);
    expect(compact.stderr).not.toMatch(/id/);

    const prd = runJson<{ id: string }>(['create-prd', 'q'], { cwd }).id;
    const ts = runJson<{ id: string }>(['create-task-spec', 'phase', '--prd-id', prd], { cwd }).id;
    for (let i = 0; i < 3; i++) runCli(['create-execution', '--ts-id', ts, '--worktree', `w${i}`, '--branch', `b${i}`], { cwd });
    const past = runCli(['list-executions', '--offset', '99'], { cwd });
    expect(past.status).toBe(0);
    expect(past.stderr).toBe('(no executions at offset 99 of 3)\n');
    expect(runCli(['list-executions', '--status', 'failed'], { cwd }).stderr).toBe('(no failed executions)\n');
  });

  it('a conflicted log: reads and sync print the error once, without a duplicate warning or warnings about the conflict text', () => {
    const cwd = tempDir('taskstore-cli-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    runCli(['create-prd', 'p'], { cwd });
    appendFileSync(join(cwd, '.taskstore', 'prds.jsonl'), '<<<<<<< ours\n{"x":1}\n=======\n{"y":2}\n>>>>>>> theirs\n');
    for (const args of [['list-prds'], ['sync'], ['list-prds']]) {
      const r = runCli(args, { cwd });
      expect(r.status).toBe(1);
      expect(r.stderr.match(/has a git conflict marker/g)).toHaveLength(1);
      expect(r.stderr).toMatch(/^taskstore: error: .*prds\.jsonl line 2 has a git conflict marker/);
      expect(r.stderr).not.toMatch(/skipped/);
    }
    // A command that does not read the conflicted log still hears about it, once.
    appendFileSync(join(cwd, '.taskstore', 'prds.jsonl'), '\n');
    const other = runCli(['list-workflows'], { cwd });
    expect(other.status).toBe(0);
    expect(other.stderr.match(/taskstore: warning: prds\.jsonl line 2 has a git conflict marker/g)).toHaveLength(1);
  });

  it('--set __proto__ is refused as a field name', () => {
    const cwd = tempDir('taskstore-cli-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const id = runJson<{ id: string }>(['create-prd', 'p'], { cwd }).id;
    const r = runCli(['update', id, '--set', '__proto__={"a":1}'], { cwd });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('__proto__ cannot be used as a field name');
    expect(r.stderr).not.toContain('instance of Object');
  });
});

describe('library wording', () => {
  it('a record whose prototype was replaced by a __proto__ assignment is named as such', async () => {
    const { withStore } = await import('./run-cli.js');
    withStore(tempDir('taskstore-lib-'), (store) => {
      const record: Record<string, unknown> = { title: 'x' };
      // eslint-disable-next-line no-proto
      (record as { __proto__: unknown }).__proto__ = { a: 1 };
      expect(() => store.collection({ name: 'notes' }).create(record)).toThrow(/prototype was replaced, as assigning a __proto__ key does/);
      class Custom {}
      expect(() => store.collection({ name: 'notes' }).create(new Custom() as never)).toThrow(/an instance of Custom/);
    });
  });
});

describe('record size and encoding of --content-file', () => {
  it('--max-record-bytes and TASKSTORE_MAX_RECORD_BYTES set the limit the hint names; invalid UTF-8 is refused at its offset', () => {
    const cwd = tempDir('taskstore-cli-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    writeFileSync(join(cwd, 'big.md'), 'a'.repeat(3000));
    const over = runCli(['--max-record-bytes', '1000', 'create-prd', 'big', '--content-file', 'big.md'], { cwd });
    expect(over.status).toBe(1);
    expect(over.stderr).toMatch(/over the 1000-byte limit/);
    expect(over.stderr).toContain('hint: store large content elsewhere, or raise the limit with --max-record-bytes N (or TASKSTORE_MAX_RECORD_BYTES=N)');
    expect(runCli(['create-prd', 'big', '--content-file', 'big.md'], { cwd, env: { TASKSTORE_MAX_RECORD_BYTES: '2000' } }).status).toBe(1);
    expect(runCli(['create-prd', 'big', '--content-file', 'big.md'], { cwd, env: { TASKSTORE_MAX_RECORD_BYTES: '5000' } }).status).toBe(0);
    // The flag beats the environment.
    expect(runCli(['create-prd', 'big', '--max-record-bytes', '5000', '--content-file', 'big.md'], { cwd, env: { TASKSTORE_MAX_RECORD_BYTES: '10' } }).status).toBe(0);
    expect(runCli(['create-prd', 'x'], { cwd, env: { TASKSTORE_MAX_RECORD_BYTES: '1e3' } }).status).toBe(2);
    expect(runCli(['--max-record-bytes', '0', 'create-prd', 'x'], { cwd }).status).toBe(2);

    writeFileSync(join(cwd, 'latin1.md'), Buffer.concat([Buffer.from('# Caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
    const before = runJson<unknown[]>(['list-prds'], { cwd }).length;
    const bad = runCli(['create-prd', 'latin1', '--content-file', 'latin1.md'], { cwd });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('--content-file latin1.md is not valid UTF-8: invalid byte sequence at byte offset 5 (0xe9)');
    const stdin = runCli(['create-prd', 'latin1', '--content-file', '-'], { cwd, input: '\u00ff' });
    expect(stdin.status).toBe(0); // a JS string is sent as UTF-8: valid
    expect(runJson<unknown[]>(['list-prds'], { cwd })).toHaveLength(before + 1);
  });
});

describe('a store that cannot be written', () => {
  /** A store with one PRD and a malformed line, its directory then made read-only by `protect`. */
  function seeded(): { root: string; store: string; id: string; files: () => string[] } {
    const root = tempDir('taskstore-cli-');
    chmodSync(root, 0o755);
    expect(runCli(['init'], { cwd: root }).status).toBe(0);
    const id = runJson<{ id: string }>(['create-prd', 'Readable'], { cwd: root }).id;
    const store = join(root, '.taskstore');
    appendFileSync(join(store, 'prds.jsonl'), 'not json\n');
    return { root, store, id, files: () => readdirSync(store).sort() };
  }

  function expectReadsWork(cwd: string, id: string, as: { uid?: number; gid?: number }, store: string): void {
    const list = runCli(['list-prds'], { cwd, ...as });
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toContain('Readable');
    // Warnings name the store's own files, not a temporary copy's.
    expect(list.stderr).toMatch(/warning: prds\.jsonl line 2 skipped/);
    expect(runCli(['show', id.slice(0, 8)], { cwd, ...as }).stdout).toContain('Readable');
    expect(runCli(['history', id], { cwd, ...as }).status).toBe(0);
    const check = runCli(['--json', 'check'], { cwd, ...as });
    expect(check.status).toBe(1);
    expect(check.stdout).toContain('prds.jsonl line 2: not valid JSON');
    expect(check.stdout).not.toContain('taskstore-readonly-');
    expect(runCli(['export'], { cwd, ...as }).stdout).toContain('Readable');
  }

  it('without write permission: reads work, writes name the cause (EACCES), nothing is written', () => {
    const { root, store, id, files } = seeded();
    const before = files();
    chmodSync(store, 0o555);
    // Root may write anywhere: run as an unprivileged user when the tests run as root.
    const as = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    try {
      expectReadsWork(root, id, as, store);
      const write = runCli(['create-prd', 'x'], { cwd: root, ...as });
      expect(write.status).toBe(1);
      expect(write.stderr).toContain(`cannot write to the store ${store}: you have no write permission on it (EACCES)`);
      expect(files()).toEqual(before);
    } finally {
      chmodSync(store, 0o755);
    }
  });

  it('status answers from git on a store it cannot write (it failed with EACCES); another user\'s repository gets git\'s own remedy as the hint', () => {
    const repo = GitRepo.init();
    chmodSync(repo.dir, 0o755);
    expect(runCli(['init'], { cwd: repo.dir, env: GIT_IDENTITY }).status).toBe(0);
    expect(runCli(['create-prd', 'Readable'], { cwd: repo.dir, env: GIT_IDENTITY }).status).toBe(0);
    const store = join(repo.dir, '.taskstore');
    const before = readdirSync(store).sort();
    chmodSync(store, 0o555);
    const runningAsRoot = process.getuid?.() === 0;
    const as = runningAsRoot ? { uid: 65534, gid: 65534 } : {};
    // As another user, git itself refuses the repository unless it is a safe.directory.
    const trusted = { ...GIT_IDENTITY, GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'safe.directory', GIT_CONFIG_VALUE_0: '*' };
    try {
      const status = runCli(['status'], { cwd: repo.dir, env: trusted, ...as });
      expect(status.status, status.stderr).toBe(0);
      expect(status.stdout).toMatch(new RegExp(`^store +${store.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
      expect(status.stdout).toMatch(/^uncommitted +prds \+1, not in git yet: \.taskstore\/\.gitignore, \.taskstore\/\.version$/m);
      expect(readdirSync(store).sort()).toEqual(before);
      if (runningAsRoot) {
        const refused = runCli(['status'], { cwd: repo.dir, env: GIT_IDENTITY, ...as });
        expect(refused.status).toBe(1);
        expect(refused.stderr).toContain('dubious ownership');
        expect(refused.stderr).toContain("hint: git refuses to work in a repository another user owns; if you trust it, add it to git's safe.directory");
      }
    } finally {
      chmodSync(store, 0o755);
    }
  });

  it('a log committed as a symbolic link is not read through in the temporary copy: the same error as a writable store, naming the link', () => {
    const { root, store } = seeded();
    // What the link names: readable by anyone (a world-readable file of the user's, here with a record line, so a read through the link would list it).
    const outside = tempDir('taskstore-cli-');
    chmodSync(outside, 0o755);
    const secret = join(outside, 'id_rsa');
    writeFileSync(secret, '{"id":"leaked","updated_at":1,"title":"-----BEGIN OPENSSH PRIVATE KEY-----"}\n');
    chmodSync(secret, 0o644);
    symlinkSync(secret, join(store, 'notes.jsonl'));
    const writable = runCli(['list', 'notes'], { cwd: root });
    expect(writable.status).toBe(1);
    const linkError = `cannot open ${join(store, 'notes.jsonl')}: it is a symbolic link, and TaskStore does not follow links for its logs`;
    expect(writable.stderr).toContain(linkError);
    chmodSync(store, 0o555);
    const as = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    try {
      for (const args of [['list', 'notes'], ['show', 'leaked'], ['export'], ['list-prds'], ['check']]) {
        const run = runCli(args, { cwd: root, ...as });
        expect(run.status, args.join(' ')).toBe(1);
        expect(run.stdout + run.stderr, args.join(' ')).not.toContain('PRIVATE KEY');
        expect(run.stderr, args.join(' ')).toContain(linkError);
        expect(run.stderr, args.join(' ')).not.toContain('taskstore-readonly-');
      }
      // A dangling link is no log at all, for the copy as for the store: reads work.
      chmodSync(store, 0o755);
      rmSync(join(store, 'notes.jsonl'));
      symlinkSync(join(outside, 'not-there'), join(store, 'notes.jsonl'));
      chmodSync(store, 0o555);
      const list = runCli(['list-prds'], { cwd: root, ...as });
      expect(list.status, list.stderr).toBe(0);
      expect(list.stdout).toContain('Readable');
    } finally {
      chmodSync(store, 0o755);
    }
  });

  it('watch, ui and mcp, which follow the store live, fail at start with the same message and say why a copy cannot serve them', () => {
    const { root, store, files } = seeded();
    const before = files();
    chmodSync(store, 0o555);
    const as = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    try {
      for (const args of [['watch'], ['ui', '--port', '0'], ['mcp']]) {
        const run = runCli(args, { cwd: root, ...as });
        expect(run.status, args[0]).toBe(1);
        expect(run.stdout, args[0]).toBe('');
        expect(run.stderr, args[0]).toContain(`cannot write to the store ${store}: you have no write permission on it (EACCES)`);
        expect(run.stderr, args[0]).toContain(`taskstore ${args[0]} follows the store's changes`);
        expect(run.stderr, args[0]).toMatch(/never see a new change\. Read commands \(list, show, export …\) work on it/);
        expect(run.stderr, args[0]).not.toMatch(/^\s+at /m);
      }
      expect(files()).toEqual(before);
    } finally {
      chmodSync(store, 0o755);
    }
  });

  const canMount = process.getuid?.() === 0 && spawnSync('mount', ['--version']).status === 0;
  it.skipIf(!canMount)('on a read-only mount: reads work, writes say the file system is read-only (EROFS)', () => {
    const { root, store, id, files } = seeded();
    const before = files();
    const mnt = tempDir('taskstore-ro-mount-');
    const mount = spawnSync('sh', ['-c', `mount --bind "${root}" "${mnt}" && mount -o remount,bind,ro "${mnt}"`], { encoding: 'utf8' });
    if (mount.status !== 0) {
      spawnSync('umount', [mnt]);
      console.warn(`skipping the read-only mount test: ${mount.stderr.trim()}`);
      return;
    }
    try {
      expectReadsWork(mnt, id, {}, join(mnt, '.taskstore'));
      for (const args of [['create-prd', 'x'], ['sync'], ['update', id, '--set', 'title=y'], ['watch'], ['ui', '--port', '0'], ['mcp']]) {
        const write = runCli(args, { cwd: mnt });
        expect(write.status).toBe(1);
        expect(write.stderr).toContain('it is on a read-only file system (EROFS)');
        expect(write.stderr).not.toContain('permission');
      }
      expect(files()).toEqual(before);
      // The library names the cause too.
      expect(spawnSync(process.execPath, ['-e', `import('${join(REPO_ROOT, 'dist', 'index.js')}').then(({ Store }) => { try { Store.open(process.argv[1]) } catch (e) { console.log(e.message) } })`, join(mnt, '.taskstore')], { encoding: 'utf8' }).stdout).toMatch(/the file system is read-only \(EROFS\)/);
    } finally {
      spawnSync('umount', [mnt]);
    }
  });
});

describe('describe', () => {
  it('prints content as is when piped, and --json exactly', () => {
    const cwd = tempDir('taskstore-cli-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const md = '# Plan\n\n- step with `code`\n\n\n  indented\r\nline\n';
    const id = runJson<{ id: string }>(['create-prd', 'md', '--content-file', '-'], { cwd, input: md }).id;
    expect(runCli(['describe', id], { cwd }).stdout).toBe('# Plan\n\n- step with `code`\n\n\n  indented\nline\n');
    expect(runJson<{ content: string }>(['describe', id], { cwd }).content).toBe(md);
  });
});

describe('metrics from a fresh CLI', () => {
  it('shows the write latency and last sync recorded in the cache by earlier processes', () => {
    const cwd = tempDir('taskstore-cli-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    type M = {
      writeLatencyMs: number | null;
      lastSyncMs: number | null;
      recorded: { writeLatencyMs: number | null; lastSyncMs: number | null; lastSyncAt: number | null; lastCatchUpAt: number | null; lastCatchUpLines: number | null };
    };
    const empty = runJson<M>(['metrics'], { cwd });
    expect(empty.recorded).toEqual({ writeLatencyMs: null, lastSyncMs: null, lastSyncAt: null, lastCatchUpAt: null, lastCatchUpLines: null });
    expect(runCli(['metrics'], { cwd }).stdout).toMatch(/write latency\s+none recorded yet/);

    for (let i = 0; i < 3; i++) runCli(['create-prd', `p${i}`], { cwd });
    const afterWrites = runJson<M>(['metrics'], { cwd });
    expect(afterWrites.writeLatencyMs).toBe(null); // this process wrote nothing
    expect(afterWrites.recorded.writeLatencyMs).toBeGreaterThan(0);
    expect(afterWrites.recorded.lastSyncAt).toBe(null);

    const before = Date.now();
    expect(runCli(['sync'], { cwd }).status).toBe(0);
    const afterSync = runJson<M>(['metrics'], { cwd });
    expect(afterSync.recorded.lastSyncMs).toBeGreaterThan(0);
    expect(afterSync.recorded.lastSyncAt).toBeGreaterThanOrEqual(before - 1000);
    const text = runCli(['metrics'], { cwd }).stdout;
    expect(text).toMatch(/write latency\s+\d+\.\d ms/);
    expect(text).toMatch(/last sync\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ, took \d+\.\d ms/);

    // Lines another writer (or git) added are caught up by the next process, which records it.
    expect(afterSync.recorded.lastCatchUpAt).toBe(null);
    appendFileSync(join(cwd, '.taskstore', 'prds.jsonl'), `${JSON.stringify({ id: 'by-hand', updated_at: 1, title: 'from git', status: 'draft', review_passes: 0, description: '', content: '' })}\n`);
    const caughtUp = runJson<M>(['metrics'], { cwd });
    expect(caughtUp.recorded.lastCatchUpLines).toBe(1);
    expect(caughtUp.recorded.lastCatchUpAt).toBeGreaterThanOrEqual(afterSync.recorded.lastSyncAt!);
    expect(runCli(['metrics'], { cwd }).stdout).toMatch(/last catch-up\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ, 1 line from the logs/);
  });
});

describe('tables on a terminal', () => {
  const hasScript = spawnSync('script', ['--version']).status === 0;
  it.skipIf(!hasScript)('fit the terminal width (80 columns), cutting long titles with an ellipsis and keeping ids whole', () => {
    const cwd = tempDir('taskstore-cli-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const long = 'A very long PRD title that would wrap every row of a narrow terminal if it were printed whole';
    const ids = [runJson<{ id: string }>(['create-prd', long], { cwd }).id, runJson<{ id: string }>(['create-prd', 'short'], { cwd }).id];
    // A real pseudo-terminal of 80 columns (util-linux `script`).
    const r = spawnSync('script', ['-qc', `stty cols 80; "${process.execPath}" "${join(REPO_ROOT, 'dist', 'cli', 'main.js')}" list-prds`, '/dev/null'], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, TASKSTORE_DIR: '', NO_COLOR: '' },
    });
    expect(r.status).toBe(0);
    // eslint-disable-next-line no-control-regex
    const lines = r.stdout.replace(/\u001b\[[0-9;]*m/g, '').replace(/\r/g, '').trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(80);
    expect(lines[1]).toContain("A very long PRD title");
    expect(lines[1]).toContain('…');
    expect(lines[1]).toMatch(/draft\s+0\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    // The short ids shown can be typed back.
    for (const [i, line] of lines.slice(1).entries()) expect(ids[i]!.startsWith(line.split(' ')[0]!)).toBe(true);
    // Piped, nothing is cut to a width.
    expect(runCli(['list-prds'], { cwd }).stdout).toContain(long.slice(0, 49));
  });
});
