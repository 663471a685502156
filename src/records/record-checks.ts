/**
 * What the orchestrator's records add to `store.check()`, and the referrers that block a
 * delete: statuses no query finds, dangling references (driven by the registry's reference graph), dependency
 * cycles, duplicate workflow names, drift of the readiness graph, double claims.
 */
import type { DomainHost } from '../store/domain-host.js';
import * as Q from '../cache/record-queries.js';
import type { CheckProblem } from '../store/check.js';
import { ConflictMarkersError } from '../errors.js';
import type { Referrer } from '../store/domain-host.js';
import { RECORD_TYPES, REFERENCE_FIELDS, type ReferenceField } from './registry.js';
import type { TaskGraph } from './task-graph.js';

const TASK_SPECS = RECORD_TYPES.task_specs.collection;
const EXECUTIONS = RECORD_TYPES.executions.collection;
const WORKFLOWS = RECORD_TYPES.workflows.collection;

/** Every problem the records add to `check()`, in report order. */
export function recordChecks(host: DomainHost, graph: () => TaskGraph): CheckProblem[] {
  return [...invalidStatuses(host), ...danglingReferences(host), ...cycleProblems(graph), ...duplicateWorkflowNames(host), ...graphDrift(graph), ...doubleClaims(host)];
}

/** At most this many records with an invalid status are named per collection. */
const MAX_INVALID_STATUS_REPORTS = 20;

/**
 * Live PRDs, task specs and executions whose stored `status` is missing or none of the
 * type's values. No TaskStore write makes one (every write is validated); a hand-written
 * or foreign line can. Such a record reads with the default status filled in (a missing
 * one) or as written, but no status filter finds it and a task spec is never ready: it
 * drops out of the orchestrator's queries without a word, so check() names it.
 */
function invalidStatuses(host: DomainHost): CheckProblem[] {
  return Object.values(RECORD_TYPES).flatMap((type) => {
    const values = type.statusValues;
    if (values === undefined) return [];
    const fallback = (type.readDefaults as { status?: string } | undefined)?.status;
    const effect = type.collection === TASK_SPECS ? ' and it never becomes ready' : '';
    return checkPart(() =>
      host
        .queryCache<{ id: string; type: string | null; json: string | null }>([type.collection], Q.invalidStatuses(values, MAX_INVALID_STATUS_REPORTS))
        .map(({ id, type: jsonType, json }) => ({
          kind: 'invalid_status',
          collection: type.collection,
          id,
          message:
            jsonType === null
              ? `${type.label} ${id} has no status: it reads as ${fallback} but no status filter finds it${effect}; give it one (taskstore update ${id} --set status=${fallback})`
              : `${type.label} ${id} has status ${json}, which is not one of ${values.join(', ')}: no status filter finds it${effect}; give it one of those (taskstore update ${id} --set status=…)`,
        })),
    );
  });
}

/**
 * Live records whose reference fields name `id` of `collection` (the registry's
 * `references`). Task specs depending on a task spec come from the readiness graph's
 * edges (see TaskGraph.dependents), which the cache keeps per dependency entry, rather
 * than from reading every spec's list.
 */
export function referrersOf(host: DomainHost, graph: () => TaskGraph, collection: string, id: string): Referrer[] {
  const referrers: Referrer[] = [];
  for (const ref of REFERENCE_FIELDS) {
    if (ref.to !== collection) continue;
    const rows =
      ref.from === TASK_SPECS && ref.field === 'dependencies'
        ? graph().dependents(id).map((spec) => ({ id: spec }))
        : host.queryCache<{ id: string }>([ref.from], Q.referrers(ref), [id]);
    for (const row of rows) {
      // A task spec listing itself among its dependencies does not keep itself alive.
      if (!(ref.from === collection && row.id === id)) referrers.push({ collection: ref.from, id: row.id, field: ref.field });
    }
  }
  return referrers;
}

/** Runs one part of `check()`; a collection with conflict markers is reported by the engine, so it is skipped here. */
function checkPart(part: () => CheckProblem[]): CheckProblem[] {
  try {
    return part();
  } catch (err) {
    if (err instanceof ConflictMarkersError) return [];
    throw err;
  }
}

