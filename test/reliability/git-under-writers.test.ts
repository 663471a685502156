/**
 * Writers keep writing while git works in the same work tree (issue 9 item 2): merge
 * (diverged and fast-forward), stash / pop, checkout, rebase, pull. Afterwards every
 * acknowledged write must be accounted for — in the store, in a git object, or rescued
 * (`<collection>.jsonl.rescued`) and reported by check — and no committed blob of a log
 * may hold a NUL byte or a half line. Real git, real hooks, real writer processes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine as Store } from '../../src/store/engine.js';
import { CLI } from '../helpers/paths.js';
import { GIT_ENV, GitRepo } from '../helpers/git-repo.js';
import { quietLogger } from '../helpers/logger.js';
import '../git/fixtures.js';

const WRITER = join(import.meta.dirname, '..', 'fixtures', 'git-writer.mjs');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function cli(cwd: string, ...args: string[]): void {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, env: { ...GIT_ENV, TASKSTORE_DIR: '' }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`taskstore ${args.join(' ')}: ${r.stderr}`);
}

/** Runs git; a refusal (dirty tree, conflict) is part of the scenario, not a test failure. */
function git(repo: GitRepo, ...args: string[]): number {
  return spawnSync('git', args, { cwd: repo.dir, env: GIT_ENV, encoding: 'utf8' }).status ?? 1;
}

