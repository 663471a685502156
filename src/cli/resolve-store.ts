/**
 * Store discovery: `--store DIR`, else `$TASKSTORE_DIR`, else the repository's store
 * branch (git config `taskstore.worktree`), else the nearest `.taskstore/` found walking
 * up from the current directory, else `./.taskstore`. Cheap enough to run on every
 * start: stats, plus one `git config` run inside a git repository (and one `git rev-parse`
 * where a store branch is configured).
 */
import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { findStoreBranchDir } from '../index.js';

const STORE_DIR_NAME = '.taskstore';

type StoreSource = 'flag' | 'env' | 'branch' | 'found' | 'default';

export interface ResolvedStore {
  /** Absolute path of the store directory (it may not exist yet). */
  dir: string;
  /** How it was chosen. */
  source: StoreSource;
}

interface ResolveStoreOptions {
  cwd: string;
  /** `--store` value. */
  flag?: string | undefined;
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * The store directory for this invocation.
 * @example resolveStoreDir({ cwd: process.cwd(), flag: opts.store, env: process.env }).dir
 */
export function resolveStoreDir(options: ResolveStoreOptions): ResolvedStore {
  const cwd = resolve(options.cwd);
  if (options.flag !== undefined && options.flag !== '') return { dir: resolve(cwd, options.flag), source: 'flag' };
  const fromEnv = options.env?.TASKSTORE_DIR;
  if (fromEnv !== undefined && fromEnv !== '') return { dir: resolve(cwd, fromEnv), source: 'env' };
  const onBranch = findStoreBranchDir(cwd);
  if (onBranch !== undefined) return { dir: onBranch, source: 'branch' };
  const found = findUp(cwd);
  if (found !== undefined) return { dir: found, source: 'found' };
  return { dir: join(cwd, STORE_DIR_NAME), source: 'default' };
}

/** The nearest `<dir>/.taskstore` directory at or above `start`, or undefined. */
export function findUp(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    const candidate = join(dir, STORE_DIR_NAME);
    if (isDirectory(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
