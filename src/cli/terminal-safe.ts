/**
 * Record text shown on a terminal must not drive the terminal. A title holding ESC
 * sequences could recolour the screen, move the cursor, retitle the window or plant an
 * OSC 8 link; a carriage return or a bidi override could make one value look like
 * another. Every human-readable output passes record text (and messages quoting it)
 * through {@link visible}, which spells such characters out (`\x1b`, `\r`, `\u202e`).
 * `--json` output is exact and never passes through here (JSON escapes them anyway).
 * Pure, no imports.
 */

/** C0 controls, DEL, C1 controls, and the invisible direction marks and overrides. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const UNSAFE_KEEPING_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function spell(char: string): string {
  const named = NAMED[char];
  if (named !== undefined) return named;
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every control character spelled out. Newlines and tabs are kept unless
 * `oneLine` is set (table cells, single-line messages).
 * @example visible('\u001b[31mred') // '\\x1b[31mred'
 */
export function visible(text: string, oneLine = false): string {
  return text.replace(oneLine ? UNSAFE : UNSAFE_KEEPING_LINES, spell);
}
