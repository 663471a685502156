/**
 * The change feed against real files, real child processes and real git: what a watcher
 * receives for local writes, other processes' appends, checkouts, compaction, cache loss.
 * Every wait is for a condition (generous timeouts), never a fixed sleep.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store, type Change } from '../../src/index.js';
import { tempDir } from '../helpers/temp.js';
import { openStore } from './open-stores.js';
import { waitFor } from '../helpers/wait-for.js';
import { GitRepo } from '../helpers/git-repo.js';
import { quietLogger } from '../helpers/logger.js';
import { DIST } from '../helpers/paths.js';
import { startWriter } from '../reliability/writers.js';


/** Collects changes; `settled()` writes a local marker and waits for it, so everything committed before is known delivered. */
function recorder(store: Store, collection = 'notes') {
  const changes: Change[] = [];
  const stop = store.watch((c) => changes.push(c), { collections: [collection] });
  let markers = 0;
  return {
    changes,
    stop,
    /** Changes other than the markers. */
    real: () => changes.filter((c) => !c.id.startsWith('marker-')),
    async settled(): Promise<void> {
      const id = `marker-${++markers}`;
      store.collection({ name: collection }).create({ id });
      await waitFor(`marker ${id}`, () => changes.some((c) => c.id === id));
    },
  };
}

describe('change feed: this process', () => {
  it('delivers create, update, delete in order with previous versions, only after commit, and stops on unsubscribe', async () => {
    const store = openStore(join(tempDir(), '.taskstore'));
    const notes = store.collection({ name: 'notes' });
    const seen: Change[] = [];
    const stop = store.watch((c) => seen.push(c));
    const id = notes.create({ title: 'a' });
    notes.patch(id, { title: 'b' });
    expect(() =>
      store.transaction(() => {
        notes.patch(id, { title: 'rolled back' });
        throw new Error('abort');
      }),
    ).toThrow('abort');
    notes.delete(id);
    await waitFor('three changes', () => seen.length >= 3);
    expect(seen.map((c) => [c.op, c.source, c.record.title ?? null])).toEqual([
      ['create', 'local', 'a'],
      ['update', 'local', 'b'],
      ['delete', 'local', null],
    ]);
    expect(seen[0]!.previous).toBeUndefined();
    expect(seen[1]!.previous).toMatchObject({ id, title: 'a' });
    expect(seen[2]!.record).toMatchObject({ id, deleted: true });
    expect(seen[2]!.previous).toMatchObject({ title: 'b' });
    expect(seen.every((c) => c.collection === 'notes' && c.id === id)).toBe(true);

    stop();
    const other: Change[] = [];
    store.watch((c) => other.push(c));
    notes.create({ id: 'after-stop' });
    await waitFor('the other watcher', () => other.length === 1);
    expect(seen).toHaveLength(3);
  });

  it('filters by collection, and a throwing listener does not stop the others', async () => {
    const logger = quietLogger();
    const store = openStore(join(tempDir(), '.taskstore'), logger);
    const notes: Change[] = [];
    const all: Change[] = [];
    store.watch(() => {
      throw new Error('boom');
    });
    store.watch((c) => notes.push(c), { collections: ['notes'] });
    store.watch((c) => all.push(c));
    store.collection({ name: 'tasks' }).create({ id: 't1' });
    store.collection({ name: 'notes' }).create({ id: 'n1' });
    await waitFor('both', () => all.length === 2);
    await waitFor('notes', () => notes.length === 1);
    expect(notes[0]!.id).toBe('n1');
    expect(all.map((c) => c.collection)).toEqual(['tasks', 'notes']);
    expect(logger.warnings.some((w) => w.includes('boom'))).toBe(true);
  });

  it('since replays current versions (oldest first) then goes live; changes() iterates and ends on abort', async () => {
    const store = openStore(join(tempDir(), '.taskstore'));
    const notes = store.collection({ name: 'notes' });
    notes.create({ id: 'old' });
    const b = notes.create({ id: 'b', v: 1 });
    notes.create({ id: 'c' });
    notes.patch(b, { v: 2 });
    notes.delete('c');
    const cStamp = (notes.history('c')[0] as { updated_at: number }).updated_at;
    const controller = new AbortController();
    const got: Change[] = [];
    const loop = (async () => {
      for await (const change of store.changes({ since: cStamp, signal: controller.signal })) {
        got.push(change);
        if (change.id === 'live') controller.abort();
      }
    })();
    await waitFor('replay', () => got.length >= 2);
    notes.create({ id: 'live' });
    await loop;
    // 'old' is older than since; b (updated after c) and the tombstone of c are replayed, oldest first.
    expect(got.map((c) => [c.id, c.op, c.source])).toEqual([
      ['b', 'update', 'rewrite'],
      ['c', 'delete', 'rewrite'],
      ['live', 'create', 'local'],
    ]);
  });

  it("this process's own compact() and sync() deliver nothing", async () => {
    const store = openStore(join(tempDir(), '.taskstore'));
    const notes = store.collection({ name: 'notes' });
    for (let i = 0; i < 5; i++) notes.patch(notes.create({ id: `n${i}`, v: 0 }), { v: 1 });
    const rec = recorder(store);
    expect(store.compact().collections[0]!.linesAfter).toBe(5);
    store.sync();
    await rec.settled();
    expect(rec.real()).toEqual([]);
  });

  it('rejects bad arguments with clear errors', () => {
    const store = openStore(join(tempDir(), '.taskstore'));
    expect(() => store.watch(undefined as never)).toThrow(/listener function/);
    expect(() => store.watch(() => {}, { collections: ['Bad Name'] })).toThrow(/invalid collection name/);
    expect(() => store.watch(() => {}, { since: 1.5 })).toThrow(/since must be an integer/);
    expect(() => store.changes({ since: '1' as never })).toThrow(/since must be an integer/);
  });
});

