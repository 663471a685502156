/**
 * Temp files a killed compaction (or merge driver) left behind beside a log
 * (`.<collection>.jsonl.<pid>.<hex>.tmp`, the names fs/atomic-replace.ts gives). The rename never happened, so the log is intact and the temp file is
 * garbage; nothing else ever removes it. One whose process is still alive may be a
 * compaction in progress and is left alone.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const COMPACTION_TEMP = /^\.([a-z][a-z0-9_]{0,63})\.jsonl\.(\d+)\.[0-9a-f]+\.tmp$/;

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
    const match = COMPACTION_TEMP.exec(entry);
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
