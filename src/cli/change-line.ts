/**
 * How `taskstore watch` prints one change for a person: time, collection, short id, op
 * and the fields that changed. Pure. Record text is untrusted: every control character
 * is shown as a visible symbol, so a record can never move the cursor, recolour or
 * retitle the terminal.
 */
import type { Change } from '../index.js';
import { diffVersions } from './commands/history.js';
import type { Colors } from './output.js';
import { formatTime, truncate } from './output.js';

const SHORT_ID = 8;
const VALUE_WIDTH = 40;

/** C0 controls and DEL as Unicode control pictures (␛ for ESC, ␊ for LF), C1 controls as `\x9b`. */
export function visibleText(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (ch) => {
    const code = ch.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    if (code === 0x7f) return '\u2421';
    return `\\x${code.toString(16)}`;
  });
}

function valueText(value: unknown): string {
  return visibleText(truncate(value === undefined ? '-' : JSON.stringify(value), VALUE_WIDTH));
}

/** The fields a change touched: `field: old → new` for updates, `field: value` for creates. */
export function changedFields(change: Change): string[] {
  if (change.op === 'delete') return [];
  const versions = change.previous !== undefined && change.previous.deleted !== true ? [change.previous, change.record] : [change.record];
  const last = diffVersions(versions).at(-1)!;
  return last.changes
    .filter((c) => versions.length > 1 || c.field !== 'created_at')
    .map((c) => {
      const field = visibleText(c.field);
      if (versions.length === 1) return `${field}: ${valueText(c.new)}`;
      if (!Object.hasOwn(c, 'new')) return `${field}: ${valueText(c.old)} → (removed)`;
      return `${field}: ${Object.hasOwn(c, 'old') ? valueText(c.old) : '(none)'} → ${valueText(c.new)}`;
    });
}

/** One line (without `\n`) for a terminal. */
export function formatChangeLine(change: Change, c: Colors): string {
  const op = change.op === 'create' ? c.green('create') : change.op === 'update' ? c.yellow('update') : c.red('delete');
  const parts = [
    c.dim(formatTime(change.record.updated_at)),
    visibleText(change.collection),
    c.bold(visibleText(change.id.slice(0, SHORT_ID))),
    op, // create, update and delete have the same width
  ];
  const fields = changedFields(change);
  if (fields.length > 0) parts.push(fields.join(', '));
  if (change.op === 'delete' && change.record.deleted !== true) parts.push(c.dim('(gone from the log)'));
  if (change.source === 'rewrite') parts.push(c.dim('[rewrite]'));
  return parts.join('  ');
}
