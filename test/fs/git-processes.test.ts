/**
 * gitProcessesIn: live git processes working in a directory, read from Linux's /proc.
 * Real processes: a git that waits on its stdin, a node process beside it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitProcessesIn } from '../../src/fs/git-processes.js';
import { tempDir } from '../helpers/temp.js';

function started(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', reject);
  });
}

function ended(child: ChildProcess): Promise<unknown> {
  return child.exitCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', resolve));
}

describe.runIf(process.platform === 'linux')('gitProcessesIn', () => {
  it('finds a git whose working directory is the directory or inside it, not other programs there nor gits elsewhere, and not once it exited', async () => {
    const dir = tempDir('taskstore-gitprocs-');
    const inner = join(dir, 'sub');
    mkdirSync(inner);
    const elsewhere = tempDir('taskstore-gitprocs-other-');
    // `git hash-object --stdin` waits for its input: a git that is running, for as long as we like.
    const gitHere = spawn('git', ['hash-object', '--stdin'], { cwd: inner, stdio: ['pipe', 'ignore', 'ignore'] });
    const gitThere = spawn('git', ['hash-object', '--stdin'], { cwd: elsewhere, stdio: ['pipe', 'ignore', 'ignore'] });
    const nodeHere = spawn(process.execPath, ['-e', 'process.stdin.resume()'], { cwd: dir, stdio: ['pipe', 'ignore', 'ignore'] });
    try {
      await Promise.all([started(gitHere), started(gitThere), started(nodeHere)]);
      expect(gitProcessesIn(dir)).toEqual([gitHere.pid]);
      expect(gitProcessesIn(inner)).toEqual([gitHere.pid]);
      expect(gitProcessesIn(elsewhere)).toEqual([gitThere.pid]);
      expect(gitProcessesIn(join(dir, 'missing'))).toEqual([]);
      gitHere.stdin!.end('x');
      await ended(gitHere);
      expect(gitProcessesIn(dir)).toEqual([]);
    } finally {
      for (const child of [gitHere, gitThere, nodeHere]) {
        child.stdin?.destroy();
        child.kill('SIGKILL');
      }
      await Promise.all([ended(gitThere), ended(nodeHere)]);
    }
  });

  it('does not take a directory for its prefix twin (/a/work is not inside /a/wor)', async () => {
    const base = tempDir('taskstore-gitprocs-twin-');
    const [short, long] = [join(base, 'wor'), join(base, 'work')];
    mkdirSync(short);
    mkdirSync(long);
    const git = spawn('git', ['hash-object', '--stdin'], { cwd: long, stdio: ['pipe', 'ignore', 'ignore'] });
    try {
      await started(git);
      expect(gitProcessesIn(short)).toEqual([]);
      expect(gitProcessesIn(long)).toEqual([git.pid]);
    } finally {
      git.kill('SIGKILL');
      await ended(git);
    }
  });
});
