/**
 * Deep equality of parsed JSON values, as the merge needs it: two values are equal
 * when they mean the same JSON, so key order inside objects does not matter
 * (`{"a":1,"b":2}` equals `{"b":2,"a":1}`) and number spelling does not either
 * (`1.0` equals `1`). Array order does matter.
 *
 * Iterative rather than recursive, so a deeply nested value cannot overflow the stack.
 * Only own keys are looked at (`Object.keys` / `Object.hasOwn`), which keeps a key named
 * `__proto__` (an own property after `JSON.parse`) an ordinary key.
 *
 * Integers a number cannot hold exactly are compared by their digits when the values
 * come from `parseExact` (as `ExactInteger`s): 9007199254740993 is not 9007199254740992.
 *
 * Pure: no file access.
 */
import { ExactInteger } from '../shared/exact-json.js';

/** True when `a` and `b` (results of `JSON.parse`) are the same JSON value. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  const pending: [unknown, unknown][] = [[a, b]];
  for (let pair = pending.pop(); pair !== undefined; pair = pending.pop()) {
    const [x, y] = pair;
    if (x === y) continue;
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
    if (x instanceof ExactInteger || y instanceof ExactInteger) {
      if (!(x instanceof ExactInteger && y instanceof ExactInteger && x.text === y.text)) return false;
      continue;
    }
    const xIsArray = Array.isArray(x);
    if (xIsArray !== Array.isArray(y)) return false;
    if (xIsArray) {
      const xs = x as unknown[];
      const ys = y as unknown[];
      if (xs.length !== ys.length) return false;
      for (let i = 0; i < xs.length; i++) pending.push([xs[i], ys[i]]);
      continue;
    }
    const xo = x as Record<string, unknown>;
    const yo = y as Record<string, unknown>;
    const keys = Object.keys(xo);
    if (keys.length !== Object.keys(yo).length) return false;
    for (const key of keys) {
      if (!Object.hasOwn(yo, key)) return false;
      pending.push([ownValue(xo, key), ownValue(yo, key)]);
    }
  }
  return true;
}

/** Reads an own property without ever consulting the prototype chain. */
export function ownValue(object: object, key: string): unknown {
  return Object.getOwnPropertyDescriptor(object, key)?.value;
}