/**
 * Live records whose reference fields (per the registry) name no live record: single
 * references first, then lists, each in registry order.
 */
function danglingReferences(host: DomainHost): CheckProblem[] {
  const refs = [...REFERENCE_FIELDS.filter((r) => r.many !== true), ...REFERENCE_FIELDS.filter((r) => r.many === true)];
  return refs.flatMap((ref) => checkPart(() => danglingReferencesOf(host, ref)));
}

function danglingReferencesOf(host: DomainHost, ref: ReferenceField): CheckProblem[] {
  const what = RECORD_TYPES[ref.from].label;
  const toWhat = RECORD_TYPES[ref.to].label;
  const effect = ref.danglingEffect === undefined ? '' : ` ${ref.danglingEffect}`;
  const sql = Q.danglingReferences(ref);
  type Row = { id: string; ref: unknown; type: string | null; json: string | null; whole: number };
  const rows = ref.from === ref.to ? host.queryCache<Row>([ref.from], (t) => sql(t, t)) : host.queryCache<Row>([ref.from, ref.to], sql);
  return rows.map(({ id, ref: target, type, json, whole }) => {
    // A string entry as JavaScript writes it; anything else (a number, an object, a whole non-list value) as the line holds it.
    const shown = json !== null && (whole === 1 || type !== 'text') ? json : JSON.stringify(target);
    return {
      kind: 'dangling_reference',
      collection: ref.from,
      id,
      message:
        whole === 1
          ? `${what} ${id}: ${ref.field} is not a list of ${toWhat} ids (got ${shown})${effect}`
          : ref.many
            ? `${what} ${id}: ${ref.field} names ${shown}, which is not a live ${toWhat}${effect}`
            : `${what} ${id}: ${ref.field} ${shown} does not name a live ${toWhat}${effect}`,
    };
  });
}

function cycleProblems(graph: () => TaskGraph): CheckProblem[] {
  return checkPart(() =>
    graph()
      .cycles()
      .map((group) => ({
        kind: 'dependency_cycle',
        collection: TASK_SPECS,
        id: group[0]!,
        message:
          group.length === 1
            ? `task spec ${group[0]} depends on itself, so it can never become ready`
            : `task specs ${group.join(', ')} depend on each other in a cycle, so none of them can become ready`,
      })),
  );
}

function duplicateWorkflowNames(host: DomainHost): CheckProblem[] {
  return checkPart(() =>
    host
      .queryCache<{ name: string; first: string; ids: string }>([WORKFLOWS], Q.duplicateWorkflowNames)
      .map(({ name, first, ids }) => ({
        kind: 'duplicate_workflow_name',
        collection: WORKFLOWS,
        // The first id itself: an id may hold ", " (the separator of `ids`).
        id: first,
        message: `live workflows ${ids} share the name ${JSON.stringify(name)} (names must be unique; a merge of two branches can cause this): rename or delete all but one`,
      })),
  );
}

function graphDrift(graph: () => TaskGraph): CheckProblem[] {
  return checkPart(() =>
    graph()
      .drift()
      .slice(0, 20)
      .map(({ id, message }) => ({ kind: 'cache_drift', collection: TASK_SPECS, id, message })),
  );
}

/**
 * Task specs with two or more running executions. Within one store a claim is
 * exactly-once at any moment, so this is one of: claims made in two clones that met in a
 * merge; a claimant whose lease ran out (stalled, or killed) while another took the spec
 * over, its execution still `running`; or executions created without a claim.
 */
function doubleClaims(host: DomainHost): CheckProblem[] {
  return checkPart(() =>
    host
      .queryCache<{ ts_id: string; n: number; ids: string }>([EXECUTIONS], Q.doublyClaimedSpecs)
      .map(({ ts_id, n, ids }) => ({
        kind: 'double_claim',
        collection: TASK_SPECS,
        id: ts_id,
        message: `task spec ${ts_id} has ${n} running executions (${ids}): two claimants worked on it (claims from two clones met in a merge, or a lease ran out and another claimant took it over); end every one but the current claimant's`,
      })),
  );
}
