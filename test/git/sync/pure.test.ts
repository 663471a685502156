import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blobHash } from '../../../src/git/sync/commit-snapshot.js';
import { backoffMs, pushOutcome, refLockInPushError, refNameTaken } from '../../../src/git/sync/push-outcome.js';
import { assertNoConflictMarkers, completeLines, takeStoreSnapshot } from '../../../src/git/sync/store-snapshot.js';
import { recordsLost } from '../../../src/git/sync/lost-records.js';
import { readLastSync } from '../../../src/git/sync/sync-files.js';
import { tempDir } from '../../helpers/temp.js';

describe('pushOutcome', () => {
  const line = (flag: string, summary: string) => `To /remote.git\n${flag}\tabc:refs/heads/main\t${summary}\nDone\n`;
  it('reads the porcelain flag of the pushed ref', () => {
    expect(pushOutcome(0, line(' ', '1111..2222'), '')).toBe('pushed');
    expect(pushOutcome(0, line('*', '[new branch]'), '')).toBe('pushed');
    expect(pushOutcome(0, line('=', '[up to date]'), '')).toBe('up-to-date');
    expect(pushOutcome(1, line('!', '[rejected] (fetch first)'), '')).toBe('rejected');
    expect(pushOutcome(1, line('!', '[rejected] (non-fast-forward)'), '')).toBe('rejected');
    expect(pushOutcome(1, line('!', '[remote rejected] (failed to update ref)'), '')).toBe('rejected');
    expect(pushOutcome(1, line('!', '[remote rejected] (pre-receive hook declined)'), '')).toBe('failed');
    expect(pushOutcome(1, line('!', '[remote rejected] (permission denied)'), '')).toBe('failed');
  });
  it("a branch name the remote cannot create beside another (`a` and `a/b`) is a failure, not a race to retry", () => {
    const stderr = "remote: error: cannot lock ref 'refs/heads/taskstore': 'refs/heads/taskstore/old' exists; cannot create 'refs/heads/taskstore'\n";
    expect(pushOutcome(1, line('!', '[remote rejected] (failed to update ref)'), stderr)).toBe('failed');
    expect(refNameTaken(stderr)).toBe('refs/heads/taskstore/old');
    expect(refNameTaken("cannot lock ref 'refs/heads/taskstore': unable to create lock file: File exists")).toBeUndefined();
  });
  it('falls back to stderr when there is no ref line (the remote could not be reached)', () => {
    expect(pushOutcome(128, '', "fatal: '/nowhere' does not appear to be a git repository")).toBe('failed');
    expect(pushOutcome(1, '', ' ! [rejected]        main -> main (fetch first)')).toBe('rejected');
  });
});

describe('refLockInPushError', () => {
  it("names the remote's ref lock file only when git could not create it because it exists", () => {
    const stderr = "remote: error: cannot lock ref 'refs/heads/t': Unable to create '/srv/r.git/./refs/heads/t.lock': File exists.        \nremote: \nerror: failed to push some refs to '/srv/r.git'\n";
    expect(refLockInPushError(stderr)).toBe('/srv/r.git/./refs/heads/t.lock');
    expect(refLockInPushError("remote: error: cannot lock ref 'refs/heads/t': is at 1234 but expected 5678\n")).toBeUndefined();
    expect(refLockInPushError('')).toBeUndefined();
  });
});

describe('backoffMs', () => {
  it('grows exponentially, stays within [ceiling/2, ceiling] and never exceeds the cap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
        const wait = backoffMs(attempt, () => r);
        const ceiling = Math.min(2_000, 50 * 2 ** (attempt - 1));
        return wait >= Math.floor(ceiling / 2) && wait <= ceiling;
      }),
    );
    expect(backoffMs(1, () => 0)).toBe(25);
    expect(backoffMs(4, () => 0.999999)).toBe(400);
    expect(backoffMs(30, () => 0.999999)).toBe(2_000);
  });
  it('spreads two clones that collided: different random draws give different waits', () => {
    expect(backoffMs(5, () => 0.1)).not.toBe(backoffMs(5, () => 0.9));
  });
});

