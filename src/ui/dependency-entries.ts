/**
 * A task spec's `dependencies` as the readiness rule reads them, for the dashboard's
 * server and page alike. The board reads records from their stored lines (exact digits),
 * not through the schema, so a hand-written line can hold any value there.
 *
 * Pure: no I/O.
 */

/**
 * The entries of `dependencies` that keep a pending spec waiting, as the library's
 * readiness rule reads them: none for null or a missing field; of an array, each entry
 * that is not the id of a complete task spec (`statusOf` gives a spec's status, undefined
 * for none); any other value (a hand-written `"a"` or `7` in place of the list) as one
 * entry that always waits, even when it happens to be a complete spec's id.
 * @example waitingEntries(['a', 'b'], (id) => (id === 'a' ? 'complete' : undefined)) // ['b']
 * @example waitingEntries('a', () => 'complete') // ['a']
 */
export function waitingEntries(dependencies: unknown, statusOf: (id: string) => string | undefined): unknown[] {
  if (dependencies === null || dependencies === undefined) return [];
  if (!Array.isArray(dependencies)) return [dependencies];
  return dependencies.filter((dep) => typeof dep !== 'string' || statusOf(dep) !== 'complete');
}

/**
 * The entries that are edges to a task spec id: the strings of an array (`""` among them,
 * an id no spec has). A lone string in place of the array is not one: the library reads
 * it as an unmet entry, not as an edge to that id.
 */
export function dependencyIds(dependencies: unknown): string[] {
  return Array.isArray(dependencies) ? dependencies.filter((d): d is string => typeof d === 'string') : [];
}
