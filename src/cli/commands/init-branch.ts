/**
 * `taskstore init --branch NAME`: the store on a branch of its own, checked out in a
 * linked worktree inside the git directory, found by every worktree of the repository.
 */
import { Store, type GitIntegrationReport, type StoreBranchSetup } from '../../index.js';
import type { CliContext } from '../context.js';
import { assertBranchArgument } from '../branch-name.js';
import { UsageError } from '../errors.js';
import { createCliLogger } from '../open-store.js';
import { createOutput, plural } from '../output.js';
import { findUp } from '../resolve-store.js';
import { visible } from '../terminal-safe.js';

interface InitBranchReport extends StoreBranchSetup {
  /** False when the store already existed on the branch. */
  created: boolean;
  /** What installing the git integration changed. */
  hooks: GitIntegrationReport;
  /** The commit that recorded the new store files on the branch, or null. */
  commit: string | null;
}

export async function runInitBranch(ctx: CliContext, branch: string, force = false): Promise<number> {
  if (ctx.storeFlag !== undefined) {
    throw new UsageError('--branch keeps the store on a branch of its own and cannot be combined with --store', { hint: 'drop --store' });
  }
  assertBranchArgument(ctx.cwd, '--branch', branch);
  const out = createOutput(ctx);
  const git = await import('../../index.js');
  // The hooks are installed last, after the branch, its work tree and the store exist:
  // a hook TaskStore cannot edit must be refused before any of that is created.
  git.checkGitHooksEditable({ cwd: ctx.cwd, branch, ...(force ? { force } : {}) });
  const setup = git.setUpStoreBranch({ cwd: ctx.cwd, branch });
  // Whether this init created the store is the store's to say (see init.ts): two inits at
  // the same moment both found no .version, and both said so.
  const opened = Store.open(setup.storeDir, { logger: createCliLogger(ctx) });
  const created = opened.created;
  opened.close();
  const hooks = git.installGitIntegration({ storeDir: setup.storeDir, ...(force ? { force } : {}) });
  const commit = git.commitStoreBranchSetup(setup.worktree) ?? null;
  const report: InitBranchReport = { ...setup, created, hooks, commit };

  if (out.jsonMode) out.json(report);
  else {
    const how =
      setup.origin === 'remote'
        ? `from ${visible(`${setup.remote}/${branch}`, true)}`
        : setup.origin === 'existing'
          ? '(already set up)'
          : setup.origin === 'local'
            ? '(existing local branch)'
            : '(new branch)';
    out.line(`TaskStore on branch ${visible(branch, true)} ${how}: ${visible(setup.storeDir, true)}`);
    if (hooks.changed.length > 0) out.line(`git integration installed (${plural(hooks.changed.length, 'item')} changed)`);
  }
  for (const warning of hooks.warnings) out.warn(warning);
  const inTree = findUp(ctx.cwd);
  if (inTree !== undefined && inTree !== setup.storeDir) {
    out.warn(
      `the store in ${inTree} is no longer found by discovery (the store branch comes first); copy its records over with \`taskstore --store ${inTree} export | taskstore import -\``,
    );
  }
  if (ctx.env.TASKSTORE_DIR !== undefined && ctx.env.TASKSTORE_DIR !== '') {
    out.warn('TASKSTORE_DIR is set and takes precedence over the store branch; unset it to use the store branch');
  }
  return 0;
}
