import { isUtf8 } from 'node:buffer';
import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { ValidationError } from '../errors.js';
import { realFile, refuseUnwritableHooks } from './hooks-writable.js';
import { ensureHooksDirectory } from './created-hooks-dir.js';
import { addAttributesLine, attributesLine, legacyAttributesLines, MERGE_DRIVER_NAME } from './attributes.js';
import { defaultCommandPaths, mergeDriverCommand, type CommandPaths } from './command-paths.js';
import { byteText, fileMode, readByteTextIfExists, readBytesIfExists, readTextIfExists, removeFile, setMode, writeByteTextAtomic, writeFileAtomic } from './file-io.js';
import { gitAttributes, hookBlockFormat, sampleLogPath } from './status.js';
import { getConfig, setLocalConfig } from './git-config.js';
import { blockOrigin, findBlocks, foreignInterpreter, HOOK_NAMES, interpreterLineEndsInCr, storeBlocks, UNNUMBERED_BLOCK_FORMAT, withBlock, type BlockOrigin, type HookName } from './hook-block.js';
import { HOOK_BLOCK_FORMAT, renderHookBlock, type HookContext } from './hook-scripts.js';
import { ReportBuilder, type GitIntegrationOptions, type GitIntegrationReport } from './report.js';
import { checkGitOptions, requireStoreInRepo } from './store-location.js';
import { requireGitLocation } from './git-dirs.js';
import { storeBranchHooksDir } from './store-branch.js';
import { withGitSetupLock } from './setup-lock.js';
import { shellQuote } from './shell-quote.js';

/** `merge.taskstore.name`: the description git shows for the driver. */
const MERGE_DRIVER_DESCRIPTION = 'TaskStore JSONL record merge';

export interface InstallGitIntegrationOptions extends GitIntegrationOptions {
  /** Which node / CLI / merge driver the config and hooks call. Defaults to this installation's ({@link defaultCommandPaths}). */
  commands?: CommandPaths;
  /**
   * Write this version's hook blocks even over blocks a newer TaskStore wrote (their
   * format line gives a higher format than this version's). Without it, install refuses
   * such a hook with a `VALIDATION` error and changes nothing. Default false.
   */
  force?: boolean;
}

/**
 * Installs TaskStore's git integration for the work tree that contains `storeDir`
 * (docs/git-integration.md):
 * - `merge.taskstore.name` / `merge.taskstore.driver` in the repository's local config
 *   (the common git dir's `config`, shared by linked worktrees);
 * - `<store>/*.jsonl merge=taskstore -text` in `.gitattributes` at the work tree root
 *   (replacing, in place, the `<store>/*.jsonl merge=taskstore` line earlier versions wrote);
 * - a delimited block in the `pre-commit`, `pre-applypatch`, `post-merge`, `post-rebase`,
 *   `post-rewrite`, `pre-push` and `post-checkout` hooks of the effective hooks directory
 *   (`core.hooksPath`, else the common dir's `hooks/`), keeping existing hook content.
 *
 * Idempotent: a second run writes nothing and reports every item as unchanged; a run
 * with different command paths (say node moved) rewrites the blocks in place.
 * Throws `IoError` when the store is not inside a git work tree.
 *
 * @example
 * const report = installGitIntegration({ storeDir: '.taskstore' });
 * for (const item of report.changed) console.log(`updated ${item}`);
 */
export function installGitIntegration(options: InstallGitIntegrationOptions): GitIntegrationReport {
  return install(options, false);
}

/**
 * {@link installGitIntegration} for git-sync, which installs only because it needs the
 * merge driver: hooks holding a block a newer TaskStore wrote are left as they are (a
 * warning in the report) instead of refusing the whole install, so a sync still gets its
 * driver and the newer blocks are not downgraded either.
 */
export function installGitIntegrationKeepingNewerHooks(options: { storeDir: string }): GitIntegrationReport {
  return install(options, true);
}

