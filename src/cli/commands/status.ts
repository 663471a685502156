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
    ['hooks', status.hooksInstalled ? 'installed' : `missing: ${status.hooksMissing.join(', ')}`],
    ['last git-sync', status.lastSyncAt === null ? 'never' : formatTime(status.lastSyncAt)],
  ]);
}
