import type { CliContext } from '../context.js';

export interface MergeInput {
  base: string;
  ours: string;
  theirs: string;
  path?: string;
}

/**
 * The git merge driver (docs/merge.md): writes the merge into `<ours>`; exit 0 clean,
 * 1 conflicts remain, 2 error. Does not open the store.
 */
export async function run(ctx: CliContext, input: MergeInput): Promise<number> {
  // The merge driver is a program of its own, not part of the store's API: it reads three
  // files and writes one, and git runs it once per merged file, so it must not load the
  // store (SQLite, the record layer) the public entry would bring. It is the one import
  // past src/index.ts, shared with the taskstore-merge binary (merge-main.ts).
  const { runMergeDriver } = await import('../../merge/driver.js');
  const args = [input.base, input.ours, input.theirs, ...(input.path === undefined ? [] : [input.path])];
  return runMergeDriver(args, {
    programName: 'taskstore merge',
    stdout: (text) => void ctx.stdout.write(text),
    stderr: (text) => void ctx.stderr.write(text),
  });
}
