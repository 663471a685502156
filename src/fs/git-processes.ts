/**
 * Which git processes are working in a directory, asked of the operating system rather
 * than guessed from lock files' ages. A git that outlived the git-sync that started it
 * (SIGKILL or an OOM kill of git-sync alone: its `git merge` child goes on) may hold
 * `index.lock` for many seconds without touching it (git writes the lock's contents only
 * when its merge is done, and the merge driver it waits on can take that long on a big
 * log). Judged by age, such a lock looked left over; removing it let a second git work on
 * the same index.
 *
 * Linux tells through `/proc`: each process's working directory (`cwd`) and command name
 * (`comm`). git runs its commands, and the merge drivers and hooks it starts, in the work
 * tree's top directory. Elsewhere (macOS, Windows), no such listing is read: undefined.
 */
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { sep } from 'node:path';

/**
 * The pids of live processes named `git` (or `git-…`) whose working directory is `dir` or
 * inside it, this process excluded; undefined where the system does not say (no `/proc`).
 * Other users' processes, whose links cannot be read, are not seen.
 */
export function gitProcessesIn(dir: string): number[] | undefined {
  let pids: string[];
  try {
    pids = readdirSync('/proc');
  } catch {
    return undefined;
  }
  let root: string;
  try {
    root = realpathSync(dir);
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const name of pids) {
    if (!/^[0-9]+$/.test(name) || Number(name) === process.pid) continue;
    let cwd: string;
    try {
      // A zombie's or another user's link cannot be read: it runs nothing here.
      cwd = readlinkSync(`/proc/${name}/cwd`);
    } catch {
      continue;
    }
    if (cwd !== root && !cwd.startsWith(root + sep)) continue;
    let command: string;
    try {
      command = readFileSync(`/proc/${name}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    if (command === 'git' || command.startsWith('git-')) found.push(Number(name));
  }
  return found;
}

/**
 * What process `pid` runs, for a message: its command line with the arguments joined by
 * spaces (`git gc --auto`), or undefined where the system does not say.
 */
export function processCommandLine(pid: number): string | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((arg) => arg !== '').join(' ');
    return line === '' ? undefined : line;
  } catch {
    return undefined;
  }
}

/** `pid 123 (git gc --auto), pid 456`: the pids with what each runs, where the system says. */
export function describeProcesses(pids: readonly number[]): string {
  return pids
    .map((pid) => {
      const line = processCommandLine(pid);
      return line === undefined ? `pid ${pid}` : `pid ${pid} (${line.length > 80 ? `${line.slice(0, 77)}...` : line})`;
    })
    .join(', ');
}
