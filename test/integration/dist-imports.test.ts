/**
 * The published package installs only `dependencies`: every package the built code loads
 * at run time must be a Node built-in or one of them. Bundled devDependencies (the MCP SDK,
 * uuid) must leave no bare import behind, or `taskstore mcp` would fail after a plain
 * `npm install taskstore`. Reads dist/ as `npm test` builds it, from the package's entry points.
 */
import { readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const DIST = join(ROOT, 'dist');

/** The files a program starting at `entries` can load: followed through relative imports, so stale chunks of earlier builds (tsup runs with `clean: false`) are not read. */
function reachableFiles(entries: string[]): string[] {
  const seen = new Set<string>();
  const pending = [...entries];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/(?:from\s*|import\s*\(\s*)"(\.{1,2}\/[^"]+)"/g)) pending.push(join(dirname(file), match[1]!));
  }
  return [...seen];
}

/**
 * Bare specifiers loaded by `import … from`, `import()`, `require()` or a createRequire'd
 * require. A specifier inside a string or template (code that a library generates but
 * never runs here, as ajv's standalone mode) is preceded by a quote and skipped.
 */
export function loadedPackages(source: string): Set<string> {
  const found = new Set<string>();
  const pattern = /(^|[^'"`\w.])(?:from\s*|import\s*\(\s*|require\w*\s*\(\s*|createRequire\([^)]*\)\(\s*)"([^"]+)"/g;
  for (const match of source.matchAll(pattern)) {
    const specifier = match[2]!;
    if (specifier.startsWith('.') || specifier.startsWith('/')) continue;
    const parts = specifier.split('/');
    found.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
  }
  return found;
}

describe('built package', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

  it('finds bare imports the way the check below relies on', () => {
    const sample = 'import { a } from "fs";\nvar x = require("better-sqlite3");\nconst c = `require("ajv/dist/x")`;\nawait import("@scope/pkg/sub");';
    expect([...loadedPackages(sample)].sort()).toEqual(['@scope/pkg', 'better-sqlite3', 'fs']);
  });

  it('loads nothing at run time but Node built-ins and declared dependencies', () => {
    // The package's entries: the library, the CLI (every command's chunk is a dynamic import) and the merge driver.
    const files = reachableFiles(['index.js', 'cli/main.js', 'cli/merge-main.js'].map((entry) => join(DIST, entry)));
    expect(files.some((file) => file.includes('mcp'))).toBe(true);
    const undeclared: string[] = [];
    for (const file of files) {
      for (const name of loadedPackages(readFileSync(file, 'utf8'))) {
        if (!isBuiltin(name) && !(name in pkg.dependencies)) undeclared.push(`${name} (${file.slice(DIST.length + 1)})`);
      }
    }
    expect(undeclared).toEqual([]);
  });
});
