/**
 * What a command that creates a store says when the store is in a git work tree whose
 * clone has no merge driver configured: git would merge the store's JSONL files line by
 * line, duplicating and losing records, without a word. `init` and `import` (the two
 * commands that create a store) both say it, so a store first made by an import is not
 * left to meet its first merge unwarned.
 */
import type { GitIntegrationStatus } from '../index.js';

/** The note (with its hint) for `status`, or undefined when git already has the driver or the store is not in git. */
export function mergeDriverNote(status: GitIntegrationStatus): string | undefined {
  if (!status.inGitRepo || status.driverConfigured) return undefined;
  return status.attributesLine
    ? `note: .gitattributes sends the store's files to the taskstore merge driver, but this clone has no merge.taskstore.driver configured, so git would silently merge them line by line.\nhint: run \`taskstore install-hooks\` (or \`taskstore init --hooks\`) to configure it.`
    : `note: ${status.workTree} is a git work tree without the taskstore merge driver: git would merge the store's JSONL files line by line.\nhint: run \`taskstore install-hooks\` (or \`taskstore init --hooks\`) to install the merge driver and hooks.`;
}

/**
 * Whether a failure of a git command is git itself missing (spawn's ENOENT): a store
 * needs no git, so a command that only asks git about the store goes on without it.
 */
export function gitIsMissing(err: unknown): boolean {
  const cause = err instanceof Error ? (err.cause as NodeJS.ErrnoException | undefined) : undefined;
  return err instanceof Error && (err as { code?: unknown }).code === 'IO' && cause?.code === 'ENOENT' && cause.syscall?.startsWith('spawn') === true;
}
