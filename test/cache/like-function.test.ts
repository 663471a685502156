/**
 * The whole-string LIKE used for strings holding a NUL character: SQLite's rule (`%` any
 * run, `_` one character, ASCII letters case-insensitive), checked against SQLite's own
 * LIKE on strings without NUL, and bounded on hostile patterns.
 */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { likeMatches } from '../../src/cache/like-function.js';

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
