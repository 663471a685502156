/**
 * The TaskStore merge of one JSONL file (docs/merge.md), as a pure function of the
 * three texts git hands a merge driver. The file wrapper is `driver.ts`.
 *
 * Output, in this order:
 * 1. History: every line of ours in order, then every line of theirs that ours lacks,
 *    in order (lines compared without a trailing `\r`; identical lines are written once).
 *    Malformed lines are part of it, unchanged.
 * 2. One new version line per record whose merged state differs from what a reader of
 *    the history would take as current, with `updated_at = max(ours, theirs) + 1`.
 * 3. One conflict block per record that could not be merged (see {@link mergeRecord}).
 *    Its two competing versions appear only there, so keeping one side's line and
 *    deleting the marker lines resolves it.
 *
 * Records, new lines and conflict blocks follow the order in which ids first appear in
 * the history, so the same inputs always give the same bytes. Line ends are `\n`.
 *
 * Pure: no file access. Linear in the input size (Maps and Sets, no pairwise scans).
 */
import { supersedes } from '../jsonl/line-codec.js';
import { joinObjectMembers } from './json-members.js';
import { problemOf, readMergeInput, type BadLine, type InputLine, type MergeInput } from './merge-input.js';
import { RecordVersion, UPDATED_AT, fieldsMemo, sameContent, type Fields } from './record-version.js';
import { mergeRecord } from './three-way.js';

export type { BadLine } from './merge-input.js';

/** A record left in conflict, with the versions its block shows (a side without one shows nothing). */
export interface Conflicted {
  id: string;
  reason: string;
  ours: RecordVersion | undefined;
  theirs: RecordVersion | undefined;
}

/** A record left in conflict: why, so a person can decide. */
interface ConflictedRecord {
  id: string;
  reason: string;
}

export interface MergeResult {
  /** The merged file (empty, or `\n`-terminated lines). */
  text: string;
  /** Number of conflict blocks in `text` (one per conflicted record); 0 means a clean merge. */
  conflicts: number;
  /** The conflicted records, in the order of their blocks. */
  conflictedRecords: ConflictedRecord[];
  /** Malformed lines of each input (those of ours and theirs are in `text`, unchanged). */
  badLines: BadLine[];
}

/** The marker lines around a conflict block. `isConflictMarker` recognizes all three. */
const CONFLICT_START = '<<<<<<< ours';
const CONFLICT_SEPARATOR = '=======';
const CONFLICT_END = '>>>>>>> theirs';

/**
 * Merges one JSONL file. `base` is the common ancestor (empty when the file is new on
 * both sides), `ours` and `theirs` the two versions to combine.
 *
 * @example
 * const base = '{"id":"t1","updated_at":1,"a":0,"b":0}\n';
 * const ours = base + '{"id":"t1","updated_at":5,"a":1,"b":1}\n';
 * const theirs = base + '{"id":"t1","updated_at":6,"a":0,"b":1}\n';
 * mergeJsonl(base, ours, theirs).text.split('\n').at(-2);
 * // → '{"id":"t1","updated_at":7,"a":1,"b":1}'  (theirs' line would be current: a new version is appended)
 */
/** How the merge reads the sides; see {@link MergeOptions.oursRemovals}. */
export interface MergeOptions {
  /**
   * Whether a record of the base that ours has no line for was removed by ours (rule 5),
   * which deletes it when theirs left it untouched. True (the default) when ours descends
   * from the base, as in `git merge`. False when ours may never have had it: a
   * cherry-pick's base is the picked commit's parent, which can hold records created on
   * the source branch that ours never saw; deleting them would lose them for good once
   * that branch is merged (the tombstone is newer than their version).
   */
  oursRemovals?: boolean;
}

export function mergeJsonl(base: string, ours: string, theirs: string, options: MergeOptions = {}): MergeResult {
  const oursInput = readMergeInput(withoutLeadingBom(ours), 'ours');
  const theirsInput = readMergeInput(withoutLeadingBom(theirs), 'theirs', oursInput);
  const baseInput = readMergeInput(withoutLeadingBom(base), 'base', oursInput);
  const plan = planMerge(baseInput, oursInput, theirsInput, options);
  const text = renderText(plan);
  return { ...resultOf(plan), text: text !== '' && ours.startsWith(BOM) ? BOM + text : text };
}

