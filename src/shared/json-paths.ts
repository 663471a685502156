/**
 * A walk over the tokens of JSON text that knows where each one stands: the key of every
 * member (and whether its object already had that key) and every scalar value, each with
 * its path from the top. For readers that must say what `JSON.parse` would silently
 * change — a key written twice (the last value wins), a number a double does not hold —
 * by the member it is in (`where.n.in.1`), which the parsed value can no longer tell.
 * Pure, no imports.
 */

/**
 * JSON tokens: strings, punctuation, numbers and literals (whitespace between them is
 * skipped). A string's characters are a starred class unrolled around its escapes:
 * `(?:[^"\\]|\\.)*` made V8 recurse once per character, and a string of some millions
 * of characters overflowed the stack.
 */
const TOKENS = /"[^"\\]*(?:\\.[^"\\]*)*"|[{}[\]:,]|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/g;

/** A member's key, or a scalar value (string, number or literal, as written). */
export type JsonPathToken =
  | { kind: 'key'; key: string; path: readonly (string | number)[]; repeated: boolean }
  | { kind: 'value'; token: string; path: readonly (string | number)[] };

type Frame = { keys: Set<string>; key: string | undefined; expectKey: boolean } | { index: number };

/**
 * The keys and scalar values of `json` (valid JSON text, already parsed by the caller) in
 * text order. A key's path ends with the key; a value's path is that of the member or
 * array element holding it (`[]` for a top-level scalar).
 * @example [...jsonPathTokens('{"a":[1,{"b":2,"b":3}]}')].filter((t) => t.kind === 'key' && t.repeated)
 *   // [{ kind: 'key', key: 'b', path: ['a', 1, 'b'], repeated: true }]
 */
export function* jsonPathTokens(json: string): Generator<JsonPathToken> {
  const stack: Frame[] = [];
  const path = (): (string | number)[] => stack.map((f) => ('keys' in f ? (f.key ?? '') : f.index));
  for (const [token] of json.matchAll(TOKENS)) {
    const top = stack.at(-1);
    if (token === '{') stack.push({ keys: new Set(), key: undefined, expectKey: true });
    else if (token === '[') stack.push({ index: 0 });
    else if (token === '}' || token === ']') stack.pop();
    else if (token === ',') {
      if (top !== undefined && 'keys' in top) top.expectKey = true;
      else if (top !== undefined) top.index++;
    } else if (token === ':') {
      if (top !== undefined && 'keys' in top) top.expectKey = false;
    } else if (top !== undefined && 'keys' in top && top.expectKey) {
      const key = JSON.parse(token) as string;
      top.key = key;
      const repeated = top.keys.has(key);
      top.keys.add(key);
      yield { kind: 'key', key, path: path(), repeated };
    } else {
      yield { kind: 'value', token, path: path() };
    }
  }
}
