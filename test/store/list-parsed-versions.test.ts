/**
 * list() keeps the versions it parsed, by cache row, and parses only rows it has not seen
 * (parsed-versions.ts). These are the ways a kept version could go stale or leak: another
 * connection (another process) empties a table and fills the same rows with other
 * records; a transaction of this connection is rolled back and its rows are given to
 * other records; a caller changes what list() returned. The history-chain property test
 * checks list() after every step of random sequences as well.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';

function open(dir: string): Store {
  return Store.open(dir, { durability: 'none', logger: quietLogger() });
}

function seqsOf(dir: string): { seq: number; id: string }[] {
  const db = new Database(join(dir, 'taskstore.db'), { readonly: true });
  try {
    return db.prepare('SELECT seq, id FROM c_notes WHERE state = 1 ORDER BY seq').all() as { seq: number; id: string }[];
  } finally {
    db.close();
  }
}

describe('list() and the versions it keeps', () => {
  it('sees the new records when another process rebuilds the table into the same rows', () => {
    const dir = join(tempDir(), '.taskstore');
    const reader = open(dir);
    const writer = open(dir);
    try {
      const notes = reader.collection<{ v: string }>({ name: 'notes' });
      for (const id of ['a', 'b', 'c']) notes.create({ id, v: `old ${id}` });
      notes.list();
      expect(notes.list().map((r) => r.v)).toEqual(['old a', 'old b', 'old c']);
      const before = seqsOf(dir);
      // Git replaces the log (a checkout): same ids, same stamps, other contents.
      const lines = notes.listTexts().map((t) => JSON.stringify({ ...JSON.parse(t), v: `new ${JSON.parse(t).id}` }));
      writeFileSync(join(dir, 'notes.jsonl'), lines.map((l) => `${l}\n`).join(''));
      expect(writer.refresh()).toBeGreaterThan(0);
      // The rebuild put the new versions into the very rows the reader had parsed.
      expect(seqsOf(dir)).toEqual(before);
      expect(notes.list().map((r) => r.v)).toEqual(['new a', 'new b', 'new c']);
      expect(notes.list({ where: { v: 'new b' } }).map((r) => r.id)).toEqual(['b']);
    } finally {
      reader.close();
      writer.close();
    }
  });

  it('never returns a version written in a transaction that was rolled back, whose row went to another', () => {
    const dir = join(tempDir(), '.taskstore');
    const store = open(dir);
    try {
      const notes = store.collection<{ v: number }>({ name: 'notes' });
      notes.create({ id: 'a', v: 0 });
      notes.list();
      notes.list();
      expect(() =>
        store.transaction(() => {
          notes.create({ id: 'x', v: 1 });
          expect(notes.list().map((r) => r.v)).toEqual([0, 1]);
          expect(notes.list().map((r) => r.v)).toEqual([0, 1]);
          throw new Error('undo');
        }),
      ).toThrow('undo');
      const rolledBackSeqs = seqsOf(dir).map((r) => r.seq);
      notes.create({ id: 'x', v: 2 });
      // The new version took the row the rolled-back one had.
      expect(seqsOf(dir).map((r) => r.seq)).toEqual([...rolledBackSeqs, rolledBackSeqs.at(-1)! + 1]);
      expect(notes.list().map((r) => r.v)).toEqual([0, 2]);
      expect(notes.list().map((r) => r.v)).toEqual([0, 2]);
    } finally {
      store.close();
    }
  });

  it('hands every call objects of its own: changing one changes no later result', () => {
    const dir = join(tempDir(), '.taskstore');
    const store = open(dir);
    try {
      const notes = store.collection<{ meta: { labels: string[] }; title: string }>({ name: 'notes' });
      notes.create({ id: 'a', title: 't', meta: { labels: ['x'] } });
      // The first call parses; the second parses and keeps; later ones copy what was kept.
      let previous = notes.list();
      for (let call = 0; call < 4; call++) {
        previous[0]!.title = 'changed';
        previous[0]!.meta.labels.push('changed');
        (previous[0] as unknown as Record<string, unknown>).extra = 1;
        const next = notes.list();
        expect(next[0]).not.toBe(previous[0]);
        expect(next[0]!.meta).not.toBe(previous[0]!.meta);
        expect(next).toStrictEqual(notes.listTexts().map((t) => JSON.parse(t)));
        expect(next[0]).toMatchObject({ title: 't', meta: { labels: ['x'] } });
        previous = next;
      }
    } finally {
      store.close();
    }
  });

  it('reads a member named __proto__ back as a member, as JSON.parse does', () => {
    const dir = join(tempDir(), '.taskstore');
    const store = open(dir);
    try {
      const notes = store.collection({ name: 'notes' });
      notes.createFromText('{"id":"p","__proto__":{"polluted":true},"list":[{"__proto__":1}]}');
      for (let i = 0; i < 3; i++) {
        const [record] = notes.list() as Record<string, unknown>[];
        expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
        expect(Object.keys(record!)).toContain('__proto__');
        expect((record as { polluted?: unknown }).polluted).toBeUndefined();
        expect(record).toStrictEqual(JSON.parse(notes.listTexts()[0]!));
      }
    } finally {
      store.close();
    }
  });

  it('sees the versions other processes append, deletions included, between its calls', () => {
    const dir = join(tempDir(), '.taskstore');
    const reader = open(dir);
    const writer = open(dir);
    try {
      const mine = reader.collection<{ v: number }>({ name: 'notes' });
      const theirs = writer.collection<{ v: number }>({ name: 'notes' });
      for (let i = 0; i < 20; i++) theirs.create({ id: `r${i}`, v: i });
      for (let round = 0; round < 5; round++) {
        theirs.update(`r${round}`, { v: 100 + round });
        theirs.delete(`r${19 - round}`);
        theirs.create({ id: `n${round}`, v: round });
        reader.refresh();
        expect(mine.list()).toStrictEqual(theirs.list());
        expect(mine.list({ orderBy: '-v', limit: 5 })).toStrictEqual(theirs.list({ orderBy: '-v', limit: 5 }));
      }
    } finally {
      reader.close();
      writer.close();
    }
  });

  it('queries that together pick more rows than it keeps parse plainly for a while, and stay right through writes of another process', () => {
    // 24,000 records of ~950 characters: more than the kept versions hold, so queries by
    // owner, each a different value, keep missing (the shape then parses without keeping).
    const dir = join(tempDir(), '.taskstore');
    const reader = open(dir);
    const writer = open(dir);
    try {
      const notes = reader.collection<{ owner: string; v: number; pad: string }>({ name: 'notes', indexes: ['owner'] });
      const pad = 'p'.repeat(900);
      notes.createMany(Array.from({ length: 24_000 }, (_, i) => ({ id: `n${i}`, owner: `o${i % 40}`, v: 0, pad })));
      const other = writer.collection<{ owner: string; v: number }>({ name: 'notes', indexes: ['owner'] });
      const expectOwner = (o: number, v: (i: number) => number) => {
        const rows = notes.list({ where: { owner: `o${o}` }, orderBy: 'id' });
        expect(rows.length).toBe(600);
        for (const r of rows) expect(r.v, r.id).toBe(v(Number(r.id.slice(1))));
        return rows;
      };
      for (let round = 0; round < 3; round++) for (let o = 0; o < 40; o++) expectOwner(o, () => 0);
      // Another process changes some of owner 7's records: every later call sees it, in any mode.
      for (let i = 7; i < 24_000; i += 400) other.patch(`n${i}`, { v: 1 });
      for (let k = 0; k < 40; k++) {
        const rows = expectOwner(7, (i) => ((i - 7) % 400 === 0 ? 1 : 0));
        rows[0]!.v = 99; // each call's objects are its own
      }
      for (let o = 0; o < 40; o++) expectOwner(o, (i) => (o === 7 && (i - 7) % 400 === 0 ? 1 : 0));
    } finally {
      reader.close();
      writer.close();
    }
  }, 60_000);
});

