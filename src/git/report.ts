/** Options shared by install, uninstall and status. */
export interface GitIntegrationOptions {
  /** The store directory (`.taskstore`), absolute or relative to `cwd`. Its git work tree is the one acted on. */
  storeDir: string;
  /** Base for a relative `storeDir`; defaults to `process.cwd()`. */
  cwd?: string;
}

/** What install or uninstall did. Items are `git config <key>` strings or absolute file paths. */
export interface GitIntegrationReport {
  /** Root of the work tree the store is in. */
  workTree: string;
  /** The hooks directory that was used (`core.hooksPath` or the common git dir's `hooks/`). */
  hooksDir: string;
  /** Items written, created, updated or removed. Empty when nothing had to be done. */
  changed: string[];
  /** Items that were already as wanted. */
  unchanged: string[];
  /** Things the user should know that did not stop the operation (one sentence each). */
  warnings: string[];
}

/** Collects changed / unchanged items in order. */
export class ReportBuilder {
  readonly changed: string[] = [];
  readonly unchanged: string[] = [];
  readonly warnings: string[] = [];

  record(item: string, didChange: boolean): void {
    (didChange ? this.changed : this.unchanged).push(item);
  }

  build(workTree: string, hooksDir: string): GitIntegrationReport {
    return { workTree, hooksDir, changed: this.changed, unchanged: this.unchanged, warnings: this.warnings };
  }
}
