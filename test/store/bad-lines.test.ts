import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { quietLogger } from '../helpers/logger.js';
import { tempDir } from '../helpers/temp.js';

describe('store.badLines()', () => {
  it('lists the skipped lines of every log by collection and line, with the reason, and forgets a line once it is fixed', () => {
    const dir = tempDir();
    const seed = Store.open(dir, { durability: 'none', logger: quietLogger() });
    seed.collection({ name: 'notes' }).create({ id: 'a' });
    seed.collection({ name: 'alpha' }).create({ id: 'b' });
    seed.close();
    appendFileSync(join(dir, 'notes.jsonl'), '{"id": \n{"id":"c","updated_at":1}\n[1]\n');
    appendFileSync(join(dir, 'alpha.jsonl'), 'nope\n');
    const store = Store.open(dir, { durability: 'none', logger: quietLogger() });
    try {
      const bad = store.badLines();
      expect(bad.map(({ collection, line }) => `${collection}:${line}`)).toEqual(['alpha:2', 'notes:2', 'notes:4']);
      expect(bad.every((b) => typeof b.reason === 'string' && b.reason !== '')).toBe(true);
      // The same lines check() reports.
      const reported = store.check().problems.filter((p) => p.kind === 'malformed_line').map((p) => `${p.collection}:${p.line}`);
      expect(reported).toEqual(['alpha:2', 'notes:2', 'notes:4']);
      // Fixed by hand (a rewrite): the next catch-up forgets them.
      const log = join(dir, 'notes.jsonl');
      writeFileSync(log, readFileSync(log, 'utf8').replace('{"id": \n', '').replace('[1]\n', ''));
      store.refresh();
      expect(store.badLines().map(({ collection, line }) => `${collection}:${line}`)).toEqual(['alpha:2']);
    } finally {
      store.close();
    }
  });
});
