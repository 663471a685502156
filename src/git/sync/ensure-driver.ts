/**
 * git-sync's first step: git must merge the store's logs with the TaskStore driver, never
 * line by line.
 */
import { existsSync } from 'node:fs';
import { GitSyncError } from '../../errors.js';
import { defaultCommandPaths, mergeDriverCommand } from '../command-paths.js';
import { probeDriverCommand } from '../driver-probe.js';
import { installGitIntegrationKeepingNewerHooks } from '../install.js';
import { gitIntegrationStatus } from '../status.js';
import { requireStoreInRepo } from '../store-location.js';

/**
 * Makes sure git will merge the store's files with the TaskStore driver: a clone that
 * lacks the driver config (every fresh clone) or whose driver no longer runs gets the git
 * integration installed first. If git still would not use the driver, refuse: a line
 * merge of the logs duplicates and loses records.
 */
export function ensureMergeDriver(storeDir: string, onInstall: () => void): string[] {
  if (driverInEffect(storeDir)) return [];
  onInstall();
  const report = installGitIntegrationKeepingNewerHooks({ storeDir });
  if (!driverInEffect(storeDir)) {
    throw new GitSyncError('git would merge the store line by line: the taskstore merge driver is not in effect for its files', {
      data: { reason: 'driver_missing' },
      hint: 'run `taskstore check` to see what is wrong with the git integration, fix it, then run git-sync again',
    });
  }
  return report.changed;
}

/**
 * Fails when git would no longer merge the store's logs with the driver: an
 * `uninstall-hooks` ran while this git-sync fetched (it takes the setup lock, which
 * git-sync holds only around its merge). Reinstalling would undo what the user just did;
 * merging would merge the logs line by line. So git-sync stops before its commit and merge.
 * Call it holding the git setup lock, right before merging.
 */
export function assertDriverStillInEffect(storeDir: string): void {
  if (driverInEffect(storeDir)) return;
  throw new GitSyncError('the taskstore merge driver was removed while git-sync ran (uninstall-hooks?): git would merge the store line by line, so nothing was committed or merged', {
    data: { reason: 'driver_missing' },
    hint: 'nothing is lost and nothing was pushed; run git-sync again (it installs the git integration first), or `taskstore install-hooks`',
  });
}

/** Git would merge the store's logs with a TaskStore driver that runs. */
function driverInEffect(storeDir: string): boolean {
  const status = gitIntegrationStatus({ storeDir, probeDriver: false });
  if (!status.attributesLine || !status.driverConfigured || status.driverCommand === undefined) return false;
  // Our own command with both files in place needs no trial run (a node start per sync); anything else is tried.
  const ours = defaultCommandPaths();
  if (status.driverCommand === mergeDriverCommand(ours) && existsSync(ours.node) && existsSync(ours.mergeDriver)) return true;
  return probeDriverCommand(status.driverCommand, status.workTree!, `${storePrefix(storeDir)}prds.jsonl`);
}

/** The store's path prefix in its work tree (`.taskstore/`), for sample file names. */
function storePrefix(storeDir: string): string {
  const rel = requireStoreInRepo({ storeDir }).relative;
  return rel === '' ? '' : `${rel}/`;
}