describe('snapshot bytes', () => {
  it("blobHash is git's own object id, for sha1 and odd content", () => {
    const dir = tempDir();
    for (const content of ['', 'a\n', '{"id":"x"}\n{"id":"y"', '\u00e9\r\n\u0000binary']) {
      const file = join(dir, 'f');
      writeFileSync(file, content);
      const expected = execFileSync('git', ['hash-object', '--no-filters', file], { encoding: 'utf8' }).trim();
      expect(blobHash('sha1', Buffer.from(content))).toBe(expected);
    }
  });
  it('completeLines drops only an unterminated tail', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\n'))), fc.string().filter((s) => !s.includes('\n')), (lines, tail) => {
        const whole = lines.map((l) => `${l}\n`).join('');
        expect(completeLines(Buffer.from(whole + tail)).toString()).toBe(whole);
      }),
    );
  });
  it('refuses a log with a conflict marker line, naming the line', () => {
    expect(() => assertNoConflictMarkers('n.jsonl', Buffer.from('{"id":"a"}\n{"id":"=======x"}\n'))).not.toThrow();
    expect(() => assertNoConflictMarkers('n.jsonl', Buffer.from('{"id":"a"}\n<<<<<<< ours\n{"id":"b"}\n=======\n'))).toThrow(/n\.jsonl line 2/);
  });
  it('property: a log read in pieces (as one over ~512 MiB is) gives the same marker line and the same lost records', () => {
    const line = fc.oneof(
      fc.record({ id: fc.constantFrom('a', 'b', 'c'), v: fc.integer({ min: 1, max: 5 }) }).map(({ id, v }) => `{"id":"${id}","updated_at":${v}}`),
      fc.constantFrom('<<<<<<< ours', '=======', '>>>>>>> theirs', '', 'not json', '\uFEFF{"id":"d","updated_at":1}'),
    );
    const log = fc.array(fc.tuple(line, fc.constantFrom('\n', '\r\n')), { maxLength: 12 }).map((ls) => ls.map(([l, end]) => l + end).join(''));
    const markerError = (content: Buffer, chunkBytes?: number): string | undefined => {
      try {
        assertNoConflictMarkers('n.jsonl', content, chunkBytes);
        return undefined;
      } catch (err) {
        return (err as Error).message;
      }
    };
    fc.assert(
      fc.property(log, log, fc.integer({ min: 1, max: 30 }), (before, after, chunkBytes) => {
        expect(markerError(Buffer.from(after), chunkBytes)).toBe(markerError(Buffer.from(after)));
        expect(recordsLost(Buffer.from(before), Buffer.from(after), chunkBytes)).toEqual(recordsLost(before, after));
      }),
      { numRuns: 500 },
    );
  });
  it("takes the store's committed files only: logs cut to complete lines, .version, .gitignore; never the cache", () => {
    const dir = join(tempDir(), '.taskstore');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.jsonl'), '{"id":"a","updated_at":1}\n{"id":"b","upd');
    writeFileSync(join(dir, '.version'), '1\n');
    writeFileSync(join(dir, '.gitignore'), 'taskstore.db\n');
    for (const other of ['taskstore.db', 'taskstore.db-wal', 'Bad-Name.jsonl', 'notes.jsonl.torn', 'taskstore.journal']) writeFileSync(join(dir, other), 'x');
    const files = takeStoreSnapshot(dir, 'data/.taskstore');
    expect(files.map((f) => [f.path, f.collection, f.content.toString()])).toEqual([
      ['data/.taskstore/.gitignore', undefined, 'taskstore.db\n'],
      ['data/.taskstore/.version', undefined, '1\n'],
      ['data/.taskstore/notes.jsonl', 'notes', '{"id":"a","updated_at":1}\n'],
    ]);
  });
  it('never reads through a symbolic link: a linked log or .gitignore is an IoError naming it; a dangling link is skipped like a missing file', () => {
    const dir = join(tempDir(), '.taskstore');
    mkdirSync(dir);
    const secret = join(tempDir(), 'id_rsa');
    writeFileSync(secret, 'PRIVATE KEY\n');
    writeFileSync(join(dir, '.version'), '1\n');
    symlinkSync(join(dir, 'nowhere'), join(dir, 'gone.jsonl'));
    expect(takeStoreSnapshot(dir, '.taskstore').map((f) => f.path)).toEqual(['.taskstore/.version']);
    for (const name of ['notes.jsonl', '.gitignore']) {
      symlinkSync(secret, join(dir, name));
      let err: unknown;
      try {
        takeStoreSnapshot(dir, '.taskstore');
      } catch (e) {
        err = e;
      }
      expect(err, name).toMatchObject({ code: 'IO', data: { errno: 'ELOOP', path: join(dir, name) } });
      rmSync(join(dir, name));
    }
  });
});

describe('readLastSync', () => {
  it('a last-sync file whose time no Date can show (1e400, -1e20, a fraction) reads as never synced, not as Infinity or a raw number', () => {
    const dir = tempDir();
    const file = join(dir, 'taskstore-last-sync.json');
    const entry = (at: string) => `{"at":${at},"remote":"origin","branch":"taskstore","head":"abc"}\n`;
    writeFileSync(file, entry('1796304216536'));
    expect(readLastSync(dir)?.at).toBe(1796304216536);
    for (const at of ['1e400', '-1e20', '-1', '1.5', '8640000000000001']) {
      writeFileSync(file, entry(at));
      expect(readLastSync(dir), at).toBeUndefined();
    }
  });
});
