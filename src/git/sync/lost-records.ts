/**
 * The append-only check of git-sync's commit: a log may grow, and compaction may drop
 * superseded versions, but no TaskStore operation takes away a record's current
 * version. A log that lacks one the last commit has was cut short or edited outside
 * TaskStore (a crash or SIGKILL while git's checkout rewrote it, a power cut before the
 * checkout reached the disk, a truncation by hand). Committing it would make the merge
 * driver read the missing records as removed here and append tombstones for them, which
 * every clone then takes over: one damaged file would delete those records everywhere.
 */
import { DECODE_CHUNK_BYTES, decodeLineChunks } from '../../jsonl/line-chunks.js';
import { parseLine, withoutBom } from '../../jsonl/line-codec.js';

/** The newest version (`updated_at`) of every record id in a log's content. */
function newestVersions(content: Buffer | string, chunkBytes: number): Map<string, number> {
  const newest = new Map<string, number>();
  // Decoded in pieces that end at line ends: a log over ~512 MiB is more than one string holds.
  let linesBefore = 0;
  for (const chunk of typeof content === 'string' ? [content] : decodeLineChunks(content, 0, chunkBytes)) {
    const lines = chunk.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const text = withoutBom(lines[i]!, linesBefore + i + 1);
      if (text === '' || text === '\r') continue;
      const parsed = parseLine(text);
      if (parsed.kind !== 'record') continue;
      const { id, updated_at: version } = parsed.record;
      const known = newest.get(id);
      if (known === undefined || version > known) newest.set(id, version);
    }
    linesBefore += lines.length - 1;
  }
  return newest;
}

/**
 * Ids whose newest version in `before` (the committed log) is newer than every version
 * of that id in `after` (what would be committed now), or missing from it: records the
 * commit would take away. Empty for appends and for compaction, which keeps every
 * current version (tombstones included).
 */
export function recordsLost(before: Buffer | string, after: Buffer | string, chunkBytes = DECODE_CHUNK_BYTES): string[] {
  const kept = newestVersions(after, chunkBytes);
  const lost: string[] = [];
  for (const [id, version] of newestVersions(before, chunkBytes)) {
    const now = kept.get(id);
    if (now === undefined || now < version) lost.push(id);
  }
  return lost;
}
