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
import { jsonPathTokens } from '../../shared/json-paths.js';

/** A message's JSON-RPC id (its JSON text) and what its tool-call arguments say that parsing loses. */
export interface RawCallProblem {
  /** The request's JSON-RPC id, to find the request again. */
  requestId: string | number;
  /** The argument path, dotted (`patch.description`, `where.n.in.1`). */
  field: string;
  message: string;
}

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
  let requestId: string | number | undefined;
  let method: string | undefined;
  let found: { field: string; message: string } | undefined;
  const argumentPath = (p: readonly (string | number)[]): string | undefined =>
    p.length > 2 && p[0] === 'params' && p[1] === 'arguments' ? p.slice(2).join('.') : undefined;
  for (const token of jsonPathTokens(line)) {
    const p = token.path;
    if (token.kind === 'key') {
      if (found !== undefined) continue;
      const field = argumentPath(p);
      if (token.key === '__proto__' && field === '__proto__') {
        // The SDK's validation copies the arguments by assignment, which sets the
        // prototype: the argument would vanish before any check saw it (not refused as an
        // unknown argument, its value never read). Inside a patch or a where the server
        // finds it itself (it survives there).
        found = { field: token.key, message: '__proto__ cannot be used as an argument name: it would be dropped before the tool saw it' };
      } else if (token.repeated && field !== undefined) {
        found = { field, message: `${field} is given twice: JSON keeps only one of the values; give it once` };
      }
      continue;
    }
    const text = token.token;
    if (p.length === 1 && p[0] === 'id') requestId = JSON.parse(text) as string | number;
    if (p.length === 1 && p[0] === 'method' && text.startsWith('"')) method = JSON.parse(text) as string;
    const field = argumentPath(p);
    if (field !== undefined && found === undefined && /^-?\d/.test(text)) {
      const where = p[2] === 'where';
      if (where ? isRoundedNumber(text) : isInexactNumber(text)) {
        found = {
          field,
          message: where
            ? `${field}: ${text} cannot be held exactly by a number (a double): the filter would compare with ${comparedAs(text)}; pass a number a double holds, or a string`
            : `${field}: ${text} cannot be held exactly by a number (a double): it would be stored as ${storedAs(text)}; pass it as a string`,
        };
      }
    }
  }
  if (method !== 'tools/call' || requestId === undefined) return undefined;
  return { requestId, problem: found === undefined ? undefined : { requestId, ...found } };
}
