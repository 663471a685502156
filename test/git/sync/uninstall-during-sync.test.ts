/**
 * `uninstall-hooks` while a `git-sync` runs. git-sync checks the merge driver when it
 * starts; an uninstall during its fetch removed the driver before its `git merge`, and
 * git merged the logs line by line: a conflict (markers in the store) where the driver
 * merges cleanly. Each test pauses git-sync inside one git call (a `git` wrapper on PATH)
 * and runs the uninstall meanwhile, as real processes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from '../../helpers/paths.js';
import { tempDir } from '../../helpers/temp.js';
import { waitFor } from '../../helpers/wait-for.js';
import { branchClone, CLI_ENV, cli, cliOk, makeRemote } from './helpers.js';

const REAL_GIT = spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim();

/**
 * A PATH whose `git`, for the call whose arguments contain `match`, creates `reached` and
 * waits until `release` exists (at most 2 s when `release` is not given) before running.
 */
function pausingGit(match: string, waitForRelease: boolean): { env: Record<string, string>; reached: string; release: string } {
  const dir = tempDir('pausing-git-');
  const bin = join(dir, 'bin');
  const reached = join(dir, 'reached');
  const release = join(dir, 'release');
  mkdirSync(bin);
  const wait = waitForRelease ? `while [ ! -e '${release}' ]; do sleep 0.05; done` : 'sleep 2';
  writeFileSync(join(bin, 'git'), `#!/bin/sh\ncase " $* " in *"${match}"*) : > '${reached}'; ${wait} ;; esac\nexec '${REAL_GIT}' "$@"\n`);
  chmodSync(join(bin, 'git'), 0o755);
  return { env: { PATH: `${bin}:${process.env.PATH}` }, reached, release };
}

function startSync(cwd: string, env: Record<string, string>): Promise<{ status: number | null; stderr: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...CLI_ENV, ...env };
  delete childEnv.TASKSTORE_DIR;
  delete childEnv.TASKSTORE_SKIP_HOOKS;
  const child = spawn(process.execPath, [CLI, 'git-sync'], { cwd, env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stderr })));
}

/** Two clones of one store branch; b pushed a record after a's last sync, and a has a new record of its own: a's next git-sync merges. */
function divergedClones(): { a: string; storeDir: string } {
  const remote = makeRemote();
  const { clone: a, storeDir } = branchClone(remote);
  cliOk(a.dir, 'create-prd', 'from a');
  cliOk(a.dir, 'git-sync');
  const { clone: b } = branchClone(remote);
  cliOk(b.dir, 'create-prd', 'from b');
  cliOk(b.dir, 'git-sync');
  cliOk(a.dir, 'create-prd', 'from a again');
  return { a: a.dir, storeDir };
}

function hasMarkers(storeDir: string): boolean {
  return /^(<<<<<<<|=======|>>>>>>>)/m.test(readFileSync(join(storeDir, 'prds.jsonl'), 'utf8'));
}

describe('uninstall-hooks while git-sync runs', () => {
  it('during the fetch: git-sync notices the driver is gone and stops before committing or merging, instead of merging the logs line by line', async () => {
    const { a, storeDir } = divergedClones();
    const head = spawnSync(REAL_GIT, ['rev-parse', 'HEAD'], { cwd: join(storeDir, '..'), encoding: 'utf8' }).stdout;
    const pause = pausingGit(' fetch ', true);
    const sync = startSync(a, pause.env);
    await waitFor('git-sync to reach its fetch', () => existsSync(pause.reached), 20_000);
    const uninstall = cli(a, 'uninstall-hooks');
    expect(uninstall.stderr).toBe('');
    expect(uninstall.status).toBe(0);
    writeFileSync(pause.release, '');
    const done = await sync;
    expect(done.status).toBe(1);
    expect(done.stderr).toContain('the taskstore merge driver was removed while git-sync ran');
    expect(hasMarkers(storeDir)).toBe(false);
    // Nothing committed or merged: HEAD is where it was, the new record still uncommitted.
    expect(spawnSync(REAL_GIT, ['rev-parse', 'HEAD'], { cwd: join(storeDir, '..'), encoding: 'utf8' }).stdout).toBe(head);
    // The next git-sync installs the integration again and merges with the driver.
    const again = cli(a, '--json', 'git-sync');
    expect(again.stderr).toBe('');
    expect(again.status).toBe(0);
    expect(hasMarkers(storeDir)).toBe(false);
    const listed = cliOk(a, 'list-prds');
    for (const title of ['from a', 'from b', 'from a again']) expect(listed).toContain(title);
  }, 60_000);

  it('during the merge: the uninstall waits for the merge to finish, which uses the driver', async () => {
    const { a, storeDir } = divergedClones();
    // git-sync's own `git merge` (its --no-autostash flag names it), paused 2 s before it starts:
    // the uninstall, started meanwhile, finished before the merge ran when nothing made it wait.
    const pause = pausingGit('--no-autostash', false);
    const sync = startSync(a, pause.env);
    await waitFor('git-sync to reach its merge', () => existsSync(pause.reached), 20_000);
    const uninstall = cli(a, 'uninstall-hooks');
    expect(uninstall.status).toBe(0);
    const done = await sync;
    expect(done.stderr).toBe('');
    expect(done.status).toBe(0);
    expect(hasMarkers(storeDir)).toBe(false);
    const listed = cliOk(a, 'list-prds');
    for (const title of ['from a', 'from b', 'from a again']) expect(listed).toContain(title);
    // The uninstall ran after the merge: it removed the whole integration.
    expect(spawnSync(REAL_GIT, ['config', '--local', '--get', 'merge.taskstore.driver'], { cwd: a }).status).toBe(1);
  }, 60_000);
});