describe('change feed: other processes', () => {
  it('a child process writing 50 records: every one delivered exactly once, as external', async () => {
    const dir = join(tempDir(), '.taskstore');
    const store = openStore(dir);
    const rec = recorder(store);
    const writer = startWriter(dir, 'single', 50, 'child');
    expect(await writer.exited).toMatchObject({ code: 0, stderr: '' });
    await waitFor('50 changes', () => rec.real().length >= 50);
    await rec.settled();
    const real = rec.real();
    expect(real).toHaveLength(50);
    expect(new Set(real.map((c) => c.id)).size).toBe(50);
    expect(real.every((c) => c.op === 'create' && c.source === 'external')).toBe(true);
    // Per record and overall, in the order the child wrote them.
    expect(real.map((c) => c.record.i)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  }, 120_000);

  it('a slow listener never holds up a writer: the feed holds no lock while it waits or delivers', async () => {
    const dir = join(tempDir(), '.taskstore');
    const store = openStore(dir);
    let delivered = 0;
    store.watch(() => {
      // A listener that blocks its whole process for 300 ms per change.
      const until = Date.now() + 300;
      while (Date.now() < until);
      delivered++;
    });
    // The writer gives up on the lock after 200 ms: any lock held across a delivery would fail it.
    const script = `import { Store } from ${JSON.stringify(join(DIST, 'index.js'))};
      const s = Store.open(${JSON.stringify(dir)}, { lockTimeoutMs: 200 });
      const n = s.collection({ name: 'notes' });
      for (let i = 0; i < 10; i++) { n.create({ id: 'w' + i }); await new Promise((r) => setTimeout(r, 50)); }
      s.close();`;
    const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 60_000 }, (err, _out, stderr) =>
        resolve({ code: err ? Number(err.code ?? 1) : 0, stderr }),
      );
    });
    expect(result).toEqual({ code: 0, stderr: '' });
    await waitFor('ten deliveries', () => delivered === 10);
  }, 120_000);

  it('compaction by another process delivers nothing', async () => {
    const dir = join(tempDir(), '.taskstore');
    const seed = startWriter(dir, 'mixed', 8, 'seed'); // creates, updates, transactions: several versions per id
    expect(await seed.exited).toMatchObject({ code: 0, stderr: '' });
    const store = openStore(dir);
    const rec = recorder(store);
    const compactor = startWriter(dir, 'compactloop', 1, 'c');
    expect(await compactor.exited).toMatchObject({ code: 0, stderr: '' });
    await rec.settled();
    expect(rec.real()).toEqual([]);
  }, 120_000);

  it('survives rm taskstore.db and a sync() in another process', async () => {
    const dir = join(tempDir(), '.taskstore');
    const store = openStore(dir);
    const rec = recorder(store);
    const first = startWriter(dir, 'single', 5, 'a');
    expect(await first.exited).toMatchObject({ code: 0 });
    await waitFor('first five', () => rec.real().length === 5);
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(dir, `taskstore.db${suffix}`), { force: true });
    const sync = startWriter(dir, 'syncloop', 2, 's');
    expect(await sync.exited).toMatchObject({ code: 0 });
    const second = startWriter(dir, 'single', 5, 'b');
    expect(await second.exited).toMatchObject({ code: 0 });
    await waitFor('ten', () => rec.real().length >= 10);
    await rec.settled();
    const ids = rec.real().map((c) => c.id);
    expect(ids).toEqual([...[0, 1, 2, 3, 4].map((i) => `a-${i}`), ...[0, 1, 2, 3, 4].map((i) => `b-${i}`)]);
    expect(rec.real().every((c) => c.op === 'create' && c.source === 'external')).toBe(true);
  }, 120_000);
});

