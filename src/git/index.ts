/**
 * Git integration (docs/git-integration.md): installing, removing and inspecting the merge driver
 * config, the `.gitattributes` line and the hooks. Depends on nothing but the real `git`
 * binary and `src/errors.ts`; the store and the CLI call into it.
 */
export { installGitIntegration, checkGitIntegrationInstallable, checkGitHooksEditable, type InstallGitIntegrationOptions } from './install.js';
export { uninstallGitIntegration } from './uninstall.js';
export { gitIntegrationStatus, type GitIntegrationStatus, type GitIntegrationStatusOptions } from './status.js';
export { gitIntegrationProblems } from './problems.js';
export type { GitIntegrationOptions, GitIntegrationReport } from './report.js';
export { defaultCommandPaths, mergeDriverCommand, type CommandPaths } from './command-paths.js';
export { HOOK_NAMES } from './hook-block.js';
export {
  setUpStoreBranch,
  commitStoreBranchSetup,
  type StoreBranchSetup,
} from './store-branch.js';
