/** Which files are logs: one rule, `<name>.jsonl` with a valid collection name. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COLLECTION_NAME, collectionOfLogFile } from '../../src/jsonl/collection-name.js';
import { Store } from '../../src/index.js';
import { tempDir } from '../helpers/temp.js';

const collectionName = fc.stringMatching(/^[a-z][a-z0-9_]{0,63}$/);

describe('collectionOfLogFile', () => {
  it('names the collection of <name>.jsonl, with or without folders in front', () => {
    fc.assert(
      fc.property(collectionName, fc.array(fc.stringMatching(/^[^/]+$/), { maxLength: 3 }), (name, folders) => {
        expect(collectionOfLogFile(`${name}.jsonl`)).toBe(name);
        expect(collectionOfLogFile([...folders, `${name}.jsonl`].join('/'))).toBe(name);
      }),
    );
  });

  it('answers a valid name whose log is exactly the file, or nothing', () => {
    fc.assert(
      fc.property(fc.string(), (file) => {
        const name = collectionOfLogFile(file);
        if (name === undefined) return;
        expect(COLLECTION_NAME.test(name)).toBe(true);
        expect(file === `${name}.jsonl` || file.endsWith(`/${name}.jsonl`)).toBe(true);
      }),
    );
  });

  it('is not fooled by look-alikes', () => {
    for (const file of ['prds.jsonl.torn', 'prds.jsonl.rescued', '.prds.jsonl.12.ab.tmp', 'Prds.jsonl', 'x-y.jsonl', '1a.jsonl', '.jsonl', 'prds.json', 'prds.jsonl/', `${'a'.repeat(65)}.jsonl`, 'Aprds.jsonl']) {
      expect(collectionOfLogFile(file), file).toBeUndefined();
    }
  });

  it('the store lists, backs up and checks by this rule', () => {
    const dir = tempDir('taskstore-logname-');
    const store = Store.open(dir);
    try {
      store.collection({ name: 'notes' }).create({ id: 'a' });
      writeFileSync(join(dir, 'Bad-Name.jsonl'), '');
      mkdirSync(join(dir, 'sub'));
      expect(store.collectionNames()).toContain('notes');
      expect(store.collectionNames().some((n) => /bad/i.test(n))).toBe(false);
      const backup = store.backup(join(tempDir('taskstore-logname-bak-'), 'b'));
      expect(backup.files.map((f) => f.name)).toContain('notes.jsonl');
      expect(backup.files.some((f) => /bad/i.test(f.name))).toBe(false);
      expect(store.check().problems.map((p) => p.kind)).toContain('invalid_file_name');
    } finally {
      store.close();
    }
  });
});
