/**
 * Plain-text tables for the terminal: columns separated by two spaces, no borders, no
 * trailing spaces, fitted to the terminal's width by cutting the longest cells with an
 * ellipsis. Linear in the number of cells (a 10,000-row table renders in milliseconds).
 * Cells may hold the CLI's own colour codes (SGR sequences); record text reaching here
 * has already been made {@link visible}, so every ESC in a cell is one of ours. Pure.
 */

// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[[0-9;]*m/g;

/** East Asian wide and fullwidth characters and emoji take two terminal columns. */
const WIDE = /[\u1100-\u115f\u231a\u231b\u2329\u232a\u23e9-\u23ec\u23f0\u23f3\u25fd\u25fe\u2614\u2615\u2648-\u2653\u267f\u2693\u26a1\u26aa\u26ab\u26bd\u26be\u26c4\u26c5\u26ce\u26d4\u26ea\u26f2\u26f3\u26f5\u26fa\u26fd\u2705\u270a\u270b\u2728\u274c\u274e\u2753-\u2755\u2757\u2795-\u2797\u27b0\u27bf\u2b1b\u2b1c\u2b50\u2b55\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff00-\uff60\uffe0-\uffe6\u{16fe0}-\u{18aff}\u{1b000}-\u{1b2ff}\u{1f004}\u{1f0cf}\u{1f18e}\u{1f191}-\u{1f19a}\u{1f200}-\u{1f251}\u{1f300}-\u{1f64f}\u{1f680}-\u{1f6ff}\u{1f7e0}-\u{1f7eb}\u{1f90c}-\u{1f9ff}\u{1fa70}-\u{1faff}\u{20000}-\u{3fffd}]/u;
/** Combining marks, zero-width characters and variation selectors take none. */
const ZERO = /[\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u0610-\u061a\u064b-\u065f\u0e31\u0e34-\u0e3a\u0e47-\u0e4e\u1ab0-\u1aff\u1dc0-\u1dff\u200b-\u200d\u20d0-\u20ff\ufe00-\ufe0f\ufe20-\ufe2f\u{e0100}-\u{e01ef}]/u;

function charWidth(char: string): number {
  if (ZERO.test(char)) return 0;
  return WIDE.test(char) ? 2 : 1;
}

/** Columns `text` takes on a terminal (colour codes take none). */
export function displayWidth(text: string): number {
  const plain = text.includes('\u001b') ? text.replace(SGR, '') : text;
  // ASCII fast path: most cells are ids, numbers, statuses and times.
  // eslint-disable-next-line no-control-regex
  if (/^[\u0000-\u007f]*$/.test(plain)) return plain.length;
  let width = 0;
  for (const char of plain) width += charWidth(char);
  return width;
}

/**
 * `text` cut to at most `width` columns, ending in `…` when cut. Colour codes are kept
 * (and closed with a reset when the cut drops the code that would have closed them).
 */
export function truncateToWidth(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 0) return '';
  let out = '';
  let used = 0;
  let coloured = false;
  for (let i = 0; i < text.length; ) {
    if (text.charCodeAt(i) === 0x1b) {
      SGR.lastIndex = i;
      const m = SGR.exec(text);
      if (m !== null && m.index === i) {
        out += m[0];
        coloured = true;
        i += m[0].length;
        continue;
      }
    }
    const char = String.fromCodePoint(text.codePointAt(i)!);
    const w = charWidth(char);
    if (used + w > width - 1) break;
    out += char;
    used += w;
    i += char.length;
  }
  return `${out}…${coloured ? '\u001b[0m' : ''}`;
}

interface TableOptions {
  /** Widest the whole table may be (the terminal's columns); default: no limit. */
  maxWidth?: number;
  /** Per column: false for columns never cut (ids, times, statuses). Default: every column may be cut. */
  shrinkable?: readonly boolean[];
  /** Narrowest a cut column becomes (default 8, or its header's width when wider). */
  minColumnWidth?: number;
}

const GAP = '  ';

/**
 * The widths to give columns of natural widths `natural` so that the row fits
 * `maxWidth`: the widest shrinkable columns are narrowed first, down to `mins`.
 * Returns `natural` when it already fits or nothing can shrink. Pure.
 */
