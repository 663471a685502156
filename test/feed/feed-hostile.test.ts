/**
 * The change feed used carelessly: long-lived signals, stores closed under a loop.
 * Real stores in temp directories.
 */
import { getEventListeners } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';

describe('change feed: careless use', () => {
  it('a changes() loop ended by store.close() lets go of its AbortSignal: one long-lived signal does not collect a listener per loop', async () => {
    const controller = new AbortController(); // e.g. the process-wide shutdown signal
    for (let round = 0; round < 12; round++) {
      const store = Store.open(join(tempDir(), '.taskstore'), { logger: quietLogger() });
      const seen: string[] = [];
      const loop = (async () => {
        for await (const change of store.changes({ signal: controller.signal })) seen.push(change.id);
      })();
      store.collection({ name: 'notes' }).create({ id: `n${round}` });
      while (seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      store.close();
      await loop;
      expect(seen).toEqual([`n${round}`]);
    }
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
