/**
 * The hook blocks' format number: a block a newer TaskStore wrote is `hooks_newer`, not
 * `hooks_outdated`, and this version's install refuses to write its older block over it
 * unless forced. Real hook files in real git repositories.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkGitHooksEditable, gitIntegrationProblems, gitIntegrationStatus, HOOK_NAMES, installGitIntegration, uninstallGitIntegration } from '../../src/git/index.js';
import { findBlocks, withBlock, withoutBlock } from '../../src/git/hook-block.js';
import { HOOK_BLOCK_FORMAT, renderHookBlock } from '../../src/git/hook-scripts.js';
import { GitRepo } from '../helpers/git-repo.js';
import { commandsFor, fakeCli, snapshot, snapshotDir } from './fixtures.js';
import { branchClone, cli, cliJson, cliOk, makeRemote } from './sync/helpers.js';

/**
 * The digest of every hook's block as this version renders it, by format. A change to the
 * blocks' text changes the digest: bump HOOK_BLOCK_FORMAT (hook-scripts.ts) and add the new
 * digest here, so installed blocks of the old text read as older, not as newer or edited.
 */
const BLOCK_DIGESTS: Record<number, string> = {
  2: 'c08e90a312502962e2be95db8b8133fe4ac12160913b3846ead5a727b74dce0f',
};

function blocksDigest(): string {
  const commands = { node: '/usr/bin/node', cli: '/opt/taskstore/dist/cli/main.js', mergeDriver: '/opt/taskstore/dist/cli/merge-main.js' };
  const hash = createHash('sha256');
  for (const hook of HOOK_NAMES) hash.update(renderHookBlock(hook, { commands, storeRelative: '.taskstore' }, 'created'));
  return hash.digest('hex');
}

