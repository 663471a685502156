/**
 * What a first-time user found checking the docs (README, docs/cli.md, docs/api.md,
 * docs/records.md, docs/change-feed.md, docs/mcp.md) against the built CLI and library.
 */
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GitRepo } from '../helpers/git-repo.js';
import { tempDir } from '../helpers/temp.js';
import { startMcp, textOf, type McpSession } from './mcp-client.js';
import { runCli, runJson } from './run-cli.js';

const sessions: McpSession[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close();
});

describe('taskstore mcp, as a real client uses it (tools/list first, so the SDK checks every result against its outputSchema)', () => {
  it('record_history answers with basedOn and mergeOf, which its output schema now lists (the SDK client threw "must NOT have additional properties")', async () => {
    const cwd = tempDir('taskstore-docs-truth-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const id = runJson<{ id: string }>(['create-prd', 'Search'], { cwd }).id;
    expect(runCli(['update', id, '--set', 'status=ready'], { cwd }).status).toBe(0);
    // A record written by the Rust TaskStore (no updated_at) has a history too.
    writeFileSync(join(cwd, '.taskstore', 'notes.jsonl'), '{"id":"n1","v":1,"created_at":10}\n');
    const mcp = await startMcp({ cwd });
    sessions.push(mcp);
    const { tools } = await mcp.client.listTools();
    const history = tools.find((t) => t.name === 'record_history')!;
    expect(Object.keys((history.outputSchema!.properties!.versions as { items: { properties: object } }).items.properties).sort()).toEqual(
      ['basedOn', 'changes', 'deleted', 'mergeOf', 'record'],
    );
    const result = await mcp.call('record_history', { id });
    expect(result.isError).toBeFalsy();
    const versions = (result.structuredContent as { versions: { basedOn: number | null; mergeOf: number | null; changes: unknown[] }[] }).versions;
    expect(versions.map((v) => [v.basedOn, v.mergeOf])).toEqual([[null, null], [1, null]]);
    expect(versions[1]!.changes).toEqual([{ field: 'status', old: 'draft', new: 'ready' }]);
    const rust = await mcp.call('record_history', { id: 'n1' });
    expect(rust.isError).toBeFalsy();
  });
});

describe('taskstore mcp: the CLAIMED hint of renew_claim and release_claim', () => {
  it('says nobody holds the spec, or that another claimant now does, instead of "another claimant holds this task spec; pick another one" for a spec nobody holds', async () => {
    const cwd = tempDir('taskstore-docs-truth-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const prd = runJson<{ id: string }>(['create-prd', 'P'], { cwd }).id;
    const free = runJson<{ id: string }>(['create-task-spec', '--prd-id', prd, 'free'], { cwd }).id;
    const mcp = await startMcp({ cwd });
    sessions.push(mcp);
    for (const [tool, args] of [['renew_claim', { id: free, claimant: 'loop-1' }], ['release_claim', { id: free, claimant: 'loop-1' }]] as const) {
      const text = textOf(await mcp.call(tool, args));
      expect(text, tool).toMatch(/^CLAIMED: loop-1 cannot (renew|release) task spec .*: nobody holds a claim on it/);
      expect(text, tool).toContain('hint: nobody holds this task spec now');
      expect(text, tool).not.toContain('another claimant holds');
    }
    expect(runCli(['claim', free, '--as', 'loop-2'], { cwd }).status).toBe(0);
    const renew = textOf(await mcp.call('renew_claim', { id: free, claimant: 'loop-1' }));
    expect(renew).toContain('hint: another claimant holds this task spec now, not you');
    // claim_task_spec keeps its hint: pick another spec.
    const claim = textOf(await mcp.call('claim_task_spec', { id: free, claimant: 'loop-1' }));
    expect(claim).toContain('hint: another claimant holds this task spec; pick another one');
  });
});

describe('compact of a collection the store lists but that has no log yet', () => {
  it('compact workflows on a new store has nothing to compact (exit 0), instead of "there is no collection named workflows" with a hint about ids', () => {
    const cwd = tempDir('taskstore-docs-truth-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const text = runCli(['compact', 'workflows'], { cwd });
    expect(text.status, text.stderr).toBe(0);
    expect(text.stderr).toContain('(nothing to compact)');
    expect(runJson(['compact', 'workflows'], { cwd })).toEqual({ collections: [] });
    // A name the store does not know is still an error that lists what exists.
    const bogus = runCli(['compact', 'bogus'], { cwd });
    expect(bogus.status).toBe(1);
    expect(bogus.stderr).toContain('there is no collection named bogus');
    expect(bogus.stderr).toContain('collections in this store: dependencies, executions, prds, repo_state, task_specs, workflows');
  });
});

describe('git-sync --retries beyond its limit', () => {
  it('is a usage error (exit 2) naming the limit, as --lease-ms is, and runs nothing; it was exit 1 from the library', () => {
    const cwd = tempDir('taskstore-docs-truth-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const r = runCli(['git-sync', '--retries', '1001'], { cwd });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain("option '--retries <n>' argument '1001' is invalid. must be at most 1000.");
    expect(runCli(['git-sync', '--help'], { cwd }).stdout.replace(/\s+/g, ' ')).toContain('default 10, at most 1000');
  });
});

describe('backup into a place the user cannot write', () => {
  it('names the backup destination and hints at it, not "check that the store directory exists and is writable"', () => {
    const root = tempDir('taskstore-docs-truth-');
    // Root may write anywhere: run as an unprivileged user when the tests run as root.
    const as = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    chmodSync(root, 0o777);
    expect(runCli(['init'], { cwd: root, ...as }).status).toBe(0);
    expect(runCli(['create-prd', 'p'], { cwd: root, ...as }).status).toBe(0);
    const locked = join(root, 'locked');
    mkdirSync(locked, { mode: 0o555 });
    chmodSync(locked, 0o555);
    try {
      for (const dest of [join(locked, 'bk'), join(locked, 'deeper', 'bk')]) {
        const r = runCli(['backup', dest], { cwd: root, ...as });
        expect(r.status, r.stderr).toBe(1);
        expect(r.stderr).toContain(`cannot create the backup directory ${dest}: permission denied`);
        expect(r.stderr).toContain('hint: name a backup destination you may create and write');
        expect(r.stderr).not.toContain('store directory');
        expect(existsSync(dest)).toBe(false);
      }
    } finally {
      chmodSync(locked, 0o755);
    }
  });
});

describe('install-hooks needs an existing store, as every command but init and import', () => {
  it('install-hooks with --store naming a project root (no .version) is refused and changes nothing; it routed every *.jsonl of the project to the record merge driver', () => {
    const repo = GitRepo.init();
    const cwd = repo.dir;
    const r = runCli(['--store', '.', 'install-hooks'], { cwd });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${cwd} (named by --store) is not a TaskStore (no .version)`);
    expect(existsSync(join(cwd, '.gitattributes'))).toBe(false);
    expect(repo.tryGit('config', '--get-regexp', '^merge\\.').stdout).toBe('');
    const none = runCli(['install-hooks'], { cwd });
    expect(none.status).toBe(1);
    expect(none.stderr).toContain('no TaskStore found');
    // With a store it installs; uninstall-hooks still works after the store is gone.
    expect(runCli(['init'], { cwd }).status).toBe(0);
    expect(runCli(['install-hooks'], { cwd }).status).toBe(0);
    rmSync(join(cwd, '.taskstore'), { recursive: true });
    expect(runCli(['uninstall-hooks'], { cwd }).status).toBe(0);
    expect(existsSync(join(cwd, '.gitattributes'))).toBe(false);
  });
});