function install(options: InstallGitIntegrationOptions, keepNewerHooks: boolean): GitIntegrationReport {
  const decide = () => refusalsBeforeWriting(keepNewerHooks ? { ...options, force: true } : options);
  const { store } = decide();
  // Decided again under the lock: a run that held it may have changed the hooks.
  return withGitSetupLock(store.git.commonDir, () => installLocked(decide(), options, keepNewerHooks));
}

function installLocked(
  { store, commands }: ReturnType<typeof refusalsBeforeWriting>,
  options: InstallGitIntegrationOptions,
  keepNewerHooks: boolean,
): GitIntegrationReport {
  const { workTree, hooksDir } = store.git;
  const report = new ReportBuilder();

  installAttributes(workTree, store.relative, report);
  installDriverConfig(workTree, commands, report);
  const context: HookContext = { commands, storeRelative: store.relative };
  ensureHooksDirectory(workTree, hooksDir);
  const kept = keepNewerHooks && options.force !== true ? newerBlockHooks(hooksDir, store.relative) : [];
  for (const hook of HOOK_NAMES) if (!kept.includes(hook)) installHook(join(hooksDir, hook), hook, context, report);
  if (kept.length > 0) {
    report.warnings.push(
      `left the ${kept.join(', ')} hook${kept.length === 1 ? '' : 's'} in ${hooksDir} as ${kept.length === 1 ? 'it is' : 'they are'}: a newer version of taskstore wrote ${kept.length === 1 ? 'its' : 'their'} block (see \`taskstore check\`)`,
    );
  }

  for (const path of [commands.cli, commands.mergeDriver]) {
    if (!existsSync(path)) report.warnings.push(`${path} does not exist yet: the hooks and the merge driver call it (build taskstore with \`npm run build\`)`);
  }
  if (store.git.hooksPath !== undefined && isInside(workTree, hooksDir) && !isInside(store.git.commonDir, hooksDir)) {
    report.warnings.push(
      `the hooks directory ${hooksDir} (core.hooksPath) is inside the work tree: the hooks now name paths on this machine, so do not commit them`,
    );
  } else {
    // A hook linked to a script kept in the repository (`.git/hooks/pre-commit ->
    // ../../scripts/pre-commit`): the block went into that file, which git shows as
    // changed and a `git commit -a` takes, with this machine's paths, to every clone.
    const commonDir = realFile(store.git.commonDir) ?? store.git.commonDir;
    for (const hook of HOOK_NAMES.filter((name) => !kept.includes(name))) {
      const file = isSymbolicLink(join(hooksDir, hook)) ? realFile(join(hooksDir, hook)) : undefined;
      if (file === undefined || !isInside(workTree, file) || isInside(commonDir, file)) continue;
      report.warnings.push(
        `the ${hook} hook is a link to ${file}, a file in the work tree, which now holds TaskStore's block with paths on this machine: do not commit that change`,
      );
    }
  }
  return report.build(workTree, hooksDir);
}

/**
 * Runs every check {@link installGitIntegration} refuses on, throwing the same error, and
 * leaves the repository as it was. `init --hooks` runs it before creating the store, so a
 * refusal leaves no half-done init behind. Whether git would let another gitattributes
 * line override the store's only git itself can say, with the line in place: the line is
 * added, git asked, and the file put back exactly as it was (bytes and mode; removed if
 * it did not exist). Throws `IoError` when the store is not inside a git work tree.
 *
 * @example
 * checkGitIntegrationInstallable({ storeDir: '.taskstore' }); // throws what install would
 * createTheStore();
 * installGitIntegration({ storeDir: '.taskstore' });
 */
export function checkGitIntegrationInstallable(options: InstallGitIntegrationOptions): void {
  const { store } = refusalsBeforeWriting(options);
  // The check adds the line and takes it out again: an install running meanwhile saw the
  // line, wrote nothing, and the undo then removed it from under that install.
  withGitSetupLock(store.git.commonDir, () => installAttributes(store.git.workTree, store.relative, new ReportBuilder()).undo());
}

