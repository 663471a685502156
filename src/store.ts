/**
 * The public `Store`. It holds the engine (src/store/engine.ts: cache, logs, locks,
 * transactions, catch-up, sync, compact, check, metrics, the change feed) and the
 * orchestrator's record layer (src/records/records.ts), and adds the git integration.
 * Every method delegates; what each does is documented here (and in docs/api.md).
 */
import { Engine } from './store/engine.js';
import type { Collection, CollectionOptions } from './store/collection.js';
import type { StoreOptions } from './store/options.js';
import type { CheckReport } from './store/check.js';
import type { ProgressOptions, SyncReport } from './store/methods/sync.js';
import type { CompactOptions, CompactReport } from './store/methods/compact.js';
import type { RescueReport } from './store/methods/rescue.js';
import type { StoreMetrics } from './store/methods/metrics.js';
import type { BadLine } from './store/ingest.js';
import type { BackupReport } from './store/backup.js';
import type { WriteOptions } from './store/write-options.js';
import type { Change, ChangesOptions, WatchOptions } from './feed/change.js';
import { Records } from './records/records.js';
import type { CompleteExecutionOptions, CompleteExecutionResult } from './records/record-collections.js';
import type { ClaimNextOptions, ClaimOptions, ReleaseOptions } from './records/claims.js';
import type {
  Dependency,
  Execution,
  ExecutionStatus,
  NewDependency,
  NewExecution,
  NewPrd,
  NewTaskSpec,
  NewWorkflow,
  Prd,
  PrdStatus,
  RepoState,
  TaskSpec,
  Workflow,
} from './records/registry.js';
import {
  gitIntegrationProblems,
  gitIntegrationStatus,
  installGitIntegration,
  uninstallGitIntegration,
  type GitIntegrationReport,
  type GitIntegrationStatus,
} from './git/index.js';
import { gitSync, type GitSyncOptions, type GitSyncReport } from './git/sync/git-sync.js';
import { syncStatus, type SyncStatus } from './git/sync/sync-status.js';

export class Store {
  /** The store's absolute directory. */
  readonly dir: string;
  /**
   * True when this open created the store (its directory's `.version`); false when the
   * store was there, also when another process created it at the same moment: of several
   * processes opening a new store at once, one sees true.
   */
  readonly created: boolean;
  readonly #engine: Engine;
  readonly #records: Records;

  private constructor(engine: Engine, records: Records) {
    // `new Store('.taskstore')` from JavaScript made a store without a directory, whose
    // every method failed with "Cannot read properties of undefined".
    if (!(engine instanceof Engine)) throw new TypeError('a Store is not constructed directly: open one with Store.open(dir)');
    this.dir = engine.dir;
    this.created = engine.created;
    this.#engine = engine;
    this.#records = records;
  }

  /**
   * Opens the store in `dir` (created if missing), rebuilding or catching up the cache
   * from the logs.
   * @example const store = Store.open('.taskstore');
   */
  static open(dir: string, options?: StoreOptions): Store {
    const engine = Engine.create(dir, options);
    try {
      const records = new Records(engine);
      // A clone whose .gitattributes names the driver but whose .git/config lacks it falls
      // back to a line merge without a word: check() must say so.
      engine.extend({ check: () => gitIntegrationProblems(gitIntegrationStatus({ storeDir: engine.dir })) });
      engine.catchUpOnOpen();
      return new Store(engine, records);
    } catch (err) {
      engine.close();
      throw err;
    }
  }

  /**
   * A generic collection; its indexes are created in the cache if missing. For the
   * record collections (`prds`, `task_specs`, …) the record schema is always applied,
   * so writes through the generic API (`patch`, `createMany`, a CLI `update --set`) are
   * validated too (a schema you pass runs after it). Reference checks and name
   * uniqueness need the dedicated methods.
   * @example const notes = store.collection<Note>({ name: 'notes', indexes: ['status'] });
   */
  collection<T extends object = Record<string, unknown>>(options: CollectionOptions<T>): Collection<T> {
    return this.#records.collection(options);
  }

