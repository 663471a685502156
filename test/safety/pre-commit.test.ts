/** Issue 9 item 1 (hook part): pre-commit refuses NUL bytes and half lines in a staged log, warns about malformed lines. */
import { describe, expect, it } from 'vitest';
import { installGitIntegration, type CommandPaths } from '../../src/git/index.js';
import { GitRepo } from '../helpers/git-repo.js';
import { gitRun } from '../git/fixtures.js';

const missing: CommandPaths = { node: '/nonexistent/bin/node', cli: '/nonexistent/dist/cli/main.js', mergeDriver: '/nonexistent/merge.js' };

function repoWithHooks(): GitRepo {
  const repo = GitRepo.init();
  installGitIntegration({ cwd: repo.dir, storeDir: '.taskstore', commands: missing });
  repo.write('.taskstore/notes.jsonl', '{"id":"a","updated_at":1}\n');
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', 'first');
  return repo;
}

describe('pre-commit on a damaged staged log', () => {
  it('refuses NUL bytes, naming the file and the count', () => {
    const repo = repoWithHooks();
    repo.write('.taskstore/notes.jsonl', '{"id":"a","updated_at":1}\n\u0000\u0000\u0000"updated_at":2}\n');
    repo.git('add', '-A');
    const refused = gitRun(repo.dir, 'commit', '-q', '-m', 'nul');
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('taskstore: .taskstore/notes.jsonl contains 3 NUL byte(s)');
    expect(refused.stderr).toContain('commit refused: the staged log is damaged');
    expect(repo.git('log', '--format=%s', '-1').trim()).toBe('first');
  });

  it('names a conflict marker in a log that also holds a NUL byte, without grep noise', () => {
    // GNU grep takes input with a NUL for binary: it printed "binary file matches" to
    // stderr instead of the marker's line, so the marker went unreported.
    const repo = repoWithHooks();
    repo.write('.taskstore/notes.jsonl', '{"id":"a","updated_at":1}\n<<<<<<< ours\n{"id":"b","updated_at":2}\n=======\n>>>>>>> theirs\n\u0000\n');
    repo.git('add', '-A');
    const refused = gitRun(repo.dir, 'commit', '-q', '-m', 'nul and markers');
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('taskstore: .taskstore/notes.jsonl line 2 is a git conflict marker (<<<<<<< ours)');
    expect(refused.stderr).toContain('contains 1 NUL byte(s)');
    expect(refused.stderr).not.toContain('grep');
    expect(repo.git('log', '--format=%s', '-1').trim()).toBe('first');
  });

  it('refuses an incomplete last line', () => {
    const repo = repoWithHooks();
    repo.write('.taskstore/notes.jsonl', '{"id":"a","updated_at":1}\n{"id":"b","upd');
    repo.git('add', '-A');
    const refused = gitRun(repo.dir, 'commit', '-q', '-m', 'half');
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('.taskstore/notes.jsonl ends with an incomplete line');
  });

  it('only warns about a line that is not a JSON object, and commits', () => {
    const repo = repoWithHooks();
    repo.write('.taskstore/notes.jsonl', '{"id":"a","updated_at":1}\nnot json\r\n{"id":"b","updated_at":2}\r\n');
    repo.git('add', '-A');
    const ok = gitRun(repo.dir, 'commit', '-q', '-m', 'hand edit');
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stderr).toContain('taskstore: warning: .taskstore/notes.jsonl line 2 is not a JSON object line');
    expect(repo.git('log', '--format=%s', '-1').trim()).toBe('hand edit');
  });
});
