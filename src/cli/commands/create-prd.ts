import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { NewPrd, Store } from '../../index.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { withStore } from '../open-store.js';
import { createOutput } from '../output.js';

export interface CreatePrdInput {
  title: string;
  description?: string;
  status?: string;
  /** Path of a markdown file for `content` (`-` reads stdin). */
  contentFile?: string;
}

/** Creates a PRD; returns its id. */
export function createPrd(store: Store, input: CreatePrdInput, content: string | undefined): string {
  const prd: Record<string, unknown> = { title: input.title };
  if (input.description !== undefined) prd.description = input.description;
  if (input.status !== undefined) prd.status = input.status;
  if (content !== undefined) prd.content = content;
  return store.createPrd(prd as NewPrd);
}

export async function run(ctx: CliContext, input: CreatePrdInput): Promise<number> {
  const out = createOutput(ctx);
  const content = input.contentFile === undefined ? undefined : readTextFile(ctx, input.contentFile, '--content-file');
  const id = await withStore(ctx, (store) => createPrd(store, input, content));
  if (out.jsonMode) out.json({ id });
  else out.line(id);
  return 0;
}

/** Reads a UTF-8 text file named on the command line (`-` is stdin). */
export function readTextFile(ctx: CliContext, path: string, option: string): string {
  try {
    return path === '-' ? readFileSync(0, 'utf8') : readFileSync(resolve(ctx.cwd, path), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new CliError(`cannot read ${option} ${path}: ${why}`, { hint: `pass the path of a readable text file${path === '-' ? '' : " (or - for stdin)"}`, cause: err });
  }
}
