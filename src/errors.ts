/**
 * Every error TaskStore throws on purpose is a {@link TaskStoreError} with a stable
 * `code`. Callers branch on `code` (or `instanceof`), never on message text.
 * Messages say what happened; `hint` says what to do next.
 */

export type ErrorCode =
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'VALIDATION'
  | 'CONFLICT_MARKERS'
  | 'CORRUPT'
  | 'TOO_LARGE'
  | 'IO'
  | 'INVALID_NAME'
  | 'UNSUPPORTED_VERSION'
  | 'LOCKED'
  | 'STALE'
  | 'CLAIMED'
  | 'REFERENCED'
  | 'MERGE_CONFLICT'
  | 'GIT_SYNC';

export interface ErrorOptions {
  /** Structured details for programs (ids, file, line, field ...). */
  data?: Record<string, unknown>;
  /** What the user can do about it. */
  hint?: string;
  cause?: unknown;
}

export class TaskStoreError extends Error {
  readonly code: ErrorCode;
  readonly data: Record<string, unknown>;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.data = options.data ?? {};
    this.hint = options.hint;
  }
}

/** The record (or collection) does not exist, or is deleted. */
export class NotFoundError extends TaskStoreError {
  constructor(message: string, options?: ErrorOptions) {
    super('NOT_FOUND', message, options);
  }
}

/** A live record with that id (or a unique key such as a workflow name) exists already. */
export class AlreadyExistsError extends TaskStoreError {
  constructor(message: string, options?: ErrorOptions) {
    super('ALREADY_EXISTS', message, options);
  }
}

/** The input does not have the required shape; `field` names the offending field. */
export class ValidationError extends TaskStoreError {
  readonly field: string | undefined;
  constructor(message: string, options: ErrorOptions & { field?: string } = {}) {
    super('VALIDATION', message, {
      ...options,
      data: { ...(options.data ?? {}), ...(options.field === undefined ? {} : { field: options.field }) },
    });
    this.field = options.field;
  }
}

/** A JSONL file holds an unresolved git merge conflict. */
export class ConflictMarkersError extends TaskStoreError {
  readonly file: string;
  readonly line: number;
  constructor(file: string, line: number, options: ErrorOptions = {}) {
    super('CONFLICT_MARKERS', `${file} line ${line} has a git conflict marker: the file is an unresolved merge`, {
      hint: 'resolve the conflict (keep the version you want between the <<<<<<< / ======= / >>>>>>> lines and delete the markers), then run `taskstore sync`',
      ...options,
      data: { file, line, ...(options.data ?? {}) },
    });
    this.file = file;
    this.line = line;
  }
}

/** Stored data cannot be read as TaskStore data. */
export class CorruptError extends TaskStoreError {
  constructor(message: string, options?: ErrorOptions) {
    super('CORRUPT', message, options);
  }
}

/** A record is larger than `maxRecordBytes`. */
export class TooLargeError extends TaskStoreError {
  constructor(message: string, options?: ErrorOptions) {
    super('TOO_LARGE', message, options);
  }
}

/** The file system refused: not writable, disk full, I/O error. */
export class IoError extends TaskStoreError {
  constructor(message: string, options?: ErrorOptions) {
    super('IO', message, options);
  }
}

/** A collection (or field) name that is not allowed. */
export class InvalidNameError extends TaskStoreError {
  constructor(message: string, options?: ErrorOptions) {
    super('INVALID_NAME', message, options);
  }
}

/** The store was written by a newer TaskStore format than this code understands. */
export class UnsupportedVersionError extends TaskStoreError {
  constructor(message: string, options?: ErrorOptions) {
    super('UNSUPPORTED_VERSION', message, options);
  }
}

/** The write lock could not be taken: another process held it past the timeout, or another Store object in this process is writing. */
export class LockedError extends TaskStoreError {
  constructor(message: string, options?: ErrorOptions) {
    super('LOCKED', message, options);
  }
}

/**
 * A conditional write (`ifUpdatedAt`) found that the record moved on: its current
 * version's `updated_at` is not the expected one, or it was deleted (`actual` null).
 * Nothing was written. `data: { id, expected, actual }`.
 */
export class StaleError extends TaskStoreError {
  constructor(message: string, options: ErrorOptions & { data: { id: string; expected: number | null; actual: number | null } & Record<string, unknown> }) {
    super('STALE', message, {
      hint: 'read the record again (its current version has another updated_at), then decide whether to retry',
      ...options,
    });
  }
}

/**
 * A task spec is claimed by someone else (or, for renew/release, not by you).
 * `data: { id, claimant, leaseExpiresAt }` names the current holder (`claimant` null
 * when nobody holds it).
 */
export class ClaimedError extends TaskStoreError {
  constructor(
    message: string,
    options: ErrorOptions & { data: { id: string; claimant: string | null; leaseExpiresAt: number | null } & Record<string, unknown> },
  ) {
    super('CLAIMED', message, options);
  }
}

/**
 * `git-sync` merged and git reported conflicted files (a true record conflict, or any
 * other file in the merge). `data.files` names them; the work tree is left mid-merge.
 */
export class MergeConflictError extends TaskStoreError {
  readonly files: string[];
  constructor(message: string, files: string[], options: ErrorOptions = {}) {
    super('MERGE_CONFLICT', message, { ...options, data: { files, ...(options.data ?? {}) } });
    this.files = files;
  }
}

/**
 * `git-sync` could not finish for a reason other than a conflict: no remote, a detached
 * HEAD, a merge already in progress, every push rejected... `data.reason` says which.
 */
export class GitSyncError extends TaskStoreError {
  constructor(message: string, options?: ErrorOptions) {
    super('GIT_SYNC', message, options);
  }
}

/** A delete refused because live records still reference the record (`data.referencedBy` lists them). */
export class ReferencedError extends TaskStoreError {
  constructor(message: string, options?: ErrorOptions) {
    super('REFERENCED', message, options);
  }
}

/** Wraps a Node.js file-system error as an {@link IoError} that names the operation and path. */
export function ioError(operation: string, path: string, cause: unknown): IoError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const why =
    code === 'ENOSPC'
      ? 'the disk is full'
      : code === 'EROFS'
        ? 'the file system is read-only (EROFS)'
        : code === 'EACCES' || code === 'EPERM'
          ? `permission denied (${code})`
          : code === 'EIO'
            ? 'an I/O error occurred'
            : code === 'ENOTDIR'
              ? 'a path above it is a file, not a directory'
              : cause instanceof Error
              ? cause.message
              : String(cause);
  return new IoError(`cannot ${operation} ${path}: ${why}`, {
    cause,
    data: { path, errno: code },
    hint: code === 'ENOSPC' ? 'free some disk space and retry; nothing was written' : code === 'ENOTDIR' ? 'name a path whose parents are directories' : undefined,
  });
}