  /** Closes the cache and file handles and ends every watcher. The store cannot be used afterwards. */
  close(): void {
    this.#engine.close();
  }

  /** Names of the collections that have a log or records in the cache. */
  collectionNames(): string[] {
    return this.#engine.collectionNames();
  }

  /**
   * Runs `fn` as one transaction: every write inside commits together (one fsync per
   * log), or none does — also across a crash. Nested calls are savepoints.
   * @example store.transaction(() => { a.create(x); b.update(id, y); });
   */
  transaction<R>(fn: () => R): R {
    return this.#engine.transaction(fn);
  }

  /** Rebuilds the whole cache from the logs. */
  sync(options: ProgressOptions = {}): SyncReport {
    return this.#engine.sync(options);
  }

  /**
   * Catches up with lines appended by other processes (or by git) since this process
   * last looked. Takes the write lock only when there is something new. Inside a
   * transaction, the collections it already touched are left alone (a rebuild would take
   * its pending writes for acknowledged ones).
   * @returns the number of lines applied
   */
  refresh(): number {
    return this.#engine.refresh();
  }

  /**
   * Rewrites logs keeping the current version of each id, every tombstone and every
   * malformed line; with `keepDays`, also every superseded version stamped within the
   * last `keepDays` days. A log with nothing to drop is left untouched (same file, so
   * other processes need not rebuild). Without a collection name, a conflicted log is
   * skipped, the others are compacted, and then a ConflictMarkersError is thrown whose
   * `data.compacted` is the report of what was done. `onProgress` gets bytes read.
   */
  compact(collection?: string, options: CompactOptions = {}): CompactReport {
    return this.#engine.compact(collection, options);
  }

  /**
   * Re-applies the versions kept in `<collection>.jsonl.rescued` (acknowledged writes a
   * rewrite of the log by git or another tool lost, see check()): each line the log does
   * not hold is appended as it was, with its original updated_at, so a version that is
   * still the newest becomes current again and one superseded since stays history. The
   * rescued file is removed once the log holds all its lines (a line that is no record
   * stays in it). Inside a transaction the file is kept (a rollback would lose its lines);
   * the next rescue() outside one removes it.
   */
  rescue(collection?: string): RescueReport {
    return this.#engine.rescue(collection);
  }

  /**
   * Consistency report: malformed lines, conflict markers, torn lines, cache drift,
   * dangling references, dependency cycles, duplicate workflow names, double claims and
   * the git integration's setup. Changes nothing.
   */
  check(options: ProgressOptions = {}): CheckReport {
    return this.#engine.check(options);
  }

  /**
   * Sorted ids of the live records of collection `name`, read from the cache's id index
   * without reading any record's JSON (the CLI shortens ids in tables with them).
   * @example const ids = store.liveIds('notes');
   */
  liveIds(name: string): string[] {
    return this.#engine.liveIds(name);
  }

  /**
   * For each of `ids`, the nearest live id of collection `name` below it and above it
   * (in the cache's order, by code point; none where there is none), found with two
   * seeks of the id index per id: what a table of many ids needs to shorten them
   * without reading every live id of a large collection.
   * @example const near = store.liveNeighbourIds('notes', ['0192a']);
   */
  liveNeighbourIds(name: string, ids: readonly string[]): string[] {
    return this.#engine.liveNeighbourIds(name, ids);
  }

  /**
   * The lines of the logs that are not valid records (broken JSON, no id, invalid UTF-8 …),
   * by collection and 1-based line number, with the reason: the lines reads skip and
   * `check()` reports as `malformed_line`. They stay in the logs untouched. Answered from
   * the cache as this Store last caught up (on open, `refresh()` or a write); no log is read.
   * @example for (const bad of store.badLines()) console.warn(`${bad.collection}.jsonl:${bad.line}: ${bad.reason}`);
   */
  badLines(): BadLine[] {
    return this.#engine.badLines();
  }