describe('change feed: the delivered changes add up to the store', () => {
  it('a seeded mix of local writes, child writers, compaction, sync and hand rewrites: replay + changes == current records', async () => {
    const dir = join(tempDir(), '.taskstore');
    const store = openStore(dir);
    const notes = store.collection({ name: 'notes' });
    for (let i = 0; i < 5; i++) notes.create({ id: `seed${i}`, v: 0 });
    // What a consumer would hold: a map maintained only from the feed (replay, then live).
    const view = new Map<string, unknown>();
    const rec = recorder(store);
    store.watch(
      (c) => {
        if (c.collection !== 'notes' || c.id.startsWith('marker-')) return;
        if (c.op === 'delete') view.delete(c.id);
        else view.set(c.id, c.record);
      },
      { collections: ['notes'], since: 0 },
    );
    // FEED_SEED=n runs another mix (each seed is deterministic).
    let seed = Number(process.env.FEED_SEED ?? 42);
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const log = join(dir, 'notes.jsonl');
    for (let step = 0; step < 40; step++) {
      const live = notes.list().map((r) => r.id as string).filter((id) => !id.startsWith('marker-'));
      const pick = random(10);
      if (pick < 3 || live.length === 0) notes.create({ id: `l${step}`, v: step });
      else if (pick < 5) notes.patch(live[random(live.length)]!, { v: step });
      else if (pick === 5) notes.delete(live[random(live.length)]!);
      else if (pick === 6) expect((await startWriter(dir, 'mixed', 3, `c${step}`).exited).code).toBe(0);
      else if (pick === 7) expect((await startWriter(dir, random(2) === 0 ? 'compactloop' : 'syncloop', 1, `m${step}`).exited).code).toBe(0);
      else {
        // A hand rewrite: one record's lines vanish from the log (as a checkout of a branch without it would do).
        const victim = live[random(live.length)]!;
        const kept = readFileSync(log, 'utf8').split('\n').filter((line) => !line.includes(`"id":"${victim}"`));
        writeFileSync(log, kept.join('\n'));
        // Reads do not catch up by themselves: let the next step's list() see the edit.
        if (random(2) === 0) store.refresh();
        else await waitFor('the feed to catch the cache up', () => !notes.list().some((r) => r.id === victim));
      }
      if (step % 8 === 7) await rec.settled();
    }
    await waitFor('the feed to catch up with the last hand edit', () => {
      const current = new Map(notes.list().filter((r) => !(r.id as string).startsWith('marker-')).map((r) => [r.id as string, r]));
      return current.size === view.size && [...current].every(([id, r]) => JSON.stringify(view.get(id)) === JSON.stringify(r));
    });
    await rec.settled();
    const current = new Map(notes.list().filter((r) => !(r.id as string).startsWith('marker-')).map((r) => [r.id as string, r]));
    expect(new Map([...view].map(([id, r]) => [id, JSON.stringify(r)]))).toEqual(new Map([...current].map(([id, r]) => [id, JSON.stringify(r)])));
  }, 240_000);
});

