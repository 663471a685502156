/**
 * What "durable" means for one store, decided once from its `durability` option and
 * handed to every piece of code that writes: each asks it to flush instead of testing a
 * boolean. With `'none'` every flush is skipped (tests, throwaway data); the writes
 * themselves are the same.
 */
import { fdatasyncSync, fsyncSync } from 'node:fs';
import { fsyncDirectory, fsyncFile } from './sync.js';

type DurabilityMode = 'fsync' | 'none';

export interface Durability {
  /** False when flushes are skipped (`durability: 'none'`). */
  readonly enabled: boolean;
  /** fsync: the file's data and metadata (size included), e.g. after a truncate. */
  syncFile(fd: number): void;
  /** fdatasync: the file's data and what is needed to read it back (an append's new size), not its times. */
  syncData(fd: number): void;
  /** fsync by path, for a file written without a descriptor. */
  syncPath(path: string): void;
  /** Flushes a directory after a file in it was created or renamed (best effort, never throws). */
  syncDir(dir: string): void;
}

/** Every flush performed: a write returns once it is on disk. */
export const FSYNC: Durability = Object.freeze({
  enabled: true,
  syncFile: (fd: number) => fsyncSync(fd),
  syncData: (fd: number) => fdatasyncSync(fd),
  syncPath: fsyncFile,
  syncDir: fsyncDirectory,
});

/** Every flush skipped: the operating system writes back when it likes. */
export const NO_FSYNC: Durability = Object.freeze({
  enabled: false,
  syncFile: () => {},
  syncData: () => {},
  syncPath: () => {},
  syncDir: () => {},
});

export function durabilityFor(mode: DurabilityMode): Durability {
  return mode === 'fsync' ? FSYNC : NO_FSYNC;
}
