/**
 * Text from a log (a record id, the snippet of a malformed line that V8's JSON error
 * quotes) can reach a terminal in the store's own messages: warnings, the merge
 * driver's stderr, `check`. Its control characters are spelled out (`\u001b`), so a
 * hostile line cannot recolour the screen, move the cursor or retitle the window.
 * Pure, no imports.
 */

/** C0 and C1 controls, DEL, and the invisible direction marks and overrides. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with every control character written as a `\uXXXX` escape. */
export function spellControls(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
