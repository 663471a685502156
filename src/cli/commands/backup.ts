import { resolve } from 'node:path';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { withStoreForReading } from '../open-store.js';
import { createOutput, formatBytes, plural } from '../output.js';
import { visible } from '../terminal-safe.js';

export interface BackupInput {
  dest: string;
}

/** Copies the store's logs and `.version` into `dest` (see `store.backup`). */
export async function run(ctx: CliContext, input: BackupInput): Promise<number> {
  const out = createOutput(ctx);
  if (input.dest.trim() === '') {
    // `taskstore backup "$DEST"` with DEST unset: resolved, '' is the current directory.
    throw new UsageError(`backup needs a destination directory (got ${JSON.stringify(input.dest)})`, {
      hint: 'name a new or empty directory, e.g. taskstore backup ../store-backup',
    });
  }
  const report = await withStoreForReading(ctx, (store) => store.backup(resolve(ctx.cwd, input.dest)));
  if (out.jsonMode) out.json(report);
  else {
    const bytes = report.files.reduce((n, f) => n + f.bytes, 0);
    out.line(`backed up ${plural(report.files.length, 'file')} (${formatBytes(bytes)}) to ${visible(report.dest, true)}`);
  }
  return 0;
}
