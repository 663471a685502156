/**
 * The CLI's coordination commands: `update --if-updated-at`, a race-free `update --set`,
 * and (below) ready / claim / renew / release.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { openStore, runCli, runJson } from '../cli/run-cli.js';

const COORDINATOR = join(import.meta.dirname, '..', 'fixtures', 'coordinator.mjs');

function storeIn(): { cwd: string; dir: string } {
  const cwd = tempDir();
  return { cwd, dir: join(cwd, '.taskstore') };
}

describe('update --if-updated-at', () => {
  it('writes when the version matches; on a stale one exits 1 with a sentence and a hint, writing nothing', () => {
    const { cwd, dir } = storeIn();
    const store = openStore(dir);
    const id = store.collection({ name: 'notes' }).create({ id: 'note-1', title: 'a' });
    const version = store.collection({ name: 'notes' }).get(id)!.updated_at;
    store.close();
    const ok = runJson<{ title: string; updated_at: number }>(['update', id, '--set', 'title=b', '--if-updated-at', String(version)], { cwd });
    expect(ok.title).toBe('b');
    const stale = runCli(['update', id, '--set', 'title=c', '--if-updated-at', String(version)], { cwd });
    expect(stale.status).toBe(1);
    expect(stale.stdout).toBe('');
    expect(stale.stderr).toMatch(new RegExp(`^taskstore: error: notes ${id} changed: expected updated_at ${version}, but its current version has updated_at ${ok.updated_at}; nothing was written\\nhint: .+\\n$`));
    const bad = runCli(['update', id, '--set', 'title=c', '--if-updated-at', 'soon'], { cwd });
    expect(bad.status).toBe(2);
    const after = openStore(dir);
    expect(after.collection({ name: 'notes' }).get(id)!.title).toBe('b');
    after.close();
  });

  it('works for built-in record types through their update methods', () => {
    const { cwd, dir } = storeIn();
    const store = openStore(dir);
    const prdId = store.createPrd({ title: 'P' });
    const version = store.getPrd(prdId)!.updated_at;
    store.close();
    expect(runCli(['update', prdId, '--set', 'status=ready', '--if-updated-at', String(version - 1)], { cwd }).status).toBe(1);
    expect(runJson<{ status: string }>(['update', prdId, '--set', 'status=ready', '--if-updated-at', String(version)], { cwd }).status).toBe('ready');
  });
});

describe('update --set is race-free', () => {
  it('never reverts a field another process patched meanwhile (review_passes only ever grows across versions)', async () => {
    const { cwd, dir } = storeIn();
    const store = openStore(dir);
    const prdId = store.createPrd({ title: 'P', description: 'd0' });
    store.close();
    const child = spawn(process.execPath, [COORDINATOR, dir, 'patchloop', 'prds', prdId, 'review_passes', '1500'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.stdin.write('go\n');
    for (let a = 1; a <= 8; a++) expect(runCli(['update', prdId, '--set', `description=d${a}`], { cwd }).status).toBe(0);
    expect(await exited, stderr).toBe(0);
    const after = openStore(dir);
    const history = after.collection({ name: 'prds' }).history(prdId) as unknown as { review_passes: number; description: string }[];
    for (let i = 1; i < history.length; i++) {
      expect(history[i]!.review_passes, `version ${i}`).toBeGreaterThanOrEqual(history[i - 1]!.review_passes);
      expect(Number(history[i]!.description.slice(1)), `version ${i}`).toBeGreaterThanOrEqual(Number(history[i - 1]!.description.slice(1)));
    }
    expect(after.getPrd(prdId)).toMatchObject({ description: 'd8', review_passes: 1500 });
    after.close();
  });
});
