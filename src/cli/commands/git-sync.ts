import type { GitSyncProgress, GitSyncReport } from '../../index.js';
import type { CliContext } from '../context.js';
import { withStore } from '../open-store.js';
import { createOutput, plural } from '../output.js';
import { visible } from '../terminal-safe.js';
import { assertBranchArgument, assertRemoteArgument } from '../branch-name.js';

export interface GitSyncInput {
  remote?: string;
  branch?: string;
  message?: string;
  retries?: number;
}

/** Commit the store, fetch, merge with the driver, push (with retries). Exit 1 on a conflict. */
export async function run(ctx: CliContext, input: GitSyncInput): Promise<number> {
  if (input.remote !== undefined) assertRemoteArgument(input.remote);
  if (input.branch !== undefined) assertBranchArgument(ctx.cwd, '--branch', input.branch);
  const out = createOutput(ctx);
  // Progress only for a person watching: never in --json, never into a pipe.
  const onProgress = ctx.stderr.isTTY === true && !ctx.json ? (event: GitSyncProgress) => void ctx.stderr.write(`taskstore: ${visible(event.message, true)}\n`) : undefined;
  const report = await withStore(ctx, (store) =>
    store.gitSync({
      ...(input.remote === undefined ? {} : { remote: input.remote }),
      ...(input.branch === undefined ? {} : { branch: input.branch }),
      ...(input.message === undefined ? {} : { message: input.message }),
      ...(input.retries === undefined ? {} : { retries: input.retries }),
      ...(onProgress === undefined ? {} : { onProgress }),
    }),
  );
  if (out.jsonMode) out.json(report);
  else out.line(summary(report));
  return 0;
}

/** One line: what was synced and what happened. Pure. */
export function summary(report: GitSyncReport): string {
  const { committed, merged } = report.recordsChanged;
  const parts = [
    plural(report.commits, 'commit'),
    `${committed} record line${committed === 1 ? '' : 's'} committed`,
    `${merged} received`,
    plural(report.retries, 'retry', 'retries'),
  ];
  const what = report.pushed ? 'pushed to' : 'up to date with';
  // git allows C1 controls and direction overrides in branch (and remote) names.
  return `${what} ${visible(`${report.remote}/${report.branch}`, true)}: ${parts.join(', ')}`;
}
