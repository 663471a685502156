/**
 * Git writes the result of a merge, checkout or pull as a new file (new inode). When the
 * new file still starts with exactly the bytes the cache consumed, only its tail is new:
 * the cache must apply the tail instead of rebuilding (this is what keeps the git hooks
 * fast on big stores), and must rebuild when any consumed byte changed, wherever it is.
 *
 * Whether a rebuild happened is observed through a sentinel row planted in the
 * collection's cache table: a tail catch-up leaves it, a rebuild clears the table.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readFileSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Engine as Store } from '../../src/store/engine.js';
import { CLI } from '../helpers/paths.js';
import { GIT_ENV, GitRepo } from '../helpers/git-repo.js';
import { quietLogger } from '../helpers/logger.js';
import { tempDir } from '../helpers/temp.js';

function plantSentinel(dir: string, collection: string): void {
  const db = new Database(join(dir, 'taskstore.db'));
  db.prepare(`INSERT INTO "c_${collection}" (id, updated_at, state, line_no, prev, data) VALUES ('sentinel', 0, 0, 0, 0, '{}')`).run();
  db.close();
}

function sentinelSurvived(dir: string, collection: string): boolean {
  const db = new Database(join(dir, 'taskstore.db'), { readonly: true });
  const row = db.prepare(`SELECT 1 FROM "c_${collection}" WHERE id = 'sentinel'`).get();
  db.close();
  return row !== undefined;
}

/** Replaces `path` by a new file (new inode) with `content`, as git does. */
function replaceFile(path: string, content: string | Buffer): void {
  writeFileSync(`${path}.new`, content);
  renameSync(`${path}.new`, path);
}

function seed(count: number) {
  const dir = join(tempDir(), '.taskstore');
  const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
  const notes = store.collection<{ title: string }>({ name: 'notes' });
  const ids = notes.createMany(Array.from({ length: count }, (_, i) => ({ title: `note ${String(i).padStart(5, '0')}` })));
  store.close();
  return { dir, ids, log: join(dir, 'notes.jsonl') };
}

function titles(dir: string): string[] {
  const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
  try {
    return store.collection<{ title: string }>({ name: 'notes' }).list({ orderBy: 'title' }).map((r) => r.title);
  } finally {
    store.close();
  }
}

const line = (id: string, title: string, at: number) => `${JSON.stringify({ id, title, created_at: at, updated_at: at })}\n`;

describe('a log replaced by a new file', () => {
  it('that only extends the consumed bytes is caught up by its tail, not rebuilt', () => {
    const { dir, log } = seed(300);
    plantSentinel(dir, 'notes');
    replaceFile(log, readFileSync(log, 'utf8') + line('extra-1', 'zz extra 1', 2e12) + line('extra-2', 'zz extra 2', 2e12 + 1));
    const seen = titles(dir);
    expect(seen).toHaveLength(302);
    expect(seen.slice(-2)).toEqual(['zz extra 1', 'zz extra 2']);
    expect(sentinelSurvived(dir, 'notes')).toBe(true);
  });

  it('keeps the whole-prefix checksum exact through a forced sync() of an unchanged log and of one grown in place, so a replacement extending it is still caught up by its tail', () => {
    const { dir, log } = seed(300);
    const recordedCrc = (): number | null => {
      const db = new Database(join(dir, 'taskstore.db'), { readonly: true });
      const row = db.prepare<[], { prefix_crc: number | null }>(`SELECT prefix_crc FROM files WHERE collection = 'notes'`).get();
      db.close();
      return row?.prefix_crc ?? null;
    };
    const forcedSync = (): void => {
      const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
      store.sync();
      store.close();
    };
    forcedSync(); // the log is unchanged: its prefix is checked against the recorded CRC, which is then extended
    expect(recordedCrc()).toBe(crc32(readFileSync(log)));
    appendFileSync(log, line('grown', 'zz grown in place', 2e12)); // same inode, longer: the prefix is not checked
    forcedSync();
    expect(recordedCrc()).toBe(crc32(readFileSync(log)));

    plantSentinel(dir, 'notes');
    replaceFile(log, readFileSync(log, 'utf8') + line('extra', 'zz extra', 2e12 + 1));
    expect(titles(dir).slice(-2)).toEqual(['zz extra', 'zz grown in place']);
    expect(sentinelSurvived(dir, 'notes')).toBe(true);
  });

  it('with the same bytes is recognised as unchanged', () => {
    const { dir, log } = seed(50);
    plantSentinel(dir, 'notes');
    replaceFile(log, readFileSync(log));
    expect(titles(dir)).toHaveLength(50);
    expect(sentinelSurvived(dir, 'notes')).toBe(true);
  });

  it('whose consumed bytes changed between the fingerprint windows is rebuilt', () => {
    const { dir, log } = seed(600);
    const text = readFileSync(log, 'utf8');
    expect(text.length).toBeGreaterThan(3 * 8192);
    // Same length, same first and last 4 KiB: only the whole-prefix checksum can tell.
    const changed = text.replace('note 00300', 'NOTE 00300');
    expect(changed).not.toBe(text);
    plantSentinel(dir, 'notes');
    replaceFile(log, changed + line('extra', 'zz extra', 2e12));
    const seen = titles(dir);
    expect(seen).toContain('NOTE 00300');
    expect(seen).not.toContain('note 00300');
    expect(seen).toContain('zz extra');
    expect(sentinelSurvived(dir, 'notes')).toBe(false);
  });

  it('keeps tracking after a tail catch-up: a later in-place append and a later rewrite are both seen', () => {
    const { dir, log } = seed(20);
    replaceFile(log, readFileSync(log, 'utf8') + line('extra-1', 'zz extra 1', 2e12));
    const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
    const notes = store.collection<{ title: string }>({ name: 'notes' });
    notes.create({ title: 'zz written after' });
    store.close();
    plantSentinel(dir, 'notes');
    // A second replacement extending the file again: still a tail.
    replaceFile(log, readFileSync(log, 'utf8') + line('extra-2', 'zz extra 2', 2e12 + 5));
    expect(titles(dir)).toHaveLength(23);
    expect(sentinelSurvived(dir, 'notes')).toBe(true);
    // A replacement that drops the last line: rebuilt.
    const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    replaceFile(log, `${lines.slice(0, -1).join('\n')}\n`);
    expect(titles(dir)).toHaveLength(22);
    expect(sentinelSurvived(dir, 'notes')).toBe(false);
  });
});

