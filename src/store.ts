/**
 * The public `Store`: the core engine plus the orchestrator's record types and the git
 * integration. See README.md for the API.
 */
import { OrchestratorStore } from './records/orchestrator-store.js';
import {
  gitIntegrationProblems,
  gitIntegrationStatus,
  installGitIntegration,
  uninstallGitIntegration,
  type GitIntegrationReport,
  type GitIntegrationStatus,
} from './git/index.js';
import type { ResolvedOptions } from './store/options.js';
import { gitSync, type GitSyncOptions, type GitSyncReport } from './git/sync/git-sync.js';
import { syncStatus, type SyncStatus } from './git/sync/sync-status.js';

export class Store extends OrchestratorStore {
  protected constructor(dir: string, options: ResolvedOptions) {
    super(dir, options);
    // A clone whose .gitattributes names the driver but whose .git/config lacks it falls
    // back to a line merge without a word: check() must say so (SPEC 5).
    this.addChecker(() => gitIntegrationProblems(gitIntegrationStatus({ storeDir: this.dir })));
  }

  /**
   * Registers the merge driver in this clone's git config, adds the `.gitattributes`
   * line and installs the hooks (SPEC 5). Idempotent; keeps existing hook content.
   * Throws `IoError` when the store is not inside a git work tree.
   * @example Store.open('.taskstore').installGitIntegration();
   */
  installGitIntegration(): GitIntegrationReport {
    return installGitIntegration({ storeDir: this.dir });
  }

  /** Removes exactly what {@link installGitIntegration} added. */
  uninstallGitIntegration(): GitIntegrationReport {
    return uninstallGitIntegration({ storeDir: this.dir });
  }

  /** What is installed: driver config, attributes line, hooks (never throws outside git). */
  gitIntegrationStatus(): GitIntegrationStatus {
    return gitIntegrationStatus({ storeDir: this.dir });
  }

  /**
   * Commits the store's changed files (and nothing else), fetches, merges the remote
   * branch with the merge driver (installing it first if this clone lacks it), pushes,
   * and on a rejected push starts again from the fetch after a jittered wait. Never
   * force-pushes. Rejects with `MERGE_CONFLICT` (work tree left mid-merge, nothing pushed)
   * or `GIT_SYNC` (`data.reason` says why). Safe while other processes write: the store's
   * write lock is held while the snapshot is committed and while the merge runs.
   * @example const report = await store.gitSync({ remote: 'origin' });
   */
  gitSync(options: GitSyncOptions = {}): Promise<GitSyncReport> {
    return gitSync({ dir: this.dir, withWriteLock: (fn) => this.write(fn) }, options);
  }

  /**
   * Uncommitted store changes per collection, commits ahead of / behind the upstream (as
   * of the last fetch), driver and hooks installed, and the last git-sync time in this
   * work tree. Reads only; never touches the network.
   * @example const { ahead, behind, uncommittedLines } = store.syncStatus();
   */
  syncStatus(): SyncStatus {
    return syncStatus(this.dir);
  }
}
