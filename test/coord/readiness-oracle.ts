/**
 * The readiness rule of docs/records.md, stated plainly over the log text, for tests to
 * compare the store's maintained answers against: which task spec versions are current,
 * which specs are ready, which one a claim takes next, what each waiting spec waits for.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findCycles } from '../../src/index.js';

export type Spec = Record<string, unknown> & { id: string };

/**
 * The current version of each id, folded from the log text: a later line wins unless
 * its version is older (a tie goes to the later line). A line's version is its
 * `updated_at`, or its `created_at` when it has none (the Rust TaskStore's lines).
 * Tombstones included.
 */
export function currentVersions(dir: string): Map<string, Spec> {
  const current = new Map<string, Spec>();
  let text = '';
  try {
    text = readFileSync(join(dir, 'task_specs.jsonl'), 'utf8');
  } catch {
    return current;
  }
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const record = JSON.parse(line) as Spec;
    const version = (r: Spec) => (r.updated_at ?? r.created_at) as number;
    const previous = current.get(record.id);
    if (previous === undefined || version(record) >= version(previous)) current.set(record.id, record);
  }
  return current;
}

/** The live task specs of store directory `dir`, by id. */
export function liveSpecs(dir: string): Map<string, Spec> {
  const live = new Map<string, Spec>();
  for (const version of currentVersions(dir).values()) if (version.deleted !== true) live.set(version.id, version);
  return live;
}

/** What keeps each entry of a spec's `dependencies` from being met; `[]` when ready-able. */
export function unmetDependencies(spec: Spec, live: ReadonlyMap<string, Spec>): unknown[] {
  const deps = spec.dependencies;
  if (deps === undefined || deps === null) return [];
  if (!Array.isArray(deps)) return [deps];
  return deps.filter((d) => !(typeof d === 'string' && live.get(d)?.status === 'complete'));
}

/** Claim order: `created_at` (absent first), then id in code-point order (SQLite's, of UTF-8 bytes). */
export function claimOrder(a: Spec, b: Spec): number {
  const ca = typeof a.created_at === 'number' ? a.created_at : -Infinity;
  const cb = typeof b.created_at === 'number' ? b.created_at : -Infinity;
  if (ca !== cb) return ca < cb ? -1 : 1;
  const x = Buffer.from(a.id, 'utf8');
  const y = Buffer.from(b.id, 'utf8');
  return Buffer.compare(x, y);
}

export interface Expected {
  /** Ready specs' ids, in claim order. */
  ready: string[];
  /** Pending specs that are not ready, by id: the entries that are not met. */
  waiting: Map<string, unknown[]>;
  /** The spec claimNextReadyTaskSpec takes at `now` (ready, or running with a lease before `now`). */
  next: string | undefined;
  cycles: string[][];
}

/** The documented answers for the logs in `dir`, at time `now`. */
export function expected(dir: string, now = Date.now()): Expected {
  const live = liveSpecs(dir);
  const specs = [...live.values()].sort(claimOrder);
  const pending = specs.filter((s) => s.status === 'pending');
  const ready = pending.filter((s) => unmetDependencies(s, live).length === 0);
  // A lease that ended, or that ends later than any honest claim could (MAX_LEASE_MS + LEASE_CLOCK_SKEW_MS = 25 h ahead).
  const latest = now + 25 * 3600 * 1000;
  const expired = specs.filter(
    (s) => s.status === 'running' && typeof s.lease_expires_at === 'number' && (s.lease_expires_at < now || s.lease_expires_at > latest),
  );
  const claimable = [...ready, ...expired].sort(claimOrder);
  const graph = new Map<string, string[]>();
  for (const s of specs) {
    if (Array.isArray(s.dependencies)) graph.set(s.id, s.dependencies.filter((d): d is string => typeof d === 'string'));
  }
  return {
    ready: ready.map((s) => s.id),
    waiting: new Map(pending.filter((s) => !ready.includes(s)).map((s) => [s.id, unmetDependencies(s, live)])),
    next: claimable[0]?.id,
    cycles: findCycles(graph),
  };
}
