/**
 * The change feed attacked where its shortcuts could skip something: edits other tools
 * save in place, writes that race them. Real files, real child processes.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { changeLineText, Store, type Change } from '../../src/index.js';
import { tempDir } from '../helpers/temp.js';
import { openStore } from './open-stores.js';
import { waitFor } from '../helpers/wait-for.js';
import { quietLogger } from '../helpers/logger.js';
import { DIST } from '../helpers/paths.js';
import { GitRepo } from '../helpers/git-repo.js';


/** Runs `body` (ESM, `Store` and `dir` in scope) in a child node process against the built package. */
function inChild(dir: string, body: string): void {
  const script = `import { Store } from ${JSON.stringify(join(DIST, 'index.js'))};\nconst dir = ${JSON.stringify(dir)};\n${body}`;
  execFileSync(process.execPath, ['--input-type=module', '-e', script], { stdio: 'pipe' });
}

/** Overwrites, in place (same inode, same length), the first `from` in the line of record `id`. */
function editInPlace(log: string, id: string, from: string, to: string): void {
  expect(Buffer.byteLength(from)).toBe(Buffer.byteLength(to));
  const bytes = readFileSync(log);
  const line = bytes.indexOf(`"id":"${id}"`);
  const at = bytes.indexOf(from, line);
  expect(line).toBeGreaterThan(0);
  const fd = openSync(log, 'r+');
  try {
    writeSync(fd, Buffer.from(to), 0, Buffer.byteLength(to), at);
  } finally {
    closeSync(fd);
  }
}

describe('change feed: an edit of equal length saved in place, then a write', () => {
  // A big log, so that the middle lies outside the fingerprint's windows (first and last KiB):
  // only the prefix CRC tells the edit from an unchanged file.
  function bigStore(): { dir: string; store: Store; seen: Change[] } {
    const dir = join(tempDir(), '.taskstore');
    const store = openStore(dir);
    const notes = store.collection({ name: 'notes' });
    notes.createMany(Array.from({ length: 1000 }, (_, i) => ({ id: `n${String(i).padStart(4, '0')}`, status: 'pending' })));
    const seen: Change[] = [];
    store.watch((c) => seen.push(c), { collections: ['notes'] });
    return { dir, store, seen };
  }

  it('by this process: the edit is delivered, then the write (the edit was lost: the write took the fast path from memory)', async () => {
    const { dir, store, seen } = bigStore();
    editInPlace(join(dir, 'notes.jsonl'), 'n0500', '"pending"', '"running"');
    store.collection({ name: 'notes' }).patch('n0001', { status: 'done' });
    await waitFor('the edit and the write', () => seen.length >= 2, 10_000);
    expect(seen.map((c) => [c.id, c.op, c.record.status])).toEqual([
      ['n0500', 'update', 'running'],
      ['n0001', 'update', 'done'],
    ]);
    expect(seen[0]!.previous).toMatchObject({ status: 'pending' });
  }, 60_000);

  it('by another process: the edit is delivered with the write (the edit was lost: the feed read only the appended tail)', async () => {
    const { dir, seen } = bigStore();
    editInPlace(join(dir, 'notes.jsonl'), 'n0500', '"pending"', '"running"');
    inChild(dir, `const s = Store.open(dir); s.collection({ name: 'notes' }).patch('n0001', { status: 'done' }); s.close();`);
    await waitFor('the edit and the write', () => seen.length >= 2, 10_000);
    expect(seen.map((c) => [c.id, c.op, c.record.status]).sort()).toEqual([
      ['n0001', 'update', 'done'],
      ['n0500', 'update', 'running'],
    ]);
  }, 60_000);
});

describe('change feed: a merge conflict resolved by hand', () => {
  it('delivers the resolution once the file is fixed, without anyone else refreshing (it waited until some other reader caught the cache up)', async () => {
    // No merge driver: git's own text merge of two branches that both appended a line.
    const repo = GitRepo.init();
    const dir = join(repo.dir, '.taskstore');
    const log = join(dir, 'notes.jsonl');
    const writer = Store.open(dir, { logger: quietLogger() });
    writer.collection({ name: 'notes' }).create({ id: 'base', v: 0 });
    writer.close();
    repo.commitAll('base');
    repo.git('checkout', '-q', '-b', 'side');
    inChild(dir, `const s = Store.open(dir); s.collection({ name: 'notes' }).create({ id: 'theirs', v: 1 }); s.close();`);
    repo.commitAll('side');
    repo.git('checkout', '-q', 'main');
    inChild(dir, `const s = Store.open(dir); s.collection({ name: 'notes' }).create({ id: 'ours', v: 2 }); s.close();`);
    repo.commitAll('main');

    const store = openStore(dir);
    const seen: Change[] = [];
    store.watch((c) => seen.push(c), { collections: ['notes'] });
    const merge = repo.tryGit('merge', '-q', '--no-edit', 'side');
    expect(merge.status).not.toBe(0);
    expect(readFileSync(log, 'utf8')).toContain('<<<<<<<');
    // Another reader catches the cache up with the merge: the log is refused as conflicted,
    // and the feed delivers nothing for it.
    openStore(dir);
    await new Promise((r) => setTimeout(r, 500));
    expect(seen).toEqual([]);

    // Resolved as a user would: keep both sides' lines, drop the markers, commit.
    const resolved = readFileSync(log, 'utf8').split('\n').filter((line) => !/^(<{7}|={7}|>{7})/.test(line));
    writeFileSync(log, resolved.join('\n'));
    repo.commitAll('merged by hand');
    await waitFor('the resolution', () => seen.length >= 1, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.map((c) => [c.id, c.op, c.record.v])).toEqual([['theirs', 'create', 1]]);
  }, 60_000);
});

