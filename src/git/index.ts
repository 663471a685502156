/**
 * Git integration (docs/git-integration.md): installing, removing and inspecting the merge driver
 * config, the `.gitattributes` line and the hooks. Depends on nothing but the real `git`
 * binary and `src/errors.ts`; the store and the CLI call into it.
 */
export { installGitIntegration, checkGitIntegrationInstallable, checkGitHooksEditable, MERGE_DRIVER_DESCRIPTION, type InstallGitIntegrationOptions } from './install.js';
export { uninstallGitIntegration } from './uninstall.js';
export { gitIntegrationStatus, type GitIntegrationStatus, type GitIntegrationStatusOptions } from './status.js';
export { gitIntegrationProblems, type GitIntegrationProblem, type GitIntegrationProblemKind } from './problems.js';
export type { GitIntegrationOptions, GitIntegrationReport } from './report.js';
export { defaultCommandPaths, findPackageRoot, mergeDriverCommand, type CommandPaths } from './command-paths.js';
export { findGitLocation, requireGitLocation, type GitLocation } from './git-dirs.js';
export { attributesLine, MERGE_DRIVER_NAME } from './attributes.js';
export { HOOK_NAMES, type HookName } from './hook-block.js';
export { gitSync, DEFAULT_SYNC_RETRIES, type GitSyncOptions, type GitSyncReport, type GitSyncProgress, type SyncedStore } from './sync/git-sync.js';
export { syncStatus, type SyncStatus } from './sync/sync-status.js';
export {
  setUpStoreBranch,
  commitStoreBranchSetup,
  readStoreBranchConfig,
  STORE_BRANCH_KEY,
  STORE_WORKTREE_KEY,
  type StoreBranchSetup,
} from './store-branch.js';
