/**
 * The UTF-8 byte order mark some editors (Windows Notepad) put at the start of a file. It
 * belongs to the file, not to its first line: readers skip it, and code that rewrites a
 * log (compaction, the merge driver) keeps it where it was. Pure, Node's Buffer only.
 */

/** EF BB BF. */
export const UTF8_BOM: Buffer = Buffer.from([0xef, 0xbb, 0xbf]);

/** True when `bytes` begin with the UTF-8 byte order mark. */
export function startsWithUtf8Bom(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}