/**
 * Throws what {@link installGitIntegration} would refuse about the hooks of the
 * repository holding `cwd` (an existing hook TaskStore cannot edit: compiled, not UTF-8,
 * run by another interpreter, or with a `#!` line git cannot run; unless `force`, a block
 * a newer TaskStore wrote for the store branch's store, `.taskstore` in its worktree),
 * changing nothing. For a setup that creates the store's work tree first: `taskstore init
 * --branch` runs it before creating the branch, so a refusal leaves no branch, work tree
 * or config behind. With `branch`, the hooks looked at are those of that store branch's
 * worktree, where the install will put its blocks: with a relative `core.hooksPath` that
 * is a directory of its own, not `cwd`'s. Throws `IoError` outside a git work tree.
 *
 * @example
 * checkGitHooksEditable({ cwd: '/repo', branch: 'taskstore' }); // throws when its pre-commit hook is a Python script
 */
export function checkGitHooksEditable(options: { cwd?: string; force?: boolean; branch?: string } = {}): void {
  checkGitOptions(options, ['cwd', 'force', 'branch']);
  checkForce(options.force);
  const location = requireGitLocation(options.cwd ?? process.cwd());
  // Found in the main worktree's `.githooks` while install wrote the store worktree's, the
  // refusals were about hooks install never touches, and missed those it then refused on.
  const hooksDir = options.branch === undefined ? location.hooksDir : storeBranchHooksDir(location, options.branch);
  refuseForeignHooks(hooksDir);
  refuseUnwritableHooks(hooksDir, HOOK_NAMES);
  // Found only by the install after the branch, its worktree and the store were made, a
  // newer block stopped `init --branch` with "nothing was changed" and all of them left.
  if (options.force !== true) refuseNewerBlocks(hooksDir, STORE_BRANCH_STORE);
}

/** The store of a store branch, relative to its worktree: the path its hook blocks name. */
const STORE_BRANCH_STORE = '.taskstore';

function checkForce(force: unknown): void {
  if (force !== undefined && typeof force !== 'boolean') throw new ValidationError('force must be a boolean', { field: 'force' });
}

/** The refusals decided without writing anything: no work tree, bad command paths, a hook TaskStore cannot edit. */
function refusalsBeforeWriting(options: InstallGitIntegrationOptions) {
  checkGitOptions(options, ['storeDir', 'cwd', 'commands', 'force']);
  checkForce(options.force);
  const store = requireStoreInRepo(options);
  const commands = options.commands ?? defaultCommandPaths();
  checkCommands(commands);
  refuseForeignHooks(store.git.hooksDir);
  refuseUnwritableHooks(store.git.hooksDir, HOOK_NAMES);
  if (options.force !== true) refuseNewerBlocks(store.git.hooksDir, store.relative);
  return { store, commands };
}

function checkCommands(commands: CommandPaths): void {
  for (const key of ['node', 'cli', 'mergeDriver'] as const) {
    const value: unknown = commands[key];
    if (typeof value !== 'string' || value === '' || value.includes('\n')) {
      throw new ValidationError(`commands.${key} must be a non-empty path without newlines`, { field: `commands.${key}` });
    }
  }
}

function installDriverConfig(workTree: string, commands: CommandPaths, report: ReportBuilder): void {
  const wanted: [string, string][] = [
    [`merge.${MERGE_DRIVER_NAME}.name`, MERGE_DRIVER_DESCRIPTION],
    [`merge.${MERGE_DRIVER_NAME}.driver`, mergeDriverCommand(commands)],
  ];
  for (const [key, value] of wanted) {
    const current = getConfig(workTree, key, { scope: 'local' });
    if (current !== value) setLocalConfig(workTree, key, value);
    report.record(`git config ${key}`, current !== value);
  }
}

