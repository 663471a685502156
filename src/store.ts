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
}