  /** Counts, sizes and write latencies, per collection and as recorded by every process (see `StoreMetrics`). */
  metrics(): StoreMetrics {
    return this.#engine.metrics();
  }

  /**
   * Copies every `<collection>.jsonl` and `.version` into `dest`, a new or empty
   * directory (created if missing), holding the write lock so the copy is a consistent
   * snapshot; each file is copied atomically and flushed. The result is a store of its own.
   * @example const report = store.backup('../taskstore-backup-2025-01-31');
   */
  backup(dest: string): BackupReport {
    return this.#engine.backup(dest);
  }

  /**
   * Calls `listener` with every change to the store's records once it is durable: this
   * Store's own writes (`source: 'local'`), other processes' appends (`'external'`), and
   * rewrites by git or a hand edit (`'rewrite'`: one change per record whose current
   * version differs; compaction changes nothing). Per record, changes arrive in version
   * order. Listeners run asynchronously, never inside a write. While any watcher is
   * subscribed the process stays alive; returns the function that unsubscribes.
   * @example const stop = store.watch((c) => console.log(c.op, c.collection, c.id), { collections: ['notes'] });
   */
  watch<T = Record<string, unknown>>(listener: (change: Change<T>) => void, options: WatchOptions = {}): () => void {
    return this.#engine.watch(listener, options);
  }

  /**
   * The same changes as {@link watch}, as an async iterator. The loop ends when `signal`
   * aborts or the store closes; `break` unsubscribes.
   * @example for await (const change of store.changes({ since: lastSeen, signal })) lastSeen = change.record.updated_at;
   */
  changes<T = Record<string, unknown>>(options: ChangesOptions = {}): AsyncIterableIterator<Change<T>> {
    return this.#engine.changes(options);
  }

  // ---------------------------------------------------------------- records

  /**
   * Creates a PRD and returns its id. Only `title` is required; `description` and
   * `content` default to `""`, `status` to `draft`, `review_passes` to 0.
   * @example const prdId = store.createPrd({ title: 'Search', content: '# Search\n…' });
   */
  createPrd(p: NewPrd): string {
    return this.#records.createPrd(p);
  }

  /**
   * The PRD, or undefined when there is none (or it was deleted).
   * @example const prd = store.getPrd(prdId); if (prd?.status === 'complete') …
   */
  getPrd(id: string): Prd | undefined {
    return this.#records.getPrd(id);
  }

  /**
   * Replaces the whole PRD (keeping `id` and `created_at`; `updated_at` is stamped) and
   * returns the new version. Throws `NotFoundError` unless it is live; with
   * `ifUpdatedAt`, `StaleError` unless the current version has that `updated_at`.
   * @example store.updatePrd(prdId, { ...prd, status: 'active' }, { ifUpdatedAt: prd.updated_at });
   */
  updatePrd(id: string, p: NewPrd, options?: WriteOptions): Prd {
    return this.#records.updatePrd(id, p, options);
  }

  /**
   * PRDs, optionally only those with `status`, oldest first (`created_at`, then `id`).
   * @example const drafts = store.listPrds('draft');
   */
  listPrds(status?: PrdStatus): Prd[] {
    return this.#records.listPrds(status);
  }

  /**
   * Progress of every PRD that has live task specs: PRD id → how many it has (`total`) and
   * how many of them have status `complete`. One grouped query over the readiness graph
   * (the dashboard's PRD list), instead of two counts per PRD. A PRD without task specs is
   * absent (its progress is 0 / 0).
   * @example const { complete, total } = store.prdProgress().get(prdId) ?? { complete: 0, total: 0 };
   */
  prdProgress(): Map<string, { complete: number; total: number }> {
    return this.#records.prdProgress();
  }

  /**
   * Creates a task spec and returns its id. `prd_id` must name a live PRD (else
   * `NotFoundError`, nothing written); `phase_name` is required. `dependencies` lists
   * the ids of task specs this one waits for (default `[]`); they are not required to
   * exist yet.
   * @example const a = store.createTaskSpec({ prd_id: prdId, phase_name: 'schema' });
   * const b = store.createTaskSpec({ prd_id: prdId, phase_name: 'api', dependencies: [a] });
   */
  createTaskSpec(t: NewTaskSpec): string {
    return this.#records.createTaskSpec(t);
  }

