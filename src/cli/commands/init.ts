import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import type { GitIntegrationReport, GitIntegrationStatus } from '../../index.js';
import type { CliContext } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { gitIsMissing, mergeDriverNote } from '../driver-note.js';
import { openStore, setStoreLocation, storeLocation } from '../open-store.js';
import type { ResolvedStore } from '../resolve-store.js';
import { createOutput, plural } from '../output.js';
import { visible } from '../terminal-safe.js';

export interface InitInput {
  /** Also install the git integration (merge driver, .gitattributes, hooks). */
  hooks?: boolean;
  /** Keep the store on this branch, in a linked worktree inside the git directory. */
  branch?: string;
  /** With `hooks` or `branch`: write this version's hook blocks even over a newer TaskStore's (as `install-hooks --force`). */
  force?: boolean;
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
  if (input.force === true && input.hooks !== true && input.branch === undefined) {
    // Plain init installs no hooks: a --force that forced nothing would read as done.
    throw new UsageError('--force goes with --hooks or --branch: it lets them replace hook blocks a newer taskstore wrote', { hint: 'run `taskstore init --hooks --force`' });
  }
  if (input.branch !== undefined) return (await import('./init-branch.js')).runInitBranch(ctx, input.branch, input.force === true);
  const out = createOutput(ctx);
  const location = ownRepositoryStore(ctx, out);
  const existed = existsSync(join(location.dir, '.version'));
  if (location.source === 'default' && !existed) refuseGitDirectory(ctx.cwd);
  const git = await import('../../index.js');
  if (input.hooks && git.gitIntegrationStatus({ cwd: ctx.cwd, storeDir: location.dir, probeDriver: false }).inGitRepo) {
    // Whatever the install below would refuse (a hook in another language, an overriding
    // gitattributes line) is refused now, before the store is created: bad input changes nothing.
    git.checkGitIntegrationInstallable({ cwd: ctx.cwd, storeDir: location.dir, ...(input.force === true ? { force: true } : {}) });
  }
  // Whether this init created the store is the store's to say: of two inits at the same
  // moment both saw no .version above, and a script that seeds a new store once (`created`)
  // would have seeded it twice.
  const opened = openStore(ctx, { create: true });
  const created = opened.created;
  opened.close();
  let status: GitIntegrationStatus;
  try {
    status = git.gitIntegrationStatus({ cwd: ctx.cwd, storeDir: location.dir, probeDriver: false });
  } catch (err) {
    // A store needs no git (every other command works without it): without a git program,
    // init created the store and then failed (exit 1) asking git about it. `--hooks`
    // never gets here, its check above fails first, before anything is created.
    if (!gitIsMissing(err)) throw err;
    if (out.jsonMode) out.json({ dir: location.dir, created, workTree: null, driverConfigured: false, hooks: null } satisfies InitReport);
    else out.line(`${created ? 'Initialized empty' : 'Reinitialized existing'} TaskStore in ${visible(location.dir, true)}`);
    out.warn('git was not found on PATH, so the git integration was not checked; install git, then run `taskstore install-hooks` if the store is in a git work tree');
    return 0;
  }
  let hooks: GitIntegrationReport | null = null;
  if (input.hooks && status.inGitRepo) {
    hooks = git.installGitIntegration({ cwd: ctx.cwd, storeDir: location.dir, ...(input.force === true ? { force: true } : {}) });
    status = git.gitIntegrationStatus({ cwd: ctx.cwd, storeDir: location.dir, probeDriver: false });
  }
  const report: InitReport = {
    dir: location.dir,
    created,
    workTree: status.workTree ?? null,
    driverConfigured: status.driverConfigured,
    hooks,
  };
  if (out.jsonMode) out.json(report);
  else out.line(`${created ? 'Initialized empty' : 'Reinitialized existing'} TaskStore in ${visible(location.dir, true)}`);
  if (input.hooks && !status.inGitRepo) out.warn('--hooks: the store is not inside a git work tree, so there is nothing to install');
  const joinable = created && status.inGitRepo ? git.remoteStoreBranches(ctx.cwd)[0] : undefined;
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
  } else {
    const note = mergeDriverNote(status);
    if (note !== undefined) out.note(note);
  }
  return 0;
}

/**
 * The store `init` works on. Discovery walks up from the current directory, which lets
 * every command run from a project's subdirectories; but a `.taskstore/` it finds above
 * the git work tree the command runs in (a `~/.taskstore` left by an earlier `taskstore
 * init` in the home directory) belongs to no commit of this repository: taken, the
 * repository would get no store of its own and its records would never reach git. There
 * `init` makes the store the current directory's, as without one above, and says which
 * store it passed over (`--store` takes that one on purpose).
 */
function ownRepositoryStore(ctx: CliContext, out: ReturnType<typeof createOutput>): ResolvedStore {
  const location = storeLocation(ctx);
  if (location.source !== 'found') return location;
  const run = spawnSync('git', ['rev-parse', '--show-toplevel'], { cwd: ctx.cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  if (run.status !== 0 || typeof run.stdout !== 'string') return location; // not in a work tree (or no git): discovery as usual
  const workTree = run.stdout.replace(/\n$/, '');
  let storeParent: string;
  try {
    storeParent = realpathSync(dirname(location.dir));
  } catch {
    return location;
  }
  const fromWorkTree = relative(workTree, storeParent);
  if (fromWorkTree === '' || (!fromWorkTree.startsWith('..') && !isAbsolute(fromWorkTree))) return location;
  const own: ResolvedStore = { dir: join(ctx.cwd, '.taskstore'), source: 'default' };
  setStoreLocation(ctx, own);
  out.note(`note: not using the store at ${visible(location.dir, true)}: it is outside this git work tree (${visible(workTree, true)}); pass --store ${visible(location.dir, true)} to use it`);
  return own;
}

/**
 * `taskstore init` run inside a repository's `.git/` directory (or a bare repository)
 * created `.git/.taskstore`: a store in git's own directory, never committed, seen by no
 * clone, and that `status` reports as "not in a git work tree". Refused, naming the work
 * tree to run it in. A store branch's worktree (inside the git directory on purpose) is
 * a work tree, so it is not affected; an explicit --store or TASKSTORE_DIR is taken as meant.
 */
function refuseGitDirectory(cwd: string): void {
  const run = spawnSync('git', ['rev-parse', '--is-inside-git-dir', '--is-bare-repository'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  if (run.status !== 0) return; // not in a repository (or no git): nothing to refuse
  const [insideGitDir, bare] = run.stdout.trim().split('\n');
  if (insideGitDir !== 'true') return;
  if (bare === 'true') {
    throw new CliError(`${visible(cwd, true)} is inside a bare git repository, which has no work tree to commit a store from`, {
      hint: 'run `taskstore init` in a clone of it (git clone), or pass --store DIR to put the store elsewhere on purpose',
    });
  }
  // A repository's own `.git` sits in its work tree; elsewhere (a worktree's or submodule's git dir) just say "the work tree".
  const gitDir = spawnSync('git', ['rev-parse', '--absolute-git-dir'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).stdout?.trim() ?? '';
  const workTree = basename(gitDir) === '.git' ? dirname(gitDir) : '';
  throw new CliError(`${visible(cwd, true)} is inside git's own directory (.git), where a store would never be committed`, {
    hint: workTree === '' ? 'run `taskstore init` in the work tree' : `run \`taskstore init\` in the work tree: cd ${visible(workTree, true)}`,
  });
}
