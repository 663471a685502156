import { join } from 'node:path';
import { attributesLine, legacyAttributesLines, MERGE_DRIVER_NAME, removeAttributesLine, routesToDriver } from './attributes.js';
import { byteText, fileMode, readByteTextIfExists, removeFile, writeByteTextAtomic } from './file-io.js';
import { removeLocalSectionIfEmpty, unsetLocalConfig } from './git-config.js';
import { blockOrigin, findBlocks, HOOK_NAMES, NEW_HOOK_HEADER, withInheritedOrigin, withoutBlock } from './hook-block.js';
import { ReportBuilder, type GitIntegrationOptions, type GitIntegrationReport } from './report.js';
import { checkGitOptions, requireStoreInRepo } from './store-location.js';
import { withGitSetupLock } from './setup-lock.js';
import { runGit } from './git-command.js';
import { removeCreatedHooksDirectory } from './created-hooks-dir.js';
import { refuseUnwritableHooks } from './hooks-writable.js';

/**
 * Removes exactly what {@link installGitIntegration} added, for the work tree that
 * contains `storeDir`:
 * - `merge.taskstore.name` and `merge.taskstore.driver` from the local config (and the
 *   `[merge "taskstore"]` header when no other key is left in it);
 * - the `<store>/*.jsonl merge=taskstore -text` line from `.gitattributes`, and the
 *   `<store>/*.jsonl merge=taskstore` line earlier versions wrote (the file is deleted
 *   only when nothing at all is left in it);
 * - the TaskStore block from each hook in the effective hooks directory. A hook file
 *   install created is deleted when only its `#!/bin/sh` line remains; a hook install
 *   made executable gets its executable bits cleared again. Everything else in the file
 *   is left byte for byte;
 * - the hooks directory, when install created it and it is empty now (created-hooks-dir.ts).
 *
 * Running it when nothing is installed changes nothing. Throws `IoError` when the store
 * is not inside a git work tree.
 *
 * @example
 * const { changed } = uninstallGitIntegration({ storeDir: '.taskstore' });
 */
export function uninstallGitIntegration(options: GitIntegrationOptions): GitIntegrationReport {
  checkGitOptions(options, ['storeDir', 'cwd']);
  const store = requireStoreInRepo(options);
  return withGitSetupLock(store.git.commonDir, () => uninstallLocked(store));
}

function uninstallLocked(store: ReturnType<typeof requireStoreInRepo>): GitIntegrationReport {
  const { workTree, hooksDir } = store.git;
  const report = new ReportBuilder();
  // A block that lost its end marker stops uninstall (CorruptError) before anything is
  // removed: found at that hook's turn, it left the config and attributes gone and the
  // hooks before it stripped, the rest not.
  for (const hook of HOOK_NAMES) {
    const content = readByteTextIfExists(join(hooksDir, hook));
    if (content !== undefined) findBlocks(content, join(hooksDir, hook));
  }
  const scope = sharedHooksScope(workTree);
  const withBlock = HOOK_NAMES.filter((hook) => hasBlockOf(join(hooksDir, hook), store.relative));
  const kept = scope === undefined ? [] : withBlock;
  // Likewise a hook it cannot rewrite: found at that hook, the failure left the config and
  // the attribute line removed and every block in place.
  refuseUnwritableHooks(hooksDir, withBlock.filter((hook) => !kept.includes(hook)));

  const attributesPath = join(workTree, '.gitattributes');
  // As bytes, as install edits it: the file need not be UTF-8, and its other bytes stay.
  const attributes = readByteTextIfExists(attributesPath);
  const remaining =
    attributes === undefined ? undefined : removeAttributesLine(attributes, [attributesLine(store.relative), ...legacyAttributesLines(store.relative)].map(byteText));

  // The driver config is shared by every store of the clone: while another store's line
  // still routes its logs to the driver, removing it would make git merge them line by line.
  const driverStillUsed = routesToDriver(remaining ?? attributes ?? '');
  for (const key of ['name', 'driver']) {
    const name = `merge.${MERGE_DRIVER_NAME}.${key}`;
    report.record(`git config ${name}`, !driverStillUsed && unsetLocalConfig(workTree, name));
  }
  if (!driverStillUsed) removeLocalSectionIfEmpty(workTree, `merge.${MERGE_DRIVER_NAME}`);

  if (remaining === '') removeFile(attributesPath);
  else if (remaining !== undefined) writeByteTextAtomic(attributesPath, remaining, fileMode(attributesPath) ?? 0o644);
  report.record(attributesPath, remaining !== undefined);

  if (kept.length > 0) {
    // Every repository of the user runs these hooks, and a block serves every store at the
    // same relative path (`.taskstore` in each): removing it here took the guard away from
    // all the others, whose `check` then reported their hooks missing.
    report.warnings.push(
      `left the TaskStore block in the ${kept.join(', ')} hook${kept.length === 1 ? '' : 's'} in ${hooksDir}: that hooks directory comes from your ${scope} core.hooksPath, ` +
        `so other repositories with a store at ${store.relative === '' ? 'their root' : store.relative} use the same block; ` +
        `if none does, delete its lines by hand, "# >>> taskstore >>>" through "# <<< taskstore <<<"`,
    );
  }
  for (const hook of HOOK_NAMES) report.record(join(hooksDir, hook), !kept.includes(hook) && uninstallHook(join(hooksDir, hook), store.relative));
  // Listed only when removed: a hooks directory that stays was not install's to remove.
  const removedDir = removeCreatedHooksDirectory(workTree, hooksDir);
  if (removedDir !== undefined) report.record(removedDir, true);
  return report.build(workTree, hooksDir);
}

/** `global` or `system` when the hooks directory comes from a `core.hooksPath` of that config scope (shared by every repository); undefined otherwise. */
function sharedHooksScope(workTree: string): string | undefined {
  const run = runGit(['config', '--show-scope', '--get', 'core.hooksPath'], workTree);
  const scope = run.status === 0 ? run.stdout.split('\t')[0] : undefined;
  return scope === 'global' || scope === 'system' ? scope : undefined;
}

function hasBlockOf(path: string, storeRelative: string): boolean {
  const content = readByteTextIfExists(path);
  return content !== undefined && withoutBlock(content, path, byteText(storeRelative)) !== undefined;
}

/**
 * Takes the block of the store at `store` out of one hook file (another store's block,
 * in a hooks directory several stores share, stays); returns whether anything changed.
 */
function uninstallHook(path: string, storeRelative: string): boolean {
  // As bytes: lines added to the hook since install need not be UTF-8, and stay as they are.
  const content = readByteTextIfExists(path);
  if (content === undefined) return false;
  const store = byteText(storeRelative);
  const rest = withoutBlock(content, path, store);
  if (rest === undefined) return false;
  const origin = blockOrigin(content, path, store);
  if (origin === 'created' && (rest === NEW_HOOK_HEADER || rest === '')) {
    removeFile(path);
    return true;
  }
  const mode = fileMode(path) ?? 0o755;
  // Another store's block still has to run: the bits stay until the last block goes, and
  // that block takes over what this one recorded, for the uninstall that removes it.
  const othersLeft = findBlocks(rest, path).length > 0;
  const wantedMode = origin === 'made-executable' && !othersLeft ? mode & ~0o111 : mode;
  writeByteTextAtomic(path, othersLeft && origin !== undefined ? withInheritedOrigin(rest, origin, path) : rest, wantedMode);
  return true;
}
