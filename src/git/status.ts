import { accessSync, constants, readdirSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { realpathOfExistingPart } from '../fs/real-path.js';
import { MERGE_DRIVER_NAME } from './attributes.js';
import { probeDriverCommand } from './driver-probe.js';
import { runGit } from './git-command.js';
import { getConfig } from './git-config.js';
import { HOOK_NAMES, interpreterLineEndsInCr, storeBlocks, UNNUMBERED_BLOCK_FORMAT, type HookName } from './hook-block.js';
import { HOOK_BLOCK_FORMAT, renderHookBlock } from './hook-scripts.js';
import { readTextIfExists } from './file-io.js';
import { inspectGitLock, type GitLockState } from './lock-advice.js';
import type { GitIntegrationOptions } from './report.js';
import { checkGitOptions, locateStore } from './store-location.js';

/** What {@link gitIntegrationStatus} found. */
export interface GitIntegrationStatus {
  /** The store directory is inside a git work tree. When false, the other fields are false/absent and every hook is "missing". */
  inGitRepo: boolean;
  /** Root of that work tree. */
  workTree?: string;
  /** The effective hooks directory. */
  hooksDir?: string;
  /** Git resolves the `merge` attribute of the store's JSONL files to `taskstore` (from any gitattributes source). */
  attributesLine: boolean;
  /**
   * When git resolves it to something else that a gitattributes line set (`union`, `binary`;
   * `set` for `merge`, `unset` for `-merge`): what. Absent when it is `taskstore` or
   * unspecified. Installing cannot fix that: the line that sets it outranks the store's.
   */
  mergeOverride?: string;
  /** `merge.taskstore.driver` is set (at any config level). */
  driverConfigured: boolean;
  /** The configured driver command, as git will run it. */
  driverCommand?: string;
  /** The configured driver ran and exited 0 on a trivial merge. Absent when not configured or not probed. */
  driverCommandWorks?: boolean;
  /** Hooks whose file is executable and holds the TaskStore block. */
  hooksInstalled: HookName[];
  /** The other hooks of {@link HOOK_NAMES}. */
  hooksMissing: HookName[];
  /**
   * Hooks (of {@link hooksMissing}) whose file git cannot start: its `#!` line ends in a
   * carriage return (the file has CRLF line endings), so the system looks for an
   * interpreter named `/bin/sh\r`, and nothing in the file runs, a TaskStore block
   * included. `install-hooks` refuses them until the file is converted to LF endings.
   */
  hooksNotRunnable: HookName[];
  /**
   * Installed hooks (of {@link hooksInstalled}) whose block for this store is not what this
   * version's `install-hooks` would write: written by an older TaskStore, or edited by
   * hand. Fixes to the blocks reach a hook only when `install-hooks` runs again.
   */
  hooksOutdated: HookName[];
  /**
   * Installed hooks whose block for this store a newer TaskStore wrote: its format line
   * gives a higher format than this version's (`HOOK_BLOCK_FORMAT`). Not in
   * {@link hooksOutdated}: this version's `install-hooks` would replace it with an older
   * block, so it refuses to unless forced.
   */
  hooksNewer: HookName[];
  /**
   * The store's logs (paths relative to the work tree root) that git ignores and does not
   * track, say through a `*.jsonl` line in `.gitignore`: `git add -A` and `git commit -a`
   * leave them out without a word. Empty for a store branch, whose logs only git-sync
   * commits (it does not go by ignore rules).
   */
  ignoredLogs: string[];
  /**
   * On a store branch: git lock files (`index.lock`, `HEAD.lock`) in the store worktree's
   * git dir that look left over: older than any of TaskStore's git commands takes, with no
   * git process working in that worktree (or, where the system lists no processes, of
   * any owner). git-sync cannot commit the store while one is there. Empty elsewhere: in
   * a work tree of yours, a lock is your git's business.
   */
  leftGitLocks: GitLockState[];
}

export interface GitIntegrationStatusOptions extends GitIntegrationOptions {
  /**
   * Run the configured driver once on a trivial merge to fill `driverCommandWorks`
   * (default true). It costs one process start (~50 ms with node).
   */
  probeDriver?: boolean;
}

/**
 * Inspects the git integration of the work tree that contains `storeDir`, without
 * changing anything; for `taskstore check` and `taskstore init`. Never throws because
 * the store is outside git: it then reports `inGitRepo: false`. Turn the result into
 * user-facing problems with {@link gitIntegrationProblems}.
 *
 * @example
 * const status = gitIntegrationStatus({ storeDir: '.taskstore' });
 * if (status.attributesLine && !status.driverConfigured) console.warn('fresh clone: run taskstore install-hooks');
 */
export function gitIntegrationStatus(options: GitIntegrationStatusOptions): GitIntegrationStatus {
  checkGitOptions(options, ['storeDir', 'cwd', 'probeDriver']);
  const store = locateStore(options);
  if (store.git === undefined || store.relative === undefined) {
    return { inGitRepo: false, attributesLine: false, driverConfigured: false, hooksInstalled: [], hooksMissing: [...HOOK_NAMES], hooksNotRunnable: [], hooksOutdated: [], hooksNewer: [], ignoredLogs: [], leftGitLocks: [] };
  }
  const { workTree, hooksDir } = store.git;
  const sampleFile = sampleLogPath(store.relative);
  const driverCommand = getConfig(workTree, `merge.${MERGE_DRIVER_NAME}.driver`);
  const driverConfigured = driverCommand !== undefined && driverCommand.trim() !== '';
  const storeRelative = store.relative;
  const storeBranch = isInside(store.git.commonDir, workTree);
  const hooksInstalled = HOOK_NAMES.filter((hook) => hookInstalled(join(hooksDir, hook), storeRelative));
  const blockStates = new Map(hooksInstalled.map((hook) => [hook, hookBlockState(join(hooksDir, hook), hook, storeRelative)]));
  const merge = mergeAttribute(workTree, sampleFile);
  return {
    inGitRepo: true,
    workTree,
    hooksDir,
    attributesLine: merge === MERGE_DRIVER_NAME,
    ...(merge !== undefined && merge !== MERGE_DRIVER_NAME && merge !== 'unspecified' ? { mergeOverride: merge } : {}),
    driverConfigured,
    ...(driverConfigured ? { driverCommand } : {}),
    ...(driverConfigured && options.probeDriver !== false
      ? { driverCommandWorks: probeDriverCommand(driverCommand, workTree, sampleFile) }
      : {}),
    hooksInstalled,
    hooksMissing: HOOK_NAMES.filter((hook) => !hooksInstalled.includes(hook)),
    hooksNotRunnable: HOOK_NAMES.filter((hook) => hookNotRunnable(join(hooksDir, hook))),
    hooksOutdated: hooksInstalled.filter((hook) => blockStates.get(hook) === 'outdated'),
    hooksNewer: hooksInstalled.filter((hook) => blockStates.get(hook) === 'newer'),
    // A store branch's worktree lies inside the git directory.
    ignoredLogs: storeBranch ? [] : ignoredLogs(workTree, store.storeDir, storeRelative),
    leftGitLocks: storeBranch ? leftGitLocks(store.git.gitDir, workTree) : [],
  };
}

/**
 * A lock younger than this may be a running git's (git-sync's own commands hold theirs
 * for milliseconds): not reported.
 */
const LOCK_REPORT_AGE_MS = 10_000;

/** The left-over locks of {@link GitIntegrationStatus.leftGitLocks}: costs two stats, and a process listing only when a lock is there. */
function leftGitLocks(gitDir: string, workTree: string): GitLockState[] {
  const found: GitLockState[] = [];
  for (const name of ['index.lock', 'HEAD.lock']) {
    const lock = inspectGitLock(join(gitDir, name), workTree);
    // A git working there may hold it (a long merge leaves it untouched): not left over.
    if (lock !== undefined && lock.ageMs >= LOCK_REPORT_AGE_MS && (lock.gitProcesses === undefined || lock.gitProcesses.length === 0)) found.push(lock);
  }
  return found;
}

/** The store's `*.jsonl` files (relative to the root) that git ignores and does not track, in one `git check-ignore`. */
function ignoredLogs(workTree: string, storeDir: string, storeRelative: string): string[] {
  let names: string[];
  try {
    names = readdirSync(storeDir).filter((name) => name.endsWith('.jsonl'));
  } catch {
    return []; // no store directory yet
  }
  if (names.length === 0) return [];
  const prefix = storeRelative === '' ? '' : `${storeRelative}/`;
  // Exit 1 when none is ignored; a tracked file never counts as ignored.
  const run = runGit(['check-ignore', '-z', '--stdin'], workTree, { input: names.map((name) => `${prefix}${name}\0`).join('') });
  return run.status === 0 ? run.stdout.split('\0').filter((path) => path !== '') : [];
}

function isInside(parent: string, child: string): boolean {
  const rel = relative(realpathOfExistingPart(parent), realpathOfExistingPart(child));
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** A log file of the store at `storeRelative`, relative to the work tree root: what git's attributes are asked about. */
export function sampleLogPath(storeRelative: string): string {
  return `${storeRelative === '' ? '' : `${storeRelative}/`}prds.jsonl`;
}

/** The `merge` attribute git assigns to `path` (relative to the root): a driver name, `set`, `unset` or `unspecified`. */
function mergeAttribute(workTree: string, path: string): string | undefined {
  return gitAttributes(workTree, path, ['merge'])?.merge;
}

/**
 * The values git assigns to the attributes `names` of `path` (relative to the root), in
 * one `git check-attr`: a value, `set`, `unset` or `unspecified` each. Undefined when git fails.
 */
export function gitAttributes(workTree: string, path: string, names: readonly string[]): Record<string, string> | undefined {
  const run = runGit(['check-attr', '-z', ...names, '--', path], workTree);
  if (run.status !== 0) return undefined;
  // -z output: <path> NUL <attribute> NUL <value> NUL, once per attribute
  const fields = run.stdout.split('\0');
  const values: Record<string, string> = {};
  for (let i = 0; i + 2 < fields.length; i += 3) values[fields[i + 1]!] = fields[i + 2]!;
  return values;
}

/** The hook is executable, git can start it, and it holds a block for the store at `store` (another store's block does not serve it). */
function hookInstalled(path: string, store: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    const content = readTextIfExists(path);
    return content !== undefined && !interpreterLineEndsInCr(content) && storeBlocks(content, path, store).length > 0;
  } catch {
    return false; // missing, not executable, or a broken block: not working either way
  }
}

/** The hook file exists but git cannot start it: its `#!` line ends in a carriage return. */
function hookNotRunnable(path: string): boolean {
  try {
    const content = readTextIfExists(path);
    return content !== undefined && interpreterLineEndsInCr(content);
  } catch {
    return false; // unreadable: hookInstalled counts it missing, and install says why
  }
}

/**
 * How the block of `hook` serving `store` compares with the block this version's
 * `install-hooks` would write in its place: `newer` when its format line gives a higher
 * format than this version writes (a newer TaskStore wrote it: its text is expected to
 * differ), `outdated` when it differs otherwise, `current` when it is the same.
 *
 * What is compared: the whole block, except that it is rendered with the node and CLI
 * paths and the origin the installed block itself records. The paths say where node and
 * taskstore were when `install-hooks` ran (another checkout, another nvm version): a
 * different place is no sign of an old block, and comparing them would flag every block
 * installed by the CLI while the library (or a test runner) asks from elsewhere. Whether
 * those paths still exist is the hook's own runtime warning and `merge_driver_broken`'s
 * concern. The origin records how the file looked before install (uninstall's business),
 * and install keeps it. Everything else — the purpose comments, the sh code, the store
 * and format lines — is this version's text, so a block an older TaskStore wrote (or a
 * hand edit) differs. A block naming no store (written before blocks named theirs)
 * differs too: install replaces it.
 */
function hookBlockState(path: string, hook: HookName, store: string): 'current' | 'outdated' | 'newer' {
  let content: string | undefined;
  let spans;
  try {
    content = readTextIfExists(path);
    if (content === undefined) return 'current';
    spans = storeBlocks(content, path, store);
  } catch {
    return 'current'; // unreadable or a broken block: hookInstalled already counted it missing
  }
  const text = content;
  if (spans.some((span) => (span.format ?? UNNUMBERED_BLOCK_FORMAT) > HOOK_BLOCK_FORMAT)) return 'newer';
  // Install leaves exactly one block per store: a duplicate is outdated too.
  if (spans.length > 1) return 'outdated';
  const differs = spans.some((span) => {
    // Compared byte for byte: install rewrites anything else (CRLF endings, say) too.
    const installed = text.slice(span.start, span.end);
    const node = recordedWord(installed, 'taskstore_node');
    const cli = recordedWord(installed, 'taskstore_cli');
    // pre-commit and pre-applypatch call no program: any paths render the same block.
    const commands = { node: node ?? 'node', cli: cli ?? 'taskstore', mergeDriver: '' };
    const expected = renderHookBlock(hook, { commands, storeRelative: store }, span.origin ?? 'existing');
    return installed !== expected;
  });
  return differs ? 'outdated' : 'current';
}

/** The highest format among the blocks serving `store` in the hook file at `path` (format 1 for none), for messages. */
export function hookBlockFormat(path: string, store: string): number {
  try {
    const content = readTextIfExists(path);
    if (content === undefined) return UNNUMBERED_BLOCK_FORMAT;
    return Math.max(UNNUMBERED_BLOCK_FORMAT, ...storeBlocks(content, path, store).map((span) => span.format ?? UNNUMBERED_BLOCK_FORMAT));
  } catch {
    return UNNUMBERED_BLOCK_FORMAT;
  }
}

/** The value of the first `name=<sh word>` line of a block, unquoted as sh would; undefined without one. */
function recordedWord(block: string, name: string): string | undefined {
  const line = block.split('\n').find((text) => text.startsWith(`${name}=`));
  if (line === undefined) return undefined;
  const word = line.slice(name.length + 1);
  let value = '';
  for (let i = 0; i < word.length; i += 1) {
    const char = word[i]!;
    if (char === "'") {
      const close = word.indexOf("'", i + 1);
      if (close === -1) return undefined;
      value += word.slice(i + 1, close);
      i = close;
    } else if (char === '\\') {
      i += 1;
      value += word[i] ?? '';
    } else value += char;
  }
  return value;
}
