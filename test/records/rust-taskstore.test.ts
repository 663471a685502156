/**
 * A store written by the original Rust TaskStore itself (test/fixtures/rust-taskstore/,
 * see its README): every record loads as its lines say, nothing on disk changes, the
 * merge driver follows the same key/version rule, and TaskStore writes on top of it.
 *
 * The expected state is computed here from the raw lines by the documented rule (no
 * `id`: `repo_path`; no `updated_at`: `created_at`; highest version wins, the later line
 * on ties), independently of the code under test.
 */
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { mergeJsonl } from '../../src/merge/merge-jsonl.js';
import { GitRepo } from '../helpers/git-repo.js';
import { MERGE_BIN } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';
import { runCli } from '../cli/run-cli.js';
import { openStore, RECORD_FILES } from './helpers.js';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'rust-taskstore');

type Line = Record<string, unknown>;

function fixtureText(name: string): string {
  return readFileSync(join(FIXTURE, `${name}.jsonl`), 'utf8');
}

function linesOf(text: string): Line[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Line);
}

const keyOf = (line: Line) => (Object.hasOwn(line, 'id') ? line.id : line.repo_path) as string;
const versionOf = (line: Line) => (Object.hasOwn(line, 'updated_at') ? line.updated_at : line.created_at) as number;

/** Current version per key by the documented rule, with the derived id / updated_at written in (as reads return them). */
function expectedCurrent(text: string): Map<string, Line> {
  const current = new Map<string, Line>();
  for (const line of linesOf(text)) {
    const key = keyOf(line);
    const previous = current.get(key);
    if (previous === undefined || versionOf(line) >= (previous.updated_at as number)) {
      current.set(key, { ...line, id: key, updated_at: versionOf(line) });
    }
  }
  for (const [key, line] of current) if (line.deleted === true) current.delete(key);
  return current;
}

function openFixture() {
  const dir = join(tempDir(), '.taskstore');
  cpSync(FIXTURE, dir, { recursive: true });
  return { ...openStore(dir), dir };
}

function jsonlFiles(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.jsonl'))
      .sort()
      .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
  );
}

