/**
 * The library examples of README.md, as a first-time user runs them: each ```ts block is
 * copied into a scratch project that imports the package by name (`taskstore`, the built
 * dist/), type-checked with the project's strict settings and run with node. A statement
 * commented `// → <value>` must print that value.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';

const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

/** The ```ts blocks of the README section whose heading starts with `heading`. */
function tsBlocks(heading: string): string[] {
  const start = README.indexOf(`\n## ${heading}`);
  if (start < 0) throw new Error(`README.md has no section "## ${heading}"`);
  const end = README.indexOf('\n## ', start + 1);
  const section = README.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/\n```ts\n([\s\S]*?)\n```/g)].map((m) => m[1]!);
}

/** A scratch project where `import … from 'taskstore'` resolves to this build. */
function scratchProject(): string {
  const dir = tempDir('taskstore-readme-');
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(REPO_ROOT, join(dir, 'node_modules', 'taskstore'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  return dir;
}

const COMPILER: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  types: [],
};

function typeErrors(files: string[]): string[] {
  const program = ts.createProgram(files, COMPILER);
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file ? `${d.file.fileName.split('/').pop()}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

/** `expr; // → value` becomes a line that prints both, so the run can compare them. */
function withClaimsPrinted(code: string): { code: string; claims: number } {
  let claims = 0;
  const lines = code.split('\n').map((line) => {
    const m = /^(\s*)(.+?);\s*\/\/ → (.+)$/.exec(line);
    if (!m) return line;
    claims++;
    return `${m[1]}console.log(JSON.stringify([${m[2]}, ${m[3]}]));`;
  });
  return { code: lines.join('\n'), claims };
}

/** Type-checks `code` as a file of a scratch project, then runs it there with node. */
function runExample(code: string): { stdout: string; stderr: string; status: number | null; typeErrors: string[] } {
  const project = scratchProject();
  const file = join(project, 'example.ts');
  writeFileSync(file, code);
  const errors = typeErrors([file]);
  const js = ts.transpileModule(code, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022 } }).outputText;
  writeFileSync(join(project, 'example.mjs'), js);
  const run = spawnSync(process.execPath, ['example.mjs'], { cwd: project, encoding: 'utf8', timeout: 30_000 });
  return { stdout: run.stdout, stderr: run.stderr, status: run.status, typeErrors: errors };
}

describe('README.md library examples, copied as they are into a project', () => {
  for (const heading of ['Library quick start', 'Orchestrator records', 'Coordination']) {
    it(`${heading}: type-checks, runs, and prints what its comments say`, () => {
      const blocks = tsBlocks(heading);
      expect(blocks).toHaveLength(1);
      const { code, claims } = withClaimsPrinted(blocks[0]!);
      const run = runExample(code);
      expect(run.typeErrors).toEqual([]);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const printed = run.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as [unknown, unknown]);
      expect(printed).toHaveLength(claims);
      for (const [actual, claimed] of printed) expect(actual).toEqual(claimed);
    });
  }

  it('the Generic collections block is the collection() signature, not a program', () => {
    expect(tsBlocks('Generic collections')).toEqual(['const c = store.collection<T>({ name, indexes?, schema? });']);
  });
});
