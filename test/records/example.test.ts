/**
 * The orchestrator example of docs/records.md, run for real. The code between the
 * `example:start` / `example:end` markers is the documented example, byte for byte
 * (the last test below checks that the document still matches it).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { tempDir } from '../helpers/temp.js';

const HERE = dirname(fileURLToPath(import.meta.url));

describe('docs/records.md example', () => {
  it('runs: a PRD decomposed into three task specs, executed in dependency order', () => {
    const cwd = process.cwd();
    process.chdir(tempDir());
    try {
      // example:start
      const store = Store.open('.taskstore');

      // A PRD, decomposed into three task specs: api needs schema, ui needs api.
      const prdId = store.createPrd({ title: 'Full-text search', status: 'active', content: '# Search\n…' });
      const schema = store.createTaskSpec({ prd_id: prdId, phase_name: 'schema' });
      const api = store.createTaskSpec({ prd_id: prdId, phase_name: 'api', dependencies: [schema] });
      const ui = store.createTaskSpec({ prd_id: prdId, phase_name: 'ui', dependencies: [api] });
      const cycles = store.findDependencyCycles(); // → []

      // The orchestrator loop: start every ready spec, complete what finishes.
      const order: string[] = [];
      while (store.listReadyTaskSpecs().length > 0) {
        for (const spec of store.listReadyTaskSpecs()) {
          store.updateTaskSpec(spec.id, { ...spec, status: 'running' });
          const execId = store.createExecution({
            ts_id: spec.id,
            worktree_path: `/work/wt/${spec.phase_name}`,
            branch_name: `ts/${spec.phase_name}`,
          });
          order.push(spec.phase_name);
          // … the agent loop runs in the worktree; it tells the other loops what it shares:
          store.createDependency({ from_exec_id: execId, dependency_type: 'share', payload: `${spec.phase_name} merged` });
          store.completeExecution(execId); // execution, task spec (and, last, the PRD) → complete
        }
      }

      const sequence = order.join(', '); // → 'schema, api, ui'
      const prdStatus = store.getPrd(prdId)!.status; // → 'complete'
      const specStatuses = store.listTaskSpecs(prdId).map((t) => t.status); // → ['complete', 'complete', 'complete']
      const running = store.listActiveExecutions().length; // → 0
      store.close();
      // example:end

      expect(cycles).toEqual([]);
      expect(sequence).toBe('schema, api, ui');
      expect([schema, api, ui]).toHaveLength(3);
      expect(prdStatus).toBe('complete');
      expect(specStatuses).toEqual(['complete', 'complete', 'complete']);
      expect(running).toBe(0);
    } finally {
      process.chdir(cwd);
    }
  });

  it('is the code shown in docs/records.md', () => {
    const source = readFileSync(join(HERE, 'example.test.ts'), 'utf8');
    const region = source.slice(source.indexOf('// example:start\n') + '// example:start\n'.length, source.indexOf('      // example:end'));
    const code = region
      .split('\n')
      .map((line) => line.replace(/^ {6}/, ''))
      .join('\n')
      .trimEnd();
    const doc = readFileSync(join(HERE, '..', '..', 'docs', 'records.md'), 'utf8');
    expect(doc).toContain(["```ts", "import { Store } from 'taskstore';", '', code, '```'].join('\n'));
  });
});
