/**
 * store.backup(dest) through the public API: what is copied, what is refused, and a
 * consistent snapshot while another process commits transactions across two logs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlreadyExistsError, IoError, Store, ValidationError } from '../../src/index.js';
import { quietLogger } from '../helpers/logger.js';
import { CLI, REPO_ROOT } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';
import { thrown } from '../records/helpers.js';

const WRITER = join(REPO_ROOT, 'test', 'fixtures', 'writer.mjs');

function openStore(dir: string) {
  return Store.open(dir, { durability: 'none', logger: quietLogger() });
}

describe('store.backup(dest)', () => {
  it('copies every log and .version, byte for byte, into a directory that opens as the same store', () => {
    const root = tempDir();
    const dir = join(root, '.taskstore');
    const store = openStore(dir);
    const prd = store.createPrd({ title: 'backed up' });
    store.updatePrd(prd, { ...store.getPrd(prd)!, review_passes: 2 });
    store.collection({ name: 'notes' }).createMany([{ id: 'n1', text: 'ü ✓' }, { id: 'n2' }]);
    store.collection({ name: 'notes' }).delete('n2');
    // Local state and side files are not part of a backup.
    writeFileSync(join(dir, 'notes.jsonl.torn'), 'half\n');
    writeFileSync(join(dir, 'README.txt'), 'not a log');

    const dest = join(root, 'backups', 'first');
    const report = store.backup(dest);
    const names = readdirSync(dir).filter((n) => n === '.version' || /^[a-z][a-z0-9_]*\.jsonl$/.test(n)).sort();
    expect(names).toContain('notes.jsonl');
    expect(report.dest).toBe(dest);
    expect(report.files.map((f) => f.name)).toEqual(names);
    expect(readdirSync(dest).sort()).toEqual(names);
    for (const { name, bytes } of report.files) {
      expect(bytes).toBe(statSync(join(dir, name)).size);
      expect(readFileSync(join(dest, name)).equals(readFileSync(join(dir, name)))).toBe(true);
    }
    store.close();

    const copy = openStore(dest);
    expect(copy.getPrd(prd)).toMatchObject({ title: 'backed up', review_passes: 2 });
    expect(copy.collection({ name: 'notes' }).list().map((r) => r.id)).toEqual(['n1']);
    copy.close();
  });

  it('never copies through a symbolic link: a log (or .version) that git checked out as a link is refused, naming it, and nothing of its target lands in the backup', () => {
    const root = tempDir();
    const dir = join(root, '.taskstore');
    const store = openStore(dir);
    store.collection({ name: 'notes' }).create({ id: 'n1' });
    // A pull brings `notes.jsonl -> ~/.ssh/id_rsa` while the store is open.
    const secret = join(tempDir(), 'id_rsa');
    writeFileSync(secret, '-----BEGIN OPENSSH PRIVATE KEY-----\n');
    rmSync(join(dir, 'notes.jsonl'));
    symlinkSync(secret, join(dir, 'notes.jsonl'));
    const dest = join(root, 'backup');
    const err = thrown(() => store.backup(dest));
    expect(err).toBeInstanceOf(IoError);
    expect(err).toMatchObject({ data: { errno: 'ELOOP', path: join(dir, 'notes.jsonl') } });
    expect(err.message).toContain('notes.jsonl: it is a symbolic link, and TaskStore does not follow links for its logs');
    const copied = existsSync(dest) ? readdirSync(dest).map((name) => readFileSync(join(dest, name), 'utf8')).join('') : '';
    expect(copied).not.toContain('PRIVATE KEY');

    rmSync(join(dir, 'notes.jsonl'));
    rmSync(join(dir, '.version'));
    symlinkSync(secret, join(dir, '.version'));
    const dest2 = join(root, 'backup2');
    expect(thrown(() => store.backup(dest2))).toMatchObject({ code: 'IO', data: { errno: 'ELOOP' } });
    expect(existsSync(join(dest2, '.version'))).toBe(false);

    // A dangling link is no log, for the backup as for the store.
    rmSync(join(dir, '.version'));
    writeFileSync(join(dir, '.version'), '1\n');
    symlinkSync(join(root, 'nowhere'), join(dir, 'notes.jsonl'));
    const dest3 = join(root, 'backup3');
    expect(store.backup(dest3).files.map((f) => f.name)).toEqual(['.version']);
    store.close();
  });

  it('accepts an existing empty directory, and refuses a non-empty one, a file, the store itself and a place inside it, changing nothing', () => {
    const root = tempDir();
    const dir = join(root, '.taskstore');
    const store = openStore(dir);
    store.collection({ name: 'notes' }).create({ id: 'a' });

    const empty = join(root, 'empty');
    mkdirSync(empty);
    expect(store.backup(empty).files.map((f) => f.name)).toEqual(['.version', 'notes.jsonl']);

    const again = (() => {
      try {
        store.backup(empty);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(again).toBeInstanceOf(AlreadyExistsError);
    expect(again).toMatchObject({ code: 'ALREADY_EXISTS', message: expect.stringMatching(/is not empty/), hint: expect.stringMatching(/new or empty directory/) });

    const file = join(root, 'file');
    writeFileSync(file, 'mine');
    expect(() => store.backup(file)).toThrow(/is a file/);
    expect(readFileSync(file, 'utf8')).toBe('mine');

    const before = readdirSync(dir).sort();
    expect(() => store.backup(dir)).toThrow(/the store itself/);
    expect(readdirSync(dir).sort()).toEqual(before);

    // Inside the store's directory (git would commit the copy with the store), also
    // reached through a link; a sibling whose name merely starts with the store's is fine.
    expect(() => store.backup(join(dir, 'inner'))).toThrow(/is inside the store directory/);
    expect(() => store.backup(join(dir, 'inner'))).toThrow(ValidationError);
    symlinkSync(dir, join(root, 'alias'));
    expect(() => store.backup(join(root, 'alias', 'deep', 'er'))).toThrow(/is inside the store directory/);
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(store.backup(`${dir}-copy`).files.map((f) => f.name)).toEqual(['.version', 'notes.jsonl']);

    // A dangling symlink cannot be made a directory: an IO error naming it.
    const dangling = join(root, 'dangling');
    symlinkSync(join(root, 'nowhere'), dangling);
    expect(() => store.backup(dangling)).toThrow(IoError);
    expect(() => store.backup(dangling)).toThrow(/create the backup directory/);
    expect(() => store.backup(42 as unknown as string)).toThrow(TypeError);
    expect(() => store.backup('')).toThrow(TypeError);
    // A NUL is no path: a TypeError as Store.open gives, not an IoError blaming the file system.
    expect(() => store.backup(join(root, 'a\0b'))).toThrow(TypeError);
    expect(() => store.backup(join(root, 'a\0b'))).toThrow(/without NUL/);
    store.close();
    expect(() => store.backup(join(root, 'after-close'))).toThrow(/closed/);
  });

  it('a backup that fails part way leaves no partial copy behind: the files it copied are removed, and the directory it created', () => {
    const root = tempDir();
    const dir = join(root, '.taskstore');
    const store = openStore(dir);
    store.collection({ name: 'aaa' }).create({ id: 'a1' });
    store.collection({ name: 'zzz' }).create({ id: 'z1' });
    // The last log in name order cannot be copied (a link git checked out): the failure
    // comes after `.version` and aaa.jsonl were copied. A partial copy opens as a store
    // that lacks zzz without a word, so it must not be left looking like a backup.
    const secret = join(tempDir(), 'elsewhere.jsonl');
    writeFileSync(secret, '{"id":"x","updated_at":1}\n');
    rmSync(join(dir, 'zzz.jsonl'));
    symlinkSync(secret, join(dir, 'zzz.jsonl'));
    const fresh = join(root, 'new', 'backup');
    expect(thrown(() => store.backup(fresh))).toMatchObject({ code: 'IO', data: { errno: 'ELOOP' } });
    expect(existsSync(fresh)).toBe(false);
    expect(existsSync(join(root, 'new'))).toBe(false);
    // An empty directory given as the destination stays, empty.
    const empty = join(root, 'empty');
    mkdirSync(empty);
    expect(thrown(() => store.backup(empty))).toMatchObject({ code: 'IO', data: { errno: 'ELOOP' } });
    expect(readdirSync(empty)).toEqual([]);
    // Once the link is replaced, the same destinations take a complete backup.
    rmSync(join(dir, 'zzz.jsonl'));
    store.sync();
    store.collection({ name: 'zzz' }).create({ id: 'z2' });
    expect(store.backup(empty).files.map((f) => f.name)).toEqual(['.version', 'aaa.jsonl', 'zzz.jsonl']);
    expect(store.backup(fresh).files.map((f) => f.name)).toEqual(['.version', 'aaa.jsonl', 'zzz.jsonl']);
    store.close();
  });

  it('takes a consistent snapshot while another process commits transactions across two logs', async () => {
    const root = tempDir();
    const dir = join(root, '.taskstore');
    const store = openStore(dir);
    // Each transaction of the writer appends one note and its paired event: a copy taken
    // between the two appends would hold one without the other.
    const child = spawn(process.execPath, [WRITER, dir, 'txn', '300', 'w'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let acked = 0;
    child.stdout.on('data', (chunk: Buffer) => (acked += chunk.toString().split('\n').filter((l) => l.startsWith('pair ')).length));
    const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
    let running = true;
    void exited.then(() => (running = false));

    const backups: string[] = [];
    while ((running || backups.length < 3) && backups.length < 40) {
      const dest = join(root, `bk-${backups.length}`);
      store.backup(dest);
      backups.push(dest);
      await new Promise((r) => setTimeout(r, acked === 0 ? 20 : 5));
    }
    expect(await exited).toBe(0);
    store.close();

    const ids = (text: string) => text.split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { id: string }).id);
    let sawPairs = false;
    for (const dest of backups) {
      const read = (name: string) => {
        try {
          return readFileSync(join(dest, name), 'utf8');
        } catch {
          return '';
        }
      };
      const notes = read('notes.jsonl');
      const events = read('events.jsonl');
      for (const text of [notes, events]) expect(text === '' || text.endsWith('\n')).toBe(true);
      expect(ids(events)).toEqual(ids(notes).map((id) => `${id}-e`));
      if (ids(notes).length > 0) sawPairs = true;
    }
    expect(sawPairs).toBe(true);
  }, 120_000);

  it('two backups to one destination at once: one is the backup, the other is told the destination is not empty and leaves nothing behind', async () => {
    const root = tempDir();
    const dir = join(root, '.taskstore');
    const store = openStore(dir);
    store.collection({ name: 'notes' }).create({ id: 'n1' });
    store.close();
    const dest = join(root, 'bk');
    const signal = join(root, 'paused');
    // The first backup, stopped with its copy complete, just before it renames it into place.
    const first = spawn(process.execPath, ['--import', join(REPO_ROOT, 'test', 'fixtures', 'pause-at-fs-call.mjs'), CLI, '--store', dir, 'backup', dest], {
      env: { ...process.env, PAUSE_CALL: 'renameSync', PAUSE_TARGET: dest, PAUSE_SIGNAL: signal, PAUSE_UNTIL: `${signal}-go` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    first.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolveExit) => first.on('close', (code) => resolveExit(code)));
    await waitFor('the first backup to finish copying', () => existsSync(signal), 15_000);
    const second = spawnSync(process.execPath, [CLI, '--store', dir, 'backup', dest], { encoding: 'utf8' });
    expect(second.status).toBe(0);
    writeFileSync(`${signal}-go`, '');
    expect(await exited).toBe(1);
    expect(stderr).toBe(
      `taskstore: error: the backup destination ${dest} is not empty\nhint: name a new or empty directory (e.g. bk-${new Date().toISOString().slice(0, 10)})\n`,
    );
    // The second backup is whole, and the first one's hidden copy is gone.
    expect(readdirSync(dest).sort()).toEqual(['.version', 'notes.jsonl']);
    expect(readdirSync(root).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  }, 30_000);
});
