/**
 * What `JSON.parse` would silently change in the text of a JSON `where` (the dashboard's
 * filter box and the API's `?where=`), named by the member it is in: a key written twice
 * in one object (JSON keeps the last value) and a number a double cannot hold as written
 * (see `roundedNumbers`: the filter would compare with another number). The page shows
 * the message; naming only the key or the number left the user to find which of the
 * filter's fields was meant (`{"a":{"gt":1,"gt":2},"b":{"gt":3}}` said "gt is given
 * twice"). Pure.
 */
import { comparedAs, isRoundedNumber } from '../shared/exact-integers.js';

export interface WhereTextProblem {
  /** The member, dotted from the top (`n.in.1`; a field name holding dots keeps them). */
  path: string;
  message: string;
}

/**
 * JSON tokens: strings, punctuation and numbers (literals and whitespace are skipped). A
 * string's characters are a starred class unrolled around its escapes: `(?:[^"\\]|\\.)*`
 * made V8 recurse once per character, and a long string overflowed the stack.
 */
const TOKENS = /"[^"\\]*(?:\\.[^"\\]*)*"|[{}[\]:,]|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

type Frame = { keys: Set<string>; key: string; expectKey: boolean } | { index: number };

/**
 * The first such problem of `json` (valid JSON text, already parsed by the caller), in
 * text order, or undefined.
 * @example whereTextProblem('{"n":{"gt":1,"gt":2}}') // { path: 'n.gt', message: 'n.gt is given twice: …' }
 */
export function whereTextProblem(json: string): WhereTextProblem | undefined {
  const stack: Frame[] = [];
  const path = (): string => stack.map((f) => ('keys' in f ? f.key : String(f.index))).join('.');
  for (const [token] of json.matchAll(TOKENS)) {
    const top = stack.at(-1);
    if (token === '{') stack.push({ keys: new Set(), key: '', expectKey: true });
    else if (token === '[') stack.push({ index: 0 });
    else if (token === '}' || token === ']') stack.pop();
    else if (token === ',') {
      if (top !== undefined && 'keys' in top) top.expectKey = true;
      else if (top !== undefined) top.index++;
    } else if (token === ':') {
      if (top !== undefined && 'keys' in top) top.expectKey = false;
    } else if (top !== undefined && 'keys' in top && top.expectKey) {
      top.key = JSON.parse(token) as string;
      if (top.keys.has(top.key)) {
        const at = path();
        return { path: at, message: `${at} is given twice: keep one (a filter holds one value per field and operator)` };
      }
      top.keys.add(top.key);
    } else if (!token.startsWith('"') && isRoundedNumber(token)) {
      const at = path();
      return { path: at, message: `${at}: ${token} cannot be held exactly by a number (a double): the filter would match ${comparedAs(token)} instead` };
    }
  }
  return undefined;
}
