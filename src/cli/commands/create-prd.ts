import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { NewPrd, Store } from '../../index.js';
import type { CliContext } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { withStore } from '../open-store.js';
import { createOutput } from '../output.js';
import { invalidUtf8Offset } from '../utf8.js';

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

/**
 * Reads a UTF-8 text file named on the command line (`-` is stdin). A file that is not
 * UTF-8 is refused, naming the first bad byte's offset: decoding it would silently
 * replace those bytes with U+FFFD.
 */
export function readTextFile(ctx: CliContext, path: string, option: string): string {
  checkFileName(path, option);
  let bytes: Buffer;
  try {
    bytes = path === '-' ? readFileSync(0) : readFileSync(resolve(ctx.cwd, path));
  } catch (err) {
    throw unreadableFile(err, path, option);
  }
  const bad = isUtf8(bytes) ? -1 : invalidUtf8Offset(bytes);
  if (bad >= 0) throw notUtf8(path, option, bad, bytes[bad]!);
  // A byte-order mark (Windows editors and PowerShell's `Out-File -Encoding utf8` write
  // one) marks the encoding, it is not text: kept, it hid the first JSON line of an
  // import and the first markdown heading of a content file.
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** `--content-file "$F"` / `import "$F"` with F unset: resolved, '' is the current directory, and "it is a directory" would not say what went wrong. */
export function checkFileName(path: string, option: string): void {
  if (path === '') throw new UsageError(`${option}: the file name is empty`, { hint: 'pass the path of a readable text file (or - for stdin)' });
}

/** The error for a file named on the command line that could not be read (`err` from `fs`). */
export function unreadableFile(err: unknown, path: string, option: string): CliError {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
  return new CliError(`cannot read ${option} ${path}: ${why}`, { hint: `pass the path of a readable text file${path === '-' ? '' : " (or - for stdin)"}`, cause: err });
}

/** The error for a file that is not UTF-8: `offset` is its first bad byte's, `byte` that byte. */
export function notUtf8(path: string, option: string, offset: number, byte: number): CliError {
  return new CliError(
    `${option} ${path === '-' ? '(stdin)' : path} is not valid UTF-8: invalid byte sequence at byte offset ${offset} (0x${byte.toString(16).padStart(2, '0')})`,
    { hint: 'convert the file to UTF-8 (e.g. `iconv -f latin1 -t utf-8 file > file.utf8`); nothing was written' },
  );
}
