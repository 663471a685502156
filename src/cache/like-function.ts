/**
 * SQL LIKE over the whole string, character by character, where SQLite's own LIKE is not:
 *
 * - SQLite's LIKE reads its operands as C strings, up to the first NUL: `'a\0b'` matched
 *   `'a'` and not `'%b'`. Equality, `in` and the range operators compare the whole
 *   string, and so must `like`.
 * - SQLite's LIKE reads half a UTF-16 surrogate pair (which a field value may hold: JSON
 *   escapes it as `\ud800`), U+FFFE and U+FFFF as U+FFFD: a pattern holding any of them
 *   matched the others (`'a\ud800b'` found `'a\ud801b'` and `'a\ufffdb'`), while `eq`
 *   tells them apart.
 *
 * The query builder (query-builder.ts) sends here the patterns holding one of those
 * characters, and the strings holding a NUL; the rest stay with SQLite's LIKE, whose rule
 * this follows: `%` any run, `_` one character, ASCII letters case-insensitive, no escape
 * character. Both operands arrive as JSON text (`data -> '$.field'`, `JSON.stringify` of
 * the pattern): SQLite hands text to JavaScript as UTF-8, where half a surrogate pair
 * becomes three U+FFFD, so the field's value as read (`json_extract`) could not be
 * matched exactly.
 */
import type { SqliteDatabase } from './sqlite.js';

/** The SQL name of the function {@link registerLikeFunction} defines. */
export const WHOLE_STRING_LIKE = 'taskstore_like';

/**
 * The characters SQLite's LIKE cannot match exactly: NUL, half a surrogate pair, U+FFFD,
 * U+FFFE, U+FFFF. A pattern holding one goes to {@link WHOLE_STRING_LIKE}.
 */
export const INEXACT_IN_SQLITE_LIKE = /[\0\p{Cs}\ufffd\ufffe\uffff]/u;

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

/**
 * Whether the field whose JSON text is `valueJson` (`data -> '$.field'`) matches the
 * pattern whose JSON text is `patternJson`, as `like` matches: a string by its characters,
 * an object or an array by its JSON text (the text `json_extract` gives, which is
 * `valueJson` itself), anything else never. Undefined for a missing field.
 */
export function likeMatchesJson(valueJson: string, patternJson: string): boolean | undefined {
  let value: unknown;
  try {
    value = JSON.parse(valueJson);
  } catch {
    return undefined; // not what `->` gives; nothing to match
  }
  const pattern = parsedPattern(patternJson);
  if (typeof value === 'string') return likeMatches(value, pattern);
  return typeof value === 'object' && value !== null ? likeMatches(valueJson, pattern) : false;
}

/** The last pattern parsed: one statement calls the function once a row with the same pattern. */
let lastPattern = { json: '""', text: '' };
function parsedPattern(json: string): string {
  if (lastPattern.json !== json) lastPattern = { json, text: JSON.parse(json) as string };
  return lastPattern.text;
}

/** Defines {@link WHOLE_STRING_LIKE}(value JSON, pattern JSON) on `db`: 1 or 0, NULL for a NULL operand. */
export function registerLikeFunction(db: SqliteDatabase): void {
  db.function(WHOLE_STRING_LIKE, { deterministic: true }, (valueJson: unknown, patternJson: unknown) => {
    if (typeof valueJson !== 'string' || typeof patternJson !== 'string') return null;
    const matches = likeMatchesJson(valueJson, patternJson);
    return matches === undefined ? null : matches ? 1 : 0;
  });
}