describe('a store written by the Rust TaskStore', () => {
  it('loads every record of every type, equal field by field to its current line', () => {
    const { store } = openFixture();
    const counts: Record<string, number> = {};
    for (const name of RECORD_FILES) {
      const expected = expectedCurrent(fixtureText(name));
      const records = store.collection({ name }).list();
      counts[name] = records.length;
      expect(new Set(records.map((r) => r.id))).toEqual(new Set(expected.keys()));
      for (const record of records) expect(record, `${name}/${record.id}`).toEqual(expected.get(record.id));
    }
    expect(counts).toEqual({ prds: 21, task_specs: 100, executions: 50, dependencies: 30, workflows: 5, repo_state: 2 });

    // The typed getters agree, defaults applied for fields the Rust format lacks.
    const specs = expectedCurrent(fixtureText('task_specs'));
    for (const [id, line] of specs) expect(store.getTaskSpec(id)).toEqual({ ...line, dependencies: [] });
    for (const [id, line] of expectedCurrent(fixtureText('prds'))) expect(store.getPrd(id)).toEqual(line);
    for (const [id, line] of expectedCurrent(fixtureText('executions'))) expect(store.getExecution(id)).toEqual(line);
    for (const [id, line] of expectedCurrent(fixtureText('workflows'))) expect(store.getWorkflow(id)).toEqual(line);
  });

  it('reads a dependency resolved by a second line with the same created_at as resolved, with its payload', () => {
    const { store } = openFixture();
    const lines = linesOf(fixtureText('dependencies'));
    const resolvedLines = lines.filter((l) => l.resolved_at !== null);
    expect(resolvedLines).toHaveLength(10);
    for (const line of resolvedLines) {
      const versions = lines.filter((l) => l.id === line.id);
      expect(versions).toHaveLength(2);
      expect(versions[0]!.created_at).toBe(versions[1]!.created_at); // the tie the rule must break by line order
      const dep = store.getDependency(line.id as string)!;
      expect(dep).toEqual({ ...line, updated_at: line.created_at });
      expect(dep.resolved_at).toBeTypeOf('number');
      expect(JSON.parse(dep.payload as string)).toMatchObject({ note: 'resolved' });
    }
    const all = store.collection({ name: 'dependencies' }).list();
    expect(all.filter((d) => d.resolved_at !== null)).toHaveLength(10);
    expect(all.filter((d) => d.resolved_at === null)).toHaveLength(20);
    const anyExec = lines[0]!.from_exec_id as string;
    expect(store.listDependencies(anyExec).map((d) => d.id)).toContain(lines[0]!.id);
  });

  it('keys repository state by repo_path and reads its last synced commit', () => {
    const { store } = openFixture();
    const lines = linesOf(fixtureText('repo_state'));
    for (const path of new Set(lines.map((l) => l.repo_path as string))) {
      const last = lines.filter((l) => l.repo_path === path).at(-1)!;
      expect(store.getRepoState(path)).toEqual({ ...last, id: path });
    }
    expect(store.getRepoState('/work/repos/app')!.last_synced_commit).toBe('0123abc15');
  });

  it('takes the later line of two versions with the same updated_at (prd-tie-case)', () => {
    const { store } = openFixture();
    const versions = linesOf(fixtureText('prds')).filter((l) => l.id === 'prd-tie-case');
    expect(versions.length).toBeGreaterThanOrEqual(2);
    expect(versions.at(-1)!.updated_at).toBe(versions.at(-2)!.updated_at);
    expect(versions.at(-1)).not.toEqual(versions.at(-2));
    expect(store.getPrd('prd-tie-case')).toEqual(versions.at(-1));
  });

  it('keeps every control character, emoji, non-ASCII letter and U+2028 intact', () => {
    const { store } = openFixture();
    const content = store.getPrd('prd-000')!.content;
    for (const text of ['\u0001', '\u001f', '\u007f', '\u2028', '🚀', '日本語', 'café', '\t', '"quotes"', 'back\\slash']) {
      expect(content, JSON.stringify(text)).toContain(text);
    }
    expect(content).toBe(expectedCurrent(fixtureText('prds')).get('prd-000')!.content);
  });

  it('check is clean, and no .jsonl byte changes through open, sync, reads and check', () => {
    const { store, dir } = openFixture();
    const before = jsonlFiles(FIXTURE);
    expect(store.check()).toEqual({ ok: true, problems: [] });
    store.sync();
    store.listReadyTaskSpecs();
    store.findDependencyCycles();
    store.listExecutions();
    store.close();
    const again = openStore(dir).store;
    again.refresh();
    again.close();
    expect(jsonlFiles(dir)).toEqual(before);
  });

  it('the CLI check exits 0 on it', () => {
    const { store, dir } = openFixture();
    store.close();
    const result = runCli(['--store', dir, 'check'], { cwd: tempDir() });
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });

  it('adds the missing local-file entries to its .gitignore, keeping the Rust lines, once', () => {
    const { store, dir } = openFixture();
    store.close();
    const original = readFileSync(join(FIXTURE, '.gitignore'), 'utf8');
    const updated = readFileSync(join(dir, '.gitignore'), 'utf8');
    expect(updated.startsWith(original)).toBe(true);
    const entries = updated.split('\n');
    for (const entry of ['taskstore.db', 'taskstore.db-*', 'taskstore.journal', '*.torn', '*.lock', '*.log', '.*.tmp']) {
      expect(entries.filter((e) => e === entry), entry).toHaveLength(1);
    }
    openStore(dir).store.close();
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toBe(updated);
  });

  it('in a git work tree, the files the store keeps locally do not show in git status', () => {
    const repo = GitRepo.init();
    cpSync(FIXTURE, join(repo.dir, '.taskstore'), { recursive: true });
    repo.commitAll('rust store');
    const { store } = openStore(join(repo.dir, '.taskstore'));
    store.setRepoState('/work/repos/app', 'ffff000');
    store.close();
    const status = repo.git('status', '--porcelain', '--untracked-files=all').split('\n').filter((l) => l !== '');
    expect(status.sort()).toEqual([' M .taskstore/.gitignore', ' M .taskstore/repo_state.jsonl']);
  });

  it('writes on top of Rust lines: history shows the Rust versions and the new one, every new line has id and updated_at', () => {
    const { store, dir } = openFixture();
    const prdVersions = linesOf(fixtureText('prds')).filter((l) => l.id === 'prd-001');
    const updated = store.updatePrd('prd-001', { ...store.getPrd('prd-001')!, title: 'retitled by TaskStore' });
    expect(updated.updated_at).toBeGreaterThan(prdVersions.at(-1)!.updated_at as number);
    expect(store.collection({ name: 'prds' }).history('prd-001')).toEqual([...prdVersions, updated]);

    const unresolved = linesOf(fixtureText('dependencies')).filter((l) => l.id === 'dep-001');
    expect(unresolved).toHaveLength(1);
    const resolved = store.resolveDependency('dep-001', '{"answer":1}');
    expect(resolved).toMatchObject({ id: 'dep-001', created_at: unresolved[0]!.created_at, payload: '{"answer":1}' });
    expect(resolved.updated_at).toBeGreaterThan(unresolved[0]!.created_at as number);
    expect(store.collection({ name: 'dependencies' }).history('dep-001')).toEqual([
      { ...unresolved[0]!, updated_at: unresolved[0]!.created_at },
      resolved,
    ]);
    // A dependency the Rust store resolved, resolved again: the new version beats both tied Rust lines.
    const again = store.resolveDependency('dep-000', null);
    expect(store.getDependency('dep-000')).toEqual(again);
    expect(store.collection({ name: 'dependencies' }).history('dep-000')).toHaveLength(3);

    const state = store.setRepoState('/work/repos/lib', 'fedcba9');
    expect(store.collection({ name: 'repo_state' }).history('/work/repos/lib')).toHaveLength(4);
    expect(store.getRepoState('/work/repos/lib')).toEqual(state);

    for (const name of ['prds', 'dependencies', 'repo_state'] as const) {
      const text = readFileSync(join(dir, `${name}.jsonl`), 'utf8');
      expect(text.startsWith(fixtureText(name)), `${name}: Rust lines untouched`).toBe(true);
      for (const line of linesOf(text.slice(fixtureText(name).length))) {
        expect(line.id).toBeTypeOf('string');
        expect(line.updated_at).toBeTypeOf('number');
      }
    }
    expect(store.check().ok).toBe(true);
  });

  it('compaction keeps the current Rust lines byte for byte, and the same state', () => {
    const { store, dir } = openFixture();
    const before = Object.fromEntries(RECORD_FILES.map((name) => [name, store.collection({ name }).list()]));
    store.compact();
    for (const name of RECORD_FILES) {
      const original = new Set(fixtureText(name).split('\n'));
      for (const line of readFileSync(join(dir, `${name}.jsonl`), 'utf8').split('\n')) expect(original.has(line)).toBe(true);
      expect(store.collection({ name }).list()).toEqual(before[name]);
    }
    store.sync();
    for (const name of RECORD_FILES) expect(store.collection({ name }).list()).toEqual(before[name]);
  });
});