/**
 * Adds the attributes line (or turns the old one into it), then asks git which merge
 * driver the store's files get: a line git ranks higher (a `.gitattributes` in the store
 * directory or between it and the root, or `.git/info/attributes`) can override it, and
 * git would then merge the logs line by line. In that case the file is put back as it
 * was and install fails, before anything else is changed. A higher-ranked `text` only
 * gets a warning: git may then convert the logs' line endings, which TaskStore reads.
 * Returns how to put the file back (the pre-check's use).
 */
function installAttributes(workTree: string, storeRelative: string, report: ReportBuilder): { undo: () => void } {
  const path = join(workTree, '.gitattributes');
  // As bytes: the file is the user's, and need not be UTF-8.
  const content = readByteTextIfExists(path);
  const mode = fileMode(path);
  const updated = addAttributesLine(content, byteText(attributesLine(storeRelative)), legacyAttributesLines(storeRelative).map(byteText));
  if (updated !== undefined) writeByteTextAtomic(path, updated, mode ?? 0o644);
  const undo = (): void => {
    if (updated === undefined) return;
    if (content === undefined) removeFile(path);
    else writeByteTextAtomic(path, content, mode ?? 0o644);
  };
  const sample = sampleLogPath(storeRelative);
  const attributes = gitAttributes(workTree, sample, ['merge', 'text']);
  const resolved = attributes?.merge;
  if (resolved !== MERGE_DRIVER_NAME && isSymbolicLink(path)) {
    undo();
    // Git (2.32 and later) does not read an in-tree .gitattributes that is a link: the
    // message below would send the user looking for an overriding line that is not there.
    throw new ValidationError(`${path} is a symbolic link, which git does not read, so git would merge the logs line by line whatever the file says`, {
      field: 'gitattributes',
      data: { path },
      hint: `nothing was changed; replace the link with a file of the same content (\`cp --remove-destination "$(readlink -f ${shellQuote(path)})" ${shellQuote(path)}\`), then run \`taskstore install-hooks\` again`,
    });
  }
  if (resolved !== MERGE_DRIVER_NAME) {
    undo();
    throw new ValidationError(
      `git gives ${sample} the merge attribute ${JSON.stringify(resolved ?? 'unknown')}, not ${JSON.stringify(MERGE_DRIVER_NAME)}, ` +
        `even with "${attributesLine(storeRelative)}" in ${path}: another gitattributes line overrides it, so git would merge the logs line by line`,
      {
        field: 'gitattributes',
        data: { path: sample, merge: resolved },
        hint:
          `nothing was changed; remove the overriding "merge" line (a later line of ${path}, or one in a .gitattributes in ${storeRelative === '' ? 'a subdirectory' : storeRelative} ` +
          `or a directory above it, or in .git/info/attributes; \`git check-attr merge -- ${sample}\` shows the result), then run \`taskstore install-hooks\` again`,
      },
    );
  }
  if (attributes?.text !== 'unset') {
    report.warnings.push(
      `git gives ${sample} the text attribute ${JSON.stringify(attributes?.text ?? 'unknown')}, not "unset", even with "${attributesLine(storeRelative)}" in ${path}: ` +
        `another gitattributes line overrides it, so git may convert the logs' line endings (eol, core.autocrlf); ` +
        `remove that "text" setting (\`git check-attr text -- ${sample}\` shows the result)`,
    );
  }
  report.record(path, updated !== undefined);
  return { undo };
}

/**
 * Checks, before anything is written, that every existing hook can take the sh block:
 * one written for another interpreter (a Python or Node hook of another tool) would
 * break, so install refuses and changes nothing. So does a TaskStore block that lost its
 * end marker (a `CorruptError`): found only when that hook's turn came, it stopped the
 * install after the config, `.gitattributes` and the hooks before it were written.
 */
