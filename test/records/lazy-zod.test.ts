/**
 * zod is loaded on the first validation, not at start-up (src/records/lazy-zod.ts): a
 * process that only reads records never loads it. Run in a real child process against the
 * built package, so no other test's imports can have loaded zod already.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DIST } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';

/** Opens the store in a child process, runs `reads`, then one write; reports whether zod was loaded before and after the write. */
function zodLoaded(dir: string, reads: string): { beforeWrite: boolean; afterWrite: boolean } {
  const script = `
    import { createRequire } from 'node:module';
    const { Store } = await import(${JSON.stringify(pathToFileURL(join(DIST, 'index.js')).href)});
    const require = createRequire(import.meta.url);
    const loaded = () => Object.keys(require.cache).some((file) => /[\\\\/]node_modules[\\\\/]zod[\\\\/]/.test(file));
    const store = Store.open(${JSON.stringify(dir)});
    ${reads}
    const beforeWrite = loaded();
    store.createPrd({ title: 'written by the child' });
    const afterWrite = loaded();
    store.close();
    console.log(JSON.stringify({ beforeWrite, afterWrite }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { beforeWrite: boolean; afterWrite: boolean };
}

describe('zod is loaded on first use', () => {
  it('not by opening a store and reading every record type; by the first write that validates', () => {
    const dir = join(tempDir(), '.taskstore');
    // A store with records of the types read below, written by a first child.
    expect(zodLoaded(dir, '').afterWrite).toBe(true);
    const reads = `
      const [prd] = store.listPrds();
      store.getPrd(prd.id);
      store.listTaskSpecs(prd.id);
      store.listReadyTaskSpecs();
      store.listExecutions();
      store.listWorkflows();
      store.check();`;
    expect(zodLoaded(dir, reads)).toEqual({ beforeWrite: false, afterWrite: true });
  });
});
