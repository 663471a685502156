/**
 * Record text shown on a terminal must not drive the terminal. A title holding ESC
 * sequences could recolour the screen, move the cursor, retitle the window or plant an
 * OSC 8 link; a carriage return or a bidi override could make one value look like
 * another. Every human-readable output passes record text (and messages quoting it)
 * through {@link visible}, which spells such characters out (`\x1b`, `\r`, `\u202e`).
 * `--json` output is exact and never passes through here (JSON escapes them anyway).
 */
// The library's speller itself, not the public entry: main.ts loads this file on every
// start, and the entry would pull in the whole library, SQLite included.
import { spellControls } from '../jsonl/control-chars.js';

/**
 * `text` with every control character spelled out. Newlines and tabs are kept unless
 * `oneLine` is set (table cells, single-line messages).
 * @example visible('\u001b[31mred') // '\\x1b[31mred'
 */
export function visible(text: string, oneLine = false): string {
  return spellControls(text, { style: 'short', keepLines: !oneLine });
}
