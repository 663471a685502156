import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'cli/main': 'src/cli/main.ts',
    'cli/merge-main': 'src/cli/merge-main.ts',
  },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  // Code splitting keeps CLI start-up small: a command loads only its own chunk.
  splitting: true,
  shims: false,
});
