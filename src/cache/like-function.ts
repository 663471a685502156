/**
 * SQL LIKE over the whole string, for strings holding a NUL character (U+0000).
 *
 * Why: SQLite's LIKE reads its operands as C strings, up to the first NUL: `'a\0b'`
 * matched `'a'` and not `'%b'`. Equality, `in` and the range operators compare the whole
 * string, and so must `like`. The query builder (query-builder.ts) sends only strings
 * holding a NUL (and patterns holding one) here; the rest stay with SQLite's LIKE, whose
 * rule this follows: `%` any run, `_` one character, ASCII letters case-insensitive, no
 * escape character.
 */
import type { SqliteDatabase } from './sqlite.js';

/** The SQL name of the function {@link registerLikeFunction} defines. */
export const WHOLE_STRING_LIKE = 'taskstore_like';

/** ASCII letters only, as SQLite folds them. */
function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/**
 * Whether `text` matches the LIKE `pattern`, reading both whole, by characters (code
 * points). The two-pointer wildcard match: on a mismatch it backs up to the last `%`
 * only, so a hostile pattern (`%a%a%a…b`) costs at most text × pattern steps, never the
 * exponential backtracking a regular expression could take.
 */
export function likeMatches(text: string, pattern: string): boolean {
  const t = Array.from(asciiLower(text));
  const p = Array.from(asciiLower(pattern));
  let ti = 0;
  let pi = 0;
  let star = -1; // pattern index just after the last %
  let resume = 0; // text index that % is taken to have run up to
  while (ti < t.length) {
    if (pi < p.length && p[pi] !== '%' && (p[pi] === '_' || p[pi] === t[ti])) {
      ti++;
      pi++;
    } else if (pi < p.length && p[pi] === '%') {
      star = ++pi;
      resume = ti;
    } else if (star >= 0) {
      pi = star;
      ti = ++resume;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '%') pi++;
  return pi === p.length;
}

/** Defines {@link WHOLE_STRING_LIKE}(text, pattern) on `db`: 1 or 0, NULL for a NULL operand. */
export function registerLikeFunction(db: SqliteDatabase): void {
  db.function(WHOLE_STRING_LIKE, { deterministic: true }, (text: unknown, pattern: unknown) => {
    if (typeof text !== 'string' || typeof pattern !== 'string') return null;
    return likeMatches(text, pattern) ? 1 : 0;
  });
}