describe('merging Rust-format dependency files', () => {
  const base = fixtureText('dependencies');
  const open = linesOf(base).filter((l, _, all) => all.filter((m) => m.id === l.id).length === 1 && l.resolved_at === null);
  /** The line the Rust store appends to resolve a dependency: the same created_at, no updated_at. */
  const resolveLine = (dep: Line, answer: string) =>
    `${JSON.stringify({ ...dep, resolved_at: (dep.created_at as number) + 7, payload: JSON.stringify({ answer }) })}\n`;

  beforeAll(() => {
    expect(open).toHaveLength(20);
  });

  it('gives the same current state as reading the union of both branches (property)', () => {
    // Per open dependency: untouched, resolved on ours, on theirs, or the same line on both.
    const choice = fc.constantFrom('none', 'ours', 'theirs', 'both');
    fc.assert(
      fc.property(fc.array(choice, { minLength: open.length, maxLength: open.length }), (choices) => {
        let ours = base;
        let theirs = base;
        choices.forEach((c, i) => {
          const dep = open[i]!;
          if (c === 'ours' || c === 'both') ours += resolveLine(dep, 'same');
          if (c === 'theirs' || c === 'both') theirs += resolveLine(dep, 'same');
        });
        const merged = mergeJsonl(base, ours, theirs);
        expect(merged.conflicts).toBe(0);
        expect(expectedCurrent(merged.text)).toEqual(expectedCurrent(ours + theirs.slice(base.length)));
        // Only Rust lines: nothing needs a new version, so the result is exactly the union.
        expect(merged.text).toBe(ours + theirs.slice(base.length).split('\n').filter((l) => l !== '' && !ours.includes(l)).map((l) => `${l}\n`).join(''));
      }),
      { numRuns: 100 },
    );
  });

  it('under real git, merges two branches that resolved different dependencies', () => {
    if (!existsSync(MERGE_BIN)) throw new Error(`${MERGE_BIN} is missing: run npm run build first`);
    const repo = GitRepo.init();
    repo.git('config', 'merge.taskstore.name', 'TaskStore JSONL record merge');
    repo.git('config', 'merge.taskstore.driver', `'${process.execPath}' '${MERGE_BIN}' %O %A %B %P`);
    repo.write('.gitattributes', '.taskstore/*.jsonl merge=taskstore\n');
    cpSync(FIXTURE, join(repo.dir, '.taskstore'), { recursive: true });
    repo.commitAll('rust store');
    const file = join(repo.dir, '.taskstore', 'dependencies.jsonl');
    repo.git('checkout', '-q', '-b', 'feature');
    writeFileSync(file, base + resolveLine(open[0]!, 'feature') + resolveLine(open[1]!, 'feature'));
    repo.commitAll('feature resolves two');
    repo.git('checkout', '-q', 'main');
    writeFileSync(file, base + resolveLine(open[2]!, 'main'));
    repo.commitAll('main resolves one');
    repo.git('merge', '-q', '--no-edit', 'feature');

    const { store } = openStore(join(repo.dir, '.taskstore'));
    expect(store.getDependency(open[0]!.id as string)!.payload).toBe('{"answer":"feature"}');
    expect(store.getDependency(open[1]!.id as string)!.payload).toBe('{"answer":"feature"}');
    expect(store.getDependency(open[2]!.id as string)!.payload).toBe('{"answer":"main"}');
    expect(store.collection({ name: 'dependencies' }).list().filter((d) => d.resolved_at !== null)).toHaveLength(13);
    // (The hand-configured repo has no hooks, which check reports; the data itself must be clean.)
    expect(store.check().problems.filter((p) => p.kind !== 'hooks_missing')).toEqual([]);
  });

  it('merges repository state keyed by repo_path: a TaskStore line and a Rust line of one repository are one record', () => {
    const stateBase = fixtureText('repo_state');
    const ours = `${stateBase}{"id":"/work/repos/app","repo_path":"/work/repos/app","last_synced_commit":"ours","updated_at":1796119392200}\n`;
    const theirs = `${stateBase}{"repo_path":"/work/repos/lib","last_synced_commit":"theirs","updated_at":1796119392300}\n`;
    const merged = mergeJsonl(stateBase, ours, theirs);
    expect(merged.conflicts).toBe(0);
    const current = expectedCurrent(merged.text);
    expect([...current.keys()].sort()).toEqual(['/work/repos/app', '/work/repos/lib']);
    expect(current.get('/work/repos/app')!.last_synced_commit).toBe('ours');
    expect(current.get('/work/repos/lib')!.last_synced_commit).toBe('theirs');
  });
});
