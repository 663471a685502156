/**
 * The keys of a JSON object's text as written: `JSON.parse` keeps only the last of two
 * equal keys without a word (and SQLite's JSON functions the first), so a reader that must
 * not drop what the text holds looks here. Pure, no imports (the CLI may use it; the
 * merge driver has its own member splitter, which keeps values too).
 */

/** JSON strings, and the brackets that open and close nesting, as tokens. */
const TOKENS = /"(?:[^"\\]|\\.)*"|[{}[\]]/g;

/**
 * `json` must be valid JSON whose top level is an object (the caller has parsed it).
 * @example topLevelKeys('{"a":{"b":1},"c":"a","a":2}') // ['a', 'c', 'a']
 */
export function topLevelKeys(json: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  TOKENS.lastIndex = 0;
  for (let m = TOKENS.exec(json); m !== null; m = TOKENS.exec(json)) {
    const token = m[0];
    if (token === '{' || token === '[') depth++;
    else if (token === '}' || token === ']') depth--;
    else if (depth === 1 && json[nextNonSpace(json, TOKENS.lastIndex)] === ':') keys.push(JSON.parse(token) as string);
  }
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
  TOKENS.lastIndex = 0;
  for (let m = TOKENS.exec(json); m !== null; m = TOKENS.exec(json)) {
    const token = m[0];
    if (token === '{' || token === '[') depth++;
    else if (token === '}' || token === ']') depth--;
    else if (depth === 1) {
      const colon = nextNonSpace(json, TOKENS.lastIndex);
      if (json[colon] !== ':' || JSON.parse(token) !== key) continue;
      const start = nextNonSpace(json, colon + 1);
      return json.slice(start, valueEnd(json, start)).trimEnd();
    }
  }
  return undefined;
}

/** Where the JSON value starting at `start` ends: the `,` or closing bracket of its container. */
function valueEnd(json: string, start: number): number {
  const tokens = /"(?:[^"\\]|\\.)*"|[{}[\],]/g;
  tokens.lastIndex = start;
  let depth = 0;
  for (let m = tokens.exec(json); m !== null; m = tokens.exec(json)) {
    const token = m[0];
    if (token === '{' || token === '[') depth++;
    else if (token === '}' || token === ']') {
      if (depth === 0) return m.index;
      depth--;
    } else if (token === ',' && depth === 0) return m.index;
  }
  return json.length;
}

/**
 * The first key that `json` (valid JSON text) writes twice within one object, at any
 * depth, or undefined. One pass over the same tokens: each open object's keys in a set.
 * @example repeatedKey('{"m":{"k":1,"k":2}}') // 'k'
 */
export function repeatedKey(json: string): string | undefined {
  const open: (Set<string> | null)[] = []; // per open container: its keys so far, null for an array
  TOKENS.lastIndex = 0;
  for (let m = TOKENS.exec(json); m !== null; m = TOKENS.exec(json)) {
    const token = m[0];
    if (token === '{') open.push(new Set());
    else if (token === '[') open.push(null);
    else if (token === '}' || token === ']') open.pop();
    else {
      const keys = open.at(-1);
      if (keys === null || keys === undefined || json[nextNonSpace(json, TOKENS.lastIndex)] !== ':') continue;
      const key = token.includes('\\') ? (JSON.parse(token) as string) : token.slice(1, -1);
      if (keys.has(key)) return key;
      keys.add(key);
    }
  }
  return undefined;
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
