import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';
import { Store } from '../../src/index.js';
import { quietLogger } from '../helpers/logger.js';
import { tempDir } from '../helpers/temp.js';

describe('the public surface', () => {
  it('exports Store alone as the way in: the engine and the record layer are not exported', () => {
    expect(Object.keys(api)).not.toContain('CoreStore');
    expect(Object.keys(api)).not.toContain('OrchestratorStore');
    const store = Store.open(tempDir(), { durability: 'none', logger: quietLogger() });
    try {
      for (const internal of ['catchUpOnOpen', 'addChecker', 'queryCache', 'write', 'stage', 'tableCreated', 'referrersOf', 'readableCacheTable']) {
        expect(internal in store, internal).toBe(false);
      }
    } finally {
      store.close();
    }
  });

  it('the built type declarations (dist/index.d.ts, as `npm test` builds it) name no internals', () => {
    const declarations = readFileSync(join(import.meta.dirname, '..', '..', 'dist', 'index.d.ts'), 'utf8');
    for (const internal of ['protected', '@internal', 'catchUpOnOpen', 'addChecker', 'queryCache', 'class Engine', 'class Records', 'class CollectionTable', 'interface CollectionHost']) {
      expect(declarations.includes(internal), internal).toBe(false);
    }
  });

  it('liveIds() lists the live ids of a collection, sorted, without tombstones', () => {
    const store = Store.open(tempDir(), { durability: 'none', logger: quietLogger() });
    try {
      expect(store.liveIds('notes')).toEqual([]);
      const notes = store.collection({ name: 'notes' });
      for (const id of ['b', 'c', 'a']) notes.create({ id });
      notes.delete('c');
      expect(store.liveIds('notes')).toEqual(['a', 'b']);
      expect(() => store.liveIds('Bad Name')).toThrow(api.InvalidNameError);
    } finally {
      store.close();
    }
  });
});
