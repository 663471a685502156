/**
 * The `.gitattributes` line that routes the store's JSONL files to the merge driver,
 * and the text edits that add or remove it. Pure: no file access.
 */

/** The driver name used in `merge=<name>` and in `git config merge.<name>.*`. */
export const MERGE_DRIVER_NAME = 'taskstore';

/**
 * The gitattributes pattern for the JSONL files of a store at `storeRelative` (relative
 * to the work tree root, `/`-separated): `.taskstore/*.jsonl` for the usual layout. A
 * pattern with a `/` in it is anchored to the root and `*` does not cross directories,
 * so only the store's own files match. Glob characters in directory names are escaped,
 * and a pattern with spaces is C-quoted as git expects.
 */
export function attributesPattern(storeRelative: string): string {
  const dir = storeRelative.replace(/[*?[\\]/g, '\\$&');
  // A leading `#` would start a comment and a leading `!` a (forbidden) negation.
  const pattern = dir === '' ? '/*.jsonl' : `${dir.replace(/^[#!]/, '\\$&')}/*.jsonl`;
  return /[\s"\x00-\x1f\x7f]/.test(pattern) ? `"${pattern.replace(/["\\]/g, '\\$&').replace(/[\x00-\x1f\x7f]/g, cEscape)}"` : pattern;
}

/**
 * A control character as git's C quoting writes it (`\t`, `\n`, else octal). A raw
 * newline split the line in two: git then found no line for the store's files, and
 * install failed blaming "another gitattributes line" (a store directory whose name
 * holds a newline).
 */
function cEscape(char: string): string {
  const named: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };
  return named[char] ?? `\\${char.charCodeAt(0).toString(8).padStart(3, '0')}`;
}

/**
 * The full line install adds, e.g. `.taskstore/*.jsonl merge=taskstore -text`. `-text`
 * unsets git's `text` attribute, so git never converts the logs' line endings: neither a
 * `* text eol=crlf` line elsewhere in the file nor `core.autocrlf` turns them into CRLF
 * on checkout (after which appended LF lines would mix endings) or back on commit. The
 * bytes in the work tree are the committed bytes, and the merge driver sees them as is.
 */
export function attributesLine(storeRelative: string): string {
  return `${attributesPattern(storeRelative)} merge=${MERGE_DRIVER_NAME} -text`;
}

/**
 * The lines earlier versions of install wrote (without `-text`): install replaces the
 * store's own old line with {@link attributesLine} in place, and uninstall removes both.
 * Only these exact lines (modulo whitespace) are TaskStore's; any other line is the user's.
 */
export function legacyAttributesLines(storeRelative: string): string[] {
  return [`${attributesPattern(storeRelative)} merge=${MERGE_DRIVER_NAME}`];
}

/** Same line modulo surrounding and repeated whitespace, which git ignores. */
function sameLine(candidate: string, line: string): boolean {
  const normalize = (text: string): string => text.trim().split(/[ \t]+/).join(' ');
  return normalize(candidate) === normalize(line);
}

/**
 * A UTF-8 byte order mark at the start of `content` (as byte text, one character per
 * byte, or as text) and the rest. Git skips it when it reads a `.gitattributes` (editors
 * on Windows write one), so the first line is the line after it: compared without it,
 * and the mark kept in front whatever is added or removed.
 */
function splitBom(content: string): [bom: string, rest: string] {
  for (const bom of ['\u00ef\u00bb\u00bf', '\ufeff']) if (content.startsWith(bom)) return [bom, content.slice(bom.length)];
  return ['', content];
}

/** `content` cut into lines, each with its own line ending (the last may have none). */
function linePieces(content: string): string[] {
  return content.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** A piece's text without its line ending. */
function pieceText(piece: string): string {
  return piece.replace(/\r?\n$/, '');
}

/**
 * `content` with `line` in it, or `undefined` when it is already there and none of
 * `replaces` is. A line of `replaces` (an older form of the same line) is replaced by
 * `line` where it stands, so its rank among the other lines stays; further copies of it
 * go. Without one, `line` is appended. Keeps every other line, terminates an
 * unterminated last line first, and follows the file's line ending style (CRLF if the
 * file uses it).
 */
export function addAttributesLine(content: string | undefined, line: string, replaces: readonly string[] = []): string | undefined {
  if (content === undefined || content === '') return `${line}\n`;
  const [bom, rest] = splitBom(content);
  if (bom !== '') {
    const added = addAttributesLine(rest, line, replaces);
    return added === undefined ? undefined : bom + added;
  }
  const pieces = linePieces(content);
  const present = pieces.some((piece) => sameLine(pieceText(piece), line));
  const old = (piece: string): boolean => replaces.some((legacy) => sameLine(pieceText(piece), legacy));
  if (pieces.some(old)) {
    let placed = present;
    const kept = pieces.flatMap((piece) => {
      if (!old(piece)) return [piece];
      if (placed) return [];
      placed = true;
      return [`${line}${piece.slice(pieceText(piece).length)}`];
    });
    return kept.join('');
  }
  if (present) return undefined;
  const eol = content.includes('\r\n') ? '\r\n' : '\n';
  return `${content}${content.endsWith('\n') ? '' : eol}${line}${eol}`;
}

/** `content` without every copy of `line` (or of each of `line`'s forms) and its line ending, or `undefined` when it has none. */
export function removeAttributesLine(content: string, line: string | readonly string[]): string | undefined {
  const [bom, rest] = splitBom(content);
  if (bom !== '') {
    const removed = removeAttributesLine(rest, line);
    return removed === undefined ? undefined : bom + removed;
  }
  const lines = typeof line === 'string' ? [line] : line;
  const pieces = linePieces(content);
  const kept = pieces.filter((piece) => !lines.some((l) => sameLine(pieceText(piece), l)));
  return kept.length === pieces.length ? undefined : kept.join('');
}

/** Whether a line of `.gitattributes` text (comments aside) gives some files `merge=taskstore` (any store's line, or the user's). */
export function routesToDriver(content: string): boolean {
  const token = `merge=${MERGE_DRIVER_NAME}`;
  return linePieces(splitBom(content)[1]).some((piece) => {
    const line = pieceText(piece);
    return !line.trimStart().startsWith('#') && line.trim().split(/\s+/).slice(1).includes(token);
  });
}
