#!/usr/bin/env node
/**
 * The `taskstore-merge` binary: git runs it once per merged `.taskstore/*.jsonl` file as
 * `taskstore-merge %O %A %B %P`. It imports only the merge driver (no SQLite, no CLI
 * framework) so that start-up stays fast.
 *
 * Other code (the `taskstore merge` subcommand) calls `runMergeDriver` from
 * `src/merge/driver.ts` directly: importing this file would run the driver.
 *
 * The CLI otherwise imports only the public entry (`src/index.ts`); this binary is the
 * exception on purpose: it is a self-contained program, and going through the entry would
 * load SQLite and the whole store on every merged file.
 */
import { runMergeDriver } from '../merge/driver.js';

process.exitCode = runMergeDriver(process.argv.slice(2));
