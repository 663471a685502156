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

/**
 * The number literals of JSON text (outside its strings) whose value a double does not
 * hold, so that `JSON.parse` + `JSON.stringify` would print another value: the integers
 * of {@link inexactIntegers}, and any literal that parses to ±Infinity (`1e400`, which
 * prints as `null`), to 0 from a non-zero value (`1e-400`), to another decimal
 * (`0.12345678901234567890`), or that is a negative zero (`-0`, which prints as `0`).
 * `1.50`, `1E2` or `0.1` are not among them: the value they print with is the same.
 * @example unheldNumbers('{"a":1e400,"b":1.50,"c":12345678901234567890}') // ['1e400', '12345678901234567890']
 */
export function unheldNumbers(json: string): string[] {
  if (!mayHoldUnheld(json)) return [];
  const found: string[] = [];
  for (const [token] of json.matchAll(JSON_TOKENS)) if (isUnheldNumber(token)) found.push(token);
  return found;
}

/**
 * Quick test: false when `text` holds no literal {@link isUnheldNumber} accepts. Such a
 * literal has 16 digits or more (in a run, or around a point), a three-digit exponent,
 * or is a zero with a minus sign.
 */
export function mayHoldUnheld(text: string): boolean {
  return /\d{16}|\d[\d.]{16}|\d[eE][+-]?\d{3}|-0(?![.\d]*[1-9])/.test(text);
}

/** True for a number literal (one token of JSON text) whose value a double does not hold (see {@link unheldNumbers}). */
export function isUnheldNumber(token: string): boolean {
  if (token.startsWith('"')) return false;
  if (isInexactInteger(token)) return true;
  if (!/[-.eE]/.test(token)) return false; // a non-negative integer under 16 digits is exact
  return exactDecimal(String(Number(token))) !== exactDecimal(token);
}

/**
 * The exact value of a number literal as `<sign><digits>e<exponent>` without leading or
 * trailing zeros (`1.50` and `15e-1` give `15e-1`; zero keeps its sign), or undefined for
 * text that is not one (`Infinity`).
 */
function exactDecimal(literal: string): string | undefined {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(literal);
  if (m === null) return undefined;
  const [, sign, whole, fraction = '', exponent = '0'] = m;
  const digits = (whole! + fraction).replace(/^0+/, '');
  if (digits === '') return `${sign}0`;
  const significant = digits.replace(/0+$/, '');
  return `${sign}${significant}e${BigInt(exponent) - BigInt(fraction.length) + BigInt(digits.length - significant.length)}`;
}

/**
 * JSON strings and number literals: in valid JSON, every digit outside a string belongs to
 * a number. A string's characters are matched by a starred class, unrolled around its
 * escapes: `(?:[^"\\]|\\.)*` made V8 recurse once per character and overflow the stack
 * on a string of some millions of them.
 */
export const JSON_TOKENS = /"[^"\\]*(?:\\.[^"\\]*)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

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