/** `content` with the format line of its blocks set to `format` (removed for undefined). */
function withFormat(content: string, format: number | undefined): string {
  return content.replace(/^# taskstore-hooks-format: \d+\n/gm, format === undefined ? '' : `# taskstore-hooks-format: ${format}\n`);
}

describe('hook block format', () => {
  it('the blocks carry this version\'s format; their text changed only with a bumped format', () => {
    expect(renderHookBlock('post-merge', { commands: commandsFor('/x/main.js'), storeRelative: '.taskstore' }, 'created').split('\n').slice(0, 4)).toEqual([
      '# >>> taskstore >>>',
      '# taskstore-origin: created',
      '# taskstore-store: ".taskstore"',
      `# taskstore-hooks-format: ${HOOK_BLOCK_FORMAT}`,
    ]);
    expect({ format: HOOK_BLOCK_FORMAT, digest: blocksDigest() }).toEqual({ format: HOOK_BLOCK_FORMAT, digest: BLOCK_DIGESTS[HOOK_BLOCK_FORMAT] });
  });

  it('a block a newer version wrote is hooks_newer, not hooks_outdated; install refuses to replace it, changing nothing, unless forced', () => {
    const repo = GitRepo.init();
    const hooks = join(repo.dir, '.git', 'hooks');
    const cli = fakeCli('ok');
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(cli.path) });
    const postMerge = readFileSync(join(hooks, 'post-merge'), 'utf8');
    const prePush = readFileSync(join(hooks, 'pre-push'), 'utf8');

    // A newer version's block: a higher format, and text this version does not write.
    const newer = (content: string): string => withFormat(content, HOOK_BLOCK_FORMAT + 1).replace('# Added by', '# A newer line\n# Added by');
    writeFileSync(join(hooks, 'post-merge'), newer(postMerge));
    writeFileSync(join(hooks, 'pre-push'), newer(prePush));
    const status = gitIntegrationStatus({ cwd: repo.dir, storeDir: '.taskstore' });
    expect(status.hooksNewer).toEqual(['post-merge', 'pre-push']);
    expect(status.hooksOutdated).toEqual([]);
    expect(status.hooksMissing).toEqual([]);
    const problems = gitIntegrationProblems(status);
    expect(problems.map((p) => p.kind)).toEqual(['hooks_newer']);
    expect(problems[0]!.message).toBe(
      `the TaskStore block in the post-merge, pre-push hooks in ${hooks} was written by a newer version of taskstore ` +
        `(its taskstore-hooks-format line gives a higher format than the ${HOOK_BLOCK_FORMAT} this version writes): this version's \`taskstore install-hooks\` refuses to replace them with its older block; ` +
        "upgrade this taskstore (or run the newer one's `install-hooks`), or run `taskstore install-hooks --force` to go back to this version's hooks on purpose",
    );

    // Install refuses before writing anything: the attributes line and driver config too.
    repo.git('config', '--unset', 'merge.taskstore.driver');
    const files = (): unknown => ({ hooks: snapshotDir(hooks), other: snapshot([join(repo.dir, '.gitattributes'), join(repo.dir, '.git', 'config')]) });
    const before = files();
    let thrown: unknown;
    try {
      installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(cli.path) });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({
      code: 'VALIDATION',
      message:
        `a newer version of taskstore wrote the TaskStore block in the post-merge, pre-push hooks in ${hooks} ` +
        `(hook block format ${HOOK_BLOCK_FORMAT + 1}; this version writes format ${HOOK_BLOCK_FORMAT}): installing would replace them with this version's older block`,
      data: { hooks: ['post-merge', 'pre-push'], installedFormat: HOOK_BLOCK_FORMAT + 1, format: HOOK_BLOCK_FORMAT },
    });
    expect((thrown as { hint: string }).hint).toMatch(/^nothing was changed; .*--force/);
    expect(files()).toEqual(before);

    const forced = installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(cli.path), force: true });
    expect(forced.changed).toEqual(expect.arrayContaining([join(hooks, 'post-merge'), join(hooks, 'pre-push'), 'git config merge.taskstore.driver']));
    expect(readFileSync(join(hooks, 'post-merge'), 'utf8')).toBe(postMerge);
    expect(readFileSync(join(hooks, 'pre-push'), 'utf8')).toBe(prePush);
    expect(gitIntegrationProblems(gitIntegrationStatus({ cwd: repo.dir, storeDir: '.taskstore' }))).toEqual([]);
  });

  it('a block without the format line (from before it) or of a lower format is hooks_outdated, and install rewrites it', () => {
    const repo = GitRepo.init();
    const hooks = join(repo.dir, '.git', 'hooks');
    const cli = fakeCli('ok');
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(cli.path) });
    const postCheckout = readFileSync(join(hooks, 'post-checkout'), 'utf8');
    for (const format of [undefined, HOOK_BLOCK_FORMAT - 1]) {
      writeFileSync(join(hooks, 'post-checkout'), withFormat(postCheckout, format));
      const status = gitIntegrationStatus({ cwd: repo.dir, storeDir: '.taskstore' });
      expect({ format, outdated: status.hooksOutdated, newer: status.hooksNewer }).toEqual({ format, outdated: ['post-checkout'], newer: [] });
      installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(cli.path) });
      expect(readFileSync(join(hooks, 'post-checkout'), 'utf8')).toBe(postCheckout);
    }
  });

  it('a block with a format line is found, replaced and removed by its markers alone, as versions without the line do', () => {
    const block = renderHookBlock('post-merge', { commands: commandsFor('/x/main.js'), storeRelative: '.taskstore' }, 'existing');
    const newer = withFormat(block, 99);
    const hook = `#!/bin/sh\n${newer}echo mine\n`;
    expect(findBlocks(hook).map((span) => ({ store: span.store, origin: span.origin, format: span.format }))).toEqual([{ store: '.taskstore', origin: 'existing', format: 99 }]);
    expect(withBlock(hook, block, 'post-merge', '.taskstore')).toBe(`#!/bin/sh\n${block}echo mine\n`);
    expect(withoutBlock(hook, 'post-merge', '.taskstore')).toBe('#!/bin/sh\necho mine\n');
    // Uninstall takes a newer block out too: no force needed to remove.
    const repo = GitRepo.init();
    installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: commandsFor(fakeCli('ok').path) });
    const path = join(repo.dir, '.git', 'hooks', 'post-merge');
    writeFileSync(path, withFormat(readFileSync(path, 'utf8'), 99));
    uninstallGitIntegration({ cwd: repo.dir, storeDir: '.taskstore' });
    expect(gitIntegrationStatus({ cwd: repo.dir, storeDir: '.taskstore' }).hooksInstalled).toEqual([]);
  });

  it('git-sync installing a missing driver leaves a newer block as it is, and syncs', () => {
    const remote = makeRemote();
    const { clone } = branchClone(remote);
    const path = join(clone.dir, '.git', 'hooks', 'post-merge');
    const newer = withFormat(readFileSync(path, 'utf8'), HOOK_BLOCK_FORMAT + 1).replace('# Added by', '# A newer line\n# Added by');
    writeFileSync(path, newer);
    clone.git('config', '--unset', 'merge.taskstore.driver');
    cliOk(clone.dir, 'create-prd', 'mine');
    const sync = cliJson<{ pushed: boolean; installed: string[] }>(clone.dir, 'git-sync');
    expect(sync.pushed).toBe(true);
    expect(sync.installed).toContain('git config merge.taskstore.driver');
    expect(readFileSync(path, 'utf8')).toBe(newer);
  });
});