/**
 * A UTF-8 byte order mark (Windows editors save one). At the start of a file it is not
 * part of the first line, as for every reader of the store: the first record is merged
 * like any other, a side with the mark and one without share their lines, and the
 * result keeps ours' mark (never writes one mid-file, where no reader would skip it).
 */
const BOM = '\uFEFF';

function withoutLeadingBom(text: string): string {
  return text.startsWith(BOM) ? text.slice(BOM.length) : text;
}

/**
 * The merge of three read inputs, before it is rendered as text: the history lines (ours'
 * lines first), the new version lines to append, and the conflicted records.
 */
interface MergePlan {
  readonly history: readonly InputLine[];
  readonly appended: readonly string[];
  readonly conflicted: readonly Conflicted[];
  readonly badLines: readonly BadLine[];
}

/** Merges three inputs read by `readMergeInput` (see {@link mergeJsonl} for the rules). */
function planMerge(baseInput: MergeInput, oursInput: MergeInput, theirsInput: MergeInput, options: MergeOptions = {}): MergePlan {
  const oursRemovals = options.oursRemovals ?? true;
  const shared = sharedLines(oursInput, theirsInput);
  let history = unionOfLines(oursInput, theirsInput, shared);
  // An id with no line after the lines both sides share has the same lines on both sides,
  // and readers of the history see its current version: nothing to merge. Only the other
  // ids are looked at, in the order they first appear in the history.
  const touched = new Set<string>();
  for (const input of [oursInput, theirsInput]) {
    for (let i = shared; i < input.lines.length; i++) {
      const line = input.lines[i];
      if (line instanceof RecordVersion) touched.add(line.id);
    }
  }
  const shown = currentVersions(history, touched);
  const removals = trustedRemovals(oursRemovals, malformedFrom(oursInput.lines, shared), malformedFrom(theirsInput.lines, shared));
  const { appended, conflicted } = mergeRecords(shown, oursInput.current, theirsInput.current, baseInput.current, removals);

  if (conflicted.length > 0) {
    const competing = new Set(conflicted.flatMap((c) => [c.ours?.text, c.theirs?.text]));
    history = history.filter((line) => !competing.has(line.text));
  }
  const badLines = [...baseInput.badLines, ...oursInput.badLines, ...theirsInput.badLines];
  return { history, appended, conflicted, badLines };
}

/** The texts of the malformed lines among `lines` from `start` on (past the lines both sides share). */
function malformedFrom(lines: readonly InputLine[], start: number): Set<string> {
  const texts = new Set<string>();
  for (let i = start; i < lines.length; i++) {
    const line = lines[i] as InputLine;
    if (problemOf(line) !== undefined) texts.add(line.text);
  }
  return texts;
}

/**
 * Which sides' removals count (see `mergeRecords`): not those of a side with a malformed
 * line the other side does not have (a malformed line both have is old, not what the
 * side did). `oursMalformed`, `theirsMalformed`: the sides' malformed line texts.
 */
export function trustedRemovals(oursRemovals: boolean, oursMalformed: ReadonlySet<string>, theirsMalformed: ReadonlySet<string>): { ours: boolean; theirs: boolean } {
  const within = (a: ReadonlySet<string>, b: ReadonlySet<string>) => [...a].every((text) => b.has(text));
  return { ours: oursRemovals && within(oursMalformed, theirsMalformed), theirs: within(theirsMalformed, oursMalformed) };
}

/** The current versions of one side, by id. */
interface CurrentVersions {
  get(id: string): RecordVersion | undefined;
}

/**
 * The record-level part of the merge (rules 2 to 5 of docs/merge.md): for each id of
 * `shown` (what a reader of the merged history takes as current, in the order ids first
 * appear in it), the merged version to append or the conflict to report. Shared by the
 * string merge and the byte merge, so both decide alike.
 */
