/**
 * The CLI side (the command line, its MCP server, the dashboard's server) uses the
 * library only through its public entry, src/index.ts: whatever the CLI needs is part of
 * the documented API, and the library's internals can change without breaking it.
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
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('the CLI imports only the public entry', () => {
  it('no file under src/cli or src/ui/server imports library modules past src/index.ts', () => {
    const offending: string[] = [];
    const files = [...sources(join(SRC, 'cli')), ...sources(join(SRC, 'ui/server'))];
    expect(files.length).toBeGreaterThan(40);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const from = relative(SRC, file);
      for (const m of text.matchAll(/(?:from\s+|import\()\s*'(\.[^']+)'/g)) {
        const target = relative(SRC, resolve(dirname(file), m[1]!)).replace(/\.js$/, '.ts');
        if (target.startsWith('..')) continue; // package.json
        const cliSide = target.startsWith('cli/') || target.startsWith('ui/');
        if (cliSide || target === 'index.ts' || ALLOWED[from]?.includes(target)) continue;
        offending.push(`${from} imports ${target}`);
      }
    }
    expect(offending).toEqual([]);
  });
});
