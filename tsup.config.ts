import { defineConfig } from 'tsup';

const shared = {
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  clean: false, // several builds may run while tests read dist/; stale chunks are harmless
  shims: false,
  // Syntax only: shorter code parses faster, and every CLI start parses its chunks. Not
  // whitespace: Node prints the source line of an uncaught error, and a chunk minified to
  // one line printed all of its ~200 KB. Names stay, so stack traces stay readable.
  minifySyntax: true,
} as const;

export default defineConfig([
  {
    ...shared,
    entry: {
      index: 'src/index.ts',
      'cli/main': 'src/cli/main.ts',
    },
    dts: { entry: { index: 'src/index.ts' } },
    // Code splitting keeps CLI start-up small: a command loads only its own chunk.
    splitting: true,
    // zod and uuid ship as ~120 small ESM files; bundling them saves their module loading on
    // every CLI start (git hooks run the CLI often). zod stays a dependency because the
    // published types (the record schemas) name it.
    // The MCP SDK and uuid are devDependencies: tsup bundles whatever is not a dependency,
    // so `taskstore mcp` works after a plain install without the SDK's ~90 packages
    // (an HTTP server stack the stdio server never loads). The SDK's code lands in the
    // mcp command's own chunk; no other command loads it.
    //
    // commander (CommonJS) is bundled too: loaded from node_modules it cost six files
    // resolved, read and wrapped on every start, about 3 ms. Its code calls `require` for
    // Node built-ins, which an ES module lacks: the banner gives each chunk one, made on
    // first use (a `createRequire` in each of the ~15 chunks a command loads cost ~3 ms).
    noExternal: ['zod', 'uuid', 'commander'],
    banner: {
      js: "import { createRequire as __taskstoreCreateRequire } from 'node:module'; function require(id) { return (require.cjs ??= __taskstoreCreateRequire(import.meta.url))(id); }",
    },
  },
  {
    ...shared,
    // git runs the merge driver once per merged log: one self-contained file with only the
    // merge code, so its start-up is a single module load (no chunks shared with the CLI).
    entry: { 'cli/merge-main': 'src/cli/merge-main.ts' },
    splitting: false,
  },
  {
    // The `taskstore ui` page: one browser bundle (and the graph layout worker), every
    // library inside it, served from dist/ui/ by the ui server. No CDN: the page works offline.
    entry: { app: 'src/ui/web/main.tsx', 'graph-worker': 'src/ui/web/graph/layout-worker.ts' },
    outDir: 'dist/ui',
    format: ['esm'],
    platform: 'browser',
    target: 'es2022',
    splitting: false,
    sourcemap: true,
    minify: true,
    clean: false,
    dts: false,
    noExternal: [/.*/],
    esbuildOptions(options) {
      options.jsx = 'automatic';
      options.jsxImportSource = 'preact';
    },
  },
]);
