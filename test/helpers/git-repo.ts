import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempDir } from './temp.js';

/** Fixed identity and dates, no user or system config: for every git call in tests. */
export const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
};

/** Environment for every git call in tests: this process's, with the fixed identity. */
export const GIT_ENV: NodeJS.ProcessEnv = { ...process.env, ...GIT_IDENTITY };

export interface GitResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** A throwaway git repository in a temp dir, driven by the real `git` binary. */
export class GitRepo {
  constructor(readonly dir: string) {}

  static init(options: { bare?: boolean; dir?: string } = {}): GitRepo {
    const dir = options.dir ?? tempDir('taskstore-git-');
    mkdirSync(dir, { recursive: true });
    execFileSync('git', ['init', '-q', '-b', 'main', ...(options.bare ? ['--bare'] : []), dir], { env: GIT_ENV });
    return new GitRepo(dir);
  }

  static clone(from: string): GitRepo {
    const dir = tempDir('taskstore-clone-');
    execFileSync('git', ['clone', '-q', from, dir], { env: GIT_ENV, stdio: 'pipe' });
    return new GitRepo(dir);
  }

  /** Runs git and throws with its stderr when it fails. */
  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.dir, env: GIT_ENV, encoding: 'utf8', stdio: 'pipe' });
  }

  /** Runs git and returns status and output without throwing. */
  tryGit(...args: string[]): GitResult {
    try {
      const stdout = this.git(...args);
      return { status: 0, stdout, stderr: '' };
    } catch (err) {
      const e = err as { status?: number; stdout?: string; stderr?: string };
      return { status: e.status ?? 1, stdout: String(e.stdout ?? ''), stderr: String(e.stderr ?? '') };
    }
  }

  write(path: string, content: string): void {
    const full = join(this.dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }

  read(path: string): string {
    return readFileSync(join(this.dir, path), 'utf8');
  }

  commitAll(message: string): void {
    this.git('add', '-A');
    this.git('commit', '-q', '--allow-empty', '-m', message);
  }
}