function startWriter(dir: string, tag: string, pauseMs: number) {
  const child = spawn(process.execPath, [WRITER, dir, tag, String(pauseMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const acked: string[] = [];
  const exited = new Promise((r) => child.on('exit', r));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const [kind, id] = line.split(' ');
    if (kind === 'ack') acked.push(id!);
  });
  return {
    acked,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Every `"id":"..."` found in any blob of the object database (reachable or not). */
function idsInGitObjects(repo: GitRepo): Set<string> {
  const all = spawnSync('git', ['cat-file', '--batch-all-objects', '--batch'], { cwd: repo.dir, env: GIT_ENV, maxBuffer: 1 << 30 });
  const ids = new Set<string>();
  for (const m of all.stdout.toString('utf8').matchAll(/"id":"([^"]+)"/g)) ids.add(m[1]!);
  return ids;
}

/** Every committed version of every log: no NUL byte, every line complete. */
function committedLogDamage(repo: GitRepo): string[] {
  const damage: string[] = [];
  const commits = spawnSync('git', ['rev-list', '--all'], { cwd: repo.dir, env: GIT_ENV, encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  for (const commit of commits) {
    const names = spawnSync('git', ['ls-tree', '--name-only', `${commit}:.taskstore`], { cwd: repo.dir, env: GIT_ENV, encoding: 'utf8' }).stdout.split('\n');
    for (const name of names.filter((n) => n.endsWith('.jsonl'))) {
      const blob = spawnSync('git', ['cat-file', 'blob', `${commit}:.taskstore/${name}`], { cwd: repo.dir, env: GIT_ENV }).stdout;
      if (blob.includes(0)) damage.push(`${commit} ${name}: NUL byte`);
      if (blob.length > 0 && blob[blob.length - 1] !== 0x0a) damage.push(`${commit} ${name}: half last line`);
      for (const line of blob.toString('utf8').split('\n').filter(Boolean)) {
        try {
          JSON.parse(line);
        } catch {
          if (!/^(<{7}|={7}|>{7})/.test(line)) damage.push(`${commit} ${name}: malformed line ${line.slice(0, 40)}`);
        }
      }
    }
  }
  return damage;
}

interface Accounting {
  acknowledged: number;
  inStore: number;
  onlyInGit: number;
  rescued: number;
  lost: string[];
}

function account(repo: GitRepo, acked: string[]): Accounting {
  const dir = join(repo.dir, '.taskstore');
  const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
  let inStore = 0;
  let onlyInGit = 0;
  let rescued = 0;
  const lost: string[] = [];
  try {
    store.refresh();
    const notes = store.collection({ name: 'notes' });
    const git = idsInGitObjects(repo);
    const rescuedPath = join(dir, 'notes.jsonl.rescued');
    const rescuedIds = new Set(existsSync(rescuedPath) ? readFileSync(rescuedPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).id as string) : []);
    if (rescuedIds.size > 0) expect(store.check().problems.map((p) => p.kind)).toContain('rescued_lines');
    for (const id of acked) {
      if (notes.get(id) !== undefined) inStore++;
      else if (rescuedIds.has(id)) rescued++;
      else if (git.has(id)) onlyInGit++;
      else lost.push(id);
    }
  } finally {
    store.close();
  }
  return { acknowledged: acked.length, inStore, onlyInGit, rescued, lost };
}

/** A repo with the CLI's hooks and merge driver, a store with records, and a diverged `feature` branch. */
function setUp(): { repo: GitRepo; dir: string } {
  const repo = GitRepo.init();
  cli(repo.dir, 'init', '--hooks');
  const dir = join(repo.dir, '.taskstore');
  const seed = Store.open(dir, { durability: 'none', logger: quietLogger() });
  const notes = seed.collection({ name: 'notes' });
  for (let i = 0; i < 20; i++) notes.create({ id: `base-${i}` });
  repo.commitAll('base');
  git(repo, 'checkout', '-q', '-b', 'feature');
  for (let i = 0; i < 20; i++) notes.create({ id: `feature-${i}` });
  repo.commitAll('feature');
  git(repo, 'checkout', '-q', 'main');
  seed.refresh();
  notes.create({ id: 'main-0' });
  repo.commitAll('main');
  seed.close();
  return { repo, dir };
}

const SCENARIOS: Record<string, (repo: GitRepo, round: number) => Promise<void> | void> = {
  // The scenario (a): merge attempts while the log is dirty.
  'merge (diverged, tree dirty)': (repo) => {
    git(repo, 'merge', '--no-edit', 'feature');
  },
  // Commit what the writer has so far, then merge: mostly succeeds, sometimes git refuses.
  'merge (diverged, after a commit)': (repo, round) => {
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', `round ${round}`);
    git(repo, 'merge', '--no-edit', 'feature');
  },
  'merge (fast-forward)': (repo, round) => {
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', `round ${round}`);
    git(repo, 'branch', '-f', `ff${round}`, 'HEAD');
    git(repo, 'checkout', '-q', `ff${round}`);
    git(repo, 'commit', '-q', '--allow-empty', '-m', 'ahead');
    git(repo, 'checkout', '-q', 'main');
    git(repo, 'merge', '--ff-only', `ff${round}`);
  },
  // The scenario (b).
  'stash / pop': async (repo) => {
    git(repo, 'stash');
    await sleep(20);
    git(repo, 'stash', 'pop');
  },
  checkout: async (repo, round) => {
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', `round ${round}`);
    git(repo, 'checkout', '-q', 'feature');
    await sleep(20);
    git(repo, 'checkout', '-q', 'main');
  },
  rebase: (repo, round) => {
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', `round ${round}`);
    git(repo, 'rebase', '-q', 'feature');
  },
  pull: (repo, round) => {
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', `round ${round}`);
    git(repo, 'pull', '-q', '--no-rebase', '--no-edit', '.', 'feature');
  },
};

describe('writers active while git works in the same work tree', () => {
  it.each(Object.keys(SCENARIOS))(
    '%s: every acknowledged write is in the store, in git, or rescued; no committed blob is damaged',
    async (name) => {
      const { repo, dir } = setUp();
      const writer = startWriter(dir, 'w', 3);
      while (writer.acked.length < 5) await sleep(10);
      for (let round = 0; round < 5; round++) {
        await SCENARIOS[name]!(repo, round);
        await sleep(30);
      }
      await writer.stop();
      // Resolve whatever the last operation left (a conflict or a stash that did not pop) so the store can be read.
      git(repo, 'merge', '--abort');
      git(repo, 'rebase', '--abort');
      const result = account(repo, writer.acked);
      console.log(`${name}: ${JSON.stringify({ ...result, lost: result.lost.length })}`);
      expect(result.acknowledged).toBeGreaterThan(5);
      expect(result.lost).toEqual([]);
      expect(committedLogDamage(repo)).toEqual([]);
    },
    120_000,
  );
});