  /**
   * The task spec, or undefined.
   * @example const spec = store.getTaskSpec(id);
   */
  getTaskSpec(id: string): TaskSpec | undefined {
    return this.#records.getTaskSpec(id);
  }

  /**
   * Replaces the whole task spec and returns the new version. Throws `NotFoundError`
   * unless it is live, or when `prd_id` names no live PRD; with `ifUpdatedAt`,
   * `StaleError` unless the current version has that `updated_at`.
   * @example store.updateTaskSpec(id, { ...spec, assigned_to: 'agent-7' }, { ifUpdatedAt: spec.updated_at });
   */
  updateTaskSpec(id: string, t: NewTaskSpec, options?: WriteOptions): TaskSpec {
    return this.#records.updateTaskSpec(id, t, options);
  }

  /**
   * The task specs of a PRD, oldest first (`created_at`, then `id`).
   * @example for (const spec of store.listTaskSpecs(prdId)) console.log(spec.phase_name, spec.status);
   */
  listTaskSpecs(prdId: string): TaskSpec[] {
    return this.#records.listTaskSpecs(prdId);
  }

  /**
   * Task specs with status `pending`, oldest first.
   * @example const waiting = store.listPendingTaskSpecs();
   */
  listPendingTaskSpecs(): TaskSpec[] {
    return this.#records.listPendingTaskSpecs();
  }

  /**
   * Pending task specs all of whose `dependencies` are `complete` — the ones an
   * orchestrator can start now — oldest first. A dependency on an id that is not a live
   * task spec (never created, deleted) is not complete, so it keeps the spec waiting;
   * `check()` reports it as a dangling reference. Answered from the readiness graph the
   * cache maintains on every write, so it costs what its answer costs.
   * @example for (const spec of store.listReadyTaskSpecs()) startLoop(spec);
   */
  listReadyTaskSpecs(): TaskSpec[] {
    return this.#records.readiness.listReadyTaskSpecs();
  }

  /**
   * Claims a task spec for `claimant`: `status: 'running'`, `assigned_to: claimant`,
   * `lease_expires_at: now + leaseMs` (default 5 minutes, at most `MAX_LEASE_MS` = 24
   * hours), in one conditional write under the write lock, and returns the claimed
   * version. The spec must be claimable: ready, or running under a lease that expired
   * (or that ends more than 25 hours from now, which only a clock far ahead writes). Claiming a spec you already hold
   * renews it. Throws `ClaimedError` when another claimant holds a live lease,
   * `StaleError` when the spec is not ready (waiting, complete, failed, blocked),
   * `NotFoundError` unless it is live.
   * @example const spec = store.claimTaskSpec(id, 'loop-7', { leaseMs: 60_000 });
   */
  claimTaskSpec(id: string, claimant: string, options?: ClaimOptions): TaskSpec {
    return this.#records.readiness.claimTaskSpec(id, claimant, options);
  }

  /**
   * Claims the claimable task spec created first (smaller id first among those created
   * in the same millisecond), optionally within one PRD, and returns it; undefined when
   * none is claimable; `NotFoundError` when `prdId` names no live PRD. Exactly once:
   * however many processes call this at the same time, each spec goes to one of them (the
   * choice and the write happen under the write lock).
   * @example for (let spec; (spec = store.claimNextReadyTaskSpec('loop-7')); ) work(spec);
   */
  claimNextReadyTaskSpec(claimant: string, options?: ClaimNextOptions): TaskSpec | undefined {
    return this.#records.readiness.claimNextReadyTaskSpec(claimant, options);
  }

