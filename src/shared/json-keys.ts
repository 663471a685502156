/**
 * The top-level keys of a JSON object's text, in source order, a key written twice
 * listed twice: `JSON.parse` keeps only the last of two equal keys without a word, so a
 * reader that must not drop what the text holds looks here. Pure, no imports (the CLI
 * may use it; the merge driver has its own member splitter, which keeps values too).
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

/** The index of the first character at or after `i` that is not JSON whitespace. */
function nextNonSpace(text: string, i: number): number {
  while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  return i;
}