describe('change feed: edits by other tools', () => {
  it('a line appended by hand is delivered as external; a hand edit of a line as a rewrite', async () => {
    const dir = join(tempDir(), '.taskstore');
    const store = openStore(dir);
    const notes = store.collection({ name: 'notes' });
    notes.create({ id: 'a', v: 1 });
    notes.create({ id: 'b', v: 1 });
    const seen: Change[] = [];
    store.watch((c) => seen.push(c));
    const log = join(dir, 'notes.jsonl');
    appendFileSync(log, `${JSON.stringify({ id: 'c', updated_at: 5, v: 1 })}\n`);
    await waitFor('the appended line', () => seen.length === 1);
    expect(seen[0]).toMatchObject({ id: 'c', op: 'create', source: 'external' });
    // Nobody but the feed caught the cache up: it did, and reads agree.
    expect(notes.get('c')).toMatchObject({ v: 1 });
    writeFileSync(log, readFileSync(log, 'utf8').replace('"id":"a","v":1', '"id":"a","v":2'));
    await waitFor('the edited line', () => seen.length === 2);
    expect(seen[1]).toMatchObject({ id: 'a', op: 'update', source: 'rewrite', record: { v: 2 }, previous: { v: 1 } });
  });
});

describe('change feed: the current version appended again', () => {
  it('a line repeated by another tool, as it was or re-spelled, delivers nothing (an update equal to its previous was delivered)', async () => {
    const dir = join(tempDir(), '.taskstore');
    const store = openStore(dir);
    const notes = store.collection({ name: 'notes' });
    notes.create({ id: 'a', v: 1 });
    const watched = recorder(store);
    const log = join(dir, 'notes.jsonl');
    const line = readFileSync(log, 'utf8').trimEnd();
    appendFileSync(log, `${line}\n`);
    // The same record, its keys in reverse order.
    appendFileSync(log, `${JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(line) as object).reverse()))}\n`);
    // The marker's write catches the cache up with the two lines first: delivered before it.
    await watched.settled();
    expect(notes.historyTexts('a')).toHaveLength(3);
    notes.patch('a', { v: 2 });
    await waitFor('the patch', () => watched.real().length >= 1);
    await watched.settled();
    expect(watched.real().map((c) => [c.id, c.op, c.source, c.record.v])).toEqual([['a', 'update', 'local', 2]]);
  });
});

describe('change feed: tombstones of records no reader sees', () => {
  it('a second tombstone of a deleted record, or one for a record never written, delivers nothing (a second delete was delivered)', async () => {
    const dir = join(tempDir(), '.taskstore');
    const store = openStore(dir);
    const notes = store.collection({ name: 'notes' });
    notes.create({ id: 'a', v: 1 });
    notes.delete('a');
    const watched = recorder(store);
    const log = join(dir, 'notes.jsonl');
    const tombstone = JSON.parse(readFileSync(log, 'utf8').trimEnd().split('\n').at(-1)!) as { updated_at: number };
    // Another tool (a merge, a script) deletes it again, later; and deletes a record this log never had.
    appendFileSync(log, `${JSON.stringify({ ...tombstone, updated_at: tombstone.updated_at + 5 })}\n`);
    appendFileSync(log, `${JSON.stringify({ id: 'ghost', updated_at: tombstone.updated_at + 6, deleted: true })}\n`);
    await watched.settled();
    expect(watched.real()).toEqual([]);
    // Re-created: its previous is the latest tombstone, the one every reader holds.
    notes.create({ id: 'a', v: 2 });
    await watched.settled();
    expect(watched.real().map((c) => [c.id, c.op, c.previous?.updated_at])).toEqual([['a', 'create', tombstone.updated_at + 5]]);
  });
});