  /**
   * Extends the lease of a claim `claimant` holds to now + leaseMs (the heartbeat) and
   * returns the new version. Throws `ClaimedError` when anyone else holds it, or nobody.
   * @example setInterval(() => store.renewTaskSpecClaim(spec.id, 'loop-7'), 60_000);
   */
  renewTaskSpecClaim(id: string, claimant: string, options?: ClaimOptions): TaskSpec {
    return this.#records.readiness.renewTaskSpecClaim(id, claimant, options);
  }

  /**
   * Gives a claim back: the spec gets `status` (default `pending`, so it is claimable
   * again once ready), `assigned_to` and `lease_expires_at` are cleared; returns the new
   * version. Throws `ClaimedError` unless `claimant` holds it.
   * @example store.releaseTaskSpecClaim(spec.id, 'loop-7', { status: 'failed' });
   */
  releaseTaskSpecClaim(id: string, claimant: string, options?: ReleaseOptions): TaskSpec {
    return this.#records.readiness.releaseTaskSpecClaim(id, claimant, options);
  }

  /**
   * Running task specs whose lease ended (their claimant stopped heartbeating) or ends
   * more than `MAX_LEASE_MS + LEASE_CLOCK_SKEW_MS` from now (written by a clock far
   * ahead), in claim order: claimable again by anyone.
   * @example for (const spec of store.listExpiredClaims()) log.warn(`${spec.assigned_to} went quiet on ${spec.id}`);
   */
  listExpiredClaims(): TaskSpec[] {
    return this.#records.readiness.listExpiredClaims();
  }

  /**
   * Creates an execution (one loop run on a task spec) and returns its id. `ts_id` must
   * name a live task spec (else `NotFoundError`, nothing written). `status` defaults to
   * `running`, `started_at` to now, `iteration_count` to 0, the optional fields to null.
   * @example const execId = store.createExecution({ ts_id: specId, worktree_path: '/wt/1', branch_name: 'ts/1' });
   */
  createExecution(e: NewExecution): string {
    return this.#records.createExecution(e);
  }

  /**
   * The execution, or undefined.
   * @example const exec = store.getExecution(execId);
   */
  getExecution(id: string): Execution | undefined {
    return this.#records.getExecution(id);
  }

  /**
   * Replaces the whole execution and returns the new version (`started_at`, when
   * omitted, keeps the current value). Throws `NotFoundError` unless it is live, or when
   * `ts_id` names no live task spec; with `ifUpdatedAt`, `StaleError` unless the
   * current version has that `updated_at`.
   * @example store.updateExecution(execId, { ...exec, iteration_count: 3, current_phase: 'test' }, { ifUpdatedAt: exec.updated_at });
   */
  updateExecution(id: string, e: NewExecution, options?: WriteOptions): Execution {
    return this.#records.updateExecution(id, e, options);
  }

  /**
   * Executions, optionally only those with `status`, oldest first (`started_at`, then `id`).
   * @example const failed = store.listExecutions('failed');
   */
  listExecutions(status?: ExecutionStatus): Execution[] {
    return this.#records.listExecutions(status);
  }

  /**
   * Executions with status `running`, oldest first.
   * @example const running = store.listActiveExecutions().length;
   */
  listActiveExecutions(): Execution[] {
    return this.#records.listActiveExecutions();
  }

  /**
   * One page of {@link listExecutions}: `limit` executions after skipping `offset`. The
   * order (`started_at`, then `id`) is total, so consecutive pages of an unchanged store
   * neither skip nor repeat an execution; status changes do not reorder executions.
   * @example const page2 = store.listExecutionsPaginated(undefined, 50, 50);
   */
  listExecutionsPaginated(status: ExecutionStatus | undefined, limit: number, offset: number): Execution[] {
    return this.#records.listExecutionsPaginated(status, limit, offset);
  }

