/**
 * What a first-time user found checking the docs (README, docs/cli.md, docs/api.md,
 * docs/records.md, docs/change-feed.md, docs/mcp.md) against the built CLI and library.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { startMcp, type McpSession } from './mcp-client.js';
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
