/**
 * The store's attribute line unsets `text`, so git never converts the logs' line endings:
 * a `* text eol=crlf` line (common in Windows-minded repositories) or core.autocrlf would
 * otherwise turn the committed LF logs into CRLF in the work tree on clone, checkout and
 * pull, after which TaskStore appends LF lines to a CRLF file. Real git, the built CLI,
 * the real merge driver.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { installGitIntegration, uninstallGitIntegration } from '../../src/git/index.js';
import { runCli } from '../cli/run-cli.js';
import { GIT_ENV, GitRepo } from '../helpers/git-repo.js';
import { tempDir } from '../helpers/temp.js';
import { commandsFor, fakeCli } from './fixtures.js';

/** git's environment for the CLI (the hooks it installs run the CLI too). */
const env = { GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
const LOG = '.taskstore/prds.jsonl';
const OLD_LINE = '.taskstore/*.jsonl merge=taskstore';
const NEW_LINE = '.taskstore/*.jsonl merge=taskstore -text';

/** `git clone` with extra config (`-c core.autocrlf=true`) applied to the clone. */
function cloneWith(from: string, ...config: string[]): GitRepo {
  const dir = tempDir('taskstore-clone-');
  execFileSync('git', ['clone', '-q', ...config.flatMap((c) => ['-c', c]), from, dir], { env: GIT_ENV, stdio: 'pipe' });
  return new GitRepo(dir);
}

function bytes(repo: GitRepo, path = LOG): Buffer {
  return readFileSync(join(repo.dir, path));
}

/** The committed blob of `path` at `rev`. */
function blob(repo: GitRepo, rev: string, path = LOG): Buffer {
  return execFileSync('git', ['cat-file', 'blob', `${rev}:${path}`], { cwd: repo.dir, env: GIT_ENV });
}

function cli(repo: GitRepo, ...args: string[]): string {
  const result = runCli(args, { cwd: repo.dir, env });
  expect(result.status, `taskstore ${args.join(' ')}: ${result.stderr}`).toBe(0);
  return result.stdout.trim();
}

/** A repository whose .gitattributes starts with `* text eol=crlf`, and a store with two records. */
function crlfMindedRepo(): GitRepo {
  const repo = GitRepo.init();
  repo.write('.gitattributes', '* text eol=crlf\n');
  repo.commitAll('attributes');
  return repo;
}

describe('the logs keep their LF bytes whatever git is told about line endings', () => {
  it('control: with the old line (no -text), `* text eol=crlf` and core.autocrlf turn a clone\'s logs into CRLF', () => {
    const repo = crlfMindedRepo();
    repo.write('.gitattributes', `* text eol=crlf\n${OLD_LINE}\n`);
    repo.write(LOG, '{"id":"a","updated_at":1}\n{"id":"b","updated_at":2}\n');
    repo.commitAll('store');
    expect(bytes(cloneWith(repo.dir)).toString()).toBe('{"id":"a","updated_at":1}\r\n{"id":"b","updated_at":2}\r\n');
    repo.write('.gitattributes', `${OLD_LINE}\n`);
    repo.commitAll('no eol line');
    expect(bytes(cloneWith(repo.dir, 'core.autocrlf=true')).toString()).toContain('\r\n');
  });

  it('init --hooks writes -text: clone (eol=crlf, core.autocrlf), merge by the driver, pull and checkout keep the bytes', () => {
    const a = crlfMindedRepo();
    cli(a, 'init', '--hooks');
    expect(a.read('.gitattributes')).toBe(`* text eol=crlf\n${NEW_LINE}\n`);
    expect(a.git('check-attr', 'merge', 'text', '--', LOG)).toBe(`${LOG}: merge: taskstore\n${LOG}: text: unset\n`);
    cli(a, 'create-prd', 'first');
    cli(a, 'create-prd', 'second');
    a.commitAll('store');
    const committed = blob(a, 'HEAD');
    expect(committed.includes('\r')).toBe(false);
    expect(bytes(a).equals(committed)).toBe(true);

    // Clones, with and without core.autocrlf: the work tree holds the committed bytes.
    const b = cloneWith(a.dir, 'core.autocrlf=true');
    expect(bytes(b).equals(committed)).toBe(true);
    expect(b.git('ls-files', '--eol', '--', LOG)).toMatch(/^i\/lf\s+w\/lf\s+attr\/-text\s/);
    expect(bytes(cloneWith(a.dir)).equals(committed)).toBe(true);
    cli(b, 'install-hooks');

    // Diverging writes merged by the driver: every record of both branches, LF only.
    a.git('checkout', '-q', '-b', 'side');
    const onSide = cli(a, 'create-prd', 'on side');
    a.commitAll('side');
    a.git('checkout', '-q', 'main');
    const onMain = cli(a, 'create-prd', 'on main');
    a.commitAll('main');
    a.git('merge', '-q', '--no-edit', 'side');
    const merged = blob(a, 'HEAD');
    expect(merged.includes('\r')).toBe(false);
    expect(bytes(a).equals(merged)).toBe(true);
    const ids = merged
      .toString()
      .trimEnd()
      .split('\n')
      .map((line) => (JSON.parse(line) as { id: string }).id);
    expect(ids).toEqual(expect.arrayContaining([onSide, onMain]));
    expect(ids).toHaveLength(4); // each line once: the driver merged record by record

    // A plain pull into the autocrlf clone, then checkouts back and forth.
    b.git('pull', '-q', '--no-rebase');
    expect(bytes(b).equals(merged)).toBe(true);
    b.git('checkout', '-q', 'HEAD~2');
    expect(bytes(b).equals(committed)).toBe(true);
    b.git('checkout', '-q', 'main');
    expect(bytes(b).equals(merged)).toBe(true);
    // TaskStore appends LF lines to an LF file: one line ending throughout.
    cli(b, 'create-prd', 'after pull');
    expect(bytes(b).includes('\r')).toBe(false);
    expect(b.git('status', '--porcelain', '--', LOG).trim()).toBe(`M ${LOG}`);
  }, 60_000);
});

describe('the old line (without -text) in existing repositories', () => {
  it('install-hooks replaces the store\'s own old line in place, once; the user\'s lines stay; a clone then keeps LF', () => {
    const repo = crlfMindedRepo();
    cli(repo, 'init');
    const user = ['# ours', '* text eol=crlf', '.taskstore/*.jsonl merge=taskstore linguist-generated'];
    repo.write('.gitattributes', `${user[0]}\n${user[1]}\n${OLD_LINE}\n${user[2]}\n`);
    cli(repo, 'create-prd', 'first');
    repo.commitAll('store with the old line');
    expect(bytes(cloneWith(repo.dir)).includes('\r\n')).toBe(true); // what the old line allowed

    const first = JSON.parse(cli(repo, '--json', 'install-hooks')) as { changed: string[] };
    expect(first.changed).toContain(join(repo.dir, '.gitattributes'));
    expect(repo.read('.gitattributes')).toBe(`${user[0]}\n${user[1]}\n${NEW_LINE}\n${user[2]}\n`);
    const second = JSON.parse(cli(repo, '--json', 'install-hooks')) as { changed: string[] };
    expect(second.changed).toEqual([]);
    expect(repo.read('.gitattributes')).toBe(`${user[0]}\n${user[1]}\n${NEW_LINE}\n${user[2]}\n`);
    repo.commitAll('migrated');
    const clone = cloneWith(repo.dir, 'core.autocrlf=true');
    expect(bytes(clone).equals(blob(repo, 'HEAD'))).toBe(true);
    expect(bytes(clone).includes('\r')).toBe(false);

    // Uninstall takes the new line away and leaves the user's lines.
    cli(repo, 'uninstall-hooks');
    expect(repo.read('.gitattributes')).toBe(`${user.join('\n')}\n`);
  }, 60_000);

  it('uninstall removes the old line too (a repository never migrated)', () => {
    const repo = GitRepo.init();
    const commands = commandsFor(fakeCli('ok').path);
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands });
    repo.write('.gitattributes', `*.png binary\n${OLD_LINE}\n`);
    const report = uninstallGitIntegration({ cwd: repo.dir, storeDir: '.taskstore' });
    expect(report.changed).toContain(join(repo.dir, '.gitattributes'));
    expect(repo.read('.gitattributes')).toBe('*.png binary\n');
  });
});

describe('install asks git whether text is unset', () => {
  it('warns (and still installs) when a higher-ranked gitattributes line sets text on the logs', () => {
    const repo = GitRepo.init();
    repo.write('.taskstore/.gitattributes', '*.jsonl text eol=crlf\n');
    const report = installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(fakeCli('ok').path) });
    expect(report.warnings.join('\n')).toMatch(/text attribute "set", not "unset".*line endings/);
    expect(repo.read('.gitattributes')).toBe(`${NEW_LINE}\n`);
  });

  it('says nothing when git resolves text to unset', () => {
    const repo = crlfMindedRepo();
    const report = installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(fakeCli('ok').path) });
    expect(report.warnings).toEqual([]);
  });
});
