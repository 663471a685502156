/**
 * Claims are exactly-once within one store. A store found by walking up from a linked
 * git worktree (`git worktree add`) is that worktree's own checked-out `.taskstore/`:
 * agents in the other worktrees of the repository, and in the main work tree, each use
 * their own copy, and the same task spec can be claimed once in each without a word. The
 * claim commands and `taskstore mcp` say so. Found with a few stats and one small read
 * (a linked worktree's `.git` is a file naming its git dir, which holds `commondir`; a
 * submodule's has none), no git process.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ResolvedStore } from './resolve-store.js';

/** The root of the linked worktree that `dir` lies in, or undefined (main work tree, submodule, no repository). */
export function linkedWorktreeRoot(dir: string): string | undefined {
  for (let at = resolve(dir); ; at = dirname(at)) {
    const dotGit = join(at, '.git');
    if (existsSync(dotGit)) {
      try {
        if (!statSync(dotGit).isFile()) return undefined;
        const pointer = /^gitdir: (.+?)\r?\n?$/.exec(readFileSync(dotGit, 'utf8'));
        return pointer !== null && existsSync(join(resolve(at, pointer[1]!), 'commondir')) ? at : undefined;
      } catch {
        return undefined; // unreadable: not worth failing a claim over a warning
      }
    }
    if (dirname(at) === at) return undefined;
  }
}

/** The warning for a store found inside a linked worktree, or undefined when there is nothing to say. */
export function worktreeCopyWarning(location: ResolvedStore): string | undefined {
  // A store named with --store / $TASKSTORE_DIR, or the store branch's, was chosen on purpose.
  if (location.source !== 'found') return undefined;
  const worktree = linkedWorktreeRoot(dirname(location.dir));
  if (worktree === undefined) return undefined;
  return (
    `the store ${location.dir} is the linked worktree's own copy (checked out with ${worktree}): ` +
    'agents in the other worktrees of this repository use their own copies, so a claim here does not keep them from claiming the same task spec. ' +
    'Give every worktree one store: `taskstore init --branch taskstore` (every worktree finds it), or --store / $TASKSTORE_DIR naming one directory'
  );
}