function refuseForeignHooks(hooksDir: string): void {
  refuseSharedHookFiles(hooksDir);
  for (const hook of HOOK_NAMES) {
    const path = join(hooksDir, hook);
    const target = danglingLinkTarget(path);
    if (target !== undefined) {
      // Written as a new file, the block replaced the link; uninstall then deleted that file.
      throw new ValidationError(`the ${hook} hook ${path} is a symbolic link to ${target}, which does not exist: TaskStore adds its block to the file a link names, and will not replace your link`, {
        field: 'hooks',
        data: { hook, path, target },
        hint: 'nothing was changed; create the file the link names (or remove the link), then run `taskstore install-hooks` again',
      });
    }
    const bytes = readBytesIfExists(path);
    if (bytes === undefined) continue;
    // A compiled program, or text in another encoding: editing it as UTF-8 text would corrupt its bytes.
    const why = bytes.includes(0)
      ? 'it is a compiled program'
      : !isUtf8(bytes)
        ? 'it is not UTF-8 text, and editing it would alter its bytes'
        : foreignInterpreter(bytes.toString('utf8'))?.replace(/^/, 'it is run by ');
    if (why === undefined) {
      const text = bytes.toString('utf8');
      refuseCrInterpreterLine(hook, path, text);
      findBlocks(text, path);
      continue;
    }
    throw new ValidationError(`the ${hook} hook ${path} is not a sh script TaskStore can edit (${why}): TaskStore's sh block cannot go into it`, {
      field: 'hooks',
      data: { hook, path, reason: why },
      hint:
        `nothing was changed; move that hook's content to a script of its own and call it from a sh hook ` +
        `(\`#!/bin/sh\` then \`exec path/to/script "$@"\`), then run \`taskstore install-hooks\` again`,
    });
  }
}

/**
 * Hooks that are links to one file (a dispatcher script every hook name points at) take
 * one block per store between them, and each hook's block is another: install wrote the
 * pre-commit block, then replaced it with post-merge's, and so on, leaving the last
 * hook's block to run for all of them (pre-commit's refusals gone), `check` calling the
 * others outdated and every `install-hooks` rewriting the file again. Refused, changing
 * nothing: the hooks need files of their own.
 */
function refuseSharedHookFiles(hooksDir: string): void {
  const byFile = new Map<string, HookName[]>();
  for (const hook of HOOK_NAMES) {
    const file = realFile(join(hooksDir, hook));
    if (file !== undefined) byFile.set(file, [...(byFile.get(file) ?? []), hook]);
  }
  const [file, hooks] = [...byFile].find(([, names]) => names.length > 1) ?? [];
  if (file === undefined || hooks === undefined) return;
  throw new ValidationError(
    `the ${hooks.join(', ')} hooks in ${hooksDir} are all the file ${file} (links to it): each hook gets a TaskStore block of its own, and one file can hold only one block per store`,
    {
      field: 'hooks',
      data: { hooks, path: file, hooksDir },
      hint:
        `nothing was changed; replace each link with a file of its own: a copy of ${file}, or a sh script that runs it ` +
        `(\`#!/bin/sh\` then \`exec ${shellQuote(file)} "$@"\`, made executable), then run \`taskstore install-hooks\` again`,
    },
  );
}

/**
 * A hook whose `#!` line ends in a carriage return (written with CRLF line endings) is
 * one git cannot start (`/bin/sh\r: not found`): the block went in, `check` said the hook
 * was installed, and git ran none of it. Converting the file's line endings would alter
 * the user's bytes without asking, so install refuses and says how to convert them.
 */