  /**
   * Marks an execution complete, in one transaction: the execution → `complete` with
   * `completed_at`; its task spec → `complete`; and when every live task spec of that
   * PRD is then complete, the PRD → `complete` (unless it is `cancelled`: an operator's
   * decision, kept). A `failed` or `stopped` execution is refused with `StaleError`,
   * nothing written (set its status back first if it really finished). Throws `NotFoundError` unless the
   * execution is live (with `ifUpdatedAt`, `StaleError` unless the execution's current
   * version has that `updated_at`). Completing twice changes nothing: an execution already
   * completed (`complete` with a `completed_at`) is left alone, and so are its task spec
   * and PRD whatever their status now (a retry never undoes a reopen of the spec); the
   * result then holds the current versions and `alreadyComplete: true`, and no claimant
   * check is made. When `ts_id` names no live task spec, only the execution is
   * completed. The task spec's claim lease (`lease_expires_at`) is cleared; `assigned_to`
   * stays (it names who did the work). With `claimant`, completes only if that claimant
   * holds the task spec (or already completed it): `ClaimedError` when another claimant took
   * it over after the lease ran out, completed it, or the claim was released.
   * @example const { prd } = store.completeExecution(execId, { claimant: 'loop-7' }); if (prd?.status === 'complete') announce(prd);
   */
  completeExecution(id: string, options?: CompleteExecutionOptions): CompleteExecutionResult {
    return this.#records.completeExecution(id, options);
  }

  /**
   * Creates a dependency between executions and returns its id. `from_exec_id` (and
   * `to_exec_id` when not null; null = broadcast) must name live executions (else
   * `NotFoundError`, nothing written).
   * @example store.createDependency({ from_exec_id: a, to_exec_id: b, dependency_type: 'notify' });
   */
  createDependency(d: NewDependency): string {
    return this.#records.createDependency(d);
  }

  /**
   * The dependency, or undefined.
   * @example const dep = store.getDependency(depId);
   */
  getDependency(id: string): Dependency | undefined {
    return this.#records.getDependency(id);
  }

  /**
   * Sets `resolved_at` to now (and `payload`, when given; null clears it) and returns
   * the new version. Throws `NotFoundError` unless the dependency is live; with
   * `ifUpdatedAt`, `StaleError` unless its current version has that `updated_at`.
   * @example store.resolveDependency(depId, JSON.stringify({ schemaVersion: 3 }));
   * store.resolveDependency(depId, undefined, { ifUpdatedAt: dep.updated_at });
   */
  resolveDependency(id: string, payload?: string | null, options?: WriteOptions): Dependency {
    return this.#records.resolveDependency(id, payload, options);
  }

  /**
   * The dependencies whose `from_exec_id` or `to_exec_id` is `execId`, oldest first.
   * Broadcasts (`to_exec_id` null) appear only under their sender.
   * @example const open = store.listDependencies(execId).filter((d) => d.resolved_at === null);
   */
  listDependencies(execId: string): Dependency[] {
    return this.#records.listDependencies(execId);
  }

  /**
   * Creates a workflow template and returns its id. `name` must not be taken by another
   * live workflow (else `AlreadyExistsError`, nothing written).
   * @example store.createWorkflow({ name: 'tdd', version: '1.0', content: 'phases: …' });
   */
  createWorkflow(w: NewWorkflow): string {
    return this.#records.createWorkflow(w);
  }

  /**
   * The workflow, or undefined.
   * @example const wf = store.getWorkflow(id);
   */
  getWorkflow(id: string): Workflow | undefined {
    return this.#records.getWorkflow(id);
  }

  /**
   * The live workflow named `name`, or undefined. (Should a merge of two branches leave
   * two with one name, the older one is returned and `check()` reports the duplicate.)
   * @example const wf = store.getWorkflowByName(spec.workflow_name ?? 'default');
   */
  getWorkflowByName(name: string): Workflow | undefined {
    return this.#records.getWorkflowByName(name);
  }

  /**
   * Replaces the whole workflow and returns the new version. Throws `NotFoundError`
   * unless it is live, `AlreadyExistsError` when renaming it to another live workflow's
   * name; with `ifUpdatedAt`, `StaleError` unless the current version has that `updated_at`.
   * @example store.updateWorkflow(id, { ...wf, version: '1.1' }, { ifUpdatedAt: wf.updated_at });
   */
  updateWorkflow(id: string, w: NewWorkflow, options?: WriteOptions): Workflow {
    return this.#records.updateWorkflow(id, w, options);
  }

