/**
 * The table filter box: `status=open owner=ana` (or a JSON `where` object) → the
 * library's `where`. Pure.
 */
import { comparedAs, roundedNumbers } from '../../shared/exact-integers.js';
import { whereTextProblem } from '../where-text.js';

/**
 * `field=value` pairs separated by spaces or commas; values are JSON when they parse
 * (`n=3`, `done=true`, `x=null`), text otherwise; text starting with `{` is taken as the
 * `where` JSON itself. The two fields every record has are typed as every collection
 * types them (and as `taskstore list --where` reads them): `id=5` is the id "5" (the
 * number 5 matches no id), and `updated_at` takes a number only. Throws an Error with a readable message on a malformed pair, on a
 * field given twice, or a key written twice in the JSON (one of the two values would be dropped), and on a number a double
 * cannot hold (see `roundedNumbers`: an integer beyond ±2^53, more digits than a double
 * keeps, beyond its range, in any spelling): `JSON.parse` would round it, and the rounded
 * number would filter by another value than the one typed.
 * @example parseFilter('status=open n=3') // { status: 'open', n: 3 }
 */
export function parseFilter(text: string): Record<string, unknown> {
  const t = text.trim();
  if (t === '') return {};
  if (t.startsWith('{')) {
    const value: unknown = JSON.parse(t);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('the filter must be a JSON object');
    const problem = whereTextProblem(t);
    if (problem !== undefined) throw new Error(problem.message);
    return value as Record<string, unknown>;
  }
  // No prototype: `__proto__=x` is a field like any other (on a plain object the
  // assignment would be dropped, and the filter would match every record).
  const where = Object.create(null) as Record<string, unknown>;
  for (const pair of t.split(/[\s,]+/)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`"${pair}" is not field=value`);
    const field = pair.slice(0, eq);
    if (Object.hasOwn(where, field)) throw new Error(`${field} is given twice: keep one (a filter holds one value per field)`);
    const raw = pair.slice(eq + 1);
    where[field] = field === 'id' ? raw : jsonOrText(raw);
    if (field === 'updated_at' && typeof where[field] !== 'number') throw new Error(`updated_at is a time in milliseconds (a number), not "${raw}"`);
    if (typeof where[field] === 'number') refuseInexact(roundedNumbers(raw), field);
  }
  return where;
}

function refuseInexact([token]: string[], field: string): void {
  if (token !== undefined) throw new Error(`${field}: ${token} cannot be held exactly by a number (a double): the filter would match ${comparedAs(token)} instead`);
}

function jsonOrText(raw: string): unknown {
  // JSON's own number grammar: `007` or `01` is text (JSON.parse refuses a leading zero).
  if (/^(-?(0|[1-9]\d*)(\.\d+)?|true|false|null)$/.test(raw)) return JSON.parse(raw) as unknown;
  return raw;
}

/** The filter box text for a `where` (the inverse of {@link parseFilter} for simple filters). */
export function formatFilter(where: Record<string, unknown>): string {
  const entries = Object.entries(where);
  if (entries.every(([k, v]) => /^[^\s,=]+$/.test(k) && writtenAsPair(k, v))) {
    return entries.map(([k, v]) => `${k}=${String(v)}`).join(' ');
  }
  return JSON.stringify(where);
}

/** Whether `field=value` in the box reads back as exactly `value` (see {@link parseFilter}). */
function writtenAsPair(field: string, value: unknown): boolean {
  if (field === 'id') return typeof value === 'string' && /^[^\s,]*$/.test(value);
  if (field === 'updated_at') return typeof value === 'number';
  return typeof value === 'string' ? /^[^\s,]*$/.test(value) && jsonOrText(value) === value : typeof value === 'number' || typeof value === 'boolean' || value === null;
}
