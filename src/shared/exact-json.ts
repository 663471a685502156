/**
 * Printing records with the integers their log line holds, digit for digit.
 *
 * Why: a record read through the library is `JSON.parse`d, and a number cannot hold an
 * integer beyond ±2^53: `12345678901234567890` becomes `12345678901234567000`, and
 * `JSON.stringify` prints that without a word. The log keeps the user's digits (see
 * `serializeKeepingMembers`), so output that prints records takes them from the stored
 * line: {@link withExactIntegers} marks the numbers the line wrote inexactly as
 * {@link ExactInteger}, and {@link stringifyExact} prints those as their digits.
 * Everything else prints exactly as `JSON.stringify` prints it.
 *
 * Pure, apart from one random nonce per process (see {@link ExactInteger.toJSON}). No
 * Node-only import: the dashboard's page parses the API's answers with it too.
 */
import { isUnheldNumber, JSON_TOKENS, mayHoldUnheld } from './exact-integers.js';
import { stringEnd } from './json-keys.js';

/**
 * Marks the text of a placeholder that {@link stringifyExact} replaces by the digits. Random
 * per process (or page), so no stored string can be taken for one (a user cannot guess it).
 * `getRandomValues`, unlike `randomUUID`, exists in Node and in every browser context
 * (a page served over plain http on a LAN address is not a secure context).
 */
let nonce: string | undefined;
/**
 * Made on first use, not when the module loads: the first touch of `globalThis.crypto`
 * loads Node's Web Crypto (~1 ms), which a one-shot CLI that meets no such integer skips.
 */
function exactNonce(): string {
  return (nonce ??= `exact-integer-${randomId()}:`);
}

/** 128 random bits as 8-4-4-4-12 hex digits (the shape of a UUID). */
function randomId(): string {
  const hex = Array.from(globalThis.crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
let placeholder: RegExp | undefined;
function placeholderPattern(): RegExp {
  return (placeholder ??= new RegExp(`"${exactNonce()}(-?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?)"`, 'g'));
}

/**
 * A number literal a number cannot hold exactly, kept as its text: an integer beyond
 * ±2^53 (the common case, hence the name), or any literal whose value a double does not
 * hold (`1e400`, which a number holds as Infinity and JSON prints as `null`; `-0`).
 */
export class ExactInteger {
  constructor(readonly text: string) {}

  /** A placeholder string; {@link stringifyExact} turns it back into the bare digits. */
  toJSON(): string {
    return `${exactNonce()}${this.text}`;
  }

  /** The digits (what a table cell shows). */
  toString(): string {
    return this.text;
  }
}

/** Quick test: false when `text` holds no number literal a number would change (see `mayHoldUnheld`). */
export function mayHoldInexact(text: string): boolean {
  return mayHoldUnheld(text);
}

/** `JSON.parse(text)`, with every number literal a number would change (see `unheldNumbers`) as an {@link ExactInteger}. */
export function parseExact(text: string): unknown {
  if (!mayHoldInexact(text)) return JSON.parse(text);
  let found = false;
  const marked = text.replace(JSON_TOKENS, (token) => {
    if (!isUnheldNumber(token)) return token;
    found = true;
    return JSON.stringify(`${exactNonce()}${token}`);
  });
  if (!found) return JSON.parse(text);
  const mark = exactNonce();
  return JSON.parse(marked, (_key, value: unknown) => (typeof value === 'string' && value.startsWith(mark) ? new ExactInteger(value.slice(mark.length)) : value));
}

/**
 * `value` (a record or any part of one, possibly with defaults added) with each number
 * that `sourceText` — the stored line it was read from — wrote as an integer a number
 * cannot hold replaced by that integer's {@link ExactInteger}. A number that differs
 * from the line's (the record changed since) is left as it is. `value` is not modified;
 * it is returned as is when the line holds no such integer.
 * @example withExactIntegers({ id: 'a', n: 12345678901234567000 }, '{"id":"a","n":12345678901234567890}') // { id: 'a', n: ExactInteger('12345678901234567890') }
 */
export function withExactIntegers<T>(value: T, sourceText: string): T {
  if (!mayHoldInexact(sourceText)) return value;
  return overlay(value, parseExact(sourceText)) as T;
}

/**
 * `value` with each number that `source` (the same value parsed by {@link parseExact})
 * holds as an {@link ExactInteger} replaced by it, where the number is that integer rounded.
 */
export function overlay(value: unknown, source: unknown): unknown {
  if (source instanceof ExactInteger) return typeof value === 'number' && value === Number(source.text) ? source : value;
  if (Array.isArray(value)) {
    if (!Array.isArray(source)) return value;
    return value.map((item, i) => (i < source.length ? overlay(item, source[i]) : item));
  }
  if (!isPlainObject(value) || !isPlainObject(source)) return value;
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = Object.hasOwn(source, key) ? overlay(value[key], source[key]) : value[key];
    // defineProperty: a key `__proto__` (JSON.parse makes it an own member) stays a member.
    Object.defineProperty(result, key, { value: item, enumerable: true, writable: true, configurable: true });
  }
  return result;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof ExactInteger);
}

/** `JSON.stringify(value, null, indent)`, with each {@link ExactInteger} printed as its digits. */
export function stringifyExact(value: unknown, indent?: number): string {
  const text = JSON.stringify(value, null, indent);
  // No nonce yet: no ExactInteger was printed in this process, so no placeholder can be in `text`.
  return text !== undefined && nonce !== undefined && text.includes(nonce) ? text.replace(placeholderPattern(), '$1') : text;
}

/**
 * `json` (valid JSON text) without the whitespace between its tokens; strings and number
 * literals are kept exactly as written.
 * @example compactJson('{ "a": [1.0, "x y"] }') // '{"a":[1.0,"x y"]}'
 */
export function compactJson(json: string): string {
  // By hand, not by a regular expression over the strings: see `stringEnd`.
  const parts: string[] = [];
  let kept = 0;
  for (let i = 0; i < json.length; ) {
    const c = json[i];
    if (c === '"') {
      i = stringEnd(json, i);
    } else if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      parts.push(json.slice(kept, i));
      while (i < json.length && (json[i] === ' ' || json[i] === '\t' || json[i] === '\n' || json[i] === '\r')) i++;
      kept = i;
    } else {
      i++;
    }
  }
  parts.push(json.slice(kept));
  return parts.join('');
}
