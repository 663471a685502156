import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { GitIntegrationReport, GitIntegrationStatus } from '../../index.js';
import type { CliContext } from '../context.js';
import { openStore, storeLocation } from '../open-store.js';
import { createOutput, plural } from '../output.js';
import { visible } from '../terminal-safe.js';

export interface InitInput {
  /** Also install the git integration (merge driver, .gitattributes, hooks). */
  hooks?: boolean;
  /** Keep the store on this branch, in a linked worktree inside the git directory. */
  branch?: string;
}

export interface InitReport {
  /** Absolute path of the store. */
  dir: string;
  /** False when a store was already there. */
  created: boolean;
  /** The git work tree the store is in, or null outside git. */
  workTree: string | null;
  /** `merge.taskstore.driver` is configured in this clone (after `--hooks`, if given). */
  driverConfigured: boolean;
  /** What `--hooks` installed; null without `--hooks`. */
  hooks: GitIntegrationReport | null;
}

/**
 * Creates the store (or opens an existing one, which also brings its cache up to date).
 * In a git work tree whose clone has no merge driver configured, says so and suggests
 * `install-hooks`; `--hooks` installs it.
 */
export async function run(ctx: CliContext, input: InitInput): Promise<number> {
  if (input.branch !== undefined) return (await import('./init-branch.js')).runInitBranch(ctx, input.branch);
  const out = createOutput(ctx);
  const location = storeLocation(ctx);
  const existed = existsSync(join(location.dir, '.version'));
  const git = await import('../../index.js');
  if (input.hooks && git.gitIntegrationStatus({ cwd: ctx.cwd, storeDir: location.dir, probeDriver: false }).inGitRepo) {
    // Whatever the install below would refuse (a hook in another language, an overriding
    // gitattributes line) is refused now, before the store is created: bad input changes nothing.
    git.checkGitIntegrationInstallable({ cwd: ctx.cwd, storeDir: location.dir });
  }
  openStore(ctx, { create: true }).close();
  let status: GitIntegrationStatus;
  try {
    status = git.gitIntegrationStatus({ cwd: ctx.cwd, storeDir: location.dir, probeDriver: false });
  } catch (err) {
    // A store needs no git (every other command works without it): without a git program,
    // init created the store and then failed (exit 1) asking git about it. `--hooks`
    // never gets here, its check above fails first, before anything is created.
    if (!gitIsMissing(err)) throw err;
    if (out.jsonMode) out.json({ dir: location.dir, created: !existed, workTree: null, driverConfigured: false, hooks: null } satisfies InitReport);
    else out.line(`${existed ? 'Reinitialized existing' : 'Initialized empty'} TaskStore in ${visible(location.dir, true)}`);
    out.warn('git was not found on PATH, so the git integration was not checked; install git, then run `taskstore install-hooks` if the store is in a git work tree');
    return 0;
  }
  let hooks: GitIntegrationReport | null = null;
  if (input.hooks && status.inGitRepo) {
    hooks = git.installGitIntegration({ cwd: ctx.cwd, storeDir: location.dir });
    status = git.gitIntegrationStatus({ cwd: ctx.cwd, storeDir: location.dir, probeDriver: false });
  }
  const report: InitReport = {
    dir: location.dir,
    created: !existed,
    workTree: status.workTree ?? null,
    driverConfigured: status.driverConfigured,
    hooks,
  };
  if (out.jsonMode) out.json(report);
  else out.line(`${existed ? 'Reinitialized existing' : 'Initialized empty'} TaskStore in ${visible(location.dir, true)}`);
  if (input.hooks && !status.inGitRepo) out.warn('--hooks: the store is not inside a git work tree, so there is nothing to install');
  const joinable = !existed && status.inGitRepo ? git.remoteStoreBranches(ctx.cwd)[0] : undefined;
  if (joinable !== undefined) {
    // A fresh clone of a repository whose store lives on a store branch: this store would never meet it.
    out.warn(
      `the remote branch ${joinable.remote}/${joinable.branch} holds this repository's store; ${visible(location.dir, true)} is a separate, new store that no other clone sees. ` +
        `To use the shared one instead, delete ${visible(location.dir, true)} and run \`taskstore init --branch ${joinable.branch}\``,
    );
  }
  if (hooks !== null) {
    if (!out.jsonMode) out.line(`git integration installed in ${visible(hooks.workTree, true)} (${plural(hooks.changed.length, 'item')} changed)`);
    for (const warning of hooks.warnings) out.warn(warning);
  } else if (status.inGitRepo && !status.driverConfigured) {
    const fresh = status.attributesLine;
    out.note(
      fresh
        ? `note: .gitattributes sends the store's files to the taskstore merge driver, but this clone has no merge.taskstore.driver configured, so git would silently merge them line by line.\nhint: run \`taskstore install-hooks\` (or \`taskstore init --hooks\`) to configure it.`
        : `note: ${status.workTree} is a git work tree without the taskstore merge driver: git would merge the store's JSONL files line by line.\nhint: run \`taskstore install-hooks\` (or \`taskstore init --hooks\`) to install the merge driver and hooks.`,
    );
  }
  return 0;
}

/** The error of running git where no `git` program is on PATH (spawn's ENOENT). */
function gitIsMissing(err: unknown): boolean {
  const cause = err instanceof Error ? (err.cause as NodeJS.ErrnoException | undefined) : undefined;
  return err instanceof Error && (err as { code?: unknown }).code === 'IO' && cause?.code === 'ENOENT' && cause.syscall?.startsWith('spawn') === true;
}