export function mergeRecords(
  shown: ReadonlyMap<string, RecordVersion>,
  oursCurrent: CurrentVersions,
  theirsCurrent: CurrentVersions,
  baseCurrent: CurrentVersions,
  /**
   * Per side, whether a base record it has no line for was removed by it (rule 5). Not
   * for ours when ours may never have had it (`MergeOptions.oursRemovals`), and not for a
   * side with malformed lines of its own: a record line damaged by an editor, or a file
   * that is not a log at all (binary, other text), is not a removal, and taking it for one
   * deleted the record (every record of the base, for a side that is all garbage) with
   * exit 0. Such a record is kept as the other side has it.
   */
  removals: { ours: boolean; theirs: boolean },
): { appended: string[]; conflicted: Conflicted[] } {
  const appended: string[] = [];
  const conflicted: Conflicted[] = [];
  /** Appends `fields` as a new current version stamped after `after`; false when no later stamp exists. */
  const appendVersion = (id: string, fields: Fields | 'tombstone', after: number): boolean => {
    const updatedAt = after + 1;
    if (!Number.isSafeInteger(updatedAt)) return false;
    appended.push(fields === 'tombstone' ? tombstoneLine(id, updatedAt) : versionLine(id, fields, updatedAt));
    return true;
  };
  // No valid later timestamp exists: let a person decide rather than write a line readers would skip.
  const AT_MAXIMUM = 'updated_at is at its maximum; no merged version can be written';

  for (const [id, shownVersion] of shown) {
    const oursVersion = oursCurrent.get(id);
    const theirsVersion = theirsCurrent.get(id);
    if (oursVersion === undefined || theirsVersion === undefined) {
      // On one side only: every line of this id in the history comes from that side.
      const present = (oursVersion ?? theirsVersion) as RecordVersion;
      const removedByOurs = oursVersion === undefined;
      const base = (removedByOurs ? removals.ours : removals.theirs) ? baseCurrent.get(id) : undefined;
      const outcome = oneSided(base, present, shownVersion);
      if (outcome === 'as shown') continue;
      if (!appendVersion(id, outcome, Math.max(present.updatedAt, shownVersion.updatedAt))) {
        conflicted.push({ id, reason: AT_MAXIMUM, ours: oursVersion, theirs: theirsVersion });
      }
      continue;
    }
    // Both sides agree and readers see exactly that line: the common case, kept cheap.
    if (oursVersion.text === theirsVersion.text && shownVersion.text === oursVersion.text) continue;

    const fieldsOf = fieldsMemo();
    const result = mergeRecord(baseCurrent.get(id), oursVersion, theirsVersion, fieldsOf);
    if (result.kind === 'conflict') {
      conflicted.push({ id, reason: result.reason, ours: oursVersion, theirs: theirsVersion });
      continue;
    }
    if (sameContent(result.fields, fieldsOf(shownVersion))) continue;
    if (!appendVersion(id, result.fields, Math.max(oursVersion.updatedAt, theirsVersion.updatedAt))) {
      conflicted.push({ id, reason: AT_MAXIMUM, ours: oursVersion, theirs: theirsVersion });
    }
  }

  return { appended, conflicted };
}

/** Everything of a {@link MergeResult} but its text. */
export function resultOf(plan: Pick<MergePlan, 'conflicted' | 'badLines'>): Omit<MergeResult, 'text'> {
  return {
    conflicts: plan.conflicted.length,
    conflictedRecords: plan.conflicted.map(({ id, reason }) => ({ id, reason })),
    badLines: [...plan.badLines],
  };
}

