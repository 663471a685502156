/**
 * Splits a JSON object's text into its top-level members, keeping each key and value
 * exactly as written.
 *
 * Why not `JSON.parse` + `JSON.stringify`? A merged version line is assembled from
 * members of the versions it merges, and re-serializing parsed values would change
 * bytes the merge has no business touching: `1.0` becomes `1`, `"\u00e9"` becomes
 * `"é"`, and integers beyond 2^53 silently lose digits. Working on the source text also
 * means no object is ever built from untrusted keys, so a key such as `__proto__` is
 * just text here (no prototype pollution possible).
 *
 * Pure: no file access.
 */

/** One top-level member of a JSON object, as source text. */
export interface RawMember {
  /** The key exactly as written, quotes and escapes included (e.g. `"na\u006de"`). */
  readonly rawKey: string;
  /** The decoded key (`name` for the example above). */
  readonly key: string;
  /** The value exactly as written, without the whitespace around it. */
  readonly rawValue: string;
}

const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * Returns the members of the JSON object in `text`, in source order (a key written
 * twice appears twice, as in the source).
 *
 * `text` must already be known to be valid JSON whose top level is an object (the
 * caller has run `JSON.parse` on it): the scanner relies on that and only checks
 * enough to fail loudly instead of looping on anything else.
 *
 * @example
 * splitObjectMembers('{"id":"a", "n":1.0}')
 * // → [{ rawKey: '"id"', key: 'id', rawValue: '"a"' }, { rawKey: '"n"', key: 'n', rawValue: '1.0' }]
 */
export function splitObjectMembers(text: string): RawMember[] {
  return splitItems(text, OPEN_BRACE, CLOSE_BRACE, 'object', (i) => {
    if (text.charCodeAt(i) !== QUOTE) throw new SyntaxError(`expected a key at offset ${i}`);
    const keyEnd = skipString(text, i);
    const rawKey = text.slice(i, keyEnd);
    const colon = skipWhitespace(text, keyEnd);
    if (text.charCodeAt(colon) !== COLON) throw new SyntaxError(`expected ':' at offset ${colon}`);
    const valueStart = skipWhitespace(text, colon + 1);
    const end = skipValue(text, valueStart);
    return { item: { rawKey, key: JSON.parse(rawKey) as string, rawValue: text.slice(valueStart, end) }, end };
  });
}

/**
 * Returns the elements of the JSON array in `text`, each exactly as written (without the
 * whitespace around it). As for {@link splitObjectMembers}, `text` must be valid JSON.
 * @example splitArrayElements('[1.0, "a", {"b":2}]') // → ['1.0', '"a"', '{"b":2}']
 */
export function splitArrayElements(text: string): string[] {
  return splitItems(text, OPEN_BRACKET, CLOSE_BRACKET, 'array', (i) => {
    const end = skipValue(text, i);
    return { item: text.slice(i, end), end };
  });
}

/**
 * The items of the object or array (`open` … `close`) that `text` holds, in source order:
 * `readItem` reads the one starting at an offset and says where it ends; the commas and
 * whitespace between them are checked here.
 */
function splitItems<T>(text: string, open: number, close: number, what: string, readItem: (start: number) => { item: T; end: number }): T[] {
  let i = skipWhitespace(text, 0);
  if (text.charCodeAt(i) !== open) throw new SyntaxError(`expected a JSON ${what}`);
  i = skipWhitespace(text, i + 1);
  const items: T[] = [];
  if (text.charCodeAt(i) === close) return items;
  for (;;) {
    const { item, end } = readItem(i);
    items.push(item);
    i = skipWhitespace(text, end);
    const c = text.charCodeAt(i);
    if (c === close) return items;
    if (c !== COMMA) throw new SyntaxError(`expected ',' or '${String.fromCharCode(close)}' at offset ${i}`);
    i = skipWhitespace(text, i + 1);
  }
}

/** Writes members back as one compact JSON object (the inverse of {@link splitObjectMembers} up to whitespace). */
export function joinObjectMembers(members: Iterable<{ rawKey: string; rawValue: string }>): string {
  const parts: string[] = [];
  for (const m of members) parts.push(`${m.rawKey}:${m.rawValue}`);
  return `{${parts.join(',')}}`;
}

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function skipWhitespace(text: string, i: number): number {
  while (i < text.length && isWhitespace(text.charCodeAt(i))) i++;
  return i;
}

/** `text[start]` is an opening quote; returns the index just after the closing one. */
function skipString(text: string, start: number): number {
  let from = start + 1;
  for (;;) {
    const q = text.indexOf('"', from);
    if (q < 0) throw new SyntaxError('unterminated string');
    // The quote is escaped when an odd number of backslashes precede it.
    let k = q - 1;
    while (text.charCodeAt(k) === BACKSLASH) k--;
    if ((q - 1 - k) % 2 === 0) return q + 1;
    from = q + 1;
  }
}

/** Returns the index just after the JSON value starting at `start`. */
function skipValue(text: string, start: number): number {
  const c = text.charCodeAt(start);
  if (c === QUOTE) return skipString(text, start);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) return skipContainer(text, start);
  // A number or a literal (true, false, null): runs to the next delimiter.
  let i = start;
  while (i < text.length) {
    const d = text.charCodeAt(i);
    if (d === COMMA || d === CLOSE_BRACE || d === CLOSE_BRACKET || isWhitespace(d)) break;
    i++;
  }
  if (i === start) throw new SyntaxError(`expected a value at offset ${start}`);
  return i;
}

/** Skips a nested object or array; strings inside are skipped whole so their brackets do not count. */
function skipContainer(text: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = skipString(text, i);
      continue;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  throw new SyntaxError('unterminated object or array');
}
