/**
 * Quoting for POSIX sh, used for every path written into a hook or into the merge
 * driver command. Pure.
 */

/** Characters that never need quoting in sh (a conservative set). */
const SAFE = /^[A-Za-z0-9_\-./:=@+,]+$/;

/**
 * Quotes `value` as one sh word: unchanged when it is plainly safe, otherwise wrapped in
 * single quotes, with each `'` written as `'\''`. Nothing is expanded inside single
 * quotes, so spaces, `$`, backticks and `"` are all literal.
 *
 * @example
 * shellQuote('/usr/bin/node')      // /usr/bin/node
 * shellQuote("/my dir/it's.js")    // '/my dir/it'\''s.js'
 */
export function shellQuote(value: string): string {
  if (value !== '' && SAFE.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Escapes `%` as `%%` so git's merge-driver placeholder expansion (`%O`, `%A`, `%B`,
 * `%P`, ...) leaves a literal `%` in a path alone.
 */
export function escapePercent(value: string): string {
  return value.replace(/%/g, '%%');
}