/** The merged file: every line `\n`-terminated (empty when there is no line). */
function renderText(plan: MergePlan): string {
  const out: string[] = [];
  for (const line of plan.history) out.push(line.text);
  for (const line of plan.appended) out.push(line); // not push(...appended): too many arguments for a large merge
  for (const c of plan.conflicted) {
    out.push(CONFLICT_START);
    if (c.ours !== undefined) out.push(c.ours.text);
    out.push(CONFLICT_SEPARATOR);
    if (c.theirs !== undefined) out.push(c.theirs.text);
    out.push(CONFLICT_END);
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

/**
 * Ours' lines in order, then theirs' lines that ours lacks (and that were not already
 * added), in order.
 *
 * Identical lines can only belong to the same id, so ours' lines are indexed by id, and
 * only for the ids theirs could repeat: hashing every line of two large files would cost
 * more than the whole rest of the merge. Lines the two sides share at the start are the
 * same objects (see `readMergeInput`): the first `start` lines, skipped at once.
 */
function unionOfLines(ours: MergeInput, theirs: MergeInput, start: number): InputLine[] {
  const union = ours.lines.slice();
  if (start === theirs.lines.length) return union;
  const rest = theirs.lines.slice(start);

  // Texts already written, grouped by id ('' for malformed lines, which have none).
  const written = new Map<string, Set<string>>();
  const group = (line: InputLine) => (line instanceof RecordVersion ? line.id : '');
  for (const line of rest) written.set(group(line), new Set());
  for (const line of ours.lines) written.get(group(line))?.add(line.text);
  for (const line of rest) {
    const texts = written.get(group(line)) as Set<string>;
    if (texts.has(line.text)) continue;
    texts.add(line.text);
    union.push(line);
  }
  return union;
}

/** How many first lines the two sides share: the same objects (see `readMergeInput`), so the same lines. */
function sharedLines(ours: MergeInput, theirs: MergeInput): number {
  let n = 0;
  while (n < theirs.lines.length && theirs.lines[n] === ours.lines[n]) n++;
  return n;
}

/** What a reader of `lines` takes as current for each of `ids`, in order of first appearance. */
function currentVersions(lines: InputLine[], ids: ReadonlySet<string>): Map<string, RecordVersion> {
  const current = new Map<string, RecordVersion>();
  if (ids.size === 0) return current;
  for (const line of lines) {
    if (!(line instanceof RecordVersion) || !ids.has(line.id)) continue;
    const previous = current.get(line.id);
    if (previous === undefined || supersedes(previous, line, true)) current.set(line.id, line);
  }
  return current;
}

/**
 * What a record present on one side only needs beyond the history's lines:
 * - `'as shown'`: nothing, readers of the history see the side's current version;
 * - `'tombstone'`: the other side removed every line of a record the base had, and this
 *   side left it as the base had it: the removal is a delete (a `git revert` of the
 *   commit that created it, or a hand edit; compaction never removes a current version);
 * - the side's fields: readers would see another version, because lines the side repeats
 *   are written once (e.g. theirs: tombstone@1, live@1, tombstone@1 reads as live once
 *   the repeated tombstone is dropped), so the side's current version is appended again.
 * A record the present side changed since the base stays as that side has it: the
 * removal happened to the base's version, and the change came after it.
 */
function oneSided(base: RecordVersion | undefined, present: RecordVersion, shown: RecordVersion): 'as shown' | 'tombstone' | Fields {
  const fieldsOf = fieldsMemo();
  const untouched = base !== undefined && !base.deleted && !present.deleted && sameContent(fieldsOf(present), fieldsOf(base));
  if (untouched) return 'tombstone';
  if (shown.text === present.text) return 'as shown';
  const fields = fieldsOf(present);
  return sameContent(fields, fieldsOf(shown)) ? 'as shown' : fields;
}

/**
 * The merged record as one line, stamped with `updatedAt` in place of its `updated_at`
 * value. A record read from Rust-format lines may lack `id` or `updated_at` (see the
 * line codec): a new line always carries both, `id` first and `updated_at` last.
 */
function versionLine(id: string, fields: Fields, updatedAt: number): string {
  const members: { rawKey: string; rawValue: string }[] = [];
  if (!fields.has('id')) members.push({ rawKey: '"id"', rawValue: JSON.stringify(id) });
  for (const [key, field] of fields) members.push(key === UPDATED_AT ? { rawKey: field.rawKey, rawValue: String(updatedAt) } : field);
  if (!fields.has(UPDATED_AT)) members.push({ rawKey: `"${UPDATED_AT}"`, rawValue: String(updatedAt) });
  return joinObjectMembers(members);
}

/** A delete, written exactly as the store writes one. */
function tombstoneLine(id: string, updatedAt: number): string {
  return JSON.stringify({ id, updated_at: updatedAt, deleted: true });
}
