/** Pure text formatting for the page: every record value reaches the DOM as text made here. */
import { ExactInteger, stringifyExact } from '../../shared/exact-json.js';
import { latestPlausibleLeaseEnd } from '../../shared/lease-limits.js';

/**
 * A value as one line of text: strings as they are, everything else as JSON (with
 * `indent`, pretty-printed). An integer beyond ±2^53 (an `ExactInteger`, see `getJson`)
 * shows the digits the log holds, wherever it sits in the value.
 */
export function valueText(value: unknown, indent?: number): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (value instanceof ExactInteger) return value.text;
  return stringifyExact(value, indent) ?? String(value);
}

/** At most `max` characters, with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** `2m 05s`, `3h 12m`, `4d 2h`; negative durations as 0s; `—` for no number (a start or end that is not a time). */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** A timestamp (ms) as local `YYYY-MM-DD HH:MM:SS`; anything else (a number no Date can hold too) as its text. */
export function formatTime(value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return valueText(value);
  const d = new Date(value);
  // Beyond ±8.64e15 ms (a hand-written or broken clock's stamp) no Date holds it.
  if (Number.isNaN(d.getTime())) return valueText(value);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** The first 8 characters of an id, for a record with no name to show. */
export function shortId(id: string): string {
  return id.length > 8 ? id.slice(0, 8) : id;
}

/**
 * The shortest prefix of each id (at least `min` characters) that no other id in `ids`
 * shares, as tables show them: UUIDv7 ids start with their creation time, so ids made
 * in the same minute share their first 8 characters and need more to be told apart.
 * @example uniquePrefixes(['0192aa01', '0192aa02', '0193'], 4) // Map { '0192aa01' → '0192aa01', '0192aa02' → '0192aa02', '0193' → '0193' }
 */
export function uniquePrefixes(ids: readonly string[], min = 8): Map<string, string> {
  const sorted = [...new Set(ids)].sort();
  const out = new Map<string, string>();
  const common = (a: string | undefined, b: string): number => {
    if (a === undefined) return 0;
    let i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    return i;
  };
  sorted.forEach((id, i) => {
    const need = Math.max(min, common(sorted[i - 1], id) + 1, common(sorted[i + 1], id) + 1);
    out.set(id, id.slice(0, need));
  });
  return out;
}

/** Fields whose numbers are timestamps. */
export function isTimeField(field: string): boolean {
  return field.endsWith('_at');
}

/**
 * One formatter for every count: `toLocaleString` builds a new `Intl.NumberFormat` on each
 * call, which took 1.5 s of the PRD list's 10,000 rows (two counts each).
 */
const COUNT_FORMAT = new Intl.NumberFormat('en-US');

/** `1,234` */
export function count(n: number): string {
  return COUNT_FORMAT.format(n);
}

/**
 * A running spec's lease as the board shows it, judged by the rule the store claims by: a
 * lease that ended, or that ends further ahead than any lease can (a claimer's clock far
 * ahead), has ended, and the spec is claimable. (The board showed a lease a year ahead as
 * `lease 365d 0h left` while every claim took the spec.)
 * @example leaseText(now + 90_000, now) // { ended: false, text: 'lease 1m 30s left' }
 */
export function leaseText(lease: number, now: number): { ended: boolean; text: string } {
  if (lease < now) return { ended: true, text: 'lease expired' };
  if (lease > latestPlausibleLeaseEnd(now)) return { ended: true, text: 'lease ends too far ahead (a wrong clock): claimable' };
  return { ended: false, text: `lease ${formatDuration(lease - now)} left` };
}
