/**
 * Everything commands print goes through here: JSON documents, aligned tables, plain
 * lines, and warnings. Data goes to stdout, diagnostics to stderr. Colour only when
 * stdout is a terminal and `NO_COLOR` is not set (and never with `--json`).
 */
import pc from 'picocolors';
import { colorEnabled, type CliContext } from './context.js';
import { stringifyExact } from '../shared/exact-json.js';
import { isoTime } from '../shared/time.js';
import { renderPairs, renderTable } from './table.js';
import { visible } from './terminal-safe.js';

export type Colors = ReturnType<typeof pc.createColors>;

export interface Output {
  /** `--json` was given: print one JSON document with {@link Output.json}. */
  readonly jsonMode: boolean;
  /** Colour on stdout. */
  readonly color: boolean;
  /** Colour functions for stdout (no-ops without colour). */
  readonly c: Colors;
  /** Prints one JSON document on stdout (an `ExactInteger` as its digits). */
  json(value: unknown): void;
  /** Prints lines on stdout. */
  line(...lines: string[]): void;
  /** Prints raw text on stdout, as is. */
  raw(text: string): void;
  /**
   * Prints an aligned table on stdout; `head` is the header row. On a terminal the table
   * fits its width: cells of `shrinkable` columns (default all) are cut with an ellipsis.
   */
  table(head: string[], rows: string[][], shrinkable?: boolean[]): void;
  /** Prints `key  value` pairs, aligned; multi-line values keep their lines (blank ones too). */
  pairs(rows: [string, string][]): void;
  /** `taskstore: warning: …` on stderr (control characters in `message` spelled out). */
  warn(message: string): void;
  /** A remark for the person at the terminal, on stderr (not part of the data). */
  note(message: string): void;
}

export function createOutput(ctx: CliContext): Output {
  const color = !ctx.json && colorEnabled(ctx.stdout, ctx.env);
  const errColor = colorEnabled(ctx.stderr, ctx.env);
  const c = pc.createColors(color);
  const ec = pc.createColors(errColor);
  return {
    jsonMode: ctx.json,
    color,
    c,
    json: (value) => void ctx.stdout.write(`${stringifyExact(value, 2)}\n`),
    line: (...lines) => void ctx.stdout.write(lines.map((l) => `${l}\n`).join('')),
    raw: (text) => void ctx.stdout.write(text),
    table: (head, rows, shrinkable) =>
      void ctx.stdout.write(
        renderTable(
          head.map((h) => c.bold(h)),
          rows,
          terminalWidth(ctx) === undefined ? {} : { maxWidth: terminalWidth(ctx)!, ...(shrinkable === undefined ? {} : { shrinkable }) },
        ),
      ),
    pairs: (rows) => void ctx.stdout.write(renderPairs(rows.map(([k, v]) => [c.bold(k), v] as const))),
    warn: (message) => void ctx.stderr.write(`${ec.yellow('taskstore: warning:')} ${visible(message)}\n`),
    note: (message) => void ctx.stderr.write(`${visible(message)}\n`),
  };
}

/** The terminal's width when stdout is one (tables fit it); undefined when piped. */
function terminalWidth(ctx: CliContext): number | undefined {
  const columns = ctx.stdout.columns;
  return ctx.stdout.isTTY === true && typeof columns === 'number' && columns > 0 ? columns : undefined;
}

// ---- value formatting (pure) ----

/**
 * `2024-05-01 12:34:56Z` (UTC) for an integer Unix-milliseconds timestamp; anything else
 * as a value, a stamp beyond the range of a Date (±8.64e15, a hand-written or broken
 * clock's) included.
 */
export function formatTime(value: unknown): string {
  const iso = typeof value === 'number' ? isoTime(value) : undefined;
  if (iso === undefined) return formatValue(value);
  // Split at the T: a year past 9999 or before 0 has six digits and a sign (+275760-09-13T…).
  const t = iso.indexOf('T');
  return `${iso.slice(0, t)} ${iso.slice(t + 1, t + 9)}Z`;
}

/**
 * A field value for a table cell, on one line: strings as they are (newlines as ` ⏎ `,
 * control characters spelled out), the rest as JSON; `-` for null / absent; cut to `max`
 * characters.
 */
export function formatValue(value: unknown, max = 60): string {
  const text = value === undefined || value === null ? '-' : typeof value === 'string' ? value : stringifyExact(value);
  return truncate(visible(text.replace(/\s*\n\s*/g, ' ⏎ '), true), max);
}

/** `text` cut to at most `max` characters, ending in `…` when cut. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(1, max - 1)).join('')}…`;
}

/** `1.5 KiB` */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** `1 record` / `2 records` */
export function plural(n: number, word: string, pluralWord = `${word}s`): string {
  return `${n} ${n === 1 ? word : pluralWord}`;
}

/** True when a field holds a timestamp by naming convention (`created_at`, `resolved_at`, …). */
export function isTimeField(field: string): boolean {
  return field.endsWith('_at');
}
