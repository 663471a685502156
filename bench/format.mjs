/** Formats result rows as one Markdown table (readable on a terminal, pasteable into docs). */

export function formatValue(value, unit) {
  if (value === null || value === undefined) return '—';
  let text;
  if (Math.abs(value) >= 1000) text = Math.round(value).toLocaleString('en-US');
  else if (Math.abs(value) >= 100) text = value.toFixed(0);
  else if (Math.abs(value) >= 10) text = value.toFixed(1);
  else text = value.toFixed(2);
  return unit ? `${text} ${unit}` : text;
}

export function formatRatio(ratio) {
  if (ratio === null || ratio === undefined) return '—';
  return `${ratio >= 10 ? ratio.toFixed(1) : ratio.toFixed(2)}×`;
}

function metCell(r) {
  if (r.store === null) return 'n/a';
  if (r.met === null) return 'info';
  if (r.met) return 'yes';
  const missed = r.goals.filter((g) => !g.met).map((g) => g.text);
  return `**no** (${missed.join(', ')})`;
}

export function formatTable(rows) {
  const header = ['#', 'Measurement', 'TaskStore', 'Baseline', 'Ratio', 'Goal', 'Met'];
  const body = rows.map((r) => [
    r.id,
    r.what,
    r.store === null ? 'not available' : formatValue(r.store, r.unit),
    formatValue(r.baseline, r.unit),
    formatRatio(r.ratio),
    r.goals.length === 0 ? '—' : r.goals.map((g) => g.text).join(', '),
    metCell(r),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => String(b[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  const out = [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)];
  const legend = rows.filter((r) => r.baselineWhat || r.note);
  if (legend.length > 0) {
    out.push('', 'Baselines and notes:');
    for (const r of legend) {
      const parts = [];
      if (r.baselineWhat) parts.push(`baseline = ${r.baselineWhat}`);
      if (r.note) parts.push(r.note);
      out.push(`- ${r.id}: ${parts.join('; ')}`);
    }
  }
  return out.join('\n');
}
