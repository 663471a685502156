/**
 * What the JSON text of a tool call says that its parsed arguments no longer do.
 *
 * The SDK hands the server arguments already `JSON.parse`d, and `JSON.parse` changes two
 * things without a word: of a key given twice (`{"claimant":"a","claimant":"b"}`) it
 * keeps the last value, and an integer beyond ±2^53 (`12345678901234567890`) becomes
 * the nearest double. The first makes an agent's call mean something it did not say
 * (which claimant? which value of a patched field?), the second stores or compares
 * another number than the agent wrote. So does any number literal a double does not hold
 * as written, whatever its spelling: `12345678901234567890.0`, `1.2345678901234567890e19`,
 * `1e400` (Infinity, which JSON writes as null), `1e-400` (0). The CLI's `--set` / `--where` refuse both; so does
 * the server, by reading each message's text before the SDK parses it. Pure.
 */
import { comparedAs, isInexactNumber, isRoundedNumber, storedAs } from '../../shared/exact-integers.js';

/** A message's JSON-RPC id (its JSON text) and what its tool-call arguments say that parsing loses. */
export interface RawCallProblem {
  /** The request's JSON-RPC id, to find the request again. */
  requestId: string | number;
  /** The argument path, dotted (`patch.description`, `where.n.in.1`). */
  field: string;
  message: string;
}

/**
 * JSON tokens: strings, punctuation, numbers and literals (whitespace between them is
 * skipped). A string's characters are a starred class unrolled around its escapes:
 * `(?:[^"\\]|\\.)*` made V8 recurse once per character, and a string of some millions
 * (a large patch) overflowed the stack, which skipped every check of that call.
 */
const TOKENS = /"[^"\\]*(?:\\.[^"\\]*)*"|[{}[\]:,]|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/g;

type Frame = { keys: Set<string>; key: string | undefined; expectKey: boolean } | { index: number };

/**
 * The first problem of a `tools/call` request line (one JSON-RPC message), or undefined
 * (also for other messages, and for text that is not JSON: the SDK answers that itself).
 * Problems are looked for only inside `params.arguments`; `where` values are refused only
 * when parsing changes their value (a filter by 2^60 matches what was asked), stored
 * values also when `JSON.stringify` would write other digits.
 * @example rawCallProblem('{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"x","arguments":{"a":1,"a":2}}}')
 *   // { requestId: 3, field: 'a', message: 'a is given twice: …' }
 */
export function rawCallProblem(line: string): RawCallProblem | undefined {
  const call = inspectToolCall(line);
  return call?.problem;
}

/**
 * The request id of a `tools/call` line and its problem (undefined when it has none), or
 * undefined for a line that is no tools/call with an id. The server keeps what the latest
 * line of each id said: a request the SDK refused before its handler ran (no tool name)
 * left its problem behind, and a client that numbers every request 1 had its next,
 * correct call refused with the problem of the one before.
 */
export function inspectToolCall(line: string): { requestId: string | number; problem: RawCallProblem | undefined } | undefined {
  if (!line.includes('"tools/call"')) return undefined;
  try {
    return scan(line);
  } catch {
    return undefined; // not JSON (a bad escape in a string): the SDK refuses the message itself
  }
}

function scan(line: string): { requestId: string | number; problem: RawCallProblem | undefined } | undefined {
  const stack: Frame[] = [];
  let requestId: string | number | undefined;
  let method: string | undefined;
  let found: { field: string; message: string } | undefined;
  /** The path of the value at the top of the stack. */
  const path = (): (string | number)[] => stack.map((f) => ('keys' in f ? f.key! : f.index));
  const argumentPath = (p: (string | number)[]): string | undefined =>
    p.length > 2 && p[0] === 'params' && p[1] === 'arguments' ? p.slice(2).join('.') : undefined;
  for (const [token] of line.matchAll(TOKENS)) {
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
      if (key === '__proto__' && found === undefined && argumentPath(path()) === '__proto__') {
        // The SDK's validation copies the arguments by assignment, which sets the
        // prototype: the argument would vanish before any check saw it (not refused as an
        // unknown argument, its value never read). Inside a patch or a where the server
        // finds it itself (it survives there).
        found = { field: key, message: '__proto__ cannot be used as an argument name: it would be dropped before the tool saw it' };
      }
      if (top.keys.has(key) && found === undefined) {
        const field = argumentPath(path());
        if (field !== undefined) found = { field, message: `${field} is given twice: JSON keeps only one of the values; give it once` };
      }
      top.keys.add(key);
    } else {
      const p = path();
      if (p.length === 1 && p[0] === 'id') requestId = JSON.parse(token) as string | number;
      if (p.length === 1 && p[0] === 'method' && token.startsWith('"')) method = JSON.parse(token) as string;
      const field = argumentPath(p);
      if (field !== undefined && found === undefined && /^-?\d/.test(token)) {
        const where = p[2] === 'where';
        if (where ? isRoundedNumber(token) : isInexactNumber(token)) {
          found = {
            field,
            message: where
              ? `${field}: ${token} cannot be held exactly by a number (a double): the filter would compare with ${comparedAs(token)}; pass a number a double holds, or a string`
              : `${field}: ${token} cannot be held exactly by a number (a double): it would be stored as ${storedAs(token)}; pass it as a string`,
          };
        }
      }
    }
  }
  if (method !== 'tools/call' || requestId === undefined) return undefined;
  return { requestId, problem: found === undefined ? undefined : { requestId, ...found } };
}
