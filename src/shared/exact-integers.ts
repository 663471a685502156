/**
 * Integers a JavaScript number cannot hold exactly. `JSON.parse` rounds a literal beyond
 * ±2^53 to the nearest double without a word; the CLI's `--set` / `--where` and the
 * dashboard's `where` filter refuse such numbers instead of acting on a rounded one.
 * Pure, no imports.
 */

/**
 * The integer literals of JSON text (outside its strings) that storing would change:
 * beyond ±2^53 `JSON.parse` rounds to the nearest double, and unless that double is
 * written back with the same digits, the user's number is silently altered.
 * @example inexactIntegers('{"n":12345678901234567890,"s":"99999999999999999999"}') // ['12345678901234567890']
 */
export function inexactIntegers(json: string): string[] {
  return integersWhere(json, isInexactInteger);
}

/**
 * The integer literals of JSON text (outside its strings) whose value `JSON.parse` rounds:
 * what a filter must refuse, since it would match another number. Narrower than
 * {@link inexactIntegers}: 1152921504606846976 (2^60) is a double, so a filter by it
 * matches what was asked, although JSON.stringify writes it 1152921504606847000.
 * @example roundedIntegers('{"a":1152921504606846976,"b":12345678901234567890}') // ['12345678901234567890']
 */
export function roundedIntegers(json: string): string[] {
  return integersWhere(json, isRoundedInteger);
}

/** The number literals of `json` that `test` accepts; none without a run of 16 digits (2^53 has 16). */
function integersWhere(json: string, test: (token: string) => boolean): string[] {
  if (!/\d{16}/.test(json)) return [];
  const found: string[] = [];
  for (const [token] of json.matchAll(JSON_TOKENS)) if (test(token)) found.push(token);
  return found;
}

/** True for an integer literal whose value `JSON.parse` changes (to another double, or to Infinity). */
function isRoundedInteger(token: string): boolean {
  if (!/^-?\d{16,}$/.test(token)) return false;
  const number = Number(token);
  return !Number.isFinite(number) || BigInt(number) !== BigInt(token);
}

/** JSON strings and number literals: in valid JSON, every digit outside a string belongs to a number. */
export const JSON_TOKENS = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/**
 * True for an integer literal (one token of JSON text) that `JSON.parse` + `JSON.stringify` would change.
 * @example isInexactInteger('12345678901234567890') // true
 */
export function isInexactInteger(token: string): boolean {
  if (!/^-?\d{16,}$/.test(token)) return false; // 2^53 has 16 digits: anything shorter is exact
  // Changed exactly when the written form does not survive. -47726838974513450 is not a
  // double, but parses to one that JSON.stringify writes back as those digits: kept.
  // -6807623405785651200 is a double, but JSON.stringify writes it -6807623405785651000,
  // another integer to every reader that does not round to doubles: changed, although
  // the value survived. Past ~1.8e308 it parses to Infinity (stored as null).
  const number = Number(token);
  return !Number.isFinite(number) || String(number) !== token;
}
