/**
 * Four clones edit concurrently and exchange only through git-sync, pushing at the same
 * moments: they must end identical, with every record and every version, and the remote
 * branch must only ever have moved forward (no force-push).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { branchClone, cliOk, isAncestor, makeRemote, openStore, remoteHeads, withStore } from './helpers.js';

const CLONE = join(import.meta.dirname, '..', '..', 'fixtures', 'sync-clone.mjs');
const ROUNDS = 5;

interface RoundReport {
  tag: string;
  round: number;
  versions: [string, number][];
  deleted: [string, number][];
  patched: string[];
  head: string;
  retries: number;
}

function runClone(storeDir: string, tag: string): Promise<RoundReport[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLONE, storeDir, tag, String(ROUNDS)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`clone ${tag} exited ${code}: ${stderr}`));
      else resolve(stdout.trim().split('\n').map((line) => JSON.parse(line) as RoundReport));
    });
  });
}

describe('convergence through git-sync', () => {
  it('four clones running rounds of create/update/delete + git-sync at once end identical, with every record and version', async () => {
    const remote = makeRemote();
    const first = branchClone(remote);
    cliOk(first.clone.dir, 'git-sync');
    const clones = [first, branchClone(remote), branchClone(remote), branchClone(remote)];
    const tags = ['a', 'b', 'c', 'd'];

    const reports = (await Promise.all(clones.map((c, i) => runClone(c.storeDir, tags[i]!)))).flat();
    expect(reports).toHaveLength(4 * ROUNDS);

    // Each clone's last sync pushed, so the remote holds everything: one more sync each catches up (fast-forwards).
    for (const c of clones) {
      const report = await withStore(c.storeDir, (store) => store.gitSync());
      expect(report.pushed).toBe(false);
    }

    const finalHead = remote.git('rev-parse', 'taskstore').trim();
    const states = clones.map((c) => {
      expect(c.clone.git('rev-parse', 'taskstore').trim()).toBe(finalHead);
      const store = openStore(c.storeDir);
      try {
        const notes = store.collection({ name: 'notes' });
        const current = notes.list({ orderBy: 'id' });
        const histories = new Map(reports.flatMap((r) => r.versions.map(([id]) => [id, notes.history(id)] as const)));
        return { current, histories };
      } finally {
        store.close();
      }
    });
    // Identical current state everywhere.
    for (const state of states.slice(1)) expect(state.current).toEqual(states[0]!.current);
    // Every created record present, unless deleted by a tombstone newer than every update
    // (a delete against a later update on another clone loses: the update wins).
    const newest = new Map<string, number>();
    for (const r of reports) for (const [id, at] of r.versions) newest.set(id, Math.max(at, newest.get(id) ?? 0));
    const deleted = new Set(reports.flatMap((r) => r.deleted.filter(([id, at]) => newest.get(id) === at).map(([id]) => id)));
    const created = tags.flatMap((tag) => Array.from({ length: ROUNDS }, (_, round) => [0, 1, 2].map((k) => `${tag}-${round}-${k}`)).flat());
    expect(states[0]!.current.map((n) => n.id).sort()).toEqual(created.filter((id) => !deleted.has(id)).sort());
    expect(deleted.size).toBeGreaterThan(0);
    // Every version written anywhere is in every clone's history.
    for (const state of states) {
      for (const report of reports) {
        for (const [id, updatedAt] of report.versions) {
          expect(state.histories.get(id)!.some((v) => v.updated_at === updatedAt), `${id}@${updatedAt}`).toBe(true);
        }
      }
    }
    // Every update of every clone survived the merges: each record carries each clone's field.
    const lastPatch = new Map<string, number>();
    for (const r of reports) for (const id of r.patched) lastPatch.set(`${id} seen_by_${r.tag}`, Math.max(r.round, lastPatch.get(`${id} seen_by_${r.tag}`) ?? -1));
    const byId = new Map(states[0]!.current.map((n) => [n.id, n as Record<string, unknown>]));
    const everDeleted = new Set(reports.flatMap((r) => r.deleted.map(([id]) => id)));
    let checked = 0;
    for (const [key, round] of lastPatch) {
      const [id, field] = key.split(' ') as [string, string];
      if (everDeleted.has(id)) continue; // a resurrected record comes back as the updating clone saw it

      expect(byId.get(id)![field], key).toBe(round);
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
    // The remote only ever moved forward: every head it had, and every head a clone pushed, is in the final history.
    const heads = [...remoteHeads(remote, 'taskstore'), ...reports.map((r) => r.head)];
    for (const head of heads) expect(isAncestor(remote, head, finalHead), head).toBe(true);
    // The pushes did race.
    expect(reports.reduce((n, r) => n + r.retries, 0)).toBeGreaterThan(0);
  });
});
