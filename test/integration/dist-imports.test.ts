/**
 * The published package installs only `dependencies`: every package the built code loads
 * at run time must be a Node built-in or one of them. Bundled devDependencies (the MCP SDK,
 * uuid) must leave no bare import behind, or `taskstore mcp` would fail after a plain
 * `npm install taskstore`. Reads dist/ as `npm test` builds it.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const DIST = join(ROOT, 'dist');

/** Server-side files only: dist/ui holds the browser bundle, which has no imports at all. */
function distFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'ui' ? [] : distFiles(path);
    return entry.name.endsWith('.js') ? [path] : [];
  });
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
    const files = distFiles(DIST);
    expect(files.length).toBeGreaterThan(3);
    const undeclared: string[] = [];
    for (const file of files) {
      for (const name of loadedPackages(readFileSync(file, 'utf8'))) {
        if (!isBuiltin(name) && !(name in pkg.dependencies)) undeclared.push(`${name} (${file.slice(DIST.length + 1)})`);
      }
    }
    expect(undeclared).toEqual([]);
  });
});