describe('change feed: own writes delivered from memory', () => {
  it('a write that first caught up a line appended by hand delivers that line as external and its own as local, each once', async () => {
    const dir = join(tempDir(), '.taskstore');
    const store = openStore(dir);
    const notes = store.collection({ name: 'notes' });
    const tags = store.collection({ name: 'tags' });
    const seen: Change[] = [];
    store.watch((c) => seen.push(c));
    // A new log (the feed has no cursor yet), then a second write on the same log.
    notes.create({ id: 'a', v: 1 });
    notes.update('a', { v: 2 });
    // Appended by hand, and caught up by the next write (before the feed looks, in the same tick).
    appendFileSync(join(dir, 'notes.jsonl'), `${JSON.stringify({ id: 'h', updated_at: 5, v: 1 })}\n`);
    notes.create({ id: 'b', v: 1 });
    // One transaction over two logs, one of them new.
    store.transaction(() => {
      notes.patch('b', { v: 2 });
      tags.create({ id: 't', v: 1 });
    });
    notes.delete('a');
    await waitFor('every change', () => seen.length >= 7);
    // A later safety look must not deliver anything again: the feed's cursors are where the cache is.
    await new Promise((r) => setTimeout(r, 100));
    store.refresh();
    notes.create({ id: 'z', v: 1 });
    await waitFor('the last write', () => seen.some((c) => c.id === 'z'));
    expect(seen.map((c) => [c.collection, c.id, c.op, c.source])).toEqual([
      ['notes', 'a', 'create', 'local'],
      ['notes', 'a', 'update', 'local'],
      ['notes', 'h', 'create', 'external'],
      ['notes', 'b', 'create', 'local'],
      ['notes', 'b', 'update', 'local'],
      ['tags', 't', 'create', 'local'],
      ['notes', 'a', 'delete', 'local'],
      ['notes', 'z', 'create', 'local'],
    ]);
    expect(seen[1]).toMatchObject({ record: { v: 2 }, previous: { v: 1 } });
    expect(seen[4]).toMatchObject({ record: { v: 2 }, previous: { v: 1 } });
  });
});

describe('change feed: own writes and rolled-back savepoints', () => {
  it('lines a nested transaction rolled back are never delivered; the rest of the outer transaction is, once', async () => {
    const dir = join(tempDir(), '.taskstore');
    const store = openStore(dir);
    const notes = store.collection({ name: 'notes' });
    const seen: Change[] = [];
    store.watch((c) => seen.push(c));
    notes.create({ id: 'a', v: 1 });
    store.transaction(() => {
      notes.patch('a', { v: 2 });
      expect(() =>
        store.transaction(() => {
          notes.create({ id: 'gone', v: 1 });
          notes.patch('a', { v: 99 });
          throw new Error('roll this back');
        }),
      ).toThrow('roll this back');
      notes.create({ id: 'b', v: 1 });
    });
    notes.create({ id: 'z', v: 1 });
    await waitFor('the last write', () => seen.some((c) => c.id === 'z'));
    expect(seen.map((c) => [c.id, c.op, (c.record as { v?: number }).v])).toEqual([
      ['a', 'create', 1],
      ['a', 'update', 2],
      ['b', 'create', 1],
      ['z', 'create', 1],
    ]);
    // What the feed remembers agrees with the store: a replay from 0 gives the store's records.
    const replayed: Change[] = [];
    const stop = store.watch((c) => replayed.push(c), { since: 0 });
    await waitFor('the replay', () => replayed.length === 3);
    stop();
    expect(Object.fromEntries(replayed.map((c) => [c.id, c.record]))).toEqual(Object.fromEntries(notes.list().map((r) => [r.id, r])));
  });
});

describe('change feed: Rust-format lines', () => {
  it('a line without id / updated_at (filled from repo_path / created_at) is delivered once, and a later rewrite does not repeat it', async () => {
    const dir = join(tempDir(), '.taskstore');
    const store = openStore(dir);
    const log = join(dir, 'rust_states.jsonl');
    writeFileSync(log, '');
    store.refresh();
    const seen: Change[] = [];
    store.watch((c) => seen.push(c), { collections: ['rust_states'] });
    appendFileSync(log, `${JSON.stringify({ repo_path: '/src/a', created_at: 5, branch: 'main' })}\n`);
    await waitFor('the Rust-format line', () => seen.length === 1);
    expect(seen[0]).toMatchObject({ id: '/src/a', op: 'create', record: { id: '/src/a', updated_at: 5, branch: 'main' } });
    // A rewrite that adds another record and keeps the first line as it was: only the new one.
    writeFileSync(log, `${JSON.stringify({ repo_path: '/src/b', created_at: 6 })}\n${readFileSync(log, 'utf8')}`);
    await waitFor('the second record', () => seen.length >= 2);
    const marker = store.collection({ name: 'rust_states' });
    marker.create({ id: 'marker-end' });
    await waitFor('the marker', () => seen.some((c) => c.id === 'marker-end'));
    expect(seen.map((c) => `${c.id}:${c.op}`)).toEqual(['/src/a:create', '/src/b:create', 'marker-end:create']);
  });
});

