/**
 * Reads the sides of a merge (base, ours, theirs) from their texts: the lines to carry
 * over, the current version of every id, and the malformed lines to report.
 *
 * The three texts of a merge mostly share their leading lines (both sides start from
 * the base), so lines equal to the already read side at the same position are not
 * parsed again: a merge of three 100,000-line files parses about 100,000 lines, not
 * 300,000 (parsing dominates the cost of a large merge).
 *
 * Pure: no file access.
 */
import { parseLine, supersedes } from '../jsonl/line-codec.js';
import { RecordVersion } from './record-version.js';
import { isOpaqueLine } from './opaque-lines.js';

export type MergeSide = 'base' | 'ours' | 'theirs';

/** A line that could not be read as a record version. It is carried through, never dropped. */
export interface BadLine {
  side: MergeSide;
  /** 1-based physical line number in that side's file. */
  line: number;
  reason: string;
}

/** A non-empty line that is not a record version: its text (line end removed) and why. */
class MalformedLine {
  constructor(
    readonly text: string,
    readonly problem: string,
  ) {}
}

/**
 * A non-empty line of a side: a record version, or a malformed line. (One object per
 * line: a large merge holds hundreds of thousands of them.)
 */
export type InputLine = RecordVersion | MalformedLine;

/** The current version per id of some lines (highest `updated_at`, later line on ties). */
interface CurrentVersions {
  get(id: string): RecordVersion | undefined;
}

/**
 * Current versions as a layer over the current versions of the lines before: an entry
 * here is a version that supersedes the one below. Sides that share their first lines
 * share the layers of those lines instead of each building a map of every id.
 */
class CurrentLayer implements CurrentVersions {
  private readonly own = new Map<string, RecordVersion>();
  constructor(private readonly below: CurrentVersions | undefined) {}

  get(id: string): RecordVersion | undefined {
    return this.own.get(id) ?? this.below?.get(id);
  }

  add(version: RecordVersion): void {
    const previous = this.get(version.id);
    if (previous === undefined || supersedes(previous, version, true)) this.own.set(version.id, version);
  }
}

export interface MergeInput {
  /** The side's non-empty lines in order (repeated lines repeated). */
  readonly lines: InputLine[];
  /** Current version per id. */
  readonly current: CurrentVersions;
  readonly badLines: BadLine[];
  /** For each line count asked for when reading: the current versions of that many first lines. */
  readonly currentAfter: ReadonlyMap<number, CurrentVersions>;
}

/** How the reason of a {@link BadLine} that is a git conflict marker line starts. */
const MARKER_REASON = 'git conflict marker';

/** True for a malformed line that is a conflict marker line of an earlier, unresolved merge. */
export function isLeftoverMarker(bad: BadLine): boolean {
  return bad.reason.startsWith(MARKER_REASON);
}

/** Parses one line (without its line end). */
function readLine(text: string): InputLine {
  // As the store reads it: a malformed line, kept as it is (its bytes: opaque-lines.ts).
  if (isOpaqueLine(text)) return new MalformedLine(text, 'not valid UTF-8');
  const parsed = parseLine(text);
  if (parsed.kind === 'record') return RecordVersion.of(text, parsed.record);
  const problem = parsed.kind === 'conflict-marker' ? `${MARKER_REASON} "${parsed.marker}" (an earlier merge was not resolved)` : parsed.reason;
  return new MalformedLine(text, problem);
}

/**
 * Collects one side's lines in order, its current versions and its malformed lines.
 * `below`: the current versions of lines that precede these (a shared prefix).
 * `snapshotsAt`: line counts (ascending) after which to keep a view of the current versions.
 */
function inputBuilder(side: MergeSide, lines: InputLine[] = [], below?: CurrentVersions, snapshotsAt: readonly number[] = []) {
  let current = new CurrentLayer(below);
  const currentAfter = new Map<number, CurrentVersions>();
  const badLines: BadLine[] = [];
  let next = 0; // index into snapshotsAt
  const snapshot = (): void => {
    while (next < snapshotsAt.length && snapshotsAt[next] === lines.length) {
      currentAfter.set(lines.length, current);
      next++;
      current = new CurrentLayer(current); // the view just kept is never changed again
    }
  };
  const add = (line: InputLine, lineNo: number): void => {
    lines.push(line);
    if (line instanceof MalformedLine) badLines.push({ side, line: lineNo, reason: line.problem });
    else current.add(line);
    snapshot();
  };
  const input = (): MergeInput => ({ lines, current, badLines, currentAfter });
  return { add, input, badLines };
}

