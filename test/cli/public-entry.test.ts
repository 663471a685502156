/**
 * The CLI side (the command line, its MCP server, the dashboard's server, and the code
 * they share in src/shared) uses the library only through its public entry, src/index.ts:
 * whatever the CLI needs is part of the documented API, and the library's internals can
 * change without breaking it. The dashboard's server does not reach into the command
 * line: what both need lives in src/shared, which imports neither of them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** Imports that go past the entry on purpose, each with its reason. */
const ALLOWED: Record<string, string[]> = {
  // The merge driver is a program of its own that git runs per merged file: going through
  // the entry would load SQLite and the whole store every time.
  'cli/merge-main.ts': ['merge/driver.ts'],
  'cli/commands/merge.ts': ['merge/driver.ts'],
  // Loaded by main.ts on every start; the entry re-exports this module unchanged.
  'cli/errors.ts': ['errors.ts'],
  // Loaded by main.ts on every start too: the library's pure control-character speller
  // (no imports), shared so the CLI and the library's own messages spell alike.
  'cli/terminal-safe.ts': ['jsonl/control-chars.ts'],
  // The temporary copy of an unwritable store opens its logs exactly as the store does
  // (never through a symbolic link, with the store's own error), and knows a log by the
  // store's own file-name rule: both pure of SQLite, and one definition each.
  'cli/read-only-store.ts': ['fs/open-log-file.ts', 'jsonl/collection-name.ts'],
  // A hint that names a command with the store's path quotes it as the hooks quote
  // paths (a path with a space, copied unquoted, ran another command): pure, one definition.
  'cli/open-store.ts': ['git/shell-quote.ts'],
  // The MCP server hands the copy of zod its SDK imports to the record schemas, so the
  // process loads zod once: a detail of how the library loads zod, not API.
  'cli/mcp/one-zod.ts': ['records/lazy-zod.ts'],
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('the CLI imports only the public entry', () => {
  const imports = (dirs: string[]): { from: string; target: string }[] =>
    dirs.flatMap((dir) => sources(join(SRC, dir))).flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      const from = relative(SRC, file);
      return [...text.matchAll(/(?:from\s+|import\()\s*'(\.[^']+)'/g)]
        .map((m) => ({ from, target: relative(SRC, resolve(dirname(file), m[1]!)).replace(/\.js$/, '.ts') }))
        .filter(({ target }) => !target.startsWith('..')); // package.json
    });

  it('no file under src/cli, src/ui/server or src/shared imports library modules past src/index.ts', () => {
    const all = imports(['cli', 'ui/server', 'shared']);
    expect(new Set(all.map((i) => i.from)).size).toBeGreaterThan(40);
    const offending: string[] = [];
    for (const { from, target } of all) {
      const cliSide = target.startsWith('cli/') || target.startsWith('ui/') || target.startsWith('shared/');
      if (cliSide || target === 'index.ts' || ALLOWED[from]?.includes(target)) continue;
      offending.push(`${from} imports ${target}`);
    }
    expect(offending).toEqual([]);
  });

  it('the dashboard server never imports the command line, and src/shared imports neither', () => {
    const offending = [
      ...imports(['ui']).filter(({ target }) => target.startsWith('cli/')),
      ...imports(['shared']).filter(({ target }) => target.startsWith('cli/') || target.startsWith('ui/')),
    ].map(({ from, target }) => `${from} imports ${target}`);
    expect(offending).toEqual([]);
    // The modules the dashboard server shares with the CLI are there to be checked.
    expect(imports(['ui/server']).some(({ target }) => target.startsWith('shared/'))).toBe(true);
  });
});
