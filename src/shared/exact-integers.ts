/**
 * Number literals a JavaScript number cannot hold exactly. `JSON.parse` rounds a literal
 * to the nearest double without a word (`12345678901234567890`, `12345678901234567890.0`
 * and `1.2345678901234567890e19` all become 12345678901234567168, written back
 * `12345678901234567000`; `1e400` becomes Infinity, written `null`; `1e-400` becomes 0);
 * the CLI's `--set` / `--where`, the MCP server's arguments and the dashboard's `where`
 * filter refuse such numbers instead of acting on a changed one. Pure, no imports.
 */

/**
 * The number literals of JSON text (outside its strings) that storing would change: the
 * double `JSON.parse` makes of them is written back (shortest round-trip form, as
 * `JSON.stringify` writes it) with another value than the literal's. A literal up to 15
 * significant digits within a double's range is never among them (`0.1`, `3.14`, `1e-7`,
 * `2.5e3`, `100.0`, `1e21` are written back with their own value); one with more digits is
 * when its digits do not survive (`0.10000000000000001` is refused: it would be stored
 * as `0.1`), and so is one beyond a double's range (`1e400`, `1e-400`). A zero is never among them: `-0` is stored as `0`, as documented.
 * @example inexactNumbers('{"n":12345678901234567890.0,"s":"99999999999999999999","x":0.5}') // ['12345678901234567890.0']
 */
export function inexactNumbers(json: string): string[] {
  if (!mayHoldUnheld(json)) return [];
  return numbersWhere(json, isInexactNumber);
}

/**
 * The number literals of JSON text (outside its strings) that a filter must refuse: those
 * storing would change (see {@link inexactNumbers}), unless the double `JSON.parse` makes
 * of them has exactly their value. A filter compares with that double, so it matches what
 * was asked when the literal is the double's value (1152921504606846976, which is 2^60,
 * also written `1152921504606846976.0`) or the double's own written form
 * (1152921504606847000, as JSON.stringify writes 2^60; `0.1`; `1e23`), and another
 * number otherwise (`12345678901234567890`, `12345678901234567890.0`, `1e400`).
 * @example roundedNumbers('{"a":1152921504606846976,"b":12345678901234567890.0,"c":0.1}') // ['12345678901234567890.0']
 */
export function roundedNumbers(json: string): string[] {
  if (!mayHoldUnheld(json)) return [];
  return numbersWhere(json, isRoundedNumber);
}

/** True for a number literal (one JSON token) that storing would change (see {@link inexactNumbers}). */
export function isInexactNumber(token: string): boolean {
  return mayHoldUnheld(token) && isUnheldNumber(token) && !isZero(token);
}

/** True for a number literal (one JSON token) that a filter must refuse (see {@link roundedNumbers}). */
export function isRoundedNumber(token: string): boolean {
  if (!isInexactNumber(token)) return false;
  const number = Number(token);
  return !Number.isFinite(number) || exactDecimal(doubleDecimal(number)) !== exactDecimal(token);
}

/**
 * The number a filter by `token` compares with, for a message: the double, in full when it
 * is an integer (a filter by 1152921504606847000 compares with 1152921504606846976).
 */
export function comparedAs(token: string): string {
  const number = Number(token);
  return Number.isInteger(number) && Math.abs(number) > Number.MAX_SAFE_INTEGER ? BigInt(number).toString() : String(number);
}

/** The text a number stored from `token` is written as (`null` for ±Infinity, as JSON writes it). */
export function storedAs(token: string): string {
  return JSON.stringify(Number(token));
}

/** `number`'s exact value as a decimal literal (every finite double has one: a sum of powers of 2). */
function doubleDecimal(number: number): string {
  let scaled = Math.abs(number);
  let twos = 0;
  while (!Number.isInteger(scaled)) {
    scaled *= 2; // exact: a double's mantissa is an integer times a power of 2
    twos++;
  }
  // number = scaled / 2^twos = scaled * 5^twos / 10^twos
  return `${number < 0 || Object.is(number, -0) ? '-' : ''}${BigInt(scaled) * 5n ** BigInt(twos)}e-${twos}`;
}

function isZero(token: string): boolean {
  return /^-?0(?:\.0+)?(?:[eE][+-]?\d+)?$/.test(token);
}

/** The number literals of `json` that `test` accepts. */
function numbersWhere(json: string, test: (token: string) => boolean): string[] {
  const found: string[] = [];
  for (const [token] of json.matchAll(JSON_TOKENS)) if (!token.startsWith('"') && test(token)) found.push(token);
  return found;
}

/**
 * The number literals of JSON text (outside its strings) whose value a double does not
 * hold, so that `JSON.parse` + `JSON.stringify` would print another value: the integers
 * of {@link isInexactInteger}, and any literal that parses to ±Infinity (`1e400`, which
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
