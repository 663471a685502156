import type { Store, TaskSpec } from '../../index.js';
import type { CliContext } from '../context.js';
import { resolveId, shortIds } from '../../shared/id-prefix.js';
import { withStoreForReading } from '../open-store.js';
import { exactRecords } from '../../shared/exact-records.js';
import { ExactInteger, stringifyExact } from '../../shared/exact-json.js';
import { createOutput, formatValue } from '../output.js';
import { COLUMNS, printRecords } from '../records-view.js';
import { visible } from '../terminal-safe.js';

export interface ReadyInput {
  prdId?: string;
  /** Also list every pending spec that is not ready, with what blocks it. */
  explain?: boolean;
}

/**
 * A dependency that keeps a spec waiting: its id and status (`missing` when it names no
 * live task spec; `not a list` when the spec's whole `dependencies` value, in `id`, is no array).
 */
export interface Blocker {
  id: unknown;
  status: string;
}

export interface WaitingSpec {
  spec: TaskSpec;
  blockedBy: Blocker[];
}

export interface ReadyResult {
  ready: TaskSpec[];
  /** With `--explain` only. */
  waiting?: WaitingSpec[];
}

/** Ready task specs (oldest first), and with `explain` the pending ones that are not, with their blockers. */
export function readySpecs(store: Store, input: ReadyInput): ReadyResult {
  const prdId = input.prdId === undefined ? undefined : resolveId(store, input.prdId, { collections: ['prds'], what: 'PRD', argument: '--prd-id' }).id;
  const inPrd = (s: TaskSpec) => prdId === undefined || s.prd_id === prdId;
  const ready = store.listReadyTaskSpecs().filter(inPrd);
  if (!input.explain) return { ready };
  const readyIds = new Set(ready.map((s) => s.id));
  const statusOf = new Map<string, string>();
  const lookup = (dep: unknown): string => {
    // "" names no spec, and getTaskSpec refuses it as an id: asked, it failed the whole command.
    if (typeof dep !== 'string' || dep === '') return 'missing';
    let status = statusOf.get(dep);
    if (status === undefined) statusOf.set(dep, (status = store.getTaskSpec(dep)?.status ?? 'missing'));
    return status;
  };
  const waiting = store
    .listPendingTaskSpecs()
    .filter((s) => inPrd(s) && !readyIds.has(s.id))
    .map((spec) => ({ spec, blockedBy: blockers(spec.dependencies as unknown, lookup) }));
  return { ready, waiting };
}

/**
 * What keeps a pending spec waiting, by the readiness rule: each entry that is not a live
 * complete task spec; a hand-written value that is no array (null: none) blocks as a whole,
 * even a string naming a complete spec.
 */
function blockers(dependencies: unknown, statusOf: (dep: unknown) => string): Blocker[] {
  if (dependencies === null || dependencies === undefined) return [];
  if (!Array.isArray(dependencies)) return [{ id: dependencies, status: 'not a list' }];
  return dependencies.map((id: unknown) => ({ id, status: statusOf(id) })).filter((b) => b.status !== 'complete');
}

export async function run(ctx: CliContext, input: ReadyInput): Promise<number> {
  const out = createOutput(ctx);
  await withStoreForReading(ctx, (store) => {
    const found = readySpecs(store, input);
    const result: ReadyResult = {
      ready: exactRecords(store, 'task_specs', found.ready),
      ...(found.waiting === undefined ? {} : { waiting: found.waiting.map((w) => exactWaiting(store, w)) }),
    };
    if (out.jsonMode) {
      out.json(input.explain ? result : result.ready);
      return;
    }
    printRecords(out, store, result.ready, COLUMNS.task_specs!, 'no task specs are ready');
    if (result.waiting === undefined) return;
    if (result.waiting.length === 0) {
      // With nothing ready either, "every pending spec is ready" would follow "no task specs are ready".
      out.note(result.ready.length === 0 ? '(no task spec is pending)' : '(every pending task spec is ready)');
      return;
    }
    // Ids of missing specs (and a value that is no list) are shown whole: a prefix of nothing would only confuse.
    const whole = (b: Blocker) => b.status === 'missing' || b.status === 'not a list';
    const ids = result.waiting.flatMap((w) => [w.spec.id, ...w.blockedBy.filter((b) => !whole(b)).map((b) => b.id as string)]);
    const short = shortIds(store, ids);
    // Dependency values are whatever the record holds (a missing one is no validated id): spell out control characters.
    // An empty id is shown as "": an empty cell would read as a blocker without a name.
    const name = (id: unknown, missing = false) =>
      visible(typeof id !== 'string' || id === '' ? stringifyExact(id) : missing ? id : (short.get(id) ?? id), true);
    out.line('', out.c.bold(`not ready (${result.waiting.length}):`));
    out.table(
      ['ID', 'PHASE', 'WAITING FOR'],
      result.waiting.map((w) => [name(w.spec.id), formatValue(w.spec.phase_name, 40), w.blockedBy.map((b) => `${name(b.id, whole(b))} (${b.status})`).join(', ')]),
    );
  });
  return 0;
}

/**
 * A waiting spec with the integers beyond ±2^53 its stored line holds; a blocker that is
 * such a number (a hand-edited `dependencies`) is named by its digits too.
 */
function exactWaiting(store: Store, waiting: NonNullable<ReadyResult['waiting']>[number]): NonNullable<ReadyResult['waiting']>[number] {
  const spec = exactRecords(store, 'task_specs', [waiting.spec])[0]!;
  const deps: unknown[] = Array.isArray(spec.dependencies) ? spec.dependencies : [spec.dependencies];
  const exactId = (id: unknown): unknown => (typeof id === 'number' ? (deps.find((d) => d instanceof ExactInteger && Number(d.text) === id) ?? id) : id);
  return { spec, blockedBy: waiting.blockedBy.map((b) => ({ ...b, id: exactId(b.id) })) };
}