describe('init with a block a newer version wrote', () => {
  /** A repository whose in-tree store `.taskstore` has hooks, the post-merge block marked as a newer format's. */
  function repoWithNewerBlock(): { repo: GitRepo; path: string; newer: string; current: string } {
    const repo = GitRepo.init();
    repo.commitAll('first');
    cliOk(repo.dir, 'init', '--hooks');
    const path = join(repo.dir, '.git', 'hooks', 'post-merge');
    const current = readFileSync(path, 'utf8');
    const newer = withFormat(current, HOOK_BLOCK_FORMAT + 1).replace('# Added by', '# A newer line\n# Added by');
    writeFileSync(path, newer);
    return { repo, path, newer, current };
  }

  it('init --hooks refuses it as install-hooks does, and init --hooks --force replaces it as install-hooks --force does', () => {
    const { repo, path, newer, current } = repoWithNewerBlock();
    const refused = cli(repo.dir, 'init', '--hooks');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/a newer version of taskstore wrote the TaskStore block in the post-merge hook/);
    expect(readFileSync(path, 'utf8')).toBe(newer);
    const forced = cliJson<{ hooks: { changed: string[] } }>(repo.dir, 'init', '--hooks', '--force');
    expect(forced.hooks.changed).toEqual([path]);
    expect(readFileSync(path, 'utf8')).toBe(current);
  });

  it('init --force without --hooks or --branch is a usage error that changes nothing', () => {
    const repo = GitRepo.init();
    const run = cli(repo.dir, 'init', '--force');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--force goes with --hooks or --branch');
    expect(existsSync(join(repo.dir, '.taskstore'))).toBe(false);
  });

  it('init --branch refuses it before creating the branch, its worktree, config or store; --force sets it all up', () => {
    const { repo, path, current } = repoWithNewerBlock();
    const refused = cli(repo.dir, 'init', '--branch', 'taskstore');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/a newer version of taskstore wrote the TaskStore block in the post-merge hook/);
    expect(repo.tryGit('rev-parse', '--verify', '-q', 'refs/heads/taskstore').status).toBe(1);
    expect(repo.tryGit('config', 'taskstore.branch').status).toBe(1);
    expect(existsSync(join(repo.dir, '.git', 'taskstore'))).toBe(false);
    const forced = cliJson<{ origin: string; storeDir: string }>(repo.dir, 'init', '--branch', 'taskstore', '--force');
    expect(forced.origin).toBe('new');
    expect(readFileSync(path, 'utf8')).toBe(current);
    expect(cli(repo.dir, 'check').status).toBe(0);
  });
});

describe('init --branch with a relative core.hooksPath (each worktree runs its own hooks directory)', () => {
  it("a newer block in the main worktree's .githooks does not stop init --branch, whose hooks go to the store worktree's .githooks", () => {
    const repo = GitRepo.init();
    repo.commitAll('first');
    repo.git('config', 'core.hooksPath', '.githooks');
    cliOk(repo.dir, 'init', '--hooks');
    const mainHook = join(repo.dir, '.githooks', 'post-merge');
    const newer = withFormat(readFileSync(mainHook, 'utf8'), HOOK_BLOCK_FORMAT + 1);
    writeFileSync(mainHook, newer);

    const setup = cliJson<{ origin: string; worktree: string }>(repo.dir, 'init', '--branch', 'taskstore');
    expect(setup.origin).toBe('new');
    expect(readFileSync(mainHook, 'utf8')).toBe(newer);
    // git runs the store worktree's own .githooks there: that is where the blocks went.
    expect(repo.git('-C', setup.worktree, 'rev-parse', '--git-path', 'hooks').trim()).toBe('.githooks');
    expect(readFileSync(join(setup.worktree, '.githooks', 'post-merge'), 'utf8')).toContain(`# taskstore-hooks-format: ${HOOK_BLOCK_FORMAT}\n`);
    expect(cli(setup.worktree, 'check').status).toBe(0);
  });

  it("the check init --branch runs first looks at the store worktree's .githooks, where a newer block now is, not the main worktree's", () => {
    const repo = GitRepo.init();
    repo.commitAll('first');
    repo.git('config', 'core.hooksPath', '.githooks');
    const setup = cliJson<{ worktree: string }>(repo.dir, 'init', '--branch', 'taskstore');
    const storeHook = join(setup.worktree, '.githooks', 'pre-push');
    writeFileSync(storeHook, withFormat(readFileSync(storeHook, 'utf8'), HOOK_BLOCK_FORMAT + 1));
    expect(existsSync(join(repo.dir, '.githooks'))).toBe(false);
    expect(() => checkGitHooksEditable({ cwd: repo.dir, branch: 'taskstore' })).toThrow(
      `a newer version of taskstore wrote the TaskStore block in the pre-push hook in ${join(setup.worktree, '.githooks')}`,
    );
    checkGitHooksEditable({ cwd: repo.dir, branch: 'taskstore', force: true });
    // A branch name that is not one is refused before any path is made of it.
    expect(() => checkGitHooksEditable({ cwd: repo.dir, branch: '../../elsewhere' })).toThrow(/is not a valid git branch name/);
  });
});