describe('change feed: resuming with since after a crash', () => {
  it('changes to several collections found at one look arrive oldest first, so a consumer that saved the largest updated_at misses nothing (it got them grouped by collection)', async () => {
    const dir = join(tempDir(), '.taskstore');
    const store = openStore(dir);
    // alpha is known to the feed before beta: it is examined first.
    store.collection({ name: 'alpha' }).create({ id: 'a0' });
    store.collection({ name: 'beta' }).create({ id: 'b0' });
    const seen: Change[] = [];
    store.watch((c) => seen.push(c));
    // Another process commits beta, then (a few ms later) alpha, while this process is
    // busy: the feed finds both writes at its next look.
    inChild(
      dir,
      `const s = Store.open(dir);
       s.collection({ name: 'beta' }).create({ id: 'b1' });
       const t = Date.now(); while (Date.now() < t + 5) {}
       s.collection({ name: 'alpha' }).create({ id: 'a1' });
       s.close();`,
    );
    await waitFor('both writes', () => seen.length >= 2, 10_000);
    expect(seen.map((c) => c.id)).toEqual(['b1', 'a1']);
    expect(seen[0]!.record.updated_at).toBeLessThan(seen[1]!.record.updated_at);
  }, 60_000);

  it("this process's write comes after older writes of other processes the feed had not looked at yet (it came first: taken from memory, or with only its own log looked at)", async () => {
    const dir = join(tempDir(), '.taskstore');
    const store = openStore(dir);
    const alpha = store.collection({ name: 'alpha' });
    const beta = store.collection({ name: 'beta' });
    alpha.create({ id: 'a0' });
    beta.create({ id: 'b0' });
    const seen: Change[] = [];
    store.watch((c) => seen.push(c));
    // Busy, not sleeping: the feed must not get a turn (a later stamp, for the order to show).
    const busy = (ms: number): void => {
      const until = Date.now() + ms;
      while (Date.now() < until);
    };

    // Another process commits to alpha; this one, without giving the feed a turn, writes
    // beta: the feed had processed beta exactly up to where the write began.
    inChild(dir, `const s = Store.open(dir); s.collection({ name: 'alpha' }).create({ id: 'a1' }); s.close();`);
    busy(2);
    beta.create({ id: 'b1' });
    // The same, but the other process wrote beta too: the feed is behind on beta.
    inChild(
      dir,
      `const s = Store.open(dir);
       s.collection({ name: 'alpha' }).create({ id: 'a2' });
       s.collection({ name: 'beta' }).create({ id: 'b2' });
       s.close();`,
    );
    busy(2);
    beta.create({ id: 'b3' });
    await waitFor('five changes', () => seen.length >= 5, 10_000);
    expect(seen.map((c) => `${c.id}:${c.source}`)).toEqual(['a1:external', 'b1:local', 'a2:external', 'b2:external', 'b3:local']);
  }, 60_000);
});

describe('change feed: integers beyond 2^53 changed by a rewrite', () => {
  it('a rewrite that changes only the digits of an integer beyond 2^53 is delivered (the parsed values were equal, so it was taken for a re-spelling); a mere re-spelling still is not', async () => {
    const dir = join(tempDir(), '.taskstore');
    const store = openStore(dir);
    const log = join(dir, 'notes.jsonl');
    store.collection({ name: 'notes' }).createFromText('{"id":"big-1","n":12345678901234567890}');
    store.collection({ name: 'notes' }).create({ id: 'other', v: 1 });
    const seen: Change[] = [];
    store.watch((c) => seen.push(c), { collections: ['notes'] });
    const original = readFileSync(log, 'utf8');

    // A re-spelling (keys reordered, spaces) with every digit kept: nothing to deliver.
    const respelled = original.replace(/^\{"id":"big-1","n":12345678901234567890,/m, '{ "n": 12345678901234567890, "id": "big-1", ');
    expect(respelled).not.toBe(original);
    writeFileSync(`${log}.new`, respelled);
    renameSync(`${log}.new`, log);
    // …then a real change to the other record, to know the rewrite was looked at.
    writeFileSync(`${log}.new`, respelled.replace('"v":1', '"v":2'));
    renameSync(`${log}.new`, log);
    await waitFor('the other record', () => seen.some((c) => c.id === 'other'), 10_000);
    expect(seen.map((c) => c.id)).toEqual(['other']);

    // One digit of the big integer changed (a 64-bit id fixed by hand): a change.
    seen.length = 0;
    writeFileSync(`${log}.new`, respelled.replace('"v":1', '"v":2').replace('12345678901234567890', '12345678901234567891'));
    renameSync(`${log}.new`, log);
    await waitFor('the changed digits', () => seen.length >= 1, 10_000);
    expect(seen.map((c) => [c.id, c.op])).toEqual([['big-1', 'update']]);
    expect(changeLineText(seen[0]!.record)).toContain('12345678901234567891');
    expect(changeLineText(seen[0]!.previous!)).toContain('12345678901234567890');
  }, 60_000);
});

describe('change feed: store.close() right after a write', () => {
  it('a changes() loop still hands out the change of a write committed just before close() (it ended without it)', async () => {
    const store = Store.open(join(tempDir(), '.taskstore'), { logger: quietLogger() });
    const seen: string[] = [];
    const loop = (async () => {
      for await (const change of store.changes()) seen.push(change.id);
    })();
    store.collection({ name: 'notes' }).create({ id: 'first' });
    await waitFor('the first change', () => seen.length === 1);
    store.collection({ name: 'notes' }).create({ id: 'last-words' });
    store.close();
    await loop;
    expect(seen).toEqual(['first', 'last-words']);
  });
});
