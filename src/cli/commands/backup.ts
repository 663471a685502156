import { closeSync, copyFileSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ioError, type Store } from '../../index.js';
import { COLLECTION_NAME } from '../../jsonl/collection-name.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { withStoreForReading } from '../open-store.js';
import { createOutput, formatBytes, plural } from '../output.js';

export interface BackupInput {
  dest: string;
}

export interface BackupReport {
  /** Absolute path of the backup directory. */
  dest: string;
  files: { name: string; bytes: number }[];
}

/**
 * Copies every `<collection>.jsonl` and `.version` into `dest` (which must not exist or
 * be empty). The copy is taken holding the store's write lock, so no write lands half
 * way; each file is written to a temp name, fsynced and renamed, then the directory is
 * fsynced. The result is a store: `taskstore --store <dest> sync` opens it.
 */
export function backupStore(store: Store, dest: string): BackupReport {
  prepareDestination(dest);
  const files: BackupReport['files'] = [];
  // A transaction with no writes: it holds the cross-process write lock while copying.
  store.transaction(() => {
    const names = readdirSync(store.dir)
      .filter((entry) => entry === '.version' || (entry.endsWith('.jsonl') && COLLECTION_NAME.test(entry.slice(0, -'.jsonl'.length))))
      .sort();
    for (const name of names) {
      const target = join(dest, name);
      const temp = join(dest, `.${name}.${process.pid}.tmp`);
      try {
        copyFileSync(join(store.dir, name), temp);
        fsyncFile(temp);
        renameSync(temp, target);
      } catch (err) {
        rmSync(temp, { force: true });
        throw ioError('copy to', target, err);
      }
      files.push({ name, bytes: statSync(target).size });
    }
  });
  fsyncFile(dest);
  return { dest, files };
}

function prepareDestination(dest: string): void {
  let entries: string[] | undefined;
  try {
    entries = readdirSync(dest);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new CliError(`the backup destination ${dest} is a file`, { hint: 'name a new or empty directory' });
    if (code !== 'ENOENT') throw ioError('read', dest, err);
  }
  if (entries !== undefined && entries.length > 0) {
    throw new CliError(`the backup destination ${dest} is not empty`, {
      hint: `name a new or empty directory (e.g. ${basename(dest)}-${new Date().toISOString().slice(0, 10)})`,
    });
  }
  try {
    mkdirSync(dest, { recursive: true });
  } catch (err) {
    throw ioError('create the backup directory', dest, err);
  }
}

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export async function run(ctx: CliContext, input: BackupInput): Promise<number> {
  const out = createOutput(ctx);
  const dest = resolve(ctx.cwd, input.dest);
  const report = await withStoreForReading(ctx, (store) => {
    if (resolve(store.dir) === dest) throw new CliError('the backup destination is the store itself', { hint: 'name another directory' });
    return backupStore(store, dest);
  });
  if (out.jsonMode) out.json(report);
  else {
    const bytes = report.files.reduce((n, f) => n + f.bytes, 0);
    out.line(`backed up ${plural(report.files.length, 'file')} (${formatBytes(bytes)}) to ${report.dest}`);
  }
  return 0;
}
