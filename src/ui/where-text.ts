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
import { jsonPathTokens } from '../shared/json-paths.js';

export interface WhereTextProblem {
  /** The member, dotted from the top (`n.in.1`; a field name holding dots keeps them). */
  path: string;
  message: string;
}

/**
 * The first such problem of `json` (valid JSON text, already parsed by the caller), in
 * text order, or undefined.
 * @example whereTextProblem('{"n":{"gt":1,"gt":2}}') // { path: 'n.gt', message: 'n.gt is given twice: …' }
 */
export function whereTextProblem(json: string): WhereTextProblem | undefined {
  for (const token of jsonPathTokens(json)) {
    const at = token.path.join('.');
    if (token.kind === 'key' && token.repeated) {
      return { path: at, message: `${at} is given twice: keep one (a filter holds one value per field and operator)` };
    }
    if (token.kind === 'value' && /^-?\d/.test(token.token) && isRoundedNumber(token.token)) {
      return { path: at, message: `${at}: ${token.token} cannot be held exactly by a number (a double): the filter would match ${comparedAs(token.token)} instead` };
    }
  }
  return undefined;
}
