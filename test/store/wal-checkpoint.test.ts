import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine as Store } from '../../src/store/engine.js';
import { WAL_SIZE_LIMIT_BYTES } from '../../src/cache/cache-db.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

function openNotes() {
  const dir = join(tempDir(), '.taskstore');
  const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
  return { dir, store, notes: store.collection({ name: 'notes', indexes: ['status'] }) };
}

/** Size of the database file itself: the WAL's pages reach it only through a checkpoint. */
const dbSize = (dir: string) => statSync(join(dir, 'taskstore.db')).size;

describe('WAL checkpoints run between writes, not inside them', () => {
  it('moves the WAL into the database after a burst of writes, once the event loop turns', async () => {
    const { dir, store, notes } = openNotes();
    try {
      await nextTurn();
      const before = dbSize(dir);
      for (let i = 0; i < 200; i++) notes.create({ title: `note ${i} ${'x'.repeat(300)}`, status: i % 2 ? 'open' : 'done' });
      // No write checkpointed: 200 small commits stay far below the WAL size at which
      // SQLite would checkpoint inside a commit.
      expect(dbSize(dir)).toBe(before);
      await nextTurn();
      await nextTurn();
      expect(dbSize(dir)).toBeGreaterThan(before);
      expect(notes.count()).toBe(200);
    } finally {
      store.close();
    }
    const reopened = Store.open(dir, { durability: 'none', logger: quietLogger() });
    try {
      expect(reopened.collection({ name: 'notes' }).count()).toBe(200);
    } finally {
      reopened.close();
    }
  });

  it('drops a scheduled checkpoint when the store closes first', async () => {
    const { store, notes } = openNotes();
    for (let i = 0; i < 200; i++) notes.create({ title: `note ${i}` });
    store.close();
    // The scheduled checkpoint would run on a closed database here: it must not.
    await nextTurn();
    await nextTurn();
  });

  it('cuts the WAL file back once a transaction larger than the limit was checkpointed, while other processes keep it open', async () => {
    const { dir, store, notes } = openNotes();
    // Another connection (another process, a dashboard) keeps the WAL from being removed.
    const other = Store.open(dir, { durability: 'none', logger: quietLogger() });
    const walSize = () => statSync(join(dir, 'taskstore.db-wal')).size;
    try {
      // One commit of ~90 MB: a bulk createMany (a full rebuild is another such commit).
      const pad = 'p'.repeat(2_000);
      notes.createMany(Array.from({ length: 40_000 }, (_, i) => ({ i, status: 'open', pad })));
      await nextTurn();
      notes.create({ title: 'after', status: 'done' });
      await nextTurn();
      notes.create({ title: 'and after', status: 'done' });
      expect(walSize()).toBeLessThanOrEqual(WAL_SIZE_LIMIT_BYTES + 1024 * 1024);
      expect(other.collection({ name: 'notes' }).count()).toBe(40_002);
    } finally {
      other.close();
      store.close();
    }
  }, 60_000);
});

