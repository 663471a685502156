import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { effectiveHooksDir, findGitLocation, requireGitLocation } from '../../src/git/git-dirs.js';
import { IoError } from '../../src/errors.js';
import { GitRepo } from '../helpers/git-repo.js';
import { tempDir } from '../helpers/temp.js';
import { commandsFor, fakeCli, snapshot } from './fixtures.js';
import { gitIntegrationProblems } from '../../src/git/problems.js';
import { gitIntegrationStatus } from '../../src/git/status.js';
import { installGitIntegration } from '../../src/git/install.js';
import { uninstallGitIntegration } from '../../src/git/uninstall.js';

describe('findGitLocation', () => {
  it('finds root, git dir, common dir and hooks dir from a subdirectory', () => {
    const repo = GitRepo.init();
    mkdirSync(join(repo.dir, 'a', 'b'), { recursive: true });
    expect(findGitLocation(join(repo.dir, 'a', 'b'))).toEqual({
      workTree: repo.dir,
      gitDir: join(repo.dir, '.git'),
      commonDir: join(repo.dir, '.git'),
      hooksDir: join(repo.dir, '.git', 'hooks'),
      hooksPath: undefined,
    });
  });

  it('in a linked worktree: its own root and private git dir, but the COMMON dir hooks', () => {
    const repo = GitRepo.init();
    repo.commitAll('first');
    const wt = join(tempDir(), 'wt');
    repo.git('worktree', 'add', '-q', wt);
    const location = findGitLocation(wt)!;
    expect(location.workTree).toBe(realpathSync(wt));
    expect(location.gitDir).toBe(join(repo.dir, '.git', 'worktrees', 'wt'));
    expect(location.commonDir).toBe(join(repo.dir, '.git'));
    expect(location.hooksDir).toBe(join(repo.dir, '.git', 'hooks'));
  });

  it('honours core.hooksPath: relative to the work tree root (not the cwd), or absolute', () => {
    const repo = GitRepo.init();
    mkdirSync(join(repo.dir, 'sub'));
    repo.git('config', 'core.hooksPath', '.githooks');
    expect(findGitLocation(join(repo.dir, 'sub'))!.hooksDir).toBe(join(repo.dir, '.githooks'));
    const abs = tempDir('taskstore-hooks-');
    repo.git('config', 'core.hooksPath', abs);
    expect(findGitLocation(join(repo.dir, 'sub'))!.hooksDir).toBe(abs);
  });

  it('returns undefined outside a work tree, inside .git, and in a bare repository', () => {
    expect(findGitLocation(tempDir())).toBeUndefined();
    const repo = GitRepo.init();
    expect(findGitLocation(join(repo.dir, '.git'))).toBeUndefined();
    expect(findGitLocation(GitRepo.init({ bare: true }).dir)).toBeUndefined();
  });

  it('a repository whose path holds a newline: the right work tree, and check sees the missing integration', () => {
    // git prints the three paths one a line: split blindly, `/tmp/x/a\nb` was taken for `/tmp/x/a`,
    // the store for one outside any work tree, and `check` reported no git problem at all.
    const repo = GitRepo.init({ dir: join(tempDir(), 'a\nb') });
    mkdirSync(join(repo.dir, 'sub'));
    expect(findGitLocation(join(repo.dir, 'sub'))).toEqual({
      workTree: repo.dir,
      gitDir: join(repo.dir, '.git'),
      commonDir: join(repo.dir, '.git'),
      hooksDir: join(repo.dir, '.git', 'hooks'),
      hooksPath: undefined,
    });
    const storeDir = join(repo.dir, '.taskstore');
    expect(gitIntegrationProblems(gitIntegrationStatus({ storeDir, probeDriver: false })).map((p) => p.kind)).toEqual(['git_integration_missing']);
    installGitIntegration({ storeDir, commands: commandsFor(fakeCli('ok').path) });
    expect(repo.git('config', '--get', 'merge.taskstore.driver')).toContain('%O %A %B %P');
    expect(gitIntegrationProblems(gitIntegrationStatus({ storeDir, probeDriver: false }))).toEqual([]);
  });

  it('requireGitLocation throws an IoError with a hint outside a work tree', () => {
    const dir = tempDir();
    expect(() => requireGitLocation(dir)).toThrow(IoError);
    try {
      requireGitLocation(dir);
    } catch (err) {
      expect((err as IoError).code).toBe('IO');
      expect((err as IoError).data.reason).toBe('not_a_git_work_tree');
      expect((err as IoError).hint).toMatch(/git init/);
    }
  });

  it('a clone git takes for bare (core.bare = true): install and uninstall refuse naming the setting, not "run git init", and change nothing', () => {
    const repo = GitRepo.init();
    repo.git('config', 'core.bare', 'true');
    const files = (): unknown => snapshot([join(repo.dir, '.git', 'config'), join(repo.dir, '.gitattributes')]);
    const before = files();
    const hint = `git takes the repository ${join(repo.dir, '.git')} for a bare one (core.bare = true) although it has a work tree: if it is a normal clone, run \`git --git-dir=${join(repo.dir, '.git')} config core.bare false\`, then try again`;
    for (const act of [() => installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(fakeCli('ok').path) }), () => uninstallGitIntegration({ cwd: repo.dir, storeDir: '.taskstore' }), () => requireGitLocation(repo.dir)]) {
      expect(act).toThrow(IoError);
      try {
        act();
      } catch (err) {
        expect((err as IoError).hint).toBe(hint);
      }
    }
    expect(files()).toEqual(before);
    expect(existsSync(join(repo.dir, '.git', 'hooks', 'pre-commit'))).toBe(false);
    // Set back, install works.
    repo.git('--git-dir', join(repo.dir, '.git'), 'config', 'core.bare', 'false');
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(fakeCli('ok').path) });
  });
});

describe('effectiveHooksDir', () => {
  it('defaults to <common dir>/hooks', () => {
    expect(effectiveHooksDir('/w', '/repo/.git', undefined)).toBe('/repo/.git/hooks');
  });
  it('resolves a relative core.hooksPath against the work tree root', () => {
    expect(effectiveHooksDir('/w', '/repo/.git', 'tools/hooks')).toBe('/w/tools/hooks');
  });
});
