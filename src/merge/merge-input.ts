/**
 * Reads the sides of a merge (base, ours, theirs) from their texts, for the string merge
 * (merge-jsonl.ts): the lines to carry over, the current version of every id, and the
 * malformed lines to report. Also how one line is read, for the byte merge the driver
 * runs (merge-bytes.ts).
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
    /** For a conflict marker line, its first seven characters (`<<<<<<<`, `=======` …). */
    readonly marker?: string,
  ) {}
}

/**
 * Which versions of a base count as its versions: not those inside a conflict block.
 * git hands a criss-cross merge (two merge bases) a base that is the merge of those two
 * bases, conflict blocks included when that inner merge conflicted; a block's lines are
 * two competing versions nobody chose. Taken as the base's versions (the later line won),
 * a record whose conflict the two branches had resolved differently merged cleanly as the
 * side that had "changed" it, the other side's resolution silently lost; without them the
 * base's version is the one before the block's, and the two resolutions conflict. Feed it
 * the base's non-empty lines in order.
 */
export class BaseBlocks {
  private inside = false;

  /** Whether `line`, the base's next line, is a version that counts (false inside a block, and for every malformed line). */
  counts(line: InputLine): boolean {
    if (line instanceof MalformedLine) {
      if (line.marker === '<<<<<<<') this.inside = true;
      else if (line.marker === '>>>>>>>') this.inside = false;
      return false;
    }
    return !this.inside;
  }
}

/** Why `line` is not a record version, or undefined when it is one. */
export function problemOf(line: InputLine): string | undefined {
  return line instanceof MalformedLine ? line.problem : undefined;
}

/**
 * A non-empty line of a side: a record version, or a malformed line.
 */
export type InputLine = RecordVersion | MalformedLine;

/** The current version per id of some lines (highest `updated_at`, later line on ties). */
interface CurrentVersions {
  get(id: string): RecordVersion | undefined;
}

/** The current version per id of the lines added so far. */
class CurrentMap implements CurrentVersions {
  private readonly byId = new Map<string, RecordVersion>();

  get(id: string): RecordVersion | undefined {
    return this.byId.get(id);
  }

  add(version: RecordVersion): void {
    const previous = this.byId.get(version.id);
    if (previous === undefined || supersedes(previous, version, true)) this.byId.set(version.id, version);
  }
}

export interface MergeInput {
  /** The side's non-empty lines in order (repeated lines repeated). */
  readonly lines: InputLine[];
  /** Current version per id. */
  readonly current: CurrentVersions;
  readonly badLines: BadLine[];
}

/** How the reason of a {@link BadLine} that is a git conflict marker line starts. */
const MARKER_REASON = 'git conflict marker';

/** True for a malformed line that is a conflict marker line of an earlier, unresolved merge. */
export function isLeftoverMarker(bad: BadLine): boolean {
  return bad.reason.startsWith(MARKER_REASON);
}

/** Parses one line (without its line end; a line that is not UTF-8 as opaque-lines.ts spells it). */
export function readInputLine(text: string): InputLine {
  // As the store reads it: a malformed line, kept as it is (its bytes: opaque-lines.ts).
  if (isOpaqueLine(text)) return new MalformedLine(text, 'not valid UTF-8');
  const parsed = parseLine(text);
  if (parsed.kind === 'record') return RecordVersion.of(text, parsed.record);
  const problem = parsed.kind === 'conflict-marker' ? `${MARKER_REASON} "${parsed.marker}" (an earlier merge was not resolved)` : parsed.reason;
  return new MalformedLine(text, problem, parsed.kind === 'conflict-marker' ? parsed.marker : undefined);
}

/** Collects one side's lines in order, its current versions and its malformed lines. */
function inputBuilder(side: MergeSide) {
  const lines: InputLine[] = [];
  const current = new CurrentMap();
  const badLines: BadLine[] = [];
  const blocks = side === 'base' ? new BaseBlocks() : undefined;
  const add = (line: InputLine, lineNo: number): void => {
    lines.push(line);
    const counts = blocks?.counts(line) ?? true;
    if (line instanceof MalformedLine) badLines.push({ side, line: lineNo, reason: line.problem });
    else if (counts) current.add(line);
  };
  const input = (): MergeInput => ({ lines, current, badLines });
  return { add, input };
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
export function readMergeInput(text: string, side: MergeSide, sharedPrefixWith?: MergeInput): MergeInput {
  const { input, add } = inputBuilder(side);
  readLinesInto(text, add, sharedPrefixWith?.lines ?? []);
  return input();
}

function readLinesInto(text: string, add: (line: InputLine, lineNo: number) => void, shared: readonly InputLine[]): void {
  if (text.length === 0) return;
  let sharing = shared.length > 0;
  let count = 0;
  const raw = text.split('\n');
  for (let i = 0; i < raw.length; i++) {
    let line = raw[i] as string;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.length === 0) continue;
    let read: InputLine | undefined;
    if (sharing) {
      const candidate = shared[count];
      if (candidate !== undefined && candidate.text === line) read = candidate;
      else sharing = false;
    }
    read ??= readInputLine(line);
    count++;
    add(read, i + 1);
  }
}