function refuseCrInterpreterLine(hook: HookName, path: string, content: string): void {
  if (!interpreterLineEndsInCr(content)) return;
  const interpreter = content.slice(2, content.indexOf('\r')).trim();
  throw new ValidationError(
    `the ${hook} hook ${path} cannot be run: its #! line ends in a carriage return (the file has CRLF, Windows, line endings), ` +
      `so the system looks for the interpreter ${JSON.stringify(`${interpreter}\r`)}, which does not exist, and git runs nothing in the hook, a TaskStore block included`,
    {
      field: 'hooks',
      data: { hook, path, reason: 'cr_in_interpreter_line' },
      hint: `nothing was changed; convert the hook to LF line endings (\`sed -i 's/\\r$//' ${shellQuote(path)}\` or \`dos2unix ${shellQuote(path)}\`), then run \`taskstore install-hooks\` again`,
    },
  );
}

/**
 * Refuses, before anything is written, to replace this store's hook blocks that a newer
 * TaskStore wrote (a higher format than {@link HOOK_BLOCK_FORMAT}) with this version's
 * older ones: an older taskstore run in the same clone (another checkout, a pinned
 * version in CI) would otherwise undo the newer blocks' fixes without a word.
 */
function refuseNewerBlocks(hooksDir: string, storeRelative: string): void {
  const newer = newerBlockHooks(hooksDir, storeRelative);
  if (newer.length === 0) return;
  const format = Math.max(...newer.map((hook) => hookBlockFormat(join(hooksDir, hook), storeRelative)));
  throw new ValidationError(
    `a newer version of taskstore wrote the TaskStore block in the ${newer.join(', ')} hook${newer.length === 1 ? '' : 's'} in ${hooksDir} ` +
      `(hook block format ${format}; this version writes format ${HOOK_BLOCK_FORMAT}): installing would replace ${newer.length === 1 ? 'it' : 'them'} with this version's older block`,
    {
      field: 'hooks',
      data: { hooks: newer, hooksDir, installedFormat: format, format: HOOK_BLOCK_FORMAT },
      hint:
        "nothing was changed; run the newer taskstore's `install-hooks` instead (or upgrade this one), " +
        "or run `taskstore install-hooks --force` (installGitIntegration({ force: true })) to go back to this version's hooks on purpose",
    },
  );
}

/** The hooks holding a block of this store with a higher format than {@link HOOK_BLOCK_FORMAT}. */
function newerBlockHooks(hooksDir: string, storeRelative: string): HookName[] {
  return HOOK_NAMES.filter((hook) => {
    const path = join(hooksDir, hook);
    const content = readTextIfExists(path);
    return content !== undefined && storeBlocks(content, path, storeRelative).some((span) => (span.format ?? UNNUMBERED_BLOCK_FORMAT) > HOOK_BLOCK_FORMAT);
  });
}

function installHook(path: string, hook: HookName, context: HookContext, report: ReportBuilder): void {
  const content = readTextIfExists(path);
  const mode = fileMode(path);
  const executable = mode !== undefined && (mode & 0o100) !== 0;
  const origin: BlockOrigin =
    (content === undefined ? undefined : blockOrigin(content, path, context.storeRelative)) ??
    (content === undefined ? 'created' : executable ? 'existing' : 'made-executable');
  const updated = withBlock(content, renderHookBlock(hook, context, origin), path, context.storeRelative);
  // git ignores a hook without the executable bit; add x wherever r is set (like `chmod +x`).
  const wantedMode = mode === undefined ? 0o755 : executable ? mode : mode | ((mode & 0o444) >> 2) | 0o100;
  if (updated !== content) writeFileAtomic(path, updated, wantedMode);
  else if (wantedMode !== mode) setMode(path, wantedMode);
  report.record(path, updated !== content || wantedMode !== mode);
}

/** False also when `path` cannot be looked at (a parent that is a file): the read that follows says why. */
function isSymbolicLink(path: string): boolean {
  try {
    return lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink() === true;
  } catch {
    return false;
  }
}

/** What the symbolic link at `path` names, when it names nothing that exists; undefined otherwise. */
function danglingLinkTarget(path: string): string | undefined {
  if (!isSymbolicLink(path) || existsSync(path)) return undefined;
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

/** True when `child` is `parent` or below it. */
function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}