export function fitWidths(natural: readonly number[], maxWidth: number, shrinkable: readonly boolean[], mins: readonly number[]): number[] {
  const gaps = GAP.length * Math.max(0, natural.length - 1);
  const total = natural.reduce((a, b) => a + b, 0) + gaps;
  if (total <= maxWidth) return [...natural];
  // Fixed part: columns that cannot shrink, and the floor of those that can.
  const floors = natural.map((w, i) => (shrinkable[i] === false ? w : Math.min(w, mins[i]!)));
  const budget = maxWidth - gaps;
  if (floors.reduce((a, b) => a + b, 0) >= budget) return floors;
  // Largest cap such that sum(min(natural, max(cap, floor))) fits the budget.
  const widthAt = (cap: number): number => natural.reduce((sum, w, i) => sum + (shrinkable[i] === false ? w : Math.min(w, Math.max(cap, floors[i]!))), 0);
  let lo = 0;
  let hi = Math.max(...natural);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (widthAt(mid) <= budget) lo = mid;
    else hi = mid - 1;
  }
  const widths = natural.map((w, i) => (shrinkable[i] === false ? w : Math.min(w, Math.max(lo, floors[i]!))));
  // Hand out the columns left over by the integer cap, widest-cut columns first.
  let spare = budget - widths.reduce((a, b) => a + b, 0);
  for (let i = 0; spare > 0 && i < widths.length; i++) {
    if (widths[i]! < natural[i]!) {
      widths[i]!++;
      spare--;
    }
  }
  return widths;
}

/**
 * A table: optional header row, then one line per row. Cells are single-line strings.
 * @example renderTable(['ID', 'TITLE'], [['0192f3a4', 'Search']], { maxWidth: 80 })
 */
export function renderTable(head: readonly string[] | undefined, rows: readonly (readonly string[])[], options: TableOptions = {}): string {
  const all = head === undefined ? rows : [head, ...rows];
  if (all.length === 0) return '';
  // reduce, not Math.max(...): a table of 200,000 rows as arguments overflowed the stack.
  const columns = all.reduce((max, r) => Math.max(max, r.length), 0);
  const cellWidths = all.map((r) => r.map(displayWidth));
  const natural = Array.from({ length: columns }, (_, c) => cellWidths.reduce((max, r) => Math.max(max, r[c] ?? 0), 0));
  const minColumn = options.minColumnWidth ?? 8;
  const mins = natural.map((_, c) => Math.max(minColumn, head === undefined ? 0 : displayWidth(head[c] ?? '')));
  const widths = options.maxWidth === undefined ? natural : fitWidths(natural, options.maxWidth, options.shrinkable ?? [], mins);
  const lines: string[] = [];
  all.forEach((row, r) => {
    let line = '';
    for (let c = 0; c < columns; c++) {
      let cell = row[c] ?? '';
      let w = cellWidths[r]![c] ?? 0;
      if (w > widths[c]!) {
        cell = truncateToWidth(cell, widths[c]!);
        w = displayWidth(cell);
      }
      line += c === columns - 1 ? cell : cell + ' '.repeat(widths[c]! - w) + GAP;
    }
    lines.push(line.trimEnd());
  });
  return `${lines.join('\n')}\n`;
}

/**
 * `key  value` lines with the keys aligned. A value of several lines continues under
 * the first, indented to the value column; blank lines in a value are kept. Pure.
 */
export function renderPairs(rows: readonly (readonly [string, string])[]): string {
  const width = rows.reduce((max, [k]) => Math.max(max, displayWidth(k)), 0);
  const indent = ' '.repeat(width + GAP.length);
  return rows
    .map(([key, value]) => {
      const [first = '', ...rest] = value.split('\n');
      const head = `${key}${' '.repeat(width - displayWidth(key))}${GAP}${first}`.trimEnd();
      return [head, ...rest.map((l) => (l === '' ? '' : `${indent}${l}`.trimEnd()))].join('\n');
    })
    .map((l) => `${l}\n`)
    .join('');
}
