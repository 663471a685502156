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
  const found: string[] = [];
  for (const [token] of json.matchAll(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g)) {
    if (!/^-?\d+$/.test(token)) continue;
    // Changed only when neither the value nor its written form survives: -47726838974513450
    // is not a double, but parses to one that JSON.stringify writes back as those digits.
    // Past ~1.8e308 it parses to Infinity (stored as null), which BigInt() cannot take.
    const number = Number(token);
    if (!Number.isFinite(number) || (BigInt(number) !== BigInt(token) && String(number) !== token)) found.push(token);
  }
  return found;
}
