/**
 * The whole-string LIKE used for strings holding a NUL character: SQLite's rule (`%` any
 * run, `_` one character, ASCII letters case-insensitive), checked against SQLite's own
 * LIKE on strings without NUL, and bounded on hostile patterns.
 */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INEXACT_IN_SQLITE_LIKE, likeMatches, likeMatchesJson } from '../../src/cache/like-function.js';

describe('likeMatches', () => {
  it("property: answers as SQLite's LIKE for strings without NUL", () => {
    const db = new Database(':memory:');
    const like = db.prepare<[string, string], number>('SELECT ? LIKE ?').pluck(true);
    const chars = fc.constantFrom('a', 'A', 'b', 'é', 'É', '😀', '%', '_', '.', '*', '\\', '[', 'x');
    const text = fc.array(chars, { maxLength: 8 }).map((c) => c.join(''));
    fc.assert(
      fc.property(text, text, (t, p) => {
        expect(likeMatches(t, p), `${JSON.stringify(t)} LIKE ${JSON.stringify(p)}`).toBe(like.get(t, p) === 1);
      }),
      { numRuns: 3000 },
    );
    db.close();
  });

  it('reads past a NUL character, and a hostile pattern ends (no exponential backtracking)', () => {
    expect(likeMatches('a\0b', 'a')).toBe(false);
    expect(likeMatches('a\0b', '%B')).toBe(true);
    expect(likeMatches('a\0b', 'a_b')).toBe(true);
    expect(likeMatches('a'.repeat(20_000), `${'%a'.repeat(2_000)}%b`)).toBe(false);
    expect(likeMatches('a'.repeat(20_000), `${'%a'.repeat(2_000)}%`)).toBe(true);
  });
});

describe('likeMatchesJson', () => {
  it('matches a string field by its characters, half a surrogate pair included, an object or array by its JSON text, nothing else', () => {
    const json = (v: unknown): string => JSON.stringify(v);
    expect(likeMatchesJson(json('a\ud800b'), json('a\ud800b'))).toBe(true);
    expect(likeMatchesJson(json('a\ud801b'), json('a\ud800b'))).toBe(false);
    expect(likeMatchesJson(json('a\ufffdb'), json('a\ud800b'))).toBe(false);
    expect(likeMatchesJson(json('a\ud800b'), json('A_B'))).toBe(true);
    expect(likeMatchesJson('"x\\/y"', json('x/y'))).toBe(true); // escapes as another tool wrote them
    expect(likeMatchesJson(json({ x: 'a\ud800' }), json('%\\ud800%'))).toBe(true);
    expect(likeMatchesJson('[1,2]', json('[1%'))).toBe(true);
    for (const v of [10, true, null]) expect(likeMatchesJson(json(v), json('%'))).toBe(false);
    expect(likeMatchesJson('not json', json('%'))).toBeUndefined();
  });

  it('takes over from SQLite exactly for the characters its LIKE reads as U+FFFD, and NUL', () => {
    const db = new Database(':memory:');
    const like = db.prepare<[string, string], number>('SELECT ? LIKE ?').pluck(true);
    for (const ch of ['\ud800', '\udfff', '\ufffd', '\ufffe', '\uffff', '\0']) expect(INEXACT_IN_SQLITE_LIKE.test(`a${ch}`), JSON.stringify(ch)).toBe(true);
    // SQLite's own LIKE, which these patterns no longer reach: each of them matched U+FFFD.
    for (const ch of ['\ud800', '\ufffe', '\uffff']) expect(like.get('\ufffd', ch)).toBe(1);
    for (const ch of ['a', 'é', '😀', '\uE000', '\ufffc', '%', '_']) expect(INEXACT_IN_SQLITE_LIKE.test(ch), JSON.stringify(ch)).toBe(false);
    db.close();
  });
});
