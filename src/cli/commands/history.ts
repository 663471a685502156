import type { CliContext } from '../context.js';
import { recordHistory, type HistoryInput, type RecordHistory } from '../../shared/record-history.js';
import { exactHistory } from '../../shared/exact-records.js';
import { withStoreForReading } from '../open-store.js';
import { createOutput, formatTime, formatValue, type Output } from '../output.js';
import { stringifyExact } from '../../shared/exact-json.js';
import { displayWidth } from '../table.js';
import { visible } from '../terminal-safe.js';
import { collectionArgument } from '../collection-arg.js';

export async function run(ctx: CliContext, input: HistoryInput): Promise<number> {
  if (input.collection !== undefined) collectionArgument(input.collection, '--collection');
  const out = createOutput(ctx);
  const history = await withStoreForReading(ctx, (store) => exactHistory(store, recordHistory(store, input)));
  if (out.jsonMode) out.json(history);
  else printHistory(out, history);
  return 0;
}

function printHistory(out: Output, history: RecordHistory): void {
  const { c } = out;
  out.line(`${c.dim(history.collection)} ${c.bold(visible(history.id, true))}  ${c.dim(`${history.versions.length} version${history.versions.length === 1 ? '' : 's'}`)}`);
  let live = false;
  let branched = false;
  history.versions.forEach((version, i) => {
    const when = formatTime(version.record.updated_at);
    const label = version.deleted
      ? c.red('deleted')
      : version.mergeOf !== null
        ? c.cyan(`merged #${version.basedOn} and #${version.mergeOf}`)
        : live
          ? c.yellow('updated')
          : c.green(i === 0 ? 'created' : 'recreated');
    // A version made on another branch than the one listed just before it.
    const fork = version.basedOn !== null && version.basedOn !== i && version.mergeOf === null;
    if (fork) branched = true;
    out.line('', `${c.bold(`#${i + 1}`)}  ${when}  ${label}${fork ? c.dim(`  (on another branch, from #${version.basedOn})`) : ''}`);
    live = !version.deleted;
    // Aligned on the names as shown: a control character in one is spelled out (`\x1b`: 4
    // columns), a wide character takes two columns and a combining mark none.
    const fields = version.changes.map((ch) => visible(ch.field, true));
    const width = Math.max(0, ...fields.map(displayWidth));
    version.changes.forEach((change, k) => {
      const field = fields[k]! + ' '.repeat(width - displayWidth(fields[k]!));
      const oldText = Object.hasOwn(change, 'old') ? formatValue(stringifyExact(change.old), 50) : undefined;
      const newText = Object.hasOwn(change, 'new') ? formatValue(stringifyExact(change.new), 50) : c.dim('(removed)');
      const origin = version.mergeOf === null ? '' : c.dim(`  (from #${version.mergeOf})`);
      out.line(oldText === undefined ? `    ${field}  ${newText}${origin}` : `    ${field}  ${c.red(oldText)} → ${c.green(newText)}${origin}`);
    });
    if (!version.deleted && version.changes.length === 0) out.line(`    ${c.dim('(no field changed)')}`);
  });
  if (branched) {
    out.line(
      '',
      c.dim('Versions from different branches are listed in file order; each is compared with the version it was made from.'),
    );
  }
}
