/**
 * Temp files a killed compaction (or merge driver) left behind beside a log
 * (`.<collection>.jsonl.<pid>.<hex>.tmp`, the names fs/atomic-replace.ts gives), and those
 * of the store's other files written the same way: `.version` and `.gitignore` (a new
 * store's first open) and `<collection>.jsonl.rescued` (rewritten by rescue). The rename
 * never happened, so the file is intact and the temp file is garbage; nothing else ever
 * removes it. One whose process is still alive may be a rewrite in progress and is left
 * alone.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const STORE_FILE_TEMP = /^\.(\.version|\.gitignore|[a-z][a-z0-9_]{0,63}\.jsonl(?:\.rescued)?)\.(\d+)\.[0-9a-f]+\.tmp$/;

/** The store file a temp name is the unfinished rewrite of (`notes.jsonl`, `.version` …), if it is one. */
export function tempTarget(entry: string): string | undefined {
  return STORE_FILE_TEMP.exec(entry)?.[1];
}

/** Removes leftovers of dead processes in `dir`; returns their names. Never throws. */
export function removeStaleCompactionTemps(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const entry of entries) {
    const match = STORE_FILE_TEMP.exec(entry);
    if (match === null || processAlive(Number(match[2]))) continue;
    try {
      rmSync(join(dir, entry), { force: true });
      removed.push(entry);
    } catch {
      // Not ours to fight over (permissions): check will keep listing it.
    }
  }
  return removed;
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
