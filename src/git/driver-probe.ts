import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shellQuote } from './shell-quote.js';

/** A record line every correct driver merges cleanly when base, ours and theirs all hold it. */
const PROBE_LINE = '{"id":"taskstore-driver-probe","updated_at":1}\n';

/** How long the probe may take; a driver that hangs this long is as good as broken. */
const PROBE_TIMEOUT_MS = 15_000;

/**
 * Expands git's merge-driver placeholders the way git does (`%O %A %B %P %L %S %X %Y`,
 * `%%`), quoting every substituted path for sh. Unknown placeholders stay as they are.
 */
function expandDriverCommand(command: string, values: { base: string; ours: string; theirs: string; path: string }): string {
  const table: Record<string, string> = {
    O: shellQuote(values.base),
    A: shellQuote(values.ours),
    B: shellQuote(values.theirs),
    P: shellQuote(values.path),
    L: '7',
    S: shellQuote('base'),
    X: shellQuote('ours'),
    Y: shellQuote('theirs'),
    '%': '%',
  };
  return command.replace(/%(.)/gs, (whole, key: string) => table[key] ?? whole);
}

/**
 * Runs a configured merge driver command on three identical one-record files, the way
 * git would (through `sh -c`, from the work tree root), and says whether it exits 0. This
 * catches what a config lookup cannot: node moved or upgraded, the package deleted, a
 * driver that rejects git's arguments.
 */
export function probeDriverCommand(command: string, workTree: string, samplePath: string): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'taskstore-driver-probe-'));
  try {
    const files = { base: join(dir, 'base'), ours: join(dir, 'ours'), theirs: join(dir, 'theirs') };
    for (const file of Object.values(files)) writeFileSync(file, PROBE_LINE);
    const result = spawnSync('/bin/sh', ['-c', expandDriverCommand(command, { ...files, path: samplePath })], {
      cwd: workTree,
      stdio: 'ignore',
      timeout: PROBE_TIMEOUT_MS,
    });
    return result.error === undefined && result.status === 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
