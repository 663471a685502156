/**
 * Where each task spec of a PRD sits on the board, and a PRD's progress. Pure functions
 * of the records, so the rules are tested directly.
 *
 * Columns: `running`, `complete`, `failed` and `blocked` follow the status; a `pending`
 * spec is `ready` when every dependency is a complete task spec (the library's
 * `listReadyTaskSpecs` rule: a dependency on a missing or deleted spec keeps it
 * waiting) and `blocked` otherwise.
 */
import type { BoardColumn, Progress } from '../api-types.js';
import { waitingEntries } from '../dependency-entries.js';

interface SpecLike {
  id: string;
  status: string;
  /** As the line holds it: an array of ids, or (written by hand) null or any other value. */
  dependencies: unknown;
}

/**
 * The column of every spec in `specs`. `statusOf` gives the status of any task spec id
 * (those outside `specs` included), or undefined when there is no live one.
 * @example boardColumns([{ id: 'a', status: 'pending', dependencies: [] }], () => undefined) // { a: 'ready' }
 */
export function boardColumns(specs: readonly SpecLike[], statusOf: (id: string) => string | undefined): Record<string, BoardColumn> {
  const out: Record<string, BoardColumn> = {};
  for (const spec of specs) out[spec.id] = columnOf(spec, statusOf);
  return out;
}

function columnOf(spec: SpecLike, statusOf: (id: string) => string | undefined): BoardColumn {
  switch (spec.status) {
    case 'running':
    case 'complete':
    case 'failed':
    case 'blocked':
      return spec.status;
    default:
      // pending (or a status this version does not know): ready only when nothing waits.
      return spec.status === 'pending' && waitingEntries(spec.dependencies, statusOf).length === 0 ? 'ready' : 'blocked';
  }
}

/** Complete / total task specs. */
export function progressOf(specs: readonly { status: string }[]): Progress {
  return { complete: specs.filter((s) => s.status === 'complete').length, total: specs.length };
}
