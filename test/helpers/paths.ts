import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests run against the built `dist/`, as users do). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST = join(REPO_ROOT, 'dist');
export const CLI = join(DIST, 'cli', 'main.js');
export const MERGE_BIN = join(DIST, 'cli', 'merge-main.js');
