/**
 * A writer killed mid-append leaves its journal record and half a line; before any
 * TaskStore process takes the lock again, git rewrites the log (the user discards the
 * half line with `git checkout`, then pulls). The record's offset now falls inside
 * lines git wrote: they are not the dead writer's bytes and must stay in the log.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { GitRepo } from '../helpers/git-repo.js';
import { appendFileSync } from 'node:fs';
import { quietLogger } from '../helpers/logger.js';
import { pointsMatching, runOp, setupTemplate } from './crash-sweep.js';

/** A store (crash-op.mjs's template) committed at the root of a fresh repository. */
function committedStore(): GitRepo {
  const repo = GitRepo.init();
  setupTemplate(repo.dir);
  repo.write('.gitignore', 'taskstore.db*\ntaskstore.journal\n');
  repo.git('add', '-A');
  repo.git('commit', '-qm', 'store');
  return repo;
}

describe('a dead writer\'s journal record after git rewrote its log', () => {
  it('lines git wrote past the record\'s offset stay in the log (not moved to .torn)', () => {
    const repo = committedStore();
    const dir = repo.dir;
    // The other side: one more note, pulled later as a fast-forward.
    repo.git('checkout', '-qb', 'other');
    appendFileSync(join(dir, 'notes.jsonl'), `${JSON.stringify({ id: 'theirs', title: 'from the other clone', updated_at: Date.now() })}\n`);
    repo.git('commit', '-qam', 'theirs');
    repo.git('checkout', '-q', 'main');

    // Where `create` appends to notes.jsonl (counted on a copy), then the real kill there.
    const copy = GitRepo.init();
    setupTemplate(copy.dir);
    const counted = runOp(copy.dir, 'create', { trace: true });
    const [at] = pointsMatching(counted, /^#\d+ fs\.writeSync notes\.jsonl /);
    const run = runOp(dir, 'create', { crashAt: at!, torn: true });
    expect(run.killed).toBe(true);
    expect(readFileSync(join(dir, 'notes.jsonl'), 'utf8').endsWith('\n')).toBe(false);

    // The user discards the half line and pulls.
    repo.git('checkout', '--', 'notes.jsonl');
    repo.git('merge', '-q', '--ff-only', 'other');

    const logger = quietLogger();
    const store = Store.open(dir, { logger });
    try {
      expect(store.collection({ name: 'notes' }).get('theirs')?.title).toBe('from the other clone');
      expect(readFileSync(join(dir, 'notes.jsonl'), 'utf8')).toContain('"id":"theirs"');
      expect(existsSync(join(dir, 'notes.jsonl.torn'))).toBe(false);
    } finally {
      store.close();
    }
  });
});
