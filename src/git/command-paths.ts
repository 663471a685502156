import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IoError } from '../errors.js';
import { escapePercent, shellQuote } from './shell-quote.js';

/**
 * The absolute paths that installed hooks and the merge driver call. Absolute on
 * purpose: git runs drivers and hooks from the work tree root with whatever PATH it
 * inherited (GUI clients, cron, IDEs often have none), so neither `taskstore` on PATH
 * nor `npx` can be relied on.
 */
export interface CommandPaths {
  /** The Node.js binary (`process.execPath` by default). */
  node: string;
  /** The CLI entry, `<package>/dist/cli/main.js`. */
  cli: string;
  /** The merge driver entry, `<package>/dist/cli/merge-main.js`. */
  mergeDriver: string;
}

const PACKAGE_NAME = 'taskstore';

/**
 * Finds the root of the `taskstore` package by walking up from `start` to the first
 * directory whose package.json says `"name": "taskstore"`. Walking (rather than a fixed
 * `../..`) works from `src/git/` under vitest and from any bundled `dist/` chunk alike.
 */
export function findPackageRoot(start: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = start;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && readPackageName(manifest) === PACKAGE_NAME) return dir;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new IoError(`cannot find the taskstore package directory above ${start}`, {
        data: { start },
        hint: 'reinstall taskstore; its package.json must sit above the code that is running',
      });
    }
    dir = parent;
  }
}

function readPackageName(manifest: string): unknown {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name;
  } catch {
    return undefined; // unreadable or not JSON: not ours, keep walking
  }
}

/**
 * The commands of the running installation: this Node binary and this package's built
 * CLI entries.
 *
 * @example
 * defaultCommandPaths() // { node: '/usr/bin/node', cli: '/app/node_modules/taskstore/dist/cli/main.js', ... }
 */
export function defaultCommandPaths(): CommandPaths {
  const root = findPackageRoot();
  return {
    node: process.execPath,
    cli: join(root, 'dist', 'cli', 'main.js'),
    mergeDriver: join(root, 'dist', 'cli', 'merge-main.js'),
  };
}

/**
 * The value of `merge.taskstore.driver`: `<node> <merge-main.js> %O %A %B %P`. Git runs
 * it through `sh -c` after replacing the placeholders (it quotes `%P` itself), so the
 * paths are sh-quoted and any `%` in them is doubled.
 */
export function mergeDriverCommand(commands: CommandPaths): string {
  return `${escapePercent(shellQuote(commands.node))} ${escapePercent(shellQuote(commands.mergeDriver))} %O %A %B %P`;
}