describe('change feed: process lifetime', () => {
  // A Node process with nothing else to do must exit once nobody watches any more.
  for (const [how, code] of [
    ['unsubscribe', 'const stop = store.watch(() => {}); setTimeout(stop, 50);'],
    ['close', 'store.watch(() => {}); setTimeout(() => store.close(), 50);'],
    ['aborted changes()', 'const c = new AbortController(); (async () => { for await (const x of store.changes({ signal: c.signal })) {} console.log("ended"); })(); setTimeout(() => c.abort(), 50);'],
  ] as const) {
    it(`exits after ${how}`, async () => {
      const dir = join(tempDir(), '.taskstore');
      const script = `import { Store } from ${JSON.stringify(join(DIST, 'index.js'))}; const store = Store.open(${JSON.stringify(dir)}); ${code}`;
      const result = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
        const child = execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 30_000 }, (err, stdout) => {
          if (err && err.killed) reject(new Error(`still running after 30 s (${how})`));
          else resolve({ code: err ? (err.code as number) : 0, stdout });
        });
        child.stdin?.end();
      });
      expect(result.code).toBe(0);
      if (how === 'aborted changes()') expect(result.stdout).toBe('ended\n');
    }, 60_000);
  }
});

describe('change feed: git rewrites', () => {
  it('a checkout that changed 3, deleted 1 and added 2 records delivers exactly those 6, and back again', async () => {
    const repo = GitRepo.init();
    const dir = join(repo.dir, '.taskstore');
    const writer = Store.open(dir, { logger: quietLogger() });
    const notes = writer.collection({ name: 'notes' });
    for (let i = 0; i < 10; i++) notes.create({ id: `n${i}`, v: 0 });
    writer.close();
    repo.commitAll('ten notes');
    repo.git('checkout', '-q', '-b', 'other');
    const onBranch = Store.open(dir, { logger: quietLogger() });
    const branchNotes = onBranch.collection({ name: 'notes' });
    for (const id of ['n1', 'n2', 'n3']) branchNotes.patch(id, { v: 1 });
    branchNotes.delete('n4');
    branchNotes.create({ id: 'new1' });
    branchNotes.create({ id: 'new2' });
    onBranch.close();
    repo.commitAll('changes');
    repo.git('checkout', '-q', 'main');

    const store = openStore(dir);
    const rec = recorder(store);
    repo.git('checkout', '-q', 'other');
    await waitFor('six changes', () => rec.real().length >= 6);
    await rec.settled();
    const summary = (cs: Change[]) => cs.map((c) => `${c.id}:${c.op}`).sort();
    expect(summary(rec.real())).toEqual(['n1:update', 'n2:update', 'n3:update', 'n4:delete', 'new1:create', 'new2:create']);
    // The branch's log is main's plus appended lines: when git's new file reuses the old
    // inode and the file system keeps no birth time, it is indistinguishable from an
    // append (external); otherwise a rewrite.
    const sources = new Set(rec.real().map((c) => c.source));
    expect(sources.size).toBe(1);
    expect(['rewrite', 'external']).toContain([...sources][0]);
    const n1 = rec.real().find((c) => c.id === 'n1')!;
    expect(n1.previous).toMatchObject({ v: 0 });
    expect(n1.record).toMatchObject({ v: 1 });
    expect(rec.real().find((c) => c.id === 'n4')!.record).toMatchObject({ deleted: true });

    // Back to main: the marker commit aside (it is not committed to git, so it vanishes too).
    rec.changes.length = 0;
    repo.git('stash', '-q', '--include-untracked');
    repo.git('checkout', '-q', 'main');
    await waitFor('six more', () => rec.real().length >= 6);
    await rec.settled();
    expect(summary(rec.real())).toEqual(['n1:update', 'n2:update', 'n3:update', 'n4:create', 'new1:delete', 'new2:delete']);
    // The log got shorter: certainly a rewrite.
    expect(rec.real().every((c) => c.source === 'rewrite')).toBe(true);
    // A record that vanished without a tombstone comes with its last version.
    expect(rec.real().find((c) => c.id === 'new1')!.record).toMatchObject({ id: 'new1' });
    expect(rec.real().find((c) => c.id === 'new1')!.record.deleted).toBeUndefined();
  }, 120_000);
});