  /**
   * Every live workflow, by name.
   * @example const names = store.listWorkflows().map((w) => w.name);
   */
  listWorkflows(): Workflow[] {
    return this.#records.listWorkflows();
  }

  /**
   * Records the last commit synced for a repository (upsert; the record's id is
   * `repoPath`) and returns it. Other fields of an existing record are kept.
   * @example store.setRepoState('/src/app', 'a1b2c3d');
   */
  setRepoState(repoPath: string, lastSyncedCommit: string): RepoState {
    return this.#records.setRepoState(repoPath, lastSyncedCommit);
  }

  /**
   * The repository's state, or undefined when none was recorded.
   * @example const since = store.getRepoState('/src/app')?.last_synced_commit;
   */
  getRepoState(repoPath: string): RepoState | undefined {
    return this.#records.getRepoState(repoPath);
  }

  /**
   * Groups of live task specs whose dependencies form a cycle — two or more specs that
   * reach each other, or one that depends on itself — each group once, as ascending
   * ids, groups ordered by their first id. Such specs can never become ready.
   * Dependencies on missing ids are ignored.
   * @example for (const group of store.findDependencyCycles()) console.warn('cycle:', group.join(' ↔ '));
   */
  findDependencyCycles(): string[][] {
    return this.#records.readiness.findDependencyCycles();
  }

  // ---------------------------------------------------------------- git

  /**
   * Registers the merge driver in this clone's git config, adds the `.gitattributes`
   * line and installs the hooks. Idempotent; keeps existing hook content.
   * Throws `IoError` when the store is not inside a git work tree.
   * @example Store.open('.taskstore').installGitIntegration();
   */
  installGitIntegration(): GitIntegrationReport {
    return installGitIntegration({ storeDir: this.dir });
  }

  /** Removes exactly what {@link installGitIntegration} added. */
  uninstallGitIntegration(): GitIntegrationReport {
    return uninstallGitIntegration({ storeDir: this.dir });
  }

  /** What is installed: driver config, attributes line, hooks (never throws outside git). */
  gitIntegrationStatus(): GitIntegrationStatus {
    return gitIntegrationStatus({ storeDir: this.dir });
  }

  /**
   * Commits the store's changed files (and nothing else), fetches, merges the remote
   * branch with the merge driver (installing it first if this clone lacks it), pushes,
   * and on a rejected push starts again from the fetch after a jittered wait. Never
   * force-pushes. Rejects with `MERGE_CONFLICT` (work tree left mid-merge, nothing pushed)
   * or `GIT_SYNC` (`data.reason` says why). Safe while other processes write: the store's
   * write lock is held while the snapshot is committed and while the merge runs.
   * @example const report = await store.gitSync({ remote: 'origin' });
   */
  gitSync(options: GitSyncOptions = {}): Promise<GitSyncReport> {
    const engine = this.#engine;
    // Under the lock first (whose journal recovery sets aside a torn line a writer that
    // died left) and caught up, so the snapshot equals the log and git's merge is not
    // refused over the torn tail.
    const synced = gitSync({ dir: this.dir, withWriteLock: (fn) => engine.writeCaughtUp(fn), logger: engine.options.logger }, options);
    // And after: git-sync's merge skips the post-merge hook's refresh, and this store (with
    // every process sharing its cache) would otherwise read the records it received only
    // after the next write or refresh().
    return synced.then((report) => {
      if (!engine.closed) engine.refresh();
      return report;
    });
  }

  /**
   * Uncommitted store changes per collection, commits ahead of / behind the upstream (as
   * of the last fetch), driver and hooks installed, and the last git-sync time in this
   * work tree. Reads only; never touches the network.
   * @example const { ahead, behind, uncommittedLines } = store.syncStatus();
   */
  syncStatus(): SyncStatus {
    return syncStatus(this.dir);
  }
}
