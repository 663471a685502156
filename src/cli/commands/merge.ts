import type { CliContext } from '../context.js';

export interface MergeInput {
  base: string;
  ours: string;
  theirs: string;
  path?: string;
}

/**
 * The git merge driver (SPEC section 4): writes the merge into `<ours>`; exit 0 clean,
 * 1 conflicts remain, 2 error. Does not open the store.
 */
export async function run(ctx: CliContext, input: MergeInput): Promise<number> {
  const { runMergeDriver } = await import('../../merge/driver.js');
  const args = [input.base, input.ours, input.theirs, ...(input.path === undefined ? [] : [input.path])];
  return runMergeDriver(args, {
    programName: 'taskstore merge',
    stdout: (text) => void ctx.stdout.write(text),
    stderr: (text) => void ctx.stderr.write(text),
  });
}
