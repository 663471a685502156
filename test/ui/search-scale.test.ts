/**
 * The dashboard's search beside a large generic collection: titles have no index, so a
 * search scanned the whole collection on every keystroke (0.7–1.0 s at 1,000,000
 * records). A generic collection's titles are now looked for among its 20,000 most
 * recently updated records; the record types (PRDs, task specs, workflows …) are searched
 * whole, and ids in every collection.
 */
import { describe, expect, it } from 'vitest';
import { handleApi } from '../../src/ui/server/api.js';
import type { SearchResponse } from '../../src/ui/api-types.js';
import { openStore } from '../cli/run-cli.js';
import { tempDir } from '../helpers/temp.js';

const later = async (): Promise<void> => {
  const start = Date.now();
  while (Date.now() <= start + 2) await new Promise((resolve) => setTimeout(resolve, 1));
};

describe('GET /api/search beside a large generic collection', () => {
  it('looks at the titles of its 20,000 most recently updated records only', async () => {
    const store = openStore(tempDir('taskstore-ui-search-'));
    try {
      const notes = store.collection<{ title: string }>({ name: 'notes' });
      const old = notes.create({ title: 'needle old' });
      const prd = store.createPrd({ title: 'needle prd' });
      await later();
      notes.createMany(Array.from({ length: 24_999 }, (_, i) => ({ title: `note ${i}` })));
      await later();
      const recent = notes.create({ title: 'needle recent' });
      const search = (q: string): SearchResponse['results'] => {
        const answer = handleApi(store, '/api/search', new URLSearchParams({ q }), 1_000);
        expect(answer.status).toBe(200);
        return (answer.body as SearchResponse).results;
      };
      expect(search('needle').map((r) => r.id).sort()).toEqual([prd, recent].sort());
      // By id, the old note is still found.
      expect(search(old.slice(0, 20))).toContainEqual({ collection: 'notes', id: old, label: 'needle old', match: 'id' });
    } finally {
      store.close();
    }
  }, 60_000);
});
