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
  return /[\s"]/.test(pattern) ? `"${pattern.replace(/["\\]/g, '\\$&').replace(/\t/g, '\\t')}"` : pattern;
}

/** The full line install adds, e.g. `.taskstore/*.jsonl merge=taskstore`. */
export function attributesLine(storeRelative: string): string {
  return `${attributesPattern(storeRelative)} merge=${MERGE_DRIVER_NAME}`;
}

/** Same line modulo surrounding and repeated whitespace, which git ignores. */
function sameLine(candidate: string, line: string): boolean {
  const normalize = (text: string): string => text.trim().split(/[ \t]+/).join(' ');
  return normalize(candidate) === normalize(line);
}

/**
 * `content` with `line` appended, or `undefined` when it is already there. Keeps every
 * other line, terminates an unterminated last line first, and follows the file's line
 * ending style (CRLF if the file uses it).
 */
export function addAttributesLine(content: string | undefined, line: string): string | undefined {
  if (content === undefined || content === '') return `${line}\n`;
  if (content.split(/\r?\n/).some((existing) => sameLine(existing, line))) return undefined;
  const eol = content.includes('\r\n') ? '\r\n' : '\n';
  return `${content}${content.endsWith('\n') ? '' : eol}${line}${eol}`;
}

/** `content` without every copy of `line` (and its line ending), or `undefined` when it has none. */
export function removeAttributesLine(content: string, line: string): string | undefined {
  const pieces = content.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  const kept = pieces.filter((piece) => !sameLine(piece.replace(/\r?\n$/, ''), line));
  return kept.length === pieces.length ? undefined : kept.join('');
}
