/**
 * How deeply JSON values may nest. The cache reads every record with SQLite's JSON
 * functions, which refuse a document nested more than 1000 levels deep ("malformed
 * JSON"): a version nested deeper could neither be indexed nor queried, and one such line
 * in a log made every open of the store fail. Writes refuse such a record; readers treat
 * such a line as malformed (skipped and reported, never deleted). Pure, no imports.
 */

/** The deepest nesting a record may have: the record object itself is level 1. */
export const MAX_JSON_DEPTH = 1000;

/**
 * True when the parsed JSON `value` nests objects and arrays more than `max` levels
 * deep (a scalar is level 0, `{}` and `[]` level 1). `textLength`, the length of the
 * JSON text `value` was parsed from, skips the walk for lines too short to nest that
 * deep (each level takes at least two characters, its opening and closing brackets).
 */
export function nestsDeeperThan(value: unknown, max = MAX_JSON_DEPTH, textLength = Infinity): boolean {
  if (textLength < 2 * (max + 1)) return false;
  return depthExceeds(value, max);
}

function depthExceeds(value: unknown, remaining: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (remaining === 0) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (depthExceeds(item, remaining - 1)) return true;
    return false;
  }
  for (const key in value) {
    if (Object.hasOwn(value, key) && depthExceeds((value as Record<string, unknown>)[key], remaining - 1)) return true;
  }
  return false;
}
