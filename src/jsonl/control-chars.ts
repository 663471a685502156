/**
 * Text from a log or a record (a record id, a title, the snippet of a malformed line
 * that V8's JSON error quotes) can reach a terminal: the store's own messages (warnings,
 * the merge driver's stderr, `check`) and every human-readable CLI output. Its control
 * characters are spelled out, so a hostile value cannot recolour the screen, move the
 * cursor, retitle the window, plant a link, or (a carriage return, a direction
 * override) make one value look like another. The one implementation: the CLI's
 * `visible` spells with it too. Pure, no imports.
 */

/** C0 and C1 controls, DEL, and the invisible direction marks and overrides. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** The same, without newline and tab. */
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

interface SpellOptions {
  /**
   * `unicode` (default): every character as `\uXXXX`, as JSON writes it.
   * `short`: `\n`, `\r`, `\t` by name, the rest of Latin-1 as `\xXX`, others as `\uXXXX`
   * (what a person at a terminal reads most easily).
   */
  style?: 'unicode' | 'short';
  /** Leave newlines and tabs as they are (multi-line text); default false. */
  keepLines?: boolean;
}

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

const unicode = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

function short(c: string): string {
  const named = NAMED[c];
  if (named !== undefined) return named;
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : unicode(c);
}

/**
 * True when `text` holds a control character in the sense above (C0 or C1 control, DEL,
 * an invisible direction mark or override): what a new record id may not contain.
 * @example hasControls('a\u0085b') // true
 */
export function hasControls(text: string): boolean {
  CONTROL.lastIndex = 0; // a global regex's test() continues from the last match
  return CONTROL.test(text);
}

/**
 * `text` with every control character spelled out as an escape.
 * @example spellControls('\u001b[31m') // '\\u001b[31m'
 * spellControls('a\u001bb\nc', { style: 'short', keepLines: true }) // 'a\\x1bb\nc'
 */
export function spellControls(text: string, options: SpellOptions = {}): string {
  return text.replace(options.keepLines ? CONTROL_BUT_LINES : CONTROL, options.style === 'short' ? short : unicode);
}
