/**
 * The safety net for acknowledged writes that git (or another tool) made vanish.
 *
 * Git rewrites a log under running writers in several everyday sequences: `git stash`
 * snapshots the file and then resets it, `git merge` / `checkout -f` / `reset --hard`
 * replace it. A line a writer acknowledged between the snapshot and the reset is then in
 * no file and no git object. The cache, however, held every acknowledged version: when a
 * rewritten log is rebuilt, each record whose current version went missing (the id is
 * gone, or its newest version is now older) is looked up in the blobs of that log that
 * recent git operations leave behind (HEAD, the index, ORIG_HEAD, MERGE_HEAD, the last
 * stashes, the previous branch, HEAD's reflog). A version found in none of them was
 * never committed: it is appended to `<collection>.jsonl.rescued`, which `check`
 * reports and `taskstore rescue` (store.rescue()) re-applies to the log.
 */
import { closeSync, existsSync, fstatSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { gitEnv } from '../git/git-command.js';
import type { Durability } from '../fs/durability.js';
import { parseLine, readerText } from '../jsonl/line-codec.js';
import { readRange } from '../jsonl/log-io.js';
import { atomicWriteFile } from '../fs/atomic-replace.js';
import { IoError, ioError } from '../errors.js';
import { APPEND_NO_FOLLOW, openLogFile, READ_NO_FOLLOW } from '../fs/open-log-file.js';
import { writeAll } from '../fs/write-all.js';

export const RESCUED_SUFFIX = '.rescued';

/** One record's current version as the cache held it. */
export interface KnownVersion {
  updatedAt: number;
  text: string;
}

/** Revisions whose copy of a log a recent git operation may have taken the lost lines to (a missing one is skipped). */
const RECENT_REVISIONS = ['HEAD', '', ':2', ':3', 'ORIG_HEAD', 'MERGE_HEAD', 'AUTO_MERGE', 'REBASE_HEAD', 'CHERRY_PICK_HEAD', 'FETCH_HEAD'];
/** Reflogs walked for more: the last few positions of HEAD (checkout, reset, rebase) and the last stashes. */
const REFLOGS: [string, number][] = [
  ['HEAD', 6],
  ['refs/stash', 3],
];

/**
 * Every line of the log `fileName` (in `dir`) as found in the recent git revisions, or
 * undefined when `dir` is not in a git work tree (or git cannot run).
 */
function linesInRecentGitRevisions(dir: string, fileName: string): Set<string> | undefined {
  const commits: string[] = [];
  for (const [ref, count] of REFLOGS) {
    // Reflog entries by commit id: `stash@{1}` is fatal to cat-file when it does not exist.
    const log = spawnSync('git', ['log', '-g', '--format=%H', '-n', String(count), ref, '--'], { cwd: dir, env: gitEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    if (log.status === 0) commits.push(...log.stdout.split('\n').filter((l) => /^[0-9a-f]+$/.test(l)));
  }
  const input = [...RECENT_REVISIONS, ...commits].map((rev) => `${rev}:./${fileName}\n`).join('');
  const result = spawnSync('git', ['cat-file', '--batch'], { cwd: dir, env: gitEnv(), input, maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'ignore'] });
  if (result.error !== undefined || result.status !== 0 || result.stdout === null) return undefined;
  const out = result.stdout;
  const lines = new Set<string>();
  const seen = new Set<string>();
  let pos = 0;
  while (pos < out.length) {
    const eol = out.indexOf(0x0a, pos);
    if (eol < 0) break;
    const header = out.toString('utf8', pos, eol);
    pos = eol + 1;
    const match = /^([0-9a-f]+) (\w+) (\d+)$/.exec(header);
    if (match === null) continue; // "<rev> missing" / "ambiguous"
    const size = Number(match[3]);
    if (match[2] === 'blob' && !seen.has(match[1]!)) {
      seen.add(match[1]!);
      for (const raw of out.toString('utf8', pos, pos + size).split('\n')) {
        const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
        lines.add(line);
        // The cache holds Rust-format lines as readers see them (id / updated_at filled in).
        if (!line.includes('"updated_at"') || !line.includes('"id"')) {
          const parsed = parseLine(line);
          if (parsed.kind === 'record' && parsed.filled !== undefined) lines.add(readerText(line, parsed.filled));
        }
      }
    }
    pos += size + 1;
  }
  return lines;
}

/**
 * Keeps `versions` (that vanished from `logFile`) in `<logFile>.rescued` unless git has
 * them; returns how many were kept. Lines already in the rescued file are not repeated.
 */
export function rescueVanished(dir: string, fileName: string, logFile: string, versions: KnownVersion[], durability: Durability): number {
  if (versions.length === 0) return 0;
  const inGit = linesInRecentGitRevisions(dir, fileName);
  const path = `${logFile}${RESCUED_SUFFIX}`;
  const already = new Set(readRescuedLines(path));
  const keep = versions.map((v) => v.text).filter((text) => !inGit?.has(text) && !already.has(text));
  if (keep.length === 0) return 0;
  try {
    const created = !existsSync(path);
    // Never through a symbolic link (a `.rescued` link git checked out could name ~/.bashrc).
    const fd = openLogFile(path, APPEND_NO_FOLLOW, "the store's files");
    try {
      // A last line cut by a crash mid-append: the new lines start on a line of their own,
      // or the first would be glued to it into one line that is no record.
      const size = fstatSync(fd).size;
      const cut = size > 0 && readRange(fd, size - 1, 1)[0] !== 0x0a;
      writeAll(fd, Buffer.from(`${cut ? '\n' : ''}${keep.join('\n')}\n`, 'utf8'));
    } finally {
      closeSync(fd);
    }
    durability.syncPath(path);
    // The new file's name must be durable too before the cache forgets these versions.
    if (created) durability.syncDir(dirname(path));
  } catch (err) {
    if (err instanceof IoError) throw err;
    throw ioError('keep vanished lines in', path, err);
  }
  return keep.length;
}

/**
 * The lines of a rescued file (empty when there is none). Never read through a symbolic
 * link: `rescue` appends these lines to the log, and a link git checked out could name
 * any JSONL file of the user's. Such a link is an `IoError` naming it (`ELOOP`).
 */
export function readRescuedLines(path: string): string[] {
  if (!existsSync(path)) return [];
  const fd = openLogFile(path, READ_NO_FOLLOW, "the store's files");
  try {
    return readFileSync(fd, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
  } finally {
    closeSync(fd);
  }
}

/** Replaces a rescued file's lines with `lines` (the ones rescue could not apply), atomically. */
export function keepRescuedLines(path: string, lines: string[], durability: Durability): void {
  try {
    atomicWriteFile(path, `${lines.join('\n')}\n`, { durability });
  } catch (err) {
    throw ioError('rewrite', path, err);
  }
}

export function removeRescued(path: string): void {
  rmSync(path, { force: true });
}
