/**
 * Issue 9 item 2 (safety net): acknowledged versions that a git rewrite of a log makes
 * vanish, and that no recent git object holds, are kept in `<collection>.jsonl.rescued`,
 * reported by check and re-applied by rescue. Real git, real files.
 */
import { existsSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine as Store } from '../../src/store/engine.js';
import { GitRepo } from '../helpers/git-repo.js';
import { quietLogger } from '../helpers/logger.js';
import { runCli } from '../cli/run-cli.js';
import { thrown } from '../records/helpers.js';
import { tempDir } from '../helpers/temp.js';
import '../git/fixtures.js'; // git env for the store's own git calls

function setup() {
  const repo = GitRepo.init();
  const dir = join(repo.dir, '.taskstore');
  const logger = quietLogger();
  const store = Store.open(dir, { durability: 'none', logger });
  const notes = store.collection({ name: 'notes' });
  notes.create({ id: 'committed', v: 1 });
  repo.commitAll('store');
  return { repo, dir, store, notes, logger, rescued: join(dir, 'notes.jsonl.rescued') };
}

describe('rescue of vanished acknowledged writes', () => {
  it('a write lost by restoring the log from HEAD is rescued, reported by check, and re-applied by rescue', () => {
    const { repo, dir, store, notes, logger, rescued } = setup();
    notes.create({ id: 'lost', v: 1 });
    notes.patch('committed', { v: 2 });
    // What `git stash` does after its snapshot, or `git checkout -- file` / `reset --hard`.
    repo.git('checkout', '--', '.taskstore/notes.jsonl');
    store.refresh();
    expect(notes.get('lost')).toBeUndefined();
    expect(notes.get('committed')).toMatchObject({ v: 1 });
    const kept = readFileSync(rescued, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(kept.map((r) => [r.id, r.v]).sort()).toEqual([['committed', 2], ['lost', 1]]);
    expect(logger.warnings.join('\n')).toMatch(/lost 2 acknowledged version\(s\).*notes\.jsonl\.rescued/);
    expect(store.check().problems).toEqual([expect.objectContaining({ kind: 'rescued_lines', collection: 'notes', message: expect.stringContaining('2 acknowledged version(s)') })]);
    store.close();

    const cli = runCli(['--json', 'rescue'], { cwd: repo.dir });
    expect(cli.status, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toEqual({ collections: [{ name: 'notes', lines: 2, applied: 2 }] });
    expect(existsSync(rescued)).toBe(false);
    const reopened = Store.open(dir, { durability: 'none', logger: quietLogger() });
    const again = reopened.collection({ name: 'notes' });
    expect(again.get('lost')).toMatchObject({ v: 1 });
    expect(again.get('committed')).toMatchObject({ v: 2 });
    expect(reopened.check().ok).toBe(true);
    reopened.close();
  });

  it('a .rescued file that is a symbolic link is never written or read through: an IoError naming it, the target untouched and never re-applied', () => {
    const { repo, dir, store, notes, rescued } = setup();
    const outside = tempDir();
    // A dangling link (git checks links out, even of ignored names when committed): the append would create ~/.bashrc-like target.
    const target = join(outside, 'bashrc');
    symlinkSync(target, rescued);
    notes.create({ id: 'lost', v: 1 });
    repo.git('checkout', '--', '.taskstore/notes.jsonl');
    expect(thrown(() => store.refresh())).toMatchObject({ code: 'IO', data: { errno: 'ELOOP', path: rescued } });
    expect(existsSync(target)).toBe(false);
    // Until the link is gone the store refuses, as for a linked log; the versions are still in the cache to rescue.
    expect(thrown(() => Store.open(dir, { durability: 'none', logger: quietLogger() }))).toMatchObject({ code: 'IO', data: { errno: 'ELOOP' } });
    store.close();
    rmSync(rescued);
    const fixed = Store.open(dir, { durability: 'none', logger: quietLogger() });
    expect(readFileSync(rescued, 'utf8')).toContain('"lost"');
    fixed.close();

    // A link to some other JSONL file of the user's: rescue would append its records to the log.
    const second = setup();
    const other = join(outside, 'private.jsonl');
    writeFileSync(other, `${JSON.stringify({ id: 'private', updated_at: 1, secret: 'x' })}\n`);
    symlinkSync(other, second.rescued);
    expect(thrown(() => second.store.rescue())).toMatchObject({ code: 'IO', data: { errno: 'ELOOP', path: second.rescued } });
    expect(second.notes.get('private')).toBeUndefined();
    expect(readFileSync(join(second.dir, 'notes.jsonl'), 'utf8')).not.toContain('private');
    second.store.close();
  });

  it('nothing is rescued when git holds the lines (stash, commit on another branch) or a compaction dropped only superseded versions', () => {
    const { repo, store, notes, rescued } = setup();
    notes.create({ id: 'stashed' });
    repo.git('stash');
    store.refresh();
    expect(notes.get('stashed')).toBeUndefined();
    expect(existsSync(rescued)).toBe(false);
    repo.git('stash', 'pop');
    store.refresh();
    expect(notes.get('stashed')).toBeDefined();

    repo.git('checkout', '-q', '-b', 'side');
    notes.create({ id: 'on-side' });
    repo.commitAll('side');
    repo.git('checkout', '-q', 'main');
    store.refresh();
    expect(notes.get('on-side')).toBeUndefined();
    expect(existsSync(rescued)).toBe(false);

    notes.patch('committed', { v: 5 });
    const other = Store.open(join(repo.dir, '.taskstore'), { durability: 'none', logger: quietLogger() });
    other.compact('notes');
    other.close();
    store.refresh();
    expect(notes.get('committed')).toMatchObject({ v: 5 });
    expect(existsSync(rescued)).toBe(false);
    store.close();
  });

  it('rescue skips lines the log holds again and keeps the newest version current', () => {
    const { repo, store, notes, rescued } = setup();
    notes.patch('committed', { v: 2 });
    repo.git('checkout', '--', '.taskstore/notes.jsonl');
    store.refresh();
    expect(existsSync(rescued)).toBe(true);
    notes.patch('committed', { v: 3 }); // a newer write after the loss
    const report = store.rescue();
    expect(report).toEqual({ collections: [{ name: 'notes', lines: 1, applied: 1 }] });
    expect(notes.get('committed')).toMatchObject({ v: 3 });
    expect(notes.history('committed').map((r) => r.v)).toEqual([1, 3, 2]);
    expect(store.rescue()).toEqual({ collections: [] });
    store.close();
  });
});

describe('rescue and transactions', () => {
  it('inside a transaction, rescue stages the lines with it and keeps the .rescued file: a rollback loses nothing, and the next rescue removes the file', () => {
    const { repo, store, notes, rescued } = setup();
    notes.create({ id: 'lost', v: 1 });
    repo.git('checkout', '--', '.taskstore/notes.jsonl');
    store.refresh();
    const before = readFileSync(rescued, 'utf8');
    expect(before).toContain('"lost"');
    const failure = thrown(() =>
      store.transaction(() => {
        expect(store.rescue()).toEqual({ collections: [{ name: 'notes', lines: 1, applied: 1 }] });
        throw new Error('the caller changes its mind');
      }),
    );
    expect((failure as Error).message).toBe('the caller changes its mind');
    expect(readFileSync(rescued, 'utf8')).toBe(before);
    expect(notes.get('lost')).toBeUndefined();
    store.transaction(() => store.rescue());
    expect(notes.get('lost')).toMatchObject({ v: 1 });
    expect(existsSync(rescued)).toBe(true);
    // Outside a transaction the log holds every line: the file goes.
    expect(store.rescue()).toEqual({ collections: [{ name: 'notes', lines: 1, applied: 0 }] });
    expect(existsSync(rescued)).toBe(false);
    store.close();
  });
});

describe('a .rescued file cut short by a crash', () => {
  it('the next vanished version starts on a line of its own, and rescue keeps the cut line in the file instead of deleting it', () => {
    const { repo, store, notes, rescued } = setup();
    notes.create({ id: 'first', v: 1 });
    repo.git('checkout', '--', '.taskstore/notes.jsonl');
    store.refresh();
    // A crash in the middle of the append to the .rescued file: its last line is cut.
    const whole = readFileSync(rescued, 'utf8');
    truncateSync(rescued, whole.length - 10);
    const cut = readFileSync(rescued, 'utf8');
    notes.create({ id: 'second', v: 2 });
    repo.git('checkout', '--', '.taskstore/notes.jsonl');
    store.refresh();
    const held = readFileSync(rescued, 'utf8').split('\n').filter((l) => l !== '');
    expect(held).toHaveLength(2);
    expect(held[0]).toBe(cut);
    expect(JSON.parse(held[1]!)).toMatchObject({ id: 'second', v: 2 });

    expect(store.rescue()).toEqual({ collections: [{ name: 'notes', lines: 2, applied: 1 }] });
    expect(notes.get('second')).toMatchObject({ v: 2 });
    // The cut line is no record: it cannot be applied, and it is not thrown away either.
    expect(readFileSync(rescued, 'utf8')).toBe(`${cut}\n`);
    expect(store.check().problems).toEqual([expect.objectContaining({ kind: 'rescued_lines', collection: 'notes' })]);
    store.close();
  });
});

describe('refresh inside a transaction', () => {
  it('leaves alone a collection the transaction already caught up: a rebuild there took its pending, never acknowledged writes for lost ones and kept them in .rescued, for rescue to bring back after the rollback', () => {
    const { dir, store, notes, rescued } = setup();
    const log = join(dir, 'notes.jsonl');
    const failure = thrown(() =>
      store.transaction(() => {
        notes.create({ id: 'pending', v: 1 });
        // Another tool rewrites the log meanwhile (a hand edit, a git checkout).
        writeFileSync(log, `{"id":"hand","updated_at":5}\n${readFileSync(log, 'utf8')}`);
        expect(store.refresh()).toBe(0);
      }),
    );
    // The commit refuses the log changed under it: nothing was written.
    expect(failure).toMatchObject({ code: 'CORRUPT' });
    expect(existsSync(rescued)).toBe(false);
    expect(store.refresh()).toBeGreaterThan(0);
    expect(notes.get('pending')).toBeUndefined();
    expect(notes.get('hand')).toBeDefined();
    expect(store.rescue()).toEqual({ collections: [] });
    expect(notes.get('pending')).toBeUndefined();
    store.close();
  });
});
