/**
 * The keys of a JSON object's text as written: `JSON.parse` keeps only the last of two
 * equal keys without a word (and SQLite's JSON functions the first), so a reader that must
 * not drop what the text holds looks here. Pure, no imports (the CLI may use it; the
 * merge driver has its own member splitter, which keeps values too).
 *
 * No regular expression walks the text: V8 matches `"(?:[^"\\]|\\.)*"` by recursion, and a
 * string of some millions of characters (a record another program wrote, an export line
 * holding it) overflowed the stack ("Maximum call stack size exceeded").
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The index just past the JSON string whose opening quote is at `start` (the text's
 * length when it is unterminated). Linear: `indexOf` finds each quote, and the
 * backslashes right before it say whether it is escaped.
 */
export function stringEnd(json: string, start: number): number {
  for (let i = start + 1; ; ) {
    const quote = json.indexOf('"', i);
    if (quote === -1) return json.length;
    let backslashes = 0;
    for (let k = quote - 1; k > start && json.charCodeAt(k) === BACKSLASH; k--) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    i = quote + 1;
  }
}

/**
 * Calls `visit` for each string (`"` with its end) and each bracket, comma and colon of
 * `json` from `from` on, in order; stops when `visit` returns true. Other characters
 * (numbers, literals, whitespace) are skipped.
 */
function scan(json: string, from: number, visit: (char: string, start: number, end: number) => boolean | void): void {
  for (let i = from; i < json.length; ) {
    const c = json.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(json, i);
      if (visit('"', i, end) === true) return;
      i = end;
    } else {
      const char = json[i]!;
      if ((char === '{' || char === '}' || char === '[' || char === ']' || char === ',' || char === ':') && visit(char, i, i + 1) === true) return;
      i++;
    }
  }
}

/**
 * `json` must be valid JSON whose top level is an object (the caller has parsed it).
 * @example topLevelKeys('{"a":{"b":1},"c":"a","a":2}') // ['a', 'c', 'a']
 */
export function topLevelKeys(json: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  scan(json, 0, (char, start, end) => {
    if (char === '{' || char === '[') depth++;
    else if (char === '}' || char === ']') depth--;
    else if (char === '"' && depth === 1 && json[nextNonSpace(json, end)] === ':') keys.push(JSON.parse(json.slice(start, end)) as string);
  });
  return keys;
}

/**
 * The text of the top-level member `key` of `json` (valid JSON text, an object) as
 * written, from its first character to its last, or undefined when there is none. For a
 * key written twice, the first.
 * @example memberText('{"a": [1.0, "x"] , "b":2}', 'a') // '[1.0, "x"]'
 */
export function memberText(json: string, key: string): string | undefined {
  let depth = 0;
  let found: string | undefined;
  scan(json, 0, (char, start, end) => {
    if (char === '{' || char === '[') depth++;
    else if (char === '}' || char === ']') depth--;
    else if (char === '"' && depth === 1) {
      const colon = nextNonSpace(json, end);
      if (json[colon] !== ':' || JSON.parse(json.slice(start, end)) !== key) return false;
      const valueStart = nextNonSpace(json, colon + 1);
      found = json.slice(valueStart, valueEnd(json, valueStart)).trimEnd();
      return true;
    }
    return false;
  });
  return found;
}

/** Where the JSON value starting at `start` ends: the `,` or closing bracket of its container. */
function valueEnd(json: string, start: number): number {
  let depth = 0;
  let end = json.length;
  scan(json, start, (char, at) => {
    if (char === '{' || char === '[') depth++;
    else if (char === '}' || char === ']') {
      if (depth === 0) return ((end = at), true);
      depth--;
    } else if (char === ',' && depth === 0) return ((end = at), true);
    return false;
  });
  return end;
}

/**
 * The first key that `json` (valid JSON text) writes twice within one object, at any
 * depth, or undefined. One pass over the same tokens: each open object's keys in a set.
 * @example repeatedKey('{"m":{"k":1,"k":2}}') // 'k'
 */
export function repeatedKey(json: string): string | undefined {
  const open: (Set<string> | null)[] = []; // per open container: its keys so far, null for an array
  let repeated: string | undefined;
  scan(json, 0, (char, start, end) => {
    if (char === '{') open.push(new Set());
    else if (char === '[') open.push(null);
    else if (char === '}' || char === ']') open.pop();
    else if (char === '"') {
      const keys = open.at(-1);
      if (keys === null || keys === undefined || json[nextNonSpace(json, end)] !== ':') return false;
      const token = json.slice(start, end);
      const key = token.includes('\\') ? (JSON.parse(token) as string) : token.slice(1, -1);
      if (keys.has(key)) return ((repeated = key), true);
      keys.add(key);
    }
    return false;
  });
  return repeated;
}

/**
 * {@link repeatedKey} for text already parsed into `parsed` (with `added` keys set on it
 * after parsing), most often without tokenizing. Every key in JSON text is followed by a
 * colon, and a repeat makes the text hold more keys than the parsed value: so a text with
 * no more colons than `parsed` has keys, at any depth, repeats none. Only a text with
 * colons to spare (inside strings, or a repeat) is tokenized.
 * @example repeatedKeyOfParsed('{"a":1,"a":2}', { a: 2 }) // 'a'
 */
export function repeatedKeyOfParsed(json: string, parsed: unknown, added = 0): string | undefined {
  let colons = 0;
  for (let i = json.indexOf(':'); i !== -1; i = json.indexOf(':', i + 1)) colons++;
  return colons <= keyCount(parsed) - added ? undefined : repeatedKey(json);
}

/** Keys of every object in `value`, nested ones included. */
function keyCount(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  let n = 0;
  if (Array.isArray(value)) {
    for (const item of value) n += keyCount(item);
    return n;
  }
  for (const key of Object.keys(value)) n += 1 + keyCount((value as Record<string, unknown>)[key]);
  return n;
}

/** The index of the first character at or after `i` that is not JSON whitespace. */
function nextNonSpace(text: string, i: number): number {
  while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  return i;
}
