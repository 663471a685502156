/**
 * The built files a program loads before it runs: `entry` and everything reached from it
 * through static imports, not through `import()` (which is how a command's chunk, and the
 * ui and the MCP server behind it, load only when that command runs). Reads imports as the
 * minified build writes them too: `import{a}from"./x.js"`, `import"./y.js"`.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Every file statically reachable from `entry` (absolute paths, `entry` first), with each one's text. */
export function staticImportClosure(entry: string): Map<string, string> {
  const seen = new Map<string, string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    const text = readFileSync(file, 'utf8');
    seen.set(file, text);
    // esbuild writes every specifier in double quotes; a help text that quotes code
    // (`import '.command()'`) is not a chunk, hence the `.js` ending.
    for (const [, spec] of text.matchAll(/(?:\bfrom|\bimport)\s*"(\.{1,2}\/[^"\s]+\.js)"/g)) visit(resolve(dirname(file), spec!));
  };
  visit(entry);
  return seen;
}

/** The bare specifiers (packages, built-ins) the files statically import. */
export function staticBareImports(files: Map<string, string>): Set<string> {
  const found = new Set<string>();
  for (const text of files.values()) {
    for (const [, spec] of text.matchAll(/(?:\bfrom|\bimport)\s*"([^".][^"\s]*)"/g)) found.add(spec!);
  }
  return found;
}