/**
 * Splits `text` into lines (`\n` ends; a trailing `\r` is removed; a missing final line
 * end is fine) and reads each. Empty lines carry no data and are skipped (the store
 * never writes them); every other line is kept, valid or not.
 *
 * `sharedPrefixWith`: an already read side. As long as this side's lines equal that
 * side's lines position by position, its {@link InputLine} objects are reused instead
 * of parsing again (both sides usually start with the base's lines).
 */
export function readMergeInput(
  text: SideText,
  side: MergeSide,
  sharedPrefixWith?: MergeInput,
  /** Line counts (ascending) after which the current versions are kept in `currentAfter`. */
  snapshotsAt?: readonly number[],
): MergeInput {
  const { input, add } = inputBuilder(side, [], undefined, snapshotsAt);
  readLinesInto(text, 0, add, sharedPrefixWith?.lines ?? []);
  return input();
}

/** The first lines of a side, known from its bytes to be the first lines of an already read side. */
interface SharedPrefix {
  /** The already read side (read with a snapshot at `lines`, see `readMergeInput`). */
  readonly input: MergeInput;
  /** How many of its lines (non-empty lines) the prefix holds. */
  readonly lines: number;
  /** How many physical lines (line ends) the prefix holds, for the line numbers after it. */
  readonly physicalLines: number;
}

/**
 * Reads a side made of a known shared prefix followed by `tail` (the text after the
 * prefix). The prefix's lines are the other side's objects, not split, compared or
 * parsed again: the merge driver finds the prefix by comparing bytes, which is much
 * cheaper than decoding and comparing the lines.
 */
export function readMergeInputAfter(prefix: SharedPrefix, tail: SideText, side: MergeSide): MergeInput {
  const below = prefix.lines === 0 ? undefined : prefix.input.currentAfter.get(prefix.lines);
  if (prefix.lines > 0 && below === undefined) throw new Error(`internal: no current versions kept after line ${prefix.lines}`);
  const { input, add, badLines } = inputBuilder(side, prefix.input.lines.slice(0, prefix.lines), below);
  for (const bad of prefix.input.badLines) if (bad.line <= prefix.physicalLines) badLines.push({ ...bad, side });
  readLinesInto(tail, prefix.physicalLines, add, []);
  return input();
}

/**
 * A side's text: one string, or its pieces in order, each but the last ending with a
 * line end. A file over ~512 MiB is more than V8 holds as one string, so the merge driver
 * decodes large sides piece by piece (see `decodeLineChunks` in merge-bytes.ts).
 */
export type SideText = string | readonly string[];

function readLinesInto(
  text: SideText,
  linesBefore: number,
  add: (line: InputLine, lineNo: number) => void,
  shared: readonly InputLine[],
): void {
  const chunks = typeof text === 'string' ? [text] : text;
  let sharing = shared.length > 0;
  let count = 0;
  let physical = linesBefore;
  for (let c = 0; c < chunks.length; c++) {
    const chunk = chunks[c] as string;
    if (chunk.length === 0) continue;
    const raw = chunk.split('\n');
    // A piece before the last ends with its line end: the split's last part is no line.
    const parts = c < chunks.length - 1 ? raw.length - 1 : raw.length;
    for (let i = 0; i < parts; i++) {
      let text = raw[i] as string;
      if (text.endsWith('\r')) text = text.slice(0, -1);
      if (text.length === 0) continue;
      let line: InputLine | undefined;
      if (sharing) {
        const candidate = shared[count];
        if (candidate !== undefined && candidate.text === text) line = candidate;
        else sharing = false;
      }
      line ??= readLine(text);
      count++;
      add(line, physical + i + 1);
    }
    physical += parts;
  }
}
