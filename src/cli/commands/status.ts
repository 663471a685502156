import { syncStatus, type SyncStatus } from '../../index.js';
import type { CliContext } from '../context.js';
import { existingStoreDir } from '../open-store.js';
import { createOutput, formatTime, type Output } from '../output.js';
import { visible } from '../terminal-safe.js';

/**
 * How this clone's store stands against git and the remote. Always exit 0. Asks git
 * about the store directory without opening the store: there is no cache to read, and a
 * store the user cannot write (whose cache could not be opened) is answered the same.
 */
export async function run(ctx: CliContext): Promise<number> {
  const out = createOutput(ctx);
  const dir = existingStoreDir(ctx);
  const status = syncStatus(dir);
  if (out.jsonMode) out.json(status);
  else print(out, dir, status);
  return 0;
}

/**
 * `installed`, or what is missing, then the blocks `install-hooks` would rewrite (an older
 * version's, or edited) and those a newer taskstore wrote (which it leaves alone without
 * `--force`): `check` reports both, and "installed" alone hid them. Hooks git cannot start
 * (a `#!` line ending in CR) are named apart: `install-hooks` refuses them until converted.
 */
function hooksState(out: Output, status: SyncStatus): string {
  if (status.hooksMissing.length === 0 && status.hooksOutdated.length === 0 && status.hooksNewer.length === 0) return 'installed';
  const missing = status.hooksMissing.filter((hook) => !status.hooksNotRunnable.includes(hook));
  const parts: string[] = [];
  if (missing.length > 0) parts.push(`missing: ${missing.join(', ')}`);
  if (status.hooksNotRunnable.length > 0) parts.push(`not runnable, #! line ends in CR: ${status.hooksNotRunnable.join(', ')}`);
  if (status.hooksMissing.length === 0) parts.push('installed');
  if (status.hooksOutdated.length > 0) parts.push(`outdated: ${status.hooksOutdated.join(', ')}`);
  if (status.hooksNewer.length > 0) parts.push(`written by a newer taskstore: ${status.hooksNewer.join(', ')}`);
  // install-hooks refuses while a newer block (or a CR #! line) is there: it cannot be the advice then.
  const fix =
    status.hooksNotRunnable.length > 0
      ? ' (convert to LF line endings, then run `taskstore install-hooks`; `taskstore check` says how)'
      : status.hooksNewer.length > 0
        ? ' (upgrade this taskstore, or run `taskstore install-hooks --force`)'
        : ' (run `taskstore install-hooks`)';
  return out.c.yellow(parts.join('; ') + fix);
}

function print(out: Output, storeDir: string, status: SyncStatus): void {
  // A directory (or a branch: git allows C1 controls and direction overrides in ref
  // names) may be named with control characters: spelled out, like record text.
  const dir = visible(storeDir, true);
  if (!status.inGitRepo) {
    out.pairs([['store', dir], ['git', 'not in a git work tree']]);
    return;
  }
  const changes = Object.entries(status.uncommitted).map(([name, c]) => `${name} +${c.added}${c.removed > 0 ? ` -${c.removed}` : ''}`);
  // Right after `init` no log has a line yet, but the store itself is not in git: "none"
  // alone read as "everything is committed".
  if (status.untrackedFiles.length > 0) changes.push(`not in git yet: ${status.untrackedFiles.map((path) => visible(path, true)).join(', ')}`);
  const tracking =
    status.upstream === null
      ? 'no upstream yet (the first git-sync sets it)'
      : status.ahead === null
        ? `${visible(status.upstream, true)} (not fetched yet)`
        : `${visible(status.upstream, true)}: ${status.ahead} ahead, ${status.behind} behind (as of the last fetch)`;
  out.pairs([
    ['store', dir],
    ['branch', `${status.branch === null ? '(detached HEAD)' : visible(status.branch, true)}${status.storeBranch === null ? '' : ' (store branch)'}`],
    ['remote', tracking],
    ['uncommitted', changes.length === 0 ? 'none' : changes.join(', ')],
    ['merge driver', status.driverInstalled ? 'installed' : out.c.red('not installed (run `taskstore install-hooks`)')],
    ['hooks', hooksState(out, status)],
    ['last git-sync', status.lastSyncAt === null ? 'never' : formatTime(status.lastSyncAt)],
  ]);
}