describe('a log replaced within the clock tick of the last write', () => {
  it('by one of the same size (same size, mtime and ctime: only the inode differs) is seen, not taken as unchanged', (ctx) => {
    // File times come from the kernel's coarse clock (a few ms per tick on ext4): a
    // checkout that replaces a log right after a write can leave every stat field the
    // cache keeps equal but the inode. Tried until such a replacement happens.
    for (let attempt = 0; attempt < 100; attempt++) {
      const dir = join(tempDir(), '.taskstore');
      const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
      try {
        const notes = store.collection<{ title: string }>({ name: 'notes' });
        const id = notes.create({ title: 'aaaa' });
        const log = join(dir, 'notes.jsonl');
        const text = readFileSync(log, 'utf8');
        const written = statSync(log, { bigint: true });
        replaceFile(log, text.replace('"aaaa"', '"bbbb"'));
        const replaced = statSync(log, { bigint: true });
        if (replaced.mtimeNs !== written.mtimeNs || replaced.ctimeNs !== written.ctimeNs) continue;
        expect(replaced.size).toBe(written.size);
        expect(replaced.ino).not.toBe(written.ino);
        store.refresh();
        expect(notes.get(id)?.title).toBe('bbbb');
        expect(titles(dir)).toEqual(['bbbb']);
        return;
      } finally {
        store.close();
      }
    }
    ctx.skip('file times here are fine enough that no replacement shared the last write’s stamp');
  });
});

describe('a log edited in place (same inode) and grown', () => {
  it('whose first consumed bytes changed is rebuilt, not caught up by its tail', () => {
    // An editor that saves in place, or a script writing through the same descriptor: the
    // inode stays, the file grows, so only the fingerprint tells the edit from an append.
    const { dir, log } = seed(300);
    const ino = statSync(log).ino;
    const text = readFileSync(log, 'utf8');
    const changed = text.replace('note 00000', 'NOTE 00000');
    expect(changed).not.toBe(text);
    plantSentinel(dir, 'notes');
    const fd = openSync(log, 'r+');
    try {
      writeSync(fd, changed + line('extra', 'zz extra', 2e12), 0);
    } finally {
      closeSync(fd);
    }
    expect(statSync(log).ino).toBe(ino);
    const seen = titles(dir);
    expect(seen).toContain('NOTE 00000');
    expect(seen).not.toContain('note 00000');
    expect(seen).toContain('zz extra');
    expect(sentinelSurvived(dir, 'notes')).toBe(false);
  });
});

describe('the post-merge hook on a merge by the TaskStore driver', () => {
  it('catches up without rebuilding the collections whose logs only grew', () => {
    const repo = GitRepo.init();
    const cli = (...args: string[]) =>
      execFileSync(process.execPath, [CLI, ...args], { cwd: repo.dir, env: { ...GIT_ENV, TASKSTORE_DIR: '' }, encoding: 'utf8', stdio: 'pipe' }).trim();
    cli('init', '--hooks');
    const prd = cli('create-prd', 'Base');
    repo.commitAll('base');
    repo.git('checkout', '-q', '-b', 'feature');
    const fromFeature = cli('create-prd', 'From feature');
    repo.commitAll('feature');
    repo.git('checkout', '-q', 'main');
    const fromMain = cli('create-prd', 'From main');
    cli('update', prd, '--set', 'status=active');
    repo.commitAll('main');
    const store = join(repo.dir, '.taskstore');
    plantSentinel(store, 'prds');
    const merge = repo.tryGit('merge', '--no-edit', 'feature');
    expect(merge.status).toBe(0);
    expect(merge.stderr).not.toContain('warning');
    // The hook has already caught up: the sentinel survived (no rebuild) and all three PRDs are there.
    expect(sentinelSurvived(store, 'prds')).toBe(true);
    const listed = JSON.parse(cli('--json', 'list-prds')) as { id: string; status: string }[];
    expect(listed.map((p) => p.id).sort()).toEqual([prd, fromFeature, fromMain].sort());
    expect(listed.find((p) => p.id === prd)?.status).toBe('active');
  });
});
