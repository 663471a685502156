/**
 * How `taskstore watch` prints one change for a person: time, collection, short id, op
 * and the fields that changed. Pure. Record text is untrusted: every control character
 * is spelled out (`\x1b`, `\r`), as in every human-readable output of the CLI, so a
 * record can never move the cursor, recolour or retitle the terminal.
 */
import type { Change } from '../index.js';
import { diffVersions } from '../shared/record-history.js';
import { stringifyExact } from '../shared/exact-json.js';
import type { Colors } from './output.js';
import { formatTime, truncate } from './output.js';
import { visible as spelledOut } from './terminal-safe.js';

/** Record text for one line of a terminal: every control character (ESC, CR, LF, bidi marks) spelled out. */
const visible = (text: string): string => spelledOut(text, true);

const SHORT_ID = 8;
const VALUE_WIDTH = 40;

function valueText(value: unknown): string {
  return visible(truncate(value === undefined ? '-' : stringifyExact(value), VALUE_WIDTH));
}

/** The fields a change touched: `field: old → new` for updates, `field: value` for creates. */
export function changedFields(change: Change): string[] {
  if (change.op === 'delete') return [];
  const versions = change.previous !== undefined && change.previous.deleted !== true ? [change.previous, change.record] : [change.record];
  const last = diffVersions(versions).at(-1)!;
  return last.changes
    .filter((c) => versions.length > 1 || c.field !== 'created_at')
    .map((c) => {
      const field = visible(c.field);
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
    visible(change.collection),
    c.bold(visible(change.id.slice(0, SHORT_ID))),
    op, // create, update and delete have the same width
  ];
  const fields = changedFields(change);
  if (fields.length > 0) parts.push(fields.join(', '));
  if (change.op === 'delete' && change.record.deleted !== true) parts.push(c.dim('(gone from the log)'));
  if (change.source === 'rewrite') parts.push(c.dim('[rewrite]'));
  return parts.join('  ');
}
