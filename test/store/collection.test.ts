import { appendFileSync, readFileSync, existsSync, chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import Database from 'better-sqlite3';
import { Store as PublicStore, TaskStoreError, ValidationError } from '../../src/index.js';
import { Engine as Store } from '../../src/store/engine.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';
import { DIST } from '../helpers/paths.js';

const DIST_INDEX = join(DIST, 'index.js');

function openStore(dir = join(tempDir(), '.taskstore')) {
  const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
  return { store, dir, notes: store.collection<Note>({ name: 'notes', indexes: ['status', 'owner'] }) };
}

interface Note {
  id: string;
  title: string;
  status?: string;
  owner?: string | null;
  priority?: number;
  done?: boolean;
  meta?: { size: number };
}

function lines(dir: string, name = 'notes'): string[] {
  const path = join(dir, `${name}.jsonl`);
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as TaskStoreError).code;
  }
  return undefined;
}

describe('Store.open', () => {
  it('creates the layout: .version, .gitignore that ignores the cache, and the cache', () => {
    const { dir } = openStore();
    expect(readFileSync(join(dir, '.version'), 'utf8')).toBe('1\n');
    const ignore = readFileSync(join(dir, '.gitignore'), 'utf8');
    expect(ignore).toMatch(/^taskstore\.db$/m);
    expect(ignore).toMatch(/^taskstore\.journal$/m);
    expect(existsSync(join(dir, 'taskstore.db'))).toBe(true);
  });

  it('adds missing entries to an existing .gitignore without touching the user\'s lines', () => {
    const cases: [string, string][] = [
      ['no final newline', 'node_modules\ntaskstore.db'],
      ['CRLF line ends', 'taskstore.db\r\ntaskstore.db-*\r\n'],
      ['an entry the user negated', '!*.log\n  taskstore.journal  \n'],
      ['empty', ''],
    ];
    for (const [what, original] of cases) {
      const dir = join(tempDir(), '.taskstore');
      mkdirSync(dir);
      writeFileSync(join(dir, '.gitignore'), original);
      openStore(dir).store.close();
      const after = readFileSync(join(dir, '.gitignore'), 'utf8');
      expect(after.startsWith(original), what).toBe(true);
      const eol = original.includes('\r\n') ? '\r\n' : '\n';
      const entries = after.split(eol).map((l) => l.trim().replace(/^!/, ''));
      for (const entry of ['taskstore.db', 'taskstore.db-*', 'taskstore.journal', '*.torn', '*.lock', '*.log', '.*.tmp']) {
        expect(entries.filter((e) => e === entry), `${what}: ${entry}`).toHaveLength(1);
      }
      if (eol === '\r\n') expect(after.replace(/\r\n/g, '')).not.toContain('\n');
      openStore(dir).store.close();
      expect(readFileSync(join(dir, '.gitignore'), 'utf8'), `${what}: a second open adds nothing`).toBe(after);
    }
  });

  it('opens a store whose .gitignore is read-only, with a warning naming the missing entries', () => {
    if (process.getuid?.() === 0) return; // root writes through file modes
    const dir = join(tempDir(), '.taskstore');
    mkdirSync(dir);
    writeFileSync(join(dir, '.gitignore'), 'taskstore.db\n');
    chmodSync(join(dir, '.gitignore'), 0o444);
    const logger = quietLogger();
    Store.open(dir, { durability: 'none', logger }).close();
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toBe('taskstore.db\n');
    expect(logger.warnings.join('\n')).toMatch(/cannot add taskstore\.db-\*, taskstore\.journal/);
  });

  it('opens a store whose .gitignore cannot be read (a directory), with a warning', () => {
    const dir = join(tempDir(), '.taskstore');
    mkdirSync(join(dir, '.gitignore'), { recursive: true });
    const logger = quietLogger();
    Store.open(dir, { durability: 'none', logger }).close();
    expect(logger.warnings.join('\n')).toMatch(/cannot read .*\.gitignore/);
  });

  it('refuses a store written by a newer format version, naming both versions', () => {
    const dir = join(tempDir(), '.taskstore');
    mkdirSync(dir);
    writeFileSync(join(dir, '.version'), '7\n');
    expect(() => Store.open(dir)).toThrow(/format version 7, newer than this TaskStore understands \(1\)/);
    expect(codeOf(() => Store.open(dir))).toBe('UNSUPPORTED_VERSION');
  });

  it('refuses a .version that is not a number, quoting it with its control characters spelled out', () => {
    const dir = join(tempDir(), '.taskstore');
    mkdirSync(dir);
    // A C1 CSI (U+009B) recolours some terminals; JSON.stringify alone leaves it raw.
    writeFileSync(join(dir, '.version'), '\u009b31mX\u202e\n');
    expect(codeOf(() => Store.open(dir))).toBe('CORRUPT');
    let message = '';
    try {
      Store.open(dir);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('should hold a format version number, found "\\u009b31mX\\u202e"');
    expect(message).not.toMatch(/[\u0080-\u009f\u202e]/);
    expect(readFileSync(join(dir, '.version'), 'utf8')).toBe('\u009b31mX\u202e\n');
  });

  it('refuses a directory it cannot write to with an IO error', () => {
    // Root may write anywhere, so the open runs in a child process as an unprivileged user
    // when the tests run as root.
    const parent = tempDir();
    chmodSync(parent, 0o755);
    const dir = join(parent, 'ro');
    mkdirSync(dir, { mode: 0o555 });
    chmodSync(dir, 0o555);
    const script = `import('${DIST_INDEX}').then(({ Store }) => { try { Store.open(process.argv[1]); console.log('opened'); } catch (e) { console.log(e.code + ': ' + e.message); } })`;
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const out = execFileSync(process.execPath, ['-e', script, dir], { encoding: 'utf8', ...asNobody }).trim();
    expect(out).toMatch(/^IO: cannot write to the store directory .*ro: permission denied/);
    expect(existsSync(join(dir, '.version'))).toBe(false);
  });

  it('rejects invalid collection names, so no path can escape the store', () => {
    const { store } = openStore();
    for (const name of ['../x', 'Notes', '', 'a-b', '1abc', 'a'.repeat(65), 'a/b', 'x.jsonl']) {
      expect(codeOf(() => store.collection({ name }))).toBe('INVALID_NAME');
    }
    expect(store.collection({ name: 'a'.repeat(64) }).name).toHaveLength(64);
  });
});

describe('create / get', () => {
  it('creates with a UUIDv7 id, created_at and updated_at, and reads it back', () => {
    const { notes, dir } = openStore();
    const before = Date.now();
    const id = notes.create({ title: 'first' });
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const got = notes.get(id)!;
    expect(got.title).toBe('first');
    expect(got.created_at).toBeGreaterThanOrEqual(before);
    expect(got.updated_at).toBe(got.created_at);
    expect(lines(dir)).toEqual([JSON.stringify(got)]);
  });

  it('keeps a caller id and created_at, but always stamps updated_at itself', () => {
    const { notes } = openStore();
    notes.create({ id: 'n1', title: 't', created_at: 5, updated_at: 1 } as never);
    const got = notes.get('n1')!;
    expect(got.created_at).toBe(5);
    expect(got.updated_at).toBeGreaterThan(1000);
  });

  it('throws ALREADY_EXISTS for a live id and writes nothing', () => {
    const { notes, dir } = openStore();
    notes.create({ id: 'n1', title: 't' });
    expect(codeOf(() => notes.create({ id: 'n1', title: 'again' }))).toBe('ALREADY_EXISTS');
    expect(lines(dir)).toHaveLength(1);
  });

  it('allows re-creating a deleted id, stamped after the tombstone', () => {
    const { notes } = openStore();
    notes.create({ id: 'n1', title: 'a' });
    notes.delete('n1');
    const tombstone = notes.history('n1')[1]!;
    notes.create({ id: 'n1', title: 'b' });
    expect(notes.get('n1')!.title).toBe('b');
    expect(notes.get('n1')!.updated_at).toBeGreaterThan(tombstone.updated_at);
  });

  it('returns undefined for unknown ids and rejects malformed ids with VALIDATION', () => {
    const { notes } = openStore();
    expect(notes.get('nope')).toBeUndefined();
    for (const bad of ['', 42, null]) {
      expect(codeOf(() => notes.get(bad as string))).toBe('VALIDATION');
    }
    // A log line another tool wrote can hold these ids, so a lookup takes them; only a new record refuses them.
    for (const bad of ['a\nb', 'x'.repeat(513)]) {
      expect(notes.get(bad)).toBeUndefined();
      expect(codeOf(() => notes.create({ id: bad, title: 'x' }))).toBe('VALIDATION');
    }
  });

  it('rejects values JSON would silently change, naming the field, and writes nothing', () => {
    const { notes, dir } = openStore();
    const cases: [Record<string, unknown>, string][] = [
      [{ title: 'x', n: Number.NaN }, 'n'],
      [{ title: 'x', when: new Date() }, 'when'],
      [{ title: 'x', list: [1, undefined] }, 'list'],
      [{ title: 'x', fn: () => 1 }, 'fn'],
      [{ title: 'x', nested: { big: 10n } }, 'nested.big'],
      [{ title: 'x', deleted: true }, 'deleted'],
    ];
    for (const [record, field] of cases) {
      try {
        notes.create(record as never);
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(ValidationError);
        expect((err as ValidationError).field).toBe(field);
      }
    }
    expect(codeOf(() => notes.create([] as never))).toBe('VALIDATION');
    expect(lines(dir)).toEqual([]);
  });

  it('writes -0 as 0 (never refuses it: arithmetic makes it), and keeps a -0 another program wrote through a patch of other fields', () => {
    const { store, dir } = openStore();
    const tasks = store.collection({ name: 'tasks', schema: z.looseObject({ title: z.string() }) });
    const zero = 0;
    tasks.create({ id: 'mine', title: 'a', n: -zero, list: [Math.round(-0.2)] });
    expect(lines(dir, 'tasks')[0]).toMatch(/"n":0,"list":\[0\]/);
    appendFileSync(join(dir, 'tasks.jsonl'), '{"id":"theirs","title":"a","n":-0,"updated_at":1}\n');
    store.refresh();
    tasks.patch('theirs', { title: 'b' });
    expect(lines(dir, 'tasks').at(-1)).toMatch(/"n":-0[,}]/);
    expect(Object.is(tasks.get('theirs')!.n, -0)).toBe(true);
  });

  it('enforces maxRecordBytes with TOO_LARGE and writes nothing', () => {
    const dir = join(tempDir(), '.taskstore');
    const store = Store.open(dir, { durability: 'none', maxRecordBytes: 1000 });
    const notes = store.collection({ name: 'notes' });
    notes.create({ id: 'small', body: 'x'.repeat(100) });
    expect(codeOf(() => notes.create({ body: 'x'.repeat(2000) }))).toBe('TOO_LARGE');
    expect(codeOf(() => notes.patch('small', { body: 'x'.repeat(2000) }))).toBe('TOO_LARGE');
    expect(lines(dir)).toHaveLength(1);
    expect(notes.get('small')!.body).toHaveLength(100);
  });

  it('validates with a schema (zod) on every write, naming the field', () => {
    const { store, dir } = openStore();
    const tasks = store.collection({
      name: 'tasks',
      schema: z.looseObject({ title: z.string().min(1), points: z.number().int().optional() }),
    });
    const id = tasks.create({ title: 'ok', points: 3 });
    try {
      tasks.create({ title: '', points: 1 });
      expect.unreachable();
    } catch (err) {
      expect((err as ValidationError).code).toBe('VALIDATION');
      expect((err as ValidationError).field).toBe('title');
    }
    expect(codeOf(() => tasks.patch(id, { points: 1.5 }))).toBe('VALIDATION');
    expect(tasks.get(id)!.points).toBe(3);
    expect(lines(dir, 'tasks')).toHaveLength(1);
  });

  it('keeps __proto__ keys as plain data without polluting prototypes', () => {
    const { notes } = openStore();
    const record = JSON.parse('{"id":"p","title":"t","__proto__":{"polluted":true}}');
    notes.create(record);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const got = notes.get('p') as unknown as Record<string, unknown>;
    expect(Object.keys(got)).toContain('__proto__');
    notes.patch('p', { title: 'u' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(notes.get('p'), '__proto__')?.value).toEqual({ polluted: true });
  });
});

describe('update / patch / delete / history', () => {
  it('update replaces the whole record, keeping id and created_at', () => {
    const { notes } = openStore();
    const id = notes.create({ title: 'a', status: 'open', owner: 'x' });
    const created = notes.get(id)!;
    const updated = notes.update(id, { title: 'b' });
    expect(updated).toEqual(notes.get(id));
    expect(notes.get(id)).toEqual({ id, title: 'b', created_at: created.created_at, updated_at: updated.updated_at });
    expect(updated.updated_at).toBeGreaterThan(created.updated_at);
  });

  it('patch merges top-level fields; undefined leaves a field, null sets null', () => {
    const { notes } = openStore();
    const id = notes.create({ title: 'a', status: 'open', owner: 'x', meta: { size: 1 } });
    notes.patch(id, { status: 'done', owner: null, title: undefined });
    expect(notes.get(id)).toMatchObject({ title: 'a', status: 'done', owner: null, meta: { size: 1 } });
  });

  it('refuses to change an id', () => {
    const { notes } = openStore();
    const id = notes.create({ title: 'a' });
    expect(codeOf(() => notes.update(id, { id: 'other', title: 'b' } as never))).toBe('VALIDATION');
    expect(codeOf(() => notes.patch(id, { id: 'other' } as never))).toBe('VALIDATION');
  });

  it('update, patch and delete throw NOT_FOUND for missing or deleted records, writing nothing', () => {
    const { notes, dir } = openStore();
    const id = notes.create({ title: 'a' });
    notes.delete(id);
    const before = lines(dir);
    expect(codeOf(() => notes.update(id, { title: 'b' }))).toBe('NOT_FOUND');
    expect(codeOf(() => notes.patch('missing', { title: 'b' }))).toBe('NOT_FOUND');
    expect(codeOf(() => notes.delete(id))).toBe('NOT_FOUND');
    expect(lines(dir)).toEqual(before);
  });

  it('delete appends a tombstone; the record is gone for reads but kept in history', () => {
    const { notes, dir } = openStore();
    const id = notes.create({ title: 'a' });
    notes.patch(id, { title: 'b' });
    notes.delete(id);
    expect(notes.get(id)).toBeUndefined();
    expect(notes.count()).toBe(0);
    const last = JSON.parse(lines(dir).at(-1)!);
    expect(Object.keys(last).sort()).toEqual(['deleted', 'id', 'updated_at']);
    const history = notes.history(id);
    expect(history.map((v) => v.title ?? 'tombstone')).toEqual(['a', 'b', 'tombstone']);
    expect(history[2]!.deleted).toBe(true);
    expect(notes.history('never')).toEqual([]);
  });

  it('stamps updated_at = max(now, previous + 1) even when the previous version is in the future', () => {
    const { notes, dir, store } = openStore();
    const future = Date.now() + 3_600_000;
    writeFileSync(join(dir, 'notes.jsonl'), `${JSON.stringify({ id: 'f', title: 'x', updated_at: future })}\n`);
    store.refresh();
    const patched = notes.patch('f', { title: 'y' });
    expect(patched.updated_at).toBe(future + 1);
    notes.delete('f');
    expect(notes.history('f')[2]!.updated_at).toBe(future + 2);
  });
});

describe('list / count', () => {
  function seeded() {
    const ctx = openStore();
    const rows = [
      { id: 'a', title: 'alpha', status: 'open', owner: 'ann', priority: 3, done: false, meta: { size: 10 } },
      { id: 'b', title: 'beta', status: 'done', owner: 'bob', priority: 1, done: true, meta: { size: 20 } },
      { id: 'c', title: 'gamma', status: 'open', owner: null, priority: 2, done: false, meta: { size: 30 } },
      { id: 'd', title: 'delta', status: 'blocked', priority: 5, done: false, meta: { size: 40 } },
      { id: 'e', title: 'Epsilon', status: 'open', owner: 'ann', priority: 4, done: true, meta: { size: 50 } },
    ];
    for (const row of rows) ctx.notes.create(row);
    return ctx;
  }
  const ids = (records: { id: string }[]) => records.map((r) => r.id);

  it('defaults to updated_at ascending, then id', () => {
    const { notes } = seeded();
    expect(ids(notes.list())).toEqual(ids(notes.list().sort((x, y) => x.updated_at - y.updated_at || x.id.localeCompare(y.id))));
    notes.patch('a', { title: 'alpha2' });
    expect(ids(notes.list()).at(-1)).toBe('a');
  });

  it.each([
    [{ status: 'open' }, ['a', 'c', 'e']],
    [{ status: { eq: 'open' } }, ['a', 'c', 'e']],
    [{ status: { ne: 'open' } }, ['b', 'd']],
    [{ owner: null }, ['c', 'd']],
    [{ owner: { ne: null } }, ['a', 'b', 'e']],
    [{ owner: { ne: 'ann' } }, ['b', 'c', 'd']],
    [{ priority: { lt: 3 } }, ['b', 'c']],
    [{ priority: { lte: 3 } }, ['a', 'b', 'c']],
    [{ priority: { gt: 3 } }, ['d', 'e']],
    [{ priority: { gte: 3, lt: 5 } }, ['a', 'e']],
    [{ title: { like: '%ta' } }, ['b', 'd']],
    [{ title: { like: 'e_silon' } }, ['e']],
    [{ owner: { in: ['ann', 'bob'] } }, ['a', 'b', 'e']],
    [{ owner: { in: ['bob', null] } }, ['b', 'c', 'd']],
    [{ owner: { in: [] } }, []],
    [{ done: true }, ['b', 'e']],
    [{ 'meta.size': { gte: 30 } }, ['c', 'd', 'e']],
    [{ id: { in: ['a', 'c', 'zz'] } }, ['a', 'c']],
    [{ status: 'open', owner: 'ann' }, ['a', 'e']],
  ])('where %j', (where, expected) => {
    const { notes } = seeded();
    expect(ids(notes.list({ where: where as never, orderBy: 'id' })).sort()).toEqual(expected);
    expect(notes.count({ where: where as never })).toBe(expected.length);
  });

  it('orders by any field, ascending or descending, and pages without skipping or repeating', () => {
    const { notes } = seeded();
    expect(ids(notes.list({ orderBy: 'priority' }))).toEqual(['b', 'c', 'a', 'e', 'd']);
    expect(ids(notes.list({ orderBy: '-priority' }))).toEqual(['d', 'e', 'a', 'c', 'b']);
    expect(ids(notes.list({ orderBy: '-id' }))).toEqual(['e', 'd', 'c', 'b', 'a']);
    expect(ids(notes.list({ orderBy: 'status' }))).toEqual(['d', 'b', 'a', 'c', 'e']);
    const pages = [0, 2, 4].map((offset) => ids(notes.list({ orderBy: 'status', limit: 2, offset })));
    expect(pages).toEqual([['d', 'b'], ['a', 'c'], ['e']]);
    expect(ids(notes.list({ orderBy: 'id', offset: 3 }))).toEqual(['d', 'e']);
    expect(notes.list({ limit: 0 })).toEqual([]);
  });

  it('excludes deleted records and sees only current versions', () => {
    const { notes } = seeded();
    notes.delete('a');
    notes.patch('b', { status: 'open' });
    expect(ids(notes.list({ where: { status: 'open' }, orderBy: 'id' }))).toEqual(['b', 'c', 'e']);
    expect(notes.count()).toBe(4);
  });

  it('rejects malformed queries with VALIDATION', () => {
    const { notes } = seeded();
    const bad = [
      { where: { status: { regex: 'x' } } },
      { where: { status: { lt: null } } },
      { where: { status: { in: 'open' } } },
      { where: { status: { like: 3 } } },
      { where: { status: { a: 1, b: 2 } } },
      { where: { 'bad field': 1 } },
      { where: { "x') OR 1=1 --": 1 } },
      { where: { status: [1] } },
      { orderBy: 'x y' },
      { limit: -1 },
      { offset: 1.5 },
    ];
    for (const query of bad) expect(codeOf(() => notes.list(query as never)), JSON.stringify(query)).toBe('VALIDATION');
  });

  it('uses the declared expression index for an indexed field', () => {
    const { store, notes, dir } = seeded();
    void notes;
    // A second connection to the store's cache file: what the planner does with the index the store created.
    const db = new Database(join(dir, 'taskstore.db'), { readonly: true });
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN SELECT data FROM "c_notes" WHERE state = 1 AND json_extract(data, '$.status') = ?`)
      .all('open') as { detail: string }[];
    db.close();
    store.close();
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING INDEX c_notes__f_status/);
  });
});

describe('createMany and transactions', () => {
  it('createMany writes all records with one append, or none when one is invalid', () => {
    const { notes, dir } = openStore();
    const ids = notes.createMany([{ title: 'a' }, { title: 'b' }, { id: 'fixed', title: 'c' }]);
    expect(ids).toHaveLength(3);
    expect(notes.count()).toBe(3);
    expect(codeOf(() => notes.createMany([{ title: 'd' }, { id: 'fixed', title: 'dup' }]))).toBe('ALREADY_EXISTS');
    expect(codeOf(() => notes.createMany([{ title: 'e' }, { id: 'x2', title: 'f' }, { id: 'x2', title: 'g' }]))).toBe('ALREADY_EXISTS');
    expect(notes.count()).toBe(3);
    expect(lines(dir)).toHaveLength(3);
  });

  it('a createMany that fails part-way inside a transaction leaves none of its records, also when the caller catches and goes on', () => {
    const { store, notes, dir } = openStore();
    store.transaction(() => {
      notes.create({ id: 'before', title: 'a' });
      expect(codeOf(() => notes.createMany([{ id: 'm1', title: 'b' }, { id: 'm2', title: 'c' }, { id: 'm1', title: 'dup' }]))).toBe('ALREADY_EXISTS');
      expect(notes.get('m1')).toBeUndefined();
      notes.create({ id: 'after', title: 'd' });
    });
    expect(notes.list({ orderBy: 'id' }).map((r) => r.id)).toEqual(['after', 'before']);
    expect(lines(dir).map((l) => JSON.parse(l).id)).toEqual(['before', 'after']);
  });

  it('transaction commits across collections together, or rolls everything back on throw', () => {
    const { store, notes, dir } = openStore();
    const events = store.collection({ name: 'events' });
    store.transaction(() => {
      notes.create({ id: 'n1', title: 'a' });
      events.create({ id: 'e1', kind: 'created' });
      expect(notes.get('n1')!.title).toBe('a'); // reads inside see the transaction's writes
    });
    expect(() =>
      store.transaction(() => {
        notes.create({ id: 'n2', title: 'b' });
        events.create({ id: 'e2', kind: 'created' });
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(notes.get('n2')).toBeUndefined();
    expect(events.get('e2')).toBeUndefined();
    expect(lines(dir)).toHaveLength(1);
    expect(lines(dir, 'events')).toHaveLength(1);
  });

  it('nested transactions are savepoints: an inner failure undoes only the inner writes', () => {
    const { store, notes, dir } = openStore();
    store.transaction(() => {
      notes.create({ id: 'outer', title: 'a' });
      expect(() =>
        store.transaction(() => {
          notes.create({ id: 'inner', title: 'b' });
          throw new Error('inner');
        }),
      ).toThrow('inner');
      notes.create({ id: 'after', title: 'c' });
    });
    expect(ids(notes.list({ orderBy: 'id' }))).toEqual(['after', 'outer']);
    expect(lines(dir).map((l) => JSON.parse(l).id)).toEqual(['outer', 'after']);
    function ids(r: { id: string }[]) {
      return r.map((x) => x.id);
    }
  });

  it('a collection first used in a transaction that rolls back stays usable (its table is made again)', () => {
    const { store, dir } = openStore();
    const fresh = () => store.collection<{ id: string; n?: number }>({ name: 'fresh' });
    expect(() =>
      store.transaction(() => {
        fresh().create({ id: 'a', n: 1 });
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(fresh().get('a')).toBeUndefined();
    expect(fresh().list()).toEqual([]);
    // An inner savepoint that creates the table and rolls back, inside an outer one that commits.
    store.transaction(() => {
      expect(() =>
        store.transaction(() => {
          store.collection({ name: 'inner' }).create({ id: 'x' });
          throw new Error('inner');
        }),
      ).toThrow('inner');
      fresh().create({ id: 'b', n: 2 });
    });
    expect(store.collection({ name: 'inner' }).list()).toEqual([]);
    expect(store.collection({ name: 'inner' }).create({ id: 'y' })).toBe('y');
    expect(fresh().list().map((r) => r.id)).toEqual(['b']);
    expect(lines(dir, 'fresh')).toHaveLength(1);
    expect(store.check().problems).toEqual([]);
    store.close();
  });

  it('the task specs\' readiness graph works after the transaction that created its table rolled back', () => {
    const store = PublicStore.open(join(tempDir(), '.taskstore'), { durability: 'none', logger: quietLogger() });
    const spec = (prd: string, description: string) => ({ prd_id: prd, phase_name: 'build', description, content: 'c' });
    expect(() =>
      store.transaction(() => {
        store.createTaskSpec(spec(store.createPrd({ title: 'p', status: 'active', content: 'c' }), 'lost'));
        throw new Error('boom');
      }),
    ).toThrow('boom');
    store.createTaskSpec(spec(store.createPrd({ title: 'p2', status: 'active', content: 'c' }), 'kept'));
    expect(store.listReadyTaskSpecs().map((t) => t.description)).toEqual(['kept']);
    expect(store.claimNextReadyTaskSpec('me')?.description).toBe('kept');
    expect(store.check().problems).toEqual([]);
    store.close();
  });

  it('refuses a transaction function that returns a promise, writing nothing', () => {
    const { store, notes, dir } = openStore();
    expect(() =>
      store.transaction((async () => {
        notes.create({ title: 'a' });
      }) as never),
    ).toThrow(/cannot return a promise/);
    expect(lines(dir)).toEqual([]);
  });

  it('fails fast instead of deadlocking when a second Store of the same process writes inside the first one\'s transaction', () => {
    const { store, notes, dir } = openStore();
    const second = Store.open(dir, { durability: 'none', logger: quietLogger() });
    const notes2 = second.collection({ name: 'notes' });
    const started = Date.now();
    expect(() => store.transaction(() => {
      notes.create({ title: 'a' });
      notes2.create({ title: 'b' });
    })).toThrow(/another Store object in this process/);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(notes.count()).toBe(0);
    notes2.create({ title: 'c' });
    expect(notes.count()).toBe(1);
  });
});

describe('reads and the write lock', () => {
  it('opening a store whose cache is current takes no lock: a reader never waits behind a writer', () => {
    const { store, notes, dir } = openStore();
    notes.create({ id: 'committed', title: 'a' });
    store.transaction(() => {
      notes.create({ id: 'pending', title: 'b' }); // this transaction holds the write lock
      const started = Date.now();
      const reader = Store.open(dir, { durability: 'none', logger: quietLogger() });
      const readerNotes = reader.collection({ name: 'notes', indexes: ['status', 'owner'] });
      expect(readerNotes.list().map((r) => r.id)).toEqual(['committed']);
      expect(Date.now() - started).toBeLessThan(2000);
      reader.close();
    });
    expect(notes.count()).toBe(2);
  });
});

describe('metrics', () => {
  it('reports counts, log sizes, write latency and last sync time', () => {
    const { store, notes, dir } = openStore();
    expect(store.metrics().writeLatencyMs).toBeNull();
    notes.create({ title: 'a' });
    notes.create({ title: 'b' });
    notes.delete(notes.list()[0]!.id);
    const m = store.metrics();
    expect(m.counts.notes).toBe(1);
    expect(m.jsonlBytes.notes).toBe(readFileSync(join(dir, 'notes.jsonl')).length);
    expect(m.writeLatencyMs).toBeGreaterThan(0);
    expect(m.lastSyncMs).toBeNull();
    store.sync();
    expect(store.metrics().lastSyncMs).toBeGreaterThanOrEqual(0);
  });

  it('persists write latency for other processes: at the first write, every 16th, and the rest on close', () => {
    const { store, notes, dir } = openStore();
    const stored = (): { ms: number; n: number } | undefined => {
      const db = new Database(join(dir, 'taskstore.db'), { readonly: true });
      try {
        const row = db.prepare("SELECT value FROM meta WHERE key = 'write_latency'").get() as { value: string } | undefined;
        return row === undefined ? undefined : (JSON.parse(row.value) as { ms: number; n: number });
      } finally {
        db.close();
      }
    };
    expect(stored()).toBeUndefined();
    notes.create({ title: 'first' });
    expect(stored()?.n).toBe(1); // a one-write process (the CLI) leaves its figure
    for (let i = 0; i < 5; i++) notes.create({ title: `n${i}` });
    expect(stored()?.n).toBe(1); // pending, not yet stored
    for (let i = 0; i < 11; i++) notes.create({ title: `m${i}` });
    expect(stored()?.n).toBe(17); // the 16 after the first, folded in one write
    notes.create({ title: 'last' });
    store.close();
    const after = stored();
    expect(after?.n).toBe(18); // close stored the last one
    expect(after?.ms).toBeGreaterThan(0);
    const reopened = Store.open(dir, { durability: 'none', logger: quietLogger() });
    expect(reopened.metrics().recorded.writeLatencyMs).toBe(after?.ms);
    expect(reopened.metrics().writeLatencyMs).toBeNull();
    reopened.close();
  });

  it('reports lines and superseded lines per collection, so a user sees when compaction pays', () => {
    const { store, notes } = openStore();
    const id = notes.create({ title: 'a' });
    notes.patch(id, { title: 'b' });
    notes.patch(id, { title: 'c' });
    const other = notes.create({ title: 'x' });
    notes.delete(other);
    // 5 lines: a (superseded), b (superseded), c (current), x (superseded by its tombstone), the tombstone.
    let m = store.metrics();
    expect(m.lines.notes).toBe(5);
    expect(m.supersededLines.notes).toBe(3);
    store.compact('notes');
    m = store.metrics();
    expect(m.lines.notes).toBe(2);
    expect(m.supersededLines.notes).toBe(0);
  });

  it('does not count a superseded tombstone (a record deleted, then created again) as superseded: compaction keeps every tombstone', () => {
    const { store, notes } = openStore();
    notes.create({ id: 'x', title: 'a' });
    notes.delete('x');
    notes.create({ id: 'x', title: 'b' });
    notes.delete('x');
    notes.create({ id: 'x', title: 'c' });
    // 5 lines: a and b (superseded), two tombstones (superseded, but kept), c (current).
    expect(store.metrics().supersededLines.notes).toBe(2);
    expect(store.compact('notes').collections[0]).toMatchObject({ linesBefore: 5, linesAfter: 3 });
    const m = store.metrics();
    expect(m.lines.notes).toBe(3);
    // What compact() would drop now: nothing, as a second compaction shows.
    expect(m.supersededLines.notes).toBe(0);
    expect(store.compact('notes').collections[0]).toMatchObject({ linesBefore: 3, linesAfter: 3 });
  });
});
