/**
 * The dashboard server's signal that a log was rewritten (an open history refetches):
 * real files, a real directory watch.
 */
import { appendFileSync, closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { watchLogRewrites } from '../../src/ui/server/log-rewrites.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('watchLogRewrites', () => {
  it('an edit of equal length saved in place is a rewrite (an open history kept showing the old version); an append is not', async () => {
    const dir = tempDir();
    const log = join(dir, 'notes.jsonl');
    writeFileSync(log, '{"id":"a","updated_at":1,"v":"old"}\n');
    const rewritten: string[] = [];
    stops.push(watchLogRewrites(dir, (name) => rewritten.push(name)));
    appendFileSync(log, '{"id":"a","updated_at":2,"v":"new"}\n');
    // Past the watcher's 20 ms gathering of events, with room for a slow machine.
    await sleep(300);
    expect(rewritten).toEqual([]);
    // The first version's "old" becomes "OLD", in place: same inode, same size.
    const fd = openSync(log, 'r+');
    try {
      writeSync(fd, 'OLD', '{"id":"a","updated_at":1,"v":"'.length);
    } finally {
      closeSync(fd);
    }
    await waitFor('the in-place edit reported', () => rewritten.length > 0, 10_000);
    expect(rewritten).toEqual(['notes']);
  });
});
